// AuthorizationPolicies as a waypoint applies them to one connection, from Istio's documented
// semantics: DENY before ALLOW, any ALLOW policy makes the rest denied, and on a TCP filter chain
// (passthrough) an ALLOW rule that names an HTTP-only field is dropped whole, a DENY rule only loses
// the field. Part of the ambient route checker (ambient-chains.ts), written apart from the renderer.

type Obj = any;

/** What an AuthorizationPolicy at the waypoint sees of a connection. */
export interface WaypointConnection {
  /** Whether the waypoint's HTTP filters handle it (else its TCP proxy: only the connection is known). */
  readonly http: boolean;
  readonly namespace: string;
  readonly principal: string;
  /** `<namespace>/<service account>`, for `serviceAccounts`. */
  readonly serviceAccount: string;
  /** The port of the service that the application connected to. */
  readonly port: number;
  /** The Host header (HTTP only). */
  readonly host: string;
}

// Istio drops an ALLOW rule that names an HTTP-only field from a TCP filter chain, and only the
// field from a DENY rule (which widens it).
const HTTP_ONLY_OPERATION = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'];
const HTTP_ONLY_SOURCE = ['requestPrincipals', 'notRequestPrincipals'];
const httpOnlyKey = (key: string) => key.startsWith('request.');
const nonEmpty = (list: Obj[] | undefined): Obj[] => (list !== undefined && list.length > 0 ? list : [{}]);
const without = (o: Obj, fields: string[]): Obj => Object.fromEntries(Object.entries(o ?? {}).filter(([k]) => !fields.includes(k)));

function namesHttpOnlyField(rule: Obj): boolean {
  return (rule.to ?? []).some((t: Obj) => HTTP_ONLY_OPERATION.some((f) => t.operation?.[f] !== undefined))
    || (rule.from ?? []).some((f: Obj) => HTTP_ONLY_SOURCE.some((x) => f.source?.[x] !== undefined))
    || (rule.when ?? []).some((w: Obj) => httpOnlyKey(w.key));
}

function effectiveRule(rule: Obj, action: string, c: WaypointConnection): Obj | undefined {
  if (c.http || !namesHttpOnlyField(rule)) return rule;
  if (action === 'ALLOW') return undefined;
  return {
    to: rule.to?.map((t: Obj) => ({ ...t, operation: without(t.operation, HTTP_ONLY_OPERATION) })),
    from: rule.from?.map((f: Obj) => ({ ...f, source: without(f.source, HTTP_ONLY_SOURCE) })),
    when: rule.when?.filter((w: Obj) => !httpOnlyKey(w.key)),
  };
}

export function authorizationOf(enforced: Obj[], c: WaypointConnection): string | undefined {
  const matching = (p: Obj) => (p.spec.rules ?? []).some((rule: Obj) => {
    const effective = effectiveRule(rule, p.spec.action ?? 'ALLOW', c);
    return effective !== undefined && ruleMatches(effective, c);
  });
  if (enforced.some((p) => p.spec.action === 'DENY' && matching(p))) return 'denied by a DENY policy';
  const allows = enforced.filter((p) => (p.spec.action ?? 'ALLOW') === 'ALLOW');
  if (allows.length === 0 || allows.some(matching)) return undefined;
  return `no ALLOW rule admits ${c.principal} to port ${c.port}${c.http ? ` host ${c.host}` : ''}`;
}

function ruleMatches(rule: Obj, c: WaypointConnection): boolean {
  return nonEmpty(rule.from).some((f: Obj) => sourceMatches(f.source ?? {}, c))
    && nonEmpty(rule.to).some((t: Obj) => operationMatches(t.operation ?? {}, c))
    && (rule.when ?? []).every((w: Obj) => conditionMatches(w, c));
}

function stringMatches(pattern: string, value: string): boolean {
  if (pattern === '*') return value !== '';
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return pattern === value;
}

function valuesMatch(values: string[] | undefined, notValues: string[] | undefined, value: string, match = stringMatches): boolean {
  return (values === undefined || values.some((v) => match(v, value))) && !(notValues ?? []).some((v) => match(v, value));
}

function unmodelled(what: string, o: Obj, modelled: string[]): void {
  const extra = Object.keys(o).filter((k) => !modelled.includes(k));
  if (extra.length > 0) throw new Error(`ambient checker: ${what} field(s) ${extra.join(', ')} are not modelled`);
}

function sourceMatches(source: Obj, c: WaypointConnection): boolean {
  unmodelled('source', source, ['namespaces', 'notNamespaces', 'principals', 'notPrincipals', 'serviceAccounts', 'notServiceAccounts',
    'requestPrincipals', 'notRequestPrincipals']);
  if (source.requestPrincipals !== undefined) return false; // the requests traced carry no JWT
  return valuesMatch(source.namespaces, source.notNamespaces, c.namespace)
    && valuesMatch(source.principals, source.notPrincipals, c.principal)
    && valuesMatch(source.serviceAccounts, source.notServiceAccounts, c.serviceAccount, (p, v) => p === v);
}

function operationMatches(operation: Obj, c: WaypointConnection): boolean {
  unmodelled('operation', operation, ['ports', 'notPorts', 'hosts', 'notHosts']);
  return valuesMatch(operation.ports, operation.notPorts, String(c.port), (p, v) => p === v)
    && valuesMatch(operation.hosts, operation.notHosts, c.host, (p, v) => stringMatches(p.toLowerCase(), v.toLowerCase()));
}

function conditionMatches(condition: Obj, c: WaypointConnection): boolean {
  const value: Record<string, string> = { 'source.namespace': c.namespace, 'source.principal': c.principal, 'destination.port': String(c.port) };
  if (!(condition.key in value)) throw new Error(`ambient checker: condition key ${condition.key} is not modelled`);
  return valuesMatch(condition.values, condition.notValues, value[condition.key]);
}
