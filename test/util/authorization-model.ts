// AuthorizationPolicies as an Istio proxy (a sidecar-mode gateway or a waypoint) applies them to
// one connection, from Istio's documented semantics and its RBAC generator
// (pilot/pkg/security/authz/model): DENY before ALLOW, any ALLOW policy makes the rest denied, and
// on a TCP filter chain an ALLOW rule that names an HTTP-only field is dropped whole ("This will
// make all rules in the current permission ignored"), a DENY rule only loses the field (which
// widens it). Shared by the route checkers (route-chains.ts, ambient-chains.ts), written apart
// from the renderer.

type Obj = any;

/** What an AuthorizationPolicy sees of a connection. */
export interface AuthorizationConnection {
  /** Whether the proxy's HTTP filters handle it (else its TCP filters: only the connection is known). */
  readonly http: boolean;
  readonly namespace: string;
  readonly principal: string;
  /** `<namespace>/<service account>`, for `serviceAccounts` (ambient). */
  readonly serviceAccount?: string;
  /** The port the proxy matches `ports` against. */
  readonly port: number;
  /** The Host header (HTTP only). */
  readonly host: string;
  /** The TLS server name of the connection, for `connection.sni` conditions (sidecar-mode gateway). */
  readonly sni?: string;
}

const HTTP_ONLY_OPERATION = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'];
const HTTP_ONLY_SOURCE = ['requestPrincipals', 'notRequestPrincipals'];
/** request.headers[...], request.experimental.inline.headers[...], request.auth.* */
const httpOnlyKey = (key: string) => key.startsWith('request.');
const nonEmpty = (list: Obj[] | undefined): Obj[] => (list !== undefined && list.length > 0 ? list : [{}]);
const without = (o: Obj, fields: string[]): Obj => Object.fromEntries(Object.entries(o ?? {}).filter(([k]) => !fields.includes(k)));

/** Whether any entry of a rule names an HTTP-only field. */
function namesHttpOnlyField(rule: Obj): boolean {
  return (rule.to ?? []).some((t: Obj) => HTTP_ONLY_OPERATION.some((f) => t.operation?.[f] !== undefined))
    || (rule.from ?? []).some((f: Obj) => HTTP_ONLY_SOURCE.some((x) => f.source?.[x] !== undefined))
    || (rule.when ?? []).some((w: Obj) => httpOnlyKey(w.key));
}

/** A rule without its HTTP-only fields. */
function withoutHttpOnlyFields(rule: Obj): Obj {
  return {
    to: rule.to?.map((t: Obj) => ({ ...t, operation: without(t.operation, HTTP_ONLY_OPERATION) })),
    from: rule.from?.map((f: Obj) => ({ ...f, source: without(f.source, HTTP_ONLY_SOURCE) })),
    when: rule.when?.filter((w: Obj) => !httpOnlyKey(w.key)),
  };
}

/** A rule as Istio applies it to a connection, or undefined when Istio ignores the rule there. */
function effectiveRule(rule: Obj, action: string, c: AuthorizationConnection): Obj | undefined {
  if (c.http || !namesHttpOnlyField(rule)) return rule;
  return action === 'ALLOW' ? undefined : withoutHttpOnlyFields(rule);
}

/** Why the policies stop a connection, or undefined when they let it through. */
export function authorizationOf(enforced: Obj[], c: AuthorizationConnection): string | undefined {
  const matching = (p: Obj) => (p.spec.rules ?? []).some((rule: Obj) => {
    const effective = effectiveRule(rule, p.spec.action ?? 'ALLOW', c);
    return effective !== undefined && ruleMatches(effective, c);
  });
  if (enforced.some((p) => p.spec.action === 'DENY' && matching(p))) return 'denied by a DENY policy';
  const allows = enforced.filter((p) => (p.spec.action ?? 'ALLOW') === 'ALLOW');
  if (allows.length === 0 || allows.some(matching)) return undefined;
  // Diagnosis: ALLOW rules that would admit the connection but for an HTTP-only field that makes Istio ignore them.
  const ignored = c.http ? [] : allows.flatMap((p) => p.spec.rules ?? [])
    .filter((r: Obj) => namesHttpOnlyField(r) && ruleMatches(withoutHttpOnlyFields(r), c));
  return `no ALLOW rule admits ${c.principal} to port ${c.port}${c.http ? ` host ${c.host}` : ''}`
    + (ignored.length > 0 ? ` (${ignored.length} rule(s) that would admit it are ignored on this TLS/TCP connection: they name HTTP-only fields)` : '');
}

/** A rule matches when one `from`, one `to` and every `when` do (a missing or empty list matches all). */
function ruleMatches(rule: Obj, c: AuthorizationConnection): boolean {
  return nonEmpty(rule.from).some((f: Obj) => sourceMatches(f.source ?? {}, c))
    && nonEmpty(rule.to).some((t: Obj) => operationMatches(t.operation ?? {}, c))
    && (rule.when ?? []).every((w: Obj) => conditionMatches(w, c));
}

/**
 * Istio's string match: `*` alone is a presence match (any non-empty value: `principals: ["*"]`
 * is "any authenticated peer"), a leading or trailing `*` a suffix or prefix match, else exact.
 */
function stringMatches(pattern: string, value: string): boolean {
  if (pattern === '*') return value !== '';
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return pattern === value;
}

/** `values` (any matches) and `notValues` (none matches) of one attribute; an absent list is no condition. */
function valuesMatch(values: string[] | undefined, notValues: string[] | undefined, value: string, match = stringMatches): boolean {
  return (values === undefined || values.some((v) => match(v, value))) && !(notValues ?? []).some((v) => match(v, value));
}

function unmodelled(what: string, o: Obj, modelled: string[]): void {
  const extra = Object.keys(o).filter((k) => !modelled.includes(k));
  if (extra.length > 0) throw new Error(`authorization model: ${what} field(s) ${extra.join(', ')} are not modelled`);
}

function sourceMatches(source: Obj, c: AuthorizationConnection): boolean {
  unmodelled('source', source, ['namespaces', 'notNamespaces', 'principals', 'notPrincipals', 'serviceAccounts', 'notServiceAccounts',
    'requestPrincipals', 'notRequestPrincipals']);
  // The requests traced carry no request credential (JWT).
  if (source.requestPrincipals !== undefined) return false;
  if ((source.serviceAccounts ?? source.notServiceAccounts) !== undefined && c.serviceAccount === undefined) {
    throw new Error('authorization model: serviceAccounts need the connection\'s service account');
  }
  return valuesMatch(source.namespaces, source.notNamespaces, c.namespace)
    && valuesMatch(source.principals, source.notPrincipals, c.principal)
    && valuesMatch(source.serviceAccounts, source.notServiceAccounts, c.serviceAccount ?? '', (p, v) => p === v);
}

function operationMatches(operation: Obj, c: AuthorizationConnection): boolean {
  unmodelled('operation', operation, ['ports', 'notPorts', 'hosts', 'notHosts']);
  const hostMatch = (p: string, v: string) => stringMatches(p.toLowerCase(), v.toLowerCase());
  return valuesMatch(operation.ports, operation.notPorts, String(c.port), (p, v) => p === v)
    // Only reached with hosts on HTTP (effectiveRule).
    && valuesMatch(operation.hosts, operation.notHosts, c.host, hostMatch);
}

function conditionMatches(condition: Obj, c: AuthorizationConnection): boolean {
  const value: Record<string, string | undefined> = {
    'source.namespace': c.namespace, 'source.principal': c.principal, 'destination.port': String(c.port), 'connection.sni': c.sni,
  };
  if (value[condition.key] === undefined) throw new Error(`authorization model: condition key ${condition.key} is not modelled`);
  return valuesMatch(condition.values, condition.notValues, value[condition.key]!);
}
