import { App, Chart } from 'cdk8s';
import type { AmbientClient, AmbientExpectation, AmbientRequest, WaypointUnderTest } from './ambient-chains';
import { makeService, ServiceSpec } from './egress-spec';
import { testApp } from './synth';
import {
  AmbientOptions, EgressOutput, EgressRegistry, EgressSource, EgressTrafficPolicy, ExternalService, Guardrail, GuardrailOverride,
} from '../../src';

// An egress App for the ambient output as plain data, so that a test can build it with the
// constructs and, independently, know which requests it allows: the intent, never derived from the
// synthesised objects. A waypoint sees identities, so the intent is said in identities: a source
// with a service account admits the pods of that service account (taken to identify its workload,
// as the README says), a widened selector (`widen`) its whole namespace.

export interface AmbientSourceSpec {
  /** A namespace, or `*` for every namespace (built with a MESH_WIDE_SOURCE override). */
  readonly namespace: string;
  readonly labels?: Record<string, string>;
  readonly serviceAccount?: string;
  /** A selector without service account, widened to its namespace (UNENFORCED_SELECTOR override). */
  readonly widen?: boolean;
}

export interface AmbientRuleSpec {
  readonly sources: AmbientSourceSpec[];
  readonly services: ServiceSpec[];
}

export interface AmbientPolicySpec {
  readonly gateway: string;
  readonly rules: AmbientRuleSpec[];
  readonly ambient?: AmbientOptions;
}

/** Builds the App: one chart and policy per gateway, every policy with ambient output. */
export function buildAmbientApp(policies: AmbientPolicySpec[], ambient: AmbientOptions = {}, app: App = testApp(),
  output: EgressOutput = EgressOutput.AMBIENT): App {
  EgressRegistry.of(app).configure({ output, ambient });
  const services = new Map<string, ExternalService>();
  const serviceOf = (gateway: string, s: ServiceSpec) => {
    const key = `${gateway}/${s.name}`;
    if (!services.has(key)) services.set(key, makeService(s));
    return services.get(key)!;
  };
  for (const p of policies) {
    const chart = new Chart(app, `chart-${p.gateway}`);
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: p.gateway, ambient: p.ambient });
    for (const rule of p.rules) {
      policy.addRule().allowFrom(...rule.sources.map(makeSource)).allowTo(...rule.services.map((s) => serviceOf(p.gateway, s)));
    }
  }
  return app;
}

export function makeSource(s: AmbientSourceSpec): EgressSource {
  const overrides = [
    ...(s.widen ? [GuardrailOverride.allow(Guardrail.UNENFORCED_SELECTOR, 'test: the whole namespace')] : []),
    ...(s.namespace === '*' ? [GuardrailOverride.allow(Guardrail.MESH_WIDE_SOURCE, 'test: every namespace')] : []),
  ];
  const options = { workloadSelector: s.labels, serviceAccountName: s.serviceAccount, guardrailOverrides: overrides };
  return s.namespace === '*' ? EgressSource.allNamespaces(options) : EgressSource.namespace(s.namespace, options);
}

/** One request that the App must allow. */
export interface AmbientAllowedRequest {
  readonly waypoint: WaypointUnderTest;
  readonly client: AmbientClient;
  readonly request: AmbientRequest;
  readonly expect: AmbientExpectation;
  readonly service: ServiceSpec;
}

/** The waypoint as the default options deploy it: named after the gateway, in the policy's namespace. */
export function defaultWaypoint(gateway: string): WaypointUnderTest {
  return { name: gateway, namespace: 'istio-egress' };
}

/** A pod that a source stands for: its namespace (any one for `*`), labels and service account. */
export function clientOf(source: AmbientSourceSpec): AmbientClient {
  return {
    namespace: source.namespace === '*' ? 'some-namespace' : source.namespace,
    ...(source.labels ? { labels: source.labels } : {}),
    ...(source.serviceAccount ? { serviceAccount: source.serviceAccount } : {}),
  };
}

/** Every request that the spec allows: a pod of each source to each host of each of its rule's services. */
export function ambientAllowedRequests(policies: AmbientPolicySpec[],
  waypointOf: (gateway: string) => WaypointUnderTest = defaultWaypoint): AmbientAllowedRequest[] {
  return policies.flatMap((p) => p.rules.flatMap((rule) => rule.sources.flatMap((source) => rule.services.flatMap((service) =>
    service.hosts.map((host): AmbientAllowedRequest => ({
      waypoint: waypointOf(p.gateway),
      client: clientOf(source),
      request: { protocol: service.protocol, host, port: service.port },
      expect: { upgradePort: service.upgradePort, verifyServer: !service.insecure },
      service,
    }))))));
}

/** Whether a source admits a pod, by identity: its service account where it names one, else its namespace. */
export function ambientSourceCovers(source: AmbientSourceSpec, client: AmbientClient): boolean {
  const namespace = source.namespace === '*' || source.namespace === client.namespace;
  if (source.serviceAccount !== undefined) return namespace && (client.serviceAccount ?? 'default') === source.serviceAccount;
  if (source.labels !== undefined && !source.widen) throw new Error('a selector without service account must be widened in ambient output');
  return namespace;
}

/** Whether the spec lets a pod reach a host (or address) and port. */
export function ambientSpecAllows(policies: AmbientPolicySpec[], client: AmbientClient, host: string, port: number): boolean {
  return policies.some((p) => p.rules.some((rule) => rule.sources.some((s) => ambientSourceCovers(s, client))
    && rule.services.some((s) => s.hosts.includes(host) && s.port === port)));
}

/**
 * Whether the spec asks for what an identity pattern of the objects admits: a namespace (or `*`)
 * must be a source without service account there (or `*`); a principal must be one of a source
 * with a service account.
 */
export function ambientSpecAsksFor(policies: AmbientPolicySpec[],
  pair: { destinations: string[]; port: number; namespace?: string; principal?: string }, trustDomain = 'cluster.local'): boolean {
  const serves = (s: ServiceSpec) => s.port === pair.port && pair.destinations.every((d) => s.hosts.includes(d));
  return policies.some((p) => p.rules.some((rule) => rule.services.some(serves)
    && rule.sources.some((src) => {
      if (pair.namespace !== undefined) return src.serviceAccount === undefined && src.namespace === pair.namespace;
      const principal = src.namespace === '*' ? `*/sa/${src.serviceAccount}` : `${trustDomain}/ns/${src.namespace}/sa/${src.serviceAccount}`;
      return src.serviceAccount !== undefined && principal === pair.principal;
    })));
}
