import type { EgressAccess, EgressDestination, EgressSourceSelector, EgressWorkload } from '../egress-access';
import { formatSelector } from '../model/selector';

// Accesses as text and as keys: what queries and the diff compare and print.

/** A destination as text: `httpbin.org:443/HTTPS`. */
export function formatDestination(d: EgressDestination): string {
  return `${d.host.includes(':') ? `[${d.host}]` : d.host}:${d.port}/${d.protocol}`;
}

/** The way the traffic takes, as text: `via egressgateway-a:80, TLS origination to port 443`. */
export function formatRoute(a: EgressAccess): string {
  return `via ${a.gateway}:${a.gatewayPort ?? '(ASM-allocated)'}${a.tlsOrigination ? `, TLS origination to port ${a.upstreamPort}` : ''}`;
}

/** The service account that Kubernetes runs a pod as when it names none. */
const DEFAULT_SERVICE_ACCOUNT = 'default';

/**
 * A source as text: `team-a{app=web}`, and ` as sa/<name>` after it where the output admits it by
 * its service account (a source that differs only in that is another source).
 */
export function formatSource(source: EgressSourceSelector): string {
  return `${formatSelector(source.namespace, source.workloadSelector)}${serviceAccountText(source)}`;
}

/** Identity of a source and destination pair (what the diff compares). */
export function pairKey(a: EgressAccess): string {
  return `${formatSource(a.source)} -> ${formatDestination(a.destination)}`;
}

/** A source and destination pair for people: the source by its workload where it is known. */
export function pairText(a: EgressAccess): string {
  const source = a.source.workload !== undefined ? `${a.source.workload}${serviceAccountText(a.source)}` : formatSource(a.source);
  return `${source} -> ${formatDestination(a.destination)}`;
}

function serviceAccountText(source: EgressSourceSelector): string {
  return source.serviceAccount !== undefined ? ` as sa/${source.serviceAccount}` : '';
}

/** Identity of the way the traffic takes (names of services and rules left out: renaming changes no access). */
export function routeKey(a: EgressAccess): string {
  return formatRoute(a);
}

/** Whether a rule's source matches a workload. */
export function sourceMatches(a: EgressAccess, workload: EgressWorkload): boolean {
  const serviceAccount = workload.serviceAccount ?? DEFAULT_SERVICE_ACCOUNT;
  return sourceCovers(a.source, { namespace: workload.namespace, workloadSelector: workload.labels, serviceAccount });
}

/**
 * Whether every workload of `source` is one of `by`: its namespace is `by`'s (or `by`'s is `*`), its
 * labels include `by`'s selector, and `by` admits any service account or the same one (what
 * EgressDiff calls coverage).
 */
export function sourceCovers(by: EgressSourceSelector, source: EgressSourceSelector): boolean {
  if (by.namespace !== '*' && by.namespace !== source.namespace) return false;
  if (by.serviceAccount !== undefined && by.serviceAccount !== source.serviceAccount) return false;
  const labels = source.workloadSelector ?? {};
  return Object.entries(by.workloadSelector ?? {}).every(([k, v]) => labels[k] === v);
}

/** A `*.` wildcard matches every name below it (not the domain itself); other hosts match exactly. */
export function hostMatches(pattern: string, host: string): boolean {
  return pattern === host || (pattern.startsWith('*.') && host.endsWith(pattern.slice(1)));
}
