import type { EgressAccess, EgressDestination, EgressWorkload } from '../egress-access';
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

/** Identity of a source and destination pair (what the diff compares). */
export function pairKey(a: EgressAccess): string {
  return `${formatSelector(a.source.namespace, a.source.workloadSelector)} -> ${formatDestination(a.destination)}`;
}

/** A source and destination pair for people: the source by its workload where it is known. */
export function pairText(a: EgressAccess): string {
  const source = a.source.workload ?? formatSelector(a.source.namespace, a.source.workloadSelector);
  return `${source} -> ${formatDestination(a.destination)}`;
}

/** Identity of the way the traffic takes (names of services and rules left out: renaming changes no access). */
export function routeKey(a: EgressAccess): string {
  return formatRoute(a);
}

/** Whether a rule's source matches a workload (also used by EgressDiff for coverage). */
export function sourceMatches(a: EgressAccess, workload: EgressWorkload): boolean {
  if (a.source.namespace !== '*' && a.source.namespace !== workload.namespace) return false;
  const labels = workload.labels ?? {};
  return Object.entries(a.source.workloadSelector ?? {}).every(([k, v]) => labels[k] === v);
}

/** A `*.` wildcard matches every name below it (not the domain itself); other hosts match exactly. */
export function hostMatches(pattern: string, host: string): boolean {
  return pattern === host || (pattern.startsWith('*.') && host.endsWith(pattern.slice(1)));
}
