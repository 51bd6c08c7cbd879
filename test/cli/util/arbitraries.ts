import * as fc from 'fast-check';

// Random ASMEgressTrafficPolicy objects that the library accepts (valid by construction: unique
// gateways, service names and hosts, and guardrail overrides exactly where they are needed), and
// mutations of them that it may not.

const dnsLabel = fc.stringMatching(/^[a-z]([a-z0-9-]{0,8}[a-z0-9])?$/);
const labelValue = fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9._-]{0,6}[A-Za-z0-9])?$/);
const port = fc.integer({ min: 1, max: 65535 });
const reason = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ,.-]{0,20}[A-Za-z0-9]$/).map((r) => r.replace(/\s+/g, ' '));

const serviceShape = fc.record({
  name: dnsLabel,
  protocol: fc.constantFrom('HTTP', 'HTTPS', 'TLS', 'TCP'),
  hostCount: fc.integer({ min: 1, max: 3 }),
  hostKind: fc.constantFrom('dns', 'wildcard', 'public-ip', 'private-ip'),
  port,
  portName: fc.option(dnsLabel, { nil: undefined }),
  upgradePort: fc.option(port, { nil: undefined }),
  reason,
});

const sourceShape = fc.record({
  namespace: fc.oneof({ weight: 5, arbitrary: dnsLabel }, { weight: 1, arbitrary: fc.constant('*') }),
  selector: fc.option(fc.dictionary(fc.constantFrom('app', 'tier', 'app.kubernetes.io/name'), labelValue, { maxKeys: 2 }), { nil: undefined }),
  reason,
});

const policyShape = fc.record({
  apiVersion: fc.constantFrom('istio.alibabacloud.com/v1beta1', 'istio.alibabacloud.com/v1'),
  customName: fc.option(dnsLabel, { nil: undefined }),
  namespace: fc.constantFrom('istio-egress', 'egress'),
  labels: fc.option(fc.dictionary(fc.constantFrom('team', 'env'), labelValue, { minKeys: 1, maxKeys: 2 }), { nil: undefined }),
  annotations: fc.option(fc.dictionary(fc.constantFrom('owner', 'example.com/ticket'), fc.string({ maxLength: 30 }), { minKeys: 1, maxKeys: 2 }), { nil: undefined }),
  portsSet: fc.boolean(),
  services: fc.array(serviceShape, { minLength: 1, maxLength: 5 }),
  rules: fc.array(fc.record({
    name: fc.option(fc.constantFrom('team-a', 'team-b', 'Rule2', 'Resource', 'a/b', 'a--b'), { nil: undefined }),
    sources: fc.array(sourceShape, { minLength: 1, maxLength: 2 }),
    picks: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
  }), { minLength: 1, maxLength: 3 }),
});

/** One to three valid policies, as objects ready to be written as YAML documents. */
export const validPolicies = fc.array(policyShape, { minLength: 1, maxLength: 3 }).map((shapes) => {
  let hostCounter = 0;
  let portCounter = 20000;
  return shapes.map((shape, p) => {
    const gateway = `gw-${p}`;
    // One override per subject and guardrail: the first reason wins.
    const overrides = new Map<string, string>();
    const allow = (subject: string, guardrail: string, why: string) => {
      if (!overrides.has(`${subject}: ${guardrail}`)) overrides.set(`${subject}: ${guardrail}`, why);
    };
    const services = shape.services.map((s, i) => {
      const name = `${s.name}-${i}`;
      const kind = s.protocol === 'TCP' ? s.hostKind : s.hostKind.endsWith('ip') ? 'dns' : s.hostKind;
      const hosts = Array.from({ length: s.hostCount }, () => {
        const h = hostCounter++;
        switch (kind) {
          case 'wildcard': return `*.w${h}.example.com`;
          case 'public-ip': return `8.8.${Math.floor(h / 250)}.${(h % 250) + 1}`;
          case 'private-ip': return `10.9.${Math.floor(h / 250)}.${(h % 250) + 1}`;
          default: return `h${h}.example.org`;
        }
      });
      const needs = kind === 'wildcard' ? 'WILDCARD_HOST' : kind === 'private-ip' ? 'PRIVATE_ADDRESS' : undefined;
      const upgrade = s.protocol === 'HTTP' && s.upgradePort !== undefined;
      return {
        needs: needs && (() => allow(`service ${name}`, needs, s.reason)),
        name,
        hosts,
        port: { name: s.portName ?? s.protocol.toLowerCase(), number: s.port, protocol: s.protocol },
        ...(shape.portsSet ? { byEgressGateway: { port: portCounter++ } } : {}),
        ...(upgrade ? { httpsUpgrade: { enabled: true, port: s.upgradePort } } : {}),
      };
    });
    const rules = shape.rules.map((r) => {
      const sources = r.sources.map((s) => {
        const selector = s.selector && Object.keys(s.selector).length > 0 ? s.selector : undefined;
        if (s.namespace === '*') {
          const text = Object.entries(selector ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(',');
          allow(`source *${text ? `{${text}}` : ''}`, 'MESH_WIDE_SOURCE', s.reason);
        }
        return { namespace: s.namespace, ...(selector ? { workloadSelector: selector } : {}) };
      }).filter((source, i, all) => {
        // A rule lists each source once (the same source twice is an error).
        const key = (x: typeof source) => JSON.stringify([x.namespace, Object.entries(x.workloadSelector ?? {}).sort()]);
        return all.findIndex((other) => key(other) === key(source)) === i;
      });
      // Overrides only for the services that rules use: an override of nothing is an error.
      const picked = [...new Set(r.picks.map((n) => n % services.length))].map((i) => services[i]);
      const to = picked.map(({ needs, ...service }) => {
        needs?.();
        return service;
      });
      return { ...(r.name !== undefined ? { name: r.name } : {}), from: sources, to };
    });
    const annotations = { ...(shape.annotations ?? {}) };
    const lines = [...overrides].map(([what, why]) => `${what}: ${why}`).sort();
    if (lines.length > 0) annotations['egress.cdk8s-asm-egress.io/guardrail-overrides'] = lines.join('\n');
    return {
      apiVersion: shape.apiVersion,
      kind: 'ASMEgressTrafficPolicy',
      metadata: {
        name: shape.customName !== undefined ? `${shape.customName}-${p}` : `egress-by-${gateway}`,
        namespace: shape.namespace,
        ...(shape.labels ? { labels: shape.labels } : {}),
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      },
      spec: { byEgressGateway: { name: gateway }, egressRules: rules },
    };
  });
});

/** Every path to a value in a JSON object, as keys and indexes. */
function pathsOf(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  const here = [path];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => pathsOf(v, [...path, i]))];
  if (typeof value === 'object' && value !== null) return [...here, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...path, k]))];
  return here;
}

/** One change to a JSON object. */
export interface Mutation {
  readonly target: number;
  readonly op: string;
  readonly value: unknown;
  readonly key: string;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  target: fc.nat(),
  op: fc.constantFrom('delete', 'replace', 'add-field', 'duplicate', 'empty'),
  value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('GRPC', 'http', '*', '10.0.0.1', '-1', '', 'A_B', 70000, 0, -5, 1.5, true, null)),
  key: fc.oneof(fc.constantFrom('port', 'hosts', 'name', 'enabled', 'byEgressGateway', 'targetPort', 'workloadSelector'), fc.string({ maxLength: 8 })),
});

/** A mutated copy of `objects`: fields deleted, replaced by other values, added, duplicated or emptied. */
export function mutate(objects: unknown[], mutations: Mutation[]): unknown[] {
  const copy = JSON.parse(JSON.stringify(objects));
  for (const m of mutations) {
    const paths = pathsOf(copy).filter((p) => p.length > 1);
    if (paths.length === 0) break;
    const path = paths[m.target % paths.length];
    const parent = path.slice(0, -1).reduce((o: any, k) => o[k], copy);
    const last = path[path.length - 1];
    switch (m.op) {
      case 'delete':
        if (Array.isArray(parent)) parent.splice(last as number, 1); else delete parent[last];
        break;
      case 'replace':
        parent[last] = m.value;
        break;
      case 'add-field':
        if (typeof parent[last] === 'object' && parent[last] !== null && !Array.isArray(parent[last])) parent[last][m.key] = m.value;
        else parent[last] = m.value;
        break;
      case 'duplicate':
        if (Array.isArray(parent)) parent.push(JSON.parse(JSON.stringify(parent[last as number] ?? null)));
        break;
      case 'empty':
        parent[last] = Array.isArray(parent[last]) ? [] : typeof parent[last] === 'object' ? {} : '';
        break;
    }
  }
  return copy;
}

/** One to four mutations. */
export const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 });
