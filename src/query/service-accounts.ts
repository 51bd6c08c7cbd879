import { canonicalHost } from '../checks/host-reach';
import type { EgressAccess } from '../egress-access';
import { USE_WAYPOINT_LABEL } from './ambient-access';

// The service accounts that the output admits sources by. ASM's CRD has no field for them: a source's
// service account reaches the YAML only as a principal (`<trust domain>/ns/<ns>/sa/<name>`) of an
// AuthorizationPolicy, the Istio output's on the gateway or the ambient output's on a ServiceEntry.
// Read back from there, for Apps and YAML alike, an access keeps the identities that the policy
// enforcing it admits on its port: a change of service account is a change of access. The
// policies admit identities per port, not per ASM source, so a namespace admitted by several
// service accounts on a port gives each of its sources one access per service account.

const DRY_RUN_ANNOTATION = 'istio.io/dry-run';
/** The key of a grant for any port (a rule or operation that names none). */
const ANY_PORT = '*';

/** An operation of an ALLOW rule, and whom the rule admits to it. */
interface Grant {
  /** The hosts it is limited to (an HTTP rule of the gateway's), as written. */
  readonly hosts?: string[];
  /** The rule's `from`; empty for anyone. */
  readonly from: any[];
}

/** The grants that decide traffic: a gateway's by `<gateway>|<port>`, a ServiceEntry's by `<namespace>|<host>|<port>`. */
interface AuthorizationIndex {
  readonly gateways: Map<string, Grant[]>;
  readonly entries: Map<string, Grant[]>;
}

/**
 * The accesses, each with the service account that the AuthorizationPolicies among `objects` admit
 * its source by (one access per service account), where they admit it by service account only.
 * Accesses that no such policy enforces, or that one admits by namespace, are left as they are.
 */
export function withServiceAccounts(accesses: EgressAccess[], objects: unknown[]): EgressAccess[] {
  const index = authorizationIndex(objects);
  if (index.gateways.size === 0 && index.entries.size === 0) return accesses;
  return accesses.flatMap((a) => {
    const accounts = serviceAccountsOf(grantsOf(index, a), a.source.namespace);
    return accounts ? accounts.map((serviceAccount) => ({ ...a, source: { ...a.source, serviceAccount } })) : [a];
  });
}

function authorizationIndex(objects: unknown[]): AuthorizationIndex {
  const all = itemsOf(objects);
  const entryHosts = new Map<string, string[]>();
  for (const o of all) {
    if (o?.kind !== 'ServiceEntry' || !isIstio(o, 'networking') || typeof o.metadata?.labels?.[USE_WAYPOINT_LABEL] !== 'string') continue;
    // An address's ServiceEntry has a made-up host: the access knows it by its address.
    const addresses = strings(o.spec?.addresses).map((cidr) => canonicalHost(cidr.replace(/\/\d+$/, '')));
    entryHosts.set(`${o.metadata?.namespace ?? ''}/${o.metadata?.name}`, [...strings(o.spec?.hosts).map((h) => h.toLowerCase()), ...addresses]);
  }
  const index: AuthorizationIndex = { gateways: new Map(), entries: new Map() };
  const add = (map: Map<string, Grant[]>, key: string, grant: Grant) => {
    const grants = map.get(key);
    if (grants) grants.push(grant); else map.set(key, [grant]);
  };
  for (const o of all) {
    if (o?.kind !== 'AuthorizationPolicy' || !isIstio(o, 'security') || (o.spec?.action ?? 'ALLOW') !== 'ALLOW') continue;
    // A dry-run policy only logs: it enforces nothing.
    if (o.metadata?.annotations?.[DRY_RUN_ANNOTATION] === 'true') continue;
    const namespace = o.metadata?.namespace ?? '';
    const targets: any[] = Array.isArray(o.spec?.targetRefs) ? o.spec.targetRefs : o.spec?.targetRef ? [o.spec.targetRef] : [];
    // The Istio output names the gateway's policy after the gateway; the ambient output targets ServiceEntries.
    const gateway = targets.length === 0 && o.spec?.selector !== undefined && typeof o.metadata?.name === 'string' ? o.metadata.name : undefined;
    const hosts = targets.flatMap((t) => (t?.kind === 'ServiceEntry' ? entryHosts.get(`${namespace}/${t.name}`) ?? [] : []));
    for (const { port, grant } of grantsOfPolicy(o)) {
      if (gateway !== undefined) add(index.gateways, `${gateway}|${port}`, grant);
      for (const host of hosts) add(index.entries, `${namespace}|${host}|${port}`, grant);
    }
  }
  return index;
}

/** Each operation of each rule of a policy, by port (`ANY_PORT` for one that names none). */
function grantsOfPolicy(policy: any): Array<{ port: string; grant: Grant }> {
  const rules: any[] = Array.isArray(policy.spec?.rules) ? policy.spec.rules : [];
  return rules.flatMap((rule) => {
    const from: any[] = Array.isArray(rule?.from) ? rule.from : [];
    const to: any[] = Array.isArray(rule?.to) && rule.to.length > 0 ? rule.to : [{}];
    return to.flatMap((t) => {
      const op = t?.operation ?? {};
      const grant: Grant = { from, ...(op.hosts !== undefined ? { hosts: strings(op.hosts).map((h) => h.toLowerCase()) } : {}) };
      const ports = op.ports === undefined ? [ANY_PORT] : strings(op.ports);
      return ports.map((port) => ({ port, grant }));
    });
  });
}

/** The grants that decide an access: the gateway's on its gateway port, a ServiceEntry's in its policy's namespace on its port. */
function grantsOf(index: AuthorizationIndex, a: EgressAccess): Grant[] {
  const { host, port } = a.destination;
  const ports = (p: number | undefined) => (p === undefined ? [] : [String(p), ANY_PORT]);
  const gateway = ports(a.gatewayPort).flatMap((p) => index.gateways.get(`${a.gateway}|${p}`) ?? [])
    .filter((g) => g.hosts === undefined || g.hosts.some((pattern) => matches(pattern, host) || matches(pattern, `${host}:${port}`)));
  const namespace = a.policy.split('/')[0];
  const entry = ports(port).flatMap((p) => index.entries.get(`${namespace}|${host}|${p}`) ?? [])
    .filter((g) => g.hosts === undefined || g.hosts.some((pattern) => matches(pattern, host)));
  return [...gateway, ...entry];
}

/**
 * The service accounts, sorted, by which the grants admit workloads of `namespace` (`*` for every
 * namespace); undefined when no grant applies, when one admits the namespace without naming a
 * service account, or when none admits it at all.
 */
function serviceAccountsOf(grants: Grant[], namespace: string): string[] | undefined {
  const accounts = new Set<string>();
  for (const grant of grants) {
    // A rule without `from` admits anyone; an entry that names no principal admits by namespace (or by what the query does not model).
    for (const entry of grant.from.length > 0 ? grant.from : [{}]) {
      const source = entry?.source ?? {};
      if (source.principals === undefined) {
        if (source.namespaces === undefined || strings(source.namespaces).some((pattern) => matches(pattern, namespace))) return undefined;
        continue;
      }
      for (const principal of strings(source.principals)) {
        const account = serviceAccountOf(principal, namespace);
        if (account === '*') return undefined;
        if (account !== undefined) accounts.add(account);
      }
    }
  }
  return accounts.size > 0 ? [...accounts].sort() : undefined;
}

/** The service account that a principal admits in `namespace`: `<td>/ns/<ns>/sa/<name>`, or `*\/sa/<name>` in any. */
function serviceAccountOf(principal: string, namespace: string): string | undefined {
  const anyNamespace = /^\*\/sa\/([^/]+)$/.exec(principal);
  if (anyNamespace) return anyNamespace[1];
  const exact = /^[^/]*\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal);
  return exact && exact[1] === namespace ? exact[2] : undefined;
}

/** Istio's string match: exact, `*`, or a `*` at the start or the end. */
function matches(pattern: string, value: string): boolean {
  if (pattern === '*' || pattern === value) return true;
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return pattern.startsWith('*') && value.endsWith(pattern.slice(1));
}

function isIstio(o: any, group: string): boolean {
  return typeof o.apiVersion === 'string' && o.apiVersion.startsWith(`${group}.istio.io/`);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The objects, with a `List` replaced by its items. */
export function itemsOf(objects: unknown[]): any[] {
  return objects.flatMap((o: any) => (o?.kind === 'List' && Array.isArray(o.items) ? itemsOf(o.items) : [o]));
}
