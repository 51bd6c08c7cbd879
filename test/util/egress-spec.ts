import { App, Chart } from 'cdk8s';
import type { Client, Expectation, GatewayUnderTest, Request } from './route-chains';
import { testApp } from './synth';
import {
  EgressOutput, EgressRegistry, EgressSource, EgressTrafficPolicy, ExternalService, IstioOptions, ServerVerification,
} from '../../src';

// An egress App as plain data, so that a test can build it with the constructs and, independently,
// know which requests it allows: the intent, never derived from the synthesised objects.

export interface ServiceSpec {
  readonly name: string;
  readonly protocol: 'HTTP' | 'HTTPS' | 'TLS' | 'TCP';
  readonly hosts: string[];
  readonly port: number;
  readonly upgradePort?: number;
  readonly gatewayPort?: number;
  readonly insecure?: boolean;
}

export interface SourceSpec {
  readonly namespace: string;
  readonly labels?: Record<string, string>;
  readonly serviceAccount?: string;
}

export interface RuleSpec {
  readonly sources: SourceSpec[];
  readonly services: ServiceSpec[];
}

export interface PolicySpec {
  readonly gateway: string;
  readonly rules: RuleSpec[];
  readonly istio?: IstioOptions;
}

/** Builds the App: one chart and policy per gateway, every policy with Istio output. */
export function buildApp(policies: PolicySpec[], istio: IstioOptions = {}, app: App = testApp()): App {
  EgressRegistry.of(app).configure({ output: EgressOutput.ISTIO, istio });
  const services = new Map<string, ExternalService>();
  const serviceOf = (gateway: string, s: ServiceSpec) => {
    const key = `${gateway}/${s.name}`;
    if (!services.has(key)) services.set(key, makeService(s));
    return services.get(key)!;
  };
  for (const p of policies) {
    const chart = new Chart(app, `chart-${p.gateway}`);
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: p.gateway, istio: p.istio });
    for (const rule of p.rules) {
      policy.addRule()
        .allowFrom(...rule.sources.map((s) =>
          EgressSource.namespace(s.namespace, { workloadSelector: s.labels, serviceAccountName: s.serviceAccount })))
        .allowTo(...rule.services.map((s) => serviceOf(p.gateway, s)));
    }
  }
  return app;
}

/** The external service of a spec. */
export function makeService(s: ServiceSpec): ExternalService {
  const common = { hosts: s.hosts, port: s.port, gatewayPort: s.gatewayPort };
  switch (s.protocol) {
    case 'HTTP': return ExternalService.http(s.name, {
      ...common,
      httpsUpgrade: s.upgradePort !== undefined
        ? { port: s.upgradePort, serverVerification: s.insecure ? ServerVerification.insecureSkipVerify() : undefined }
        : undefined,
    });
    case 'HTTPS': return ExternalService.https(s.name, common);
    case 'TLS': return ExternalService.tls(s.name, common);
    default: return ExternalService.tcp(s.name, common);
  }
}

/** One request that the App must allow. */
export interface AllowedRequest {
  readonly gateway: GatewayUnderTest;
  readonly client: Client;
  readonly request: Request;
  readonly expect: Expectation;
  readonly service: ServiceSpec;
}

/** The gateway as the default options deploy it. */
export function defaultGateway(name: string): GatewayUnderTest {
  return { name, namespace: 'istio-system', serviceName: name, labels: { istio: name } };
}

/** Every request that the spec allows: each source to each host of each of its rule's services. */
export function allowedRequests(policies: PolicySpec[], gatewayOf: (name: string) => GatewayUnderTest = defaultGateway): AllowedRequest[] {
  return policies.flatMap((p) => p.rules.flatMap((rule) => rule.sources.flatMap((source) => rule.services.flatMap((service) =>
    service.hosts.map((host): AllowedRequest => ({
      gateway: gatewayOf(p.gateway),
      client: { namespace: source.namespace, labels: source.labels, serviceAccount: source.serviceAccount },
      request: { protocol: service.protocol, host, port: service.port },
      expect: { siteHosts: service.hosts, upgradePort: service.upgradePort, verifyServer: !service.insecure },
      service,
    }))))));
}

/** Whether a client is covered by a source of the spec (labels and service account must match where the source sets them). */
export function sourceCovers(source: SourceSpec, client: Client): boolean {
  return source.namespace === client.namespace
    && Object.entries(source.labels ?? {}).every(([k, v]) => client.labels?.[k] === v)
    && (source.serviceAccount === undefined || source.serviceAccount === client.serviceAccount);
}

/** Whether the spec lets a client reach a host and port through a gateway. */
export function specAllows(policies: PolicySpec[], client: Client, host: string, port: number): boolean {
  return policies.some((p) => p.rules.some((rule) => rule.sources.some((s) => sourceCovers(s, client))
    && rule.services.some((s) => s.hosts.includes(host) && s.port === port)));
}
