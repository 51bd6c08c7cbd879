import { App } from 'cdk8s';
import * as fc from 'fast-check';
import { Example1, Example2, Example3 } from '../../examples/documented-examples';
import { EgressOutput, EgressRegistry, GatewayPortAllocation, IstioApiVersion } from '../../src';
import { crdSchemaErrors } from '../util/crd-schema';
import { allowedRequests, buildApp, defaultGateway, PolicySpec, ServiceSpec, SourceSpec, specAllows } from '../util/egress-spec';
import { outboundClusters } from '../util/istiod-model';
import { meshConsistencyErrors, traceRoute } from '../util/route-chains';
import { synthObjects, testApp } from '../util/synth';

// Every allowed request is followed through the synthesised objects, leg by leg, by a checker that
// shares no code with the renderer (test/util/route-chains.ts); requests that the policy does not
// allow must be stopped on the way.

const sleepA = { namespace: 'mytest', labels: { app: 'sleep-a' } };
const httpbin = ['www.httpbin.org', 'httpbin.org'];

/** The documented examples as data: what each allows, from the reference page. */
const DOCUMENTED: Array<{ name: string; build: (app: App) => void; spec: PolicySpec[] }> = [
  {
    name: 'example 1',
    build: (app) => new Example1(app, 'example-1'),
    spec: [{ gateway: 'egressgateway-a', rules: [{ sources: [sleepA], services: [{ name: 'httpbin-service-http', protocol: 'HTTP', hosts: httpbin, port: 80 }] }] }],
  },
  {
    name: 'example 2',
    build: (app) => new Example2(app, 'example-2'),
    spec: [{
      gateway: 'egressgateway-a',
      rules: [
        {
          sources: [sleepA],
          services: [
            { name: 'httpbin-service-http', protocol: 'HTTP', hosts: httpbin, port: 80, upgradePort: 443 },
            { name: 'httpbin-service-https', protocol: 'HTTPS', hosts: httpbin, port: 443 },
          ],
        },
        { sources: [{ namespace: 'mytest', labels: { app: 'sleep-b' } }], services: [{ name: 'aliyun-service-https', protocol: 'HTTPS', hosts: ['www.aliyun.com'], port: 443 }] },
      ],
    }],
  },
  {
    name: 'example 3',
    build: (app) => new Example3(app, 'example-3', GatewayPortAllocation.LIBRARY),
    spec: [{
      gateway: 'egressgateway-a',
      rules: [{
        sources: [{ namespace: 'default', labels: { app: 'sleep' } }],
        services: [
          { name: 'aliyun-com-http', protocol: 'HTTP', hosts: ['aliyun.com'], port: 80 },
          { name: 'aliyun-https', protocol: 'HTTPS', hosts: ['aliyun.com'], port: 443 },
          { name: 'https-upgrade', protocol: 'HTTP', hosts: ['taobao.com'], port: 80, upgradePort: 443 },
          { name: 'tcp-svc1', protocol: 'TCP', hosts: ['1.1.1.1'], port: 44 },
          { name: 'tcp-svc2', protocol: 'TCP', hosts: ['test-tcp.com'], port: 444 },
        ],
      }],
    }],
  },
];

function istioApp(istio = {}): App {
  const app = testApp();
  EgressRegistry.of(app).configure({ output: EgressOutput.ISTIO, istio });
  return app;
}


describe('documented examples, converted to Istio', () => {
  test.each(DOCUMENTED)('$name: every allowed request reaches its service through the gateway port the policy gives it', ({ build, spec }) => {
    const app = istioApp();
    build(app);
    const objects = synthObjects(app);
    const requests = allowedRequests(spec);
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) {
      const trace = traceRoute(objects, r.gateway, r.client, r.request, r.expect);
      expect({ request: r.request, trace }).toEqual({ request: r.request, trace: expect.objectContaining({ ok: true, dryRun: false }) });
      if (trace.ok) {
        const declared = r.service.gatewayPort;
        if (declared !== undefined) expect(trace.gatewayPort).toBe(declared);
        expect(EgressRegistry.of(app).gatewayPorts('egressgateway-a')).toContain(trace.gatewayPort);
        expect(trace.upstream).toMatch(new RegExp(`:${r.expect.upgradePort ?? r.request.port}$`));
      }
    }
    expect(meshConsistencyErrors(objects)).toEqual([]);
  });

  test('example 2: sleep-b cannot use sleep-a\'s destinations, and other pods of mytest reach nothing', () => {
    const app = istioApp();
    new Example2(app, 'example-2');
    const objects = synthObjects(app);
    const gw = defaultGateway('egressgateway-a');
    const https = { protocol: 'HTTPS' as const, host: 'httpbin.org', port: 443 };
    expect(traceRoute(objects, gw, { namespace: 'mytest', labels: { app: 'sleep-b' } }, https))
      .toEqual({ ok: false, stage: 'service-entry', reason: expect.stringMatching(/httpbin.org is unknown to namespace mytest \(Sidecar egress-sidecar\.app-sleep-b-/) });
    expect(traceRoute(objects, gw, { namespace: 'mytest', labels: { app: 'other' } }, { protocol: 'HTTPS', host: 'www.aliyun.com', port: 443 }))
      .toEqual({ ok: false, stage: 'service-entry', reason: 'www.aliyun.com is unknown to namespace mytest (Sidecar egress-sidecar)' });
    expect(traceRoute(objects, gw, { namespace: 'elsewhere' }, https))
      .toEqual({ ok: false, stage: 'service-entry', reason: 'httpbin.org is unknown to namespace elsewhere' });
  });

  test('example 3 with v1beta1 objects follows the same chains', () => {
    const app = istioApp({ apiVersion: IstioApiVersion.V1BETA1 });
    DOCUMENTED[2].build(app);
    const objects = synthObjects(app);
    expect(new Set(objects.map((o) => o.apiVersion))).toEqual(new Set(['networking.istio.io/v1beta1', 'security.istio.io/v1beta1', 'v1']));
    for (const r of allowedRequests(DOCUMENTED[2].spec)) {
      expect(traceRoute(objects, r.gateway, r.client, r.request, r.expect)).toMatchObject({ ok: true });
    }
  });
});

describe('service accounts and gateway settings', () => {
  const spec: PolicySpec[] = [{
    gateway: 'gw-a',
    rules: [{
      sources: [{ namespace: 'shop', serviceAccount: 'checkout' }, { namespace: 'ops' }],
      services: [
        { name: 'stripe', protocol: 'HTTPS', hosts: ['api.stripe.com'], port: 443 },
        { name: 'legacy', protocol: 'HTTP', hosts: ['legacy.example.com'], port: 8080, upgradePort: 8443, insecure: true },
      ],
    }],
  }];
  const gateway = { name: 'gw-a', namespace: 'egress-system', serviceName: 'istio-egressgateway', labels: { istio: 'egressgateway' }, trustDomain: 'corp.example' };
  const options = { gatewayNamespace: 'egress-system', gatewayServiceName: 'istio-egressgateway', gatewayLabels: { istio: 'egressgateway' }, trustDomain: 'corp.example', gatewayService: true };

  test('a service account is required where the source names one; the gateway follows its settings', () => {
    const objects = synthObjects(buildApp(spec, options));
    for (const r of allowedRequests(spec, () => gateway)) {
      expect(traceRoute(objects, r.gateway, r.client, r.request, r.expect)).toMatchObject({ ok: true });
    }
    expect(traceRoute(objects, gateway, { namespace: 'shop', serviceAccount: 'cart' }, { protocol: 'HTTPS', host: 'api.stripe.com', port: 443 }))
      .toEqual({ ok: false, stage: 'authorization', reason: 'denied by a DENY policy' });
    // Without the DENY guard, the ALLOW policy alone stops it too.
    const allowOnly = objects.filter((o) => !(o.kind === 'AuthorizationPolicy' && o.spec.action === 'DENY'));
    expect(traceRoute(allowOnly, gateway, { namespace: 'shop', serviceAccount: 'cart' }, { protocol: 'HTTPS', host: 'api.stripe.com', port: 443 }))
      .toEqual({ ok: false, stage: 'authorization', reason: expect.stringMatching(/^no ALLOW rule admits corp.example\/ns\/shop\/sa\/cart to port \d+$/) });
  });

  test('dry-run authorization is reported as such, and then lets everyone through', () => {
    const objects = synthObjects(buildApp(spec, { ...options, authorizationDryRun: true }));
    expect(traceRoute(objects, gateway, { namespace: 'shop', serviceAccount: 'cart' }, { protocol: 'HTTPS', host: 'api.stripe.com', port: 443 }))
      .toMatchObject({ ok: true, dryRun: true });
  });
});

describe('TLS and TCP services in a rule that also has an HTTP service', () => {
  // Istio builds an AuthorizationPolicy rule for a TLS/TCP connection only if NONE of its `to`,
  // `from` or `when` entries names an HTTP-only field (hosts, methods, paths, request principals,
  // request.* conditions); in an ALLOW policy it ignores the whole rule otherwise. Fixed gateway
  // ports, so that the policies below can be written by hand.
  const spec: PolicySpec[] = [{
    gateway: 'gw-a',
    rules: [{
      sources: [{ namespace: 'team-a' }],
      services: [
        { name: 'web', protocol: 'HTTP', hosts: ['www.example.com'], port: 80, upgradePort: 443, gatewayPort: 10080 },
        { name: 'api', protocol: 'HTTPS', hosts: ['api.example.com'], port: 443, gatewayPort: 10443 },
        { name: 'mq', protocol: 'TLS', hosts: ['mq.example.com'], port: 5671, gatewayPort: 15671 },
        { name: 'db', protocol: 'TCP', hosts: ['8.8.8.8'], port: 5432, gatewayPort: 15432 },
      ],
    }],
  }];
  const client = { namespace: 'team-a' };
  const requests = allowedRequests(spec);
  const isHttp = (r: { request: { protocol: string } }) => r.request.protocol === 'HTTP';
  const team = [{ source: { namespaces: ['team-a'] } }];
  const webTo = { operation: { ports: ['10080'], hosts: ['www.example.com', 'www.example.com:80'] } };
  const portTos = [{ operation: { ports: ['10443'] } }, { operation: { ports: ['15671'] } }, { operation: { ports: ['15432'] } }];
  const denial = (port: number) => ({
    ok: false,
    stage: 'authorization',
    reason: `no ALLOW rule admits cluster.local/ns/team-a/sa/default to port ${port} (1 rule(s) that would admit it are ignored on this TLS/TCP connection: they name HTTP-only fields)`,
  });

  /** The synthesised objects, with the AuthorizationPolicy's rules replaced. */
  function withRules(rules: any[], action = 'ALLOW'): any[] {
    const objects = JSON.parse(JSON.stringify(synthObjects(buildApp(spec))));
    Object.assign(objects.find((o: any) => o.kind === 'AuthorizationPolicy').spec, { action, rules });
    return objects;
  }

  test('the rendered objects let every request through', () => {
    const objects = synthObjects(buildApp(spec));
    expect(requests.map((r) => r.request.protocol)).toEqual(['HTTP', 'HTTPS', 'TLS', 'TCP']);
    for (const r of requests) {
      expect({ request: r.request, trace: traceRoute(objects, r.gateway, r.client, r.request, r.expect) })
        .toEqual({ request: r.request, trace: expect.objectContaining({ ok: true }) });
    }
    // No rendered rule names hosts next to a port-only destination.
    for (const rule of objects.find((o) => o.kind === 'AuthorizationPolicy').spec.rules) {
      expect(new Set(rule.to.map((t: any) => t.operation.hosts !== undefined)).size).toBe(1);
    }
  });

  test('the checker fails the former rendering (one rule for all services) at the AuthorizationPolicy, for TLS and TCP only', () => {
    const old = withRules([{ from: team, to: [webTo, ...portTos] }]);
    for (const r of requests) {
      const trace = traceRoute(old, r.gateway, r.client, r.request, r.expect);
      const expected = isHttp(r) ? expect.objectContaining({ ok: true }) : denial(r.service.gatewayPort!);
      expect({ request: r.request, trace }).toEqual({ request: r.request, trace: expected });
    }
  });

  test('the same rule split in two, as the renderer now does, lets every request through', () => {
    const split = withRules([{ from: team, to: [webTo] }, { from: team, to: portTos }]);
    for (const r of requests) expect(traceRoute(split, r.gateway, r.client, r.request, r.expect)).toMatchObject({ ok: true });
  });

  test.each<[string, any]>([
    ['a request principal in `from`', { from: [{ source: { namespaces: ['team-a'] } }, { source: { requestPrincipals: ['*'] } }], to: portTos }],
    ['a request header condition in `when`', { from: team, to: portTos, when: [{ key: 'request.headers[x-team]', values: ['a'] }] }],
    ['a method next to the ports', { from: team, to: [...portTos, { operation: { methods: ['GET'] } }] }],
  ])('a port-only rule with %s is ignored on TLS and TCP connections', (_, rule) => {
    const objects = withRules([{ from: team, to: [webTo] }, rule]);
    for (const r of requests.filter((x) => !isHttp(x))) {
      expect(traceRoute(objects, r.gateway, r.client, r.request, r.expect)).toEqual(denial(r.service.gatewayPort!));
    }
  });

  test('HTTP fields apply on the gateway\'s HTTPS (mutual TLS) server: hosts there select the HTTP request', () => {
    const objects = withRules([{ from: team, to: [{ operation: { ports: ['10080'], hosts: ['other.example.com'] } }] }, { from: team, to: portTos }]);
    const [http] = requests.filter(isHttp);
    expect(traceRoute(objects, http.gateway, client, http.request, http.expect))
      .toEqual({ ok: false, stage: 'authorization', reason: 'no ALLOW rule admits cluster.local/ns/team-a/sa/default to port 10080 host www.example.com' });
  });

  test('in a DENY policy Istio drops only the HTTP field on TLS and TCP, which widens the rule', () => {
    // DENY to other.example.com: on HTTP only that host; on TLS and TCP every connection.
    const objects = withRules([{ to: [{ operation: { hosts: ['other.example.com'] } }] }], 'DENY');
    for (const r of requests) {
      expect(traceRoute(objects, r.gateway, r.client, r.request, r.expect))
        .toEqual(isHttp(r) ? expect.objectContaining({ ok: true }) : { ok: false, stage: 'authorization', reason: 'denied by a DENY policy' });
    }
  });
});

describe('random Apps', () => {
  // Services per gateway from disjoint host pools, so that the App is valid by construction.
  const POOLS: Record<string, { names: string[]; ips: string[] }> = {
    'gw-a': { names: ['a1.example.com', 'a2.example.com', 'a3.example.com'], ips: ['1.1.1.1', '1.0.0.1'] },
    'gw-b': { names: ['b1.example.org', 'b2.example.org'], ips: ['9.9.9.9'] },
  };
  const serviceArb = (gateway: string) => fc.record({
    protocol: fc.constantFrom('HTTP', 'HTTPS', 'TLS', 'TCP', 'TCP-IP'),
    hosts: fc.subarray(POOLS[gateway].names, { minLength: 1, maxLength: 2 }),
    ip: fc.constantFrom(...POOLS[gateway].ips),
    alt: fc.boolean(),
    upgrade: fc.boolean(),
  });
  // One kind of source per namespace: mixing a bare workloadSelector with broader sources of the
  // same namespace is refused (see istio-validation.test.ts), and is not what this property is about.
  const sourceArb: fc.Arbitrary<SourceSpec> = fc.oneof(
    fc.constant({ namespace: 'ns-1' }),
    fc.constantFrom('a', 'b').map((app) => ({ namespace: 'ns-2', labels: { app }, serviceAccount: `sa-${app}` })),
    fc.constant({ namespace: 'ns-3', serviceAccount: 'sa-x' }),
    fc.constant({ namespace: 'ns-4', labels: { app: 'a' } }),
    // The mesh's root namespace, where the gateways run too (see istiod-model.ts destinationRulesFor).
    fc.constant({ namespace: 'istio-system', serviceAccount: 'ops' }),
  );
  const policyArb = (gateway: string) => fc.record({
    services: fc.array(serviceArb(gateway), { minLength: 1, maxLength: 5 }),
    rules: fc.array(fc.record({
      // A rule lists each source once (the same source twice is an error).
      sources: fc.uniqueArray(sourceArb, { minLength: 1, maxLength: 2, selector: (s) => JSON.stringify(s) }),
      pick: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
    }), { minLength: 1, maxLength: 3 }),
  });
  const appArb = fc.record({
    a: policyArb('gw-a'),
    b: fc.option(policyArb('gw-b'), { nil: undefined }),
    apiVersion: fc.constantFrom(IstioApiVersion.V1, IstioApiVersion.V1BETA1),
  });

  /** Turns generated candidates into a valid spec: one service per host and port, HTTP hosts once per gateway, TCP-by-name ports unique. */
  function toSpec(gen: { a: any; b?: any }): PolicySpec[] {
    let tcpPort = 7000;
    return (Object.entries({ 'gw-a': gen.a, 'gw-b': gen.b }) as Array<[string, any]>).filter(([, p]) => p).map(([gateway, p]) => {
      const taken = new Set<string>();
      const httpHosts = new Set<string>();
      const services: ServiceSpec[] = [];
      p.services.forEach((c: any, i: number) => {
        const name = `svc-${i}`;
        let s: ServiceSpec;
        if (c.protocol === 'TCP-IP') s = { name, protocol: 'TCP', hosts: [c.ip], port: c.alt ? 5432 : 3306 };
        else if (c.protocol === 'TCP') s = { name, protocol: 'TCP', hosts: c.hosts, port: tcpPort++ };
        else if (c.protocol === 'HTTP') s = { name, protocol: 'HTTP', hosts: c.hosts, port: c.alt ? 8080 : 80, upgradePort: c.upgrade ? 443 : undefined };
        else s = { name, protocol: c.protocol, hosts: c.hosts, port: c.alt ? 8443 : 443 };
        if (s.hosts.some((h) => taken.has(`${h}:${s.port}`))) return;
        if (s.protocol === 'HTTP' && s.hosts.some((h) => httpHosts.has(h))) return;
        s.hosts.forEach((h) => taken.add(`${h}:${s.port}`));
        if (s.protocol === 'HTTP') s.hosts.forEach((h) => httpHosts.add(h));
        services.push(s);
      });
      const rules = p.rules.map((r: any) => ({
        sources: r.sources,
        services: [...new Set(r.pick.map((n: number) => services[n % services.length]))] as ServiceSpec[],
      }));
      return { gateway, rules };
    });
  }

  test('every allowed request follows a consistent chain, and nothing else gets through', () => {
    const everything: any[] = [];
    fc.assert(fc.property(appArb, (gen) => {
      const spec = toSpec(gen);
      const objects = synthObjects(buildApp(spec, { apiVersion: gen.apiVersion }));
      everything.push(...objects);
      expect(meshConsistencyErrors(objects)).toEqual([]);
      const portsOf = new Map<string, Set<string>>();
      for (const r of allowedRequests(spec)) {
        const trace = traceRoute(objects, r.gateway, r.client, r.request, r.expect);
        if (!trace.ok) throw new Error(`${JSON.stringify(r.client)} -> ${JSON.stringify(r.request)}: ${trace.stage}: ${trace.reason}\n${JSON.stringify(spec)}`);
        portsOf.set(r.client.namespace, (portsOf.get(r.client.namespace) ?? new Set()).add(`${r.gateway.name}:${trace.gatewayPort}`));
      }
      // Clusters (istiod-model.ts): a pod of a source namespace gets one gateway subset cluster per
      // gateway port its namespace uses (the default sidecarEgressHosts show them all), no more.
      for (const ns of ['ns-1', 'ns-2', 'ns-3', 'ns-4', 'istio-system', 'outsider']) {
        expect({ ns, clusters: outboundClusters(objects, { namespace: ns, labels: { app: 'a' } }).subsetClusters })
          .toEqual({ ns, clusters: portsOf.get(ns)?.size ?? 0 });
      }
      // Pods that no source covers: another label, another service account, another namespace.
      const probes = [
        { namespace: 'ns-1', labels: { app: 'c' }, serviceAccount: 'sa-y' },
        // (A pod with one selector's labels and another's service account is not probed: a service
        // account is taken to identify its workload, see the README.)
        { namespace: 'ns-2', labels: { app: 'a' }, serviceAccount: 'sa-y' },
        { namespace: 'ns-2', labels: { app: 'c' }, serviceAccount: 'sa-a' },
        { namespace: 'ns-2', labels: { app: 'b' }, serviceAccount: 'sa-b' },
        { namespace: 'ns-3', serviceAccount: 'sa-x' },
        { namespace: 'ns-3', serviceAccount: 'sa-y' },
        { namespace: 'ns-4', labels: { app: 'b' } },
        { namespace: 'ns-4', labels: { app: 'a' } },
        { namespace: 'outsider', labels: { app: 'a' }, serviceAccount: 'sa-x' },
        { namespace: 'istio-system', serviceAccount: 'ops' },
        { namespace: 'istio-system', serviceAccount: 'other' },
      ];
      for (const p of spec) {
        for (const s of p.rules.flatMap((r) => r.services)) {
          for (const client of probes) {
            const host = s.hosts[0];
            const request = { protocol: s.protocol, host, port: s.port };
            const trace = traceRoute(objects, defaultGateway(p.gateway), client, request, { siteHosts: s.hosts, upgradePort: s.upgradePort });
            if (trace.ok !== specAllows(spec, client, host, s.port)) {
              throw new Error(`${JSON.stringify(client)} -> ${host}:${s.port}: spec ${specAllows(spec, client, host, s.port) ? 'allows' : 'denies'}, trace ${JSON.stringify(trace)}\n${JSON.stringify(spec)}`);
            }
          }
        }
      }
    }), { numRuns: 100, seed: 20250501 });
    expect(crdSchemaErrors(everything.filter((o) => o.apiVersion.includes('istio.io')))).toEqual([]);
  });
});

describe('the checker itself', () => {
  // A checker that never fails proves nothing: break one link of a correct chain at a time.
  const request = { protocol: 'HTTP' as const, host: 'taobao.com', port: 80 };
  const expectation = { upgradePort: 443 };
  const client = { namespace: 'default', labels: { app: 'sleep' } };
  const gw = defaultGateway('egressgateway-a');

  function objects(): any[] {
    const app = istioApp({ gatewayService: true });
    new Example3(app, 'example-3', GatewayPortAllocation.LIBRARY);
    return JSON.parse(JSON.stringify(synthObjects(app)));
  }
  const find = (objs: any[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);
  /** The Service and DestinationRule of the gateway port that taobao.com's route leads to. */
  const portOf = (objs: any[]) => find(objs, 'VirtualService', 'egressgateway-a.taobao.com').spec.http[0].route[0].destination.port.number;
  const portService = (objs: any[]) => find(objs, 'Service', `egressgateway-a-${portOf(objs)}`);
  const portRule = (objs: any[]) => find(objs, 'DestinationRule', `egressgateway-a-${portOf(objs)}`);

  test('accepts the intact chain', () => {
    // HTTP services share the gateway port, whose one subset sends a host of one of them (the first by name).
    expect(traceRoute(objects(), gw, client, request, expectation)).toMatchObject({ ok: true, sni: 'aliyun.com', upstream: 'taobao.com:443' });
  });

  test.each<[string, (objs: any[]) => void, string]>([
    ['mesh leg to another gateway port', (o) => { find(o, 'VirtualService', 'egressgateway-a.taobao.com').spec.http[0].route[0].destination.port.number = 1; }, 'gateway-service'],
    // Emitted (gatewayService), but exported to the gateway's namespace only: no cluster in the source's (503 NC).
    ['mesh leg to the gateway\'s own Service', (o) => {
      find(o, 'VirtualService', 'egressgateway-a.taobao.com').spec.http[0].route[0].destination.host = 'egressgateway-a.istio-system.svc.cluster.local';
    }, 'gateway-service'],
    ['subset without mutual TLS', (o) => { portRule(o).spec.subsets[0].trafficPolicy.portLevelSettings[0].tls.mode = 'DISABLE'; }, 'gateway-subset'],
    ['subset with an SNI that the server does not accept', (o) => { portRule(o).spec.subsets[0].trafficPolicy.portLevelSettings[0].tls.sni = 'outbound_.80_._.x'; }, 'gateway-server'],
    ['port Service not exported to the source namespace', (o) => { portService(o).metadata.annotations['networking.istio.io/exportTo'] = 'elsewhere'; }, 'gateway-service'],
    ['port Service without the port', (o) => { portService(o).spec.ports.pop(); }, 'gateway-service'],
    ['port Service whose container port the AuthorizationPolicy does not name', (o) => {
      const svc = portService(o);
      svc.spec.ports.forEach((p: any) => { p.targetPort = p.port + 1; });
      o.find((x) => x.kind === 'Service' && x.metadata.name === 'egressgateway-a').spec.ports.forEach((p: any) => { p.targetPort = p.port + 1; });
    }, 'authorization'],
    ['gateway Service that maps the port to another container port than the port Service', (o) => {
      o.find((x) => x.kind === 'Service' && x.metadata.name === 'egressgateway-a').spec.ports.forEach((p: any) => { p.targetPort = p.port + 1; });
    }, 'gateway-service'],
    ['server that speaks TLS for HTTP', (o) => { find(o, 'Gateway', 'egressgateway-a').spec.servers.forEach((s: any) => { s.port.protocol = 'TLS'; }); }, 'gateway-server'],
    ['server without the host', (o) => { find(o, 'Gateway', 'egressgateway-a').spec.servers.forEach((s: any) => { s.hosts = s.hosts.filter((h: string) => !h.endsWith('taobao.com')); }); }, 'gateway-server'],
    ['gateway leg on another port', (o) => { find(o, 'VirtualService', 'egressgateway-a.taobao.com').spec.http[1].match[0].port = 1; }, 'gateway-leg'],
    ['no TLS origination', (o) => { o.splice(o.indexOf(find(o, 'DestinationRule', 'egressgateway-a.taobao.com')), 1); }, 'tls-origination'],
    ['origination without verification', (o) => { Object.assign(find(o, 'DestinationRule', 'egressgateway-a.taobao.com').spec.trafficPolicy.portLevelSettings[0].tls, { insecureSkipVerify: true }); }, 'tls-origination'],
    ['ServiceEntry without the upgrade port', (o) => { delete find(o, 'ServiceEntry', 'egressgateway-a.taobao.com').spec.ports[0].targetPort; }, 'upstream'],
    ['AuthorizationPolicy without the rule', (o) => {
      for (const rule of find(o, 'AuthorizationPolicy', 'egressgateway-a').spec.rules) rule.to = rule.to.filter((t: any) => !(t.operation.hosts ?? []).includes('taobao.com'));
    }, 'authorization'],
    ['Sidecar without the host', (o) => { const s = o.find((x) => x.kind === 'Sidecar' && x.spec.workloadSelector); s.spec.egress[0].hosts = s.spec.egress[0].hosts.filter((h: string) => !h.endsWith('/taobao.com')); }, 'service-entry'],
  ])('rejects a chain with %s', (_, breakIt, stage) => {
    const broken = objects();
    breakIt(broken);
    expect(traceRoute(broken, gw, client, request, expectation)).toMatchObject({ ok: false, stage });
  });

  test('reports a gateway port that two TLS destinations share, and a host with two mesh VirtualServices', () => {
    const broken = objects();
    const tcp = find(broken, 'VirtualService', 'egressgateway-a.test-tcp.com');
    const other = find(broken, 'VirtualService', 'egressgateway-a.tcp-svc1');
    other.spec.tcp[1].match[0].port = tcp.spec.tcp[1].match[0].port;
    broken.push({ ...find(broken, 'VirtualService', 'egressgateway-a.aliyun.com'), metadata: { name: 'copy', namespace: 'istio-egress' } });
    expect(meshConsistencyErrors(broken)).toEqual(expect.arrayContaining([
      'host aliyun.com is in VirtualServices egressgateway-a.aliyun.com and copy',
      expect.stringMatching(/^gateway istio-system\/egressgateway-a port \d+: 2 TCP routes/),
    ]));
  });
});
