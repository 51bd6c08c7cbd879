import { Chart, JsonPatch } from 'cdk8s';
import { Example1, Example2, Example3 } from '../../examples/documented-examples';
import {
  EgressAccess, EgressOutput, EgressQuery, EgressSource, EgressTrafficPolicy, ExternalService, GatewayPortAllocation,
  Guardrail, GuardrailOverride,
} from '../../src';
import { fixture, synthObjects, testApp } from '../util/synth';

const POLICY = 'istio-egress/egress-by-egressgateway-a';
const sleepA = { namespace: 'mytest', labels: { app: 'sleep-a' } };
const sleepB = { namespace: 'mytest', labels: { app: 'sleep-b' } };

/** An expected access of the documented examples (gateway egressgateway-a). */
function access(source: [string, Record<string, string>], host: string, port: number, protocol: string,
  route: { gatewayPort?: number; tlsTo?: number; service: string; rule?: string; policy?: string; gateway?: string }): EgressAccess {
  return {
    source: { namespace: source[0], workloadSelector: source[1] },
    destination: { host, port, protocol },
    gateway: route.gateway ?? 'egressgateway-a',
    gatewayPort: route.gatewayPort,
    tlsOrigination: route.tlsTo !== undefined,
    upstreamPort: route.tlsTo ?? port,
    service: route.service,
    rule: route.rule,
    policy: route.policy ?? POLICY,
  };
}

function queryOf(define: (chart: Chart) => void): EgressQuery {
  const app = testApp();
  define(new Chart(app, 'c'));
  return EgressQuery.fromApp(app);
}

describe('queries on the documented examples', () => {
  const example2 = () => {
    const app = testApp();
    new Example2(app, 'example-2');
    return EgressQuery.fromApp(app);
  };

  test('Example 2: sleep-b in mytest reaches www.aliyun.com:443 through gateway port 445, and not httpbin.org', () => {
    const query = example2();
    expect(query.canReach(sleepB, 'www.aliyun.com', 443)).toEqual({
      allowed: true,
      gateway: 'egressgateway-a',
      gatewayPort: 445,
      tlsOrigination: false,
      protocol: 'HTTPS',
      service: 'aliyun-service-https',
      rule: undefined,
      matches: [access(['mytest', { app: 'sleep-b' }], 'www.aliyun.com', 443, 'HTTPS', { gatewayPort: 445, service: 'aliyun-service-https' })],
    });
    expect(query.canReach(sleepB, 'httpbin.org', 443)).toEqual({ allowed: false, matches: [] });
    expect(query.canReach(sleepB, 'httpbin.org', 80).allowed).toBe(false);
    expect(query.canReach(sleepB, 'www.aliyun.com', 80).allowed).toBe(false);
  });

  test('Example 2: sleep-a reaches httpbin.org over HTTP with TLS originated at gateway port 80, and over HTTPS at 444', () => {
    const query = example2();
    expect(query.canReach(sleepA, 'httpbin.org', 80)).toMatchObject({
      allowed: true, gateway: 'egressgateway-a', gatewayPort: 80, tlsOrigination: true, protocol: 'HTTP', service: 'httpbin-service-http',
    });
    expect(query.canReach(sleepA, 'httpbin.org', 80).matches[0].upstreamPort).toBe(443);
    expect(query.canReach(sleepA, 'www.httpbin.org', 443)).toMatchObject({
      allowed: true, gatewayPort: 444, tlsOrigination: false, protocol: 'HTTPS', service: 'httpbin-service-https',
    });
    expect(query.canReach(sleepA, 'www.aliyun.com', 443).allowed).toBe(false);
  });

  test('Example 2: a workload matches when its labels include the selector, in the same namespace only', () => {
    const query = example2();
    expect(query.canReach({ namespace: 'mytest', labels: { app: 'sleep-b', version: 'v2' } }, 'www.aliyun.com', 443).allowed).toBe(true);
    expect(query.canReach({ namespace: 'default', labels: { app: 'sleep-b' } }, 'www.aliyun.com', 443).allowed).toBe(false);
    expect(query.canReach({ namespace: 'mytest' }, 'www.aliyun.com', 443).allowed).toBe(false);
    expect(query.canReach({ namespace: 'mytest', labels: { app: 'sleep-c' } }, 'www.aliyun.com', 443).allowed).toBe(false);
  });

  test('Example 2: every allowed pair, one per host, in the order of the rules', () => {
    const a: [string, Record<string, string>] = ['mytest', { app: 'sleep-a' }];
    const http = { gatewayPort: 80, tlsTo: 443, service: 'httpbin-service-http' };
    const https = { gatewayPort: 444, service: 'httpbin-service-https' };
    expect(example2().allowedPairs()).toEqual([
      access(a, 'www.httpbin.org', 80, 'HTTP', http),
      access(a, 'httpbin.org', 80, 'HTTP', http),
      access(a, 'www.httpbin.org', 443, 'HTTPS', https),
      access(a, 'httpbin.org', 443, 'HTTPS', https),
      access(['mytest', { app: 'sleep-b' }], 'www.aliyun.com', 443, 'HTTPS', { gatewayPort: 445, service: 'aliyun-service-https' }),
    ]);
    expect(example2().reachableFrom(sleepB).map((x) => `${x.destination.host}:${x.destination.port}`)).toEqual(['www.aliyun.com:443']);
  });

  test('Example 1: sleep-a reaches both httpbin hosts over plain HTTP through gateway port 80', () => {
    const app = testApp();
    new Example1(app, 'example-1');
    const http = { gatewayPort: 80, service: 'httpbin-service-http' };
    expect(EgressQuery.fromApp(app).allowedPairs()).toEqual([
      access(['mytest', { app: 'sleep-a' }], 'www.httpbin.org', 80, 'HTTP', http),
      access(['mytest', { app: 'sleep-a' }], 'httpbin.org', 80, 'HTTP', http),
    ]);
  });

  test('Example 3 with ports left to ASM: every destination is allowed, with no gateway port written', () => {
    const app = testApp();
    new Example3(app, 'example-3', GatewayPortAllocation.ASM);
    const query = EgressQuery.fromApp(app);
    const sleep = { namespace: 'default', labels: { app: 'sleep' } };
    expect(query.canReach(sleep, 'taobao.com', 80)).toMatchObject({ allowed: true, gatewayPort: undefined, tlsOrigination: true, service: 'https-upgrade' });
    expect(query.canReach(sleep, 'aliyun.com', 80)).toMatchObject({ allowed: true, tlsOrigination: false, protocol: 'HTTP' });
    expect(query.canReach(sleep, 'aliyun.com', 443)).toMatchObject({ allowed: true, protocol: 'HTTPS' });
    expect(query.canReach(sleep, '1.1.1.1', 44)).toMatchObject({ allowed: true, protocol: 'TCP', service: 'tcp-svc1' });
    expect(query.canReach(sleep, 'test-tcp.com', 444)).toMatchObject({ allowed: true, protocol: 'TCP', service: 'tcp-svc2' });
    expect(query.canReach(sleep, 'taobao.com', 443).allowed).toBe(false);
    expect(query.allowedPairs()).toHaveLength(5);
  });

  test('Example 3 with ports allocated by the library: the query reports the ports written in the YAML', () => {
    const app = testApp();
    new Example3(app, 'example-3', GatewayPortAllocation.LIBRARY);
    const written = new Map<string, number>(synthObjects(app)[0].spec.egressRules[0].to.map((to: any) => [to.name, to.byEgressGateway.port]));
    const query = EgressQuery.fromApp(app);
    const sleep = { namespace: 'default', labels: { app: 'sleep' } };
    expect(query.canReach(sleep, 'taobao.com', 80).gatewayPort).toBe(written.get('https-upgrade'));
    expect(query.canReach(sleep, '1.1.1.1', 44).gatewayPort).toBe(written.get('tcp-svc1'));
    expect(query.canReach(sleep, 'test-tcp.com', 444).gatewayPort).toBe(written.get('tcp-svc2'));
  });

  test.each([
    ['example-1.yaml', (app: any) => new Example1(app, 'example-1')],
    ['example-2.yaml', (app: any) => new Example2(app, 'example-2')],
    ['example-3.yaml', (app: any) => new Example3(app, 'example-3', GatewayPortAllocation.ASM)],
  ])('the documented YAML %s and the App that reproduces it answer alike', (file, define) => {
    const app = testApp();
    define(app);
    expect(EgressQuery.fromManifests([fixture(file)]).allowedPairs()).toEqual(EgressQuery.fromApp(app).allowedPairs());
  });
});

describe('matching', () => {
  const everyone = { namespace: 'team-a', labels: { app: 'web' } };

  test('a wildcard host matches every subdomain, not the domain itself', () => {
    const query = queryOf((chart) => new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw' }).addRule('r')
      .allowFrom(EgressSource.namespace('team-a'))
      .allowTo(ExternalService.https('cdn', {
        hosts: ['*.cdn.example.com'], guardrailOverrides: [GuardrailOverride.allow(Guardrail.WILDCARD_HOST, 'CDN')],
      })));
    expect(query.canReach(everyone, 'img.cdn.example.com', 443).allowed).toBe(true);
    expect(query.canReach(everyone, 'a.b.cdn.example.com', 443).allowed).toBe(true);
    expect(query.canReach(everyone, 'cdn.example.com', 443).allowed).toBe(false);
    expect(query.canReach(everyone, 'evilcdn.example.com', 443).allowed).toBe(false);
  });

  test('a source of every namespace matches workloads of any namespace', () => {
    const query = queryOf((chart) => new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw' }).addRule('r')
      .allowFrom(EgressSource.allNamespaces({
        workloadSelector: { app: 'otel' }, guardrailOverrides: [GuardrailOverride.allow(Guardrail.MESH_WIDE_SOURCE, 'telemetry')],
      }))
      .allowTo(ExternalService.https('otlp', { hosts: ['otlp.example.com'] })));
    expect(query.canReach({ namespace: 'anything', labels: { app: 'otel' } }, 'otlp.example.com', 443).allowed).toBe(true);
    expect(query.canReach({ namespace: 'anything', labels: { app: 'web' } }, 'otlp.example.com', 443).allowed).toBe(false);
  });

  test('hosts compare case-insensitively and IPv6 addresses in any spelling', () => {
    // Host names in a manifest are lower case (the reader refuses others, as lint does); the
    // host asked about may be in any case. IPv6 addresses may be written in any spelling.
    const query = EgressQuery.fromManifests([policyManifest('gw', [{
      from: [{ namespace: 'team-a' }],
      to: [
        { name: 'api', hosts: ['api.example.com'], port: { number: 443, protocol: 'HTTPS', name: 'https' }, byEgressGateway: { port: 10443 } },
        { name: 'v6', hosts: ['2001:0DB8:0000:0000::0001'], port: { number: 5432, protocol: 'TCP', name: 'tcp' }, byEgressGateway: { port: 15432 } },
      ],
    }])]);
    expect(query.canReach({ namespace: 'team-a' }, 'api.example.COM', 443).allowed).toBe(true);
    expect(query.canReach({ namespace: 'team-a' }, '2001:db8::1', 5432)).toMatchObject({ allowed: true, gatewayPort: 15432 });
    expect(query.allowedPairs().map((a) => a.destination.host)).toEqual(['api.example.com', '2001:db8::1']);
  });

  test('every policy of the manifests counts, objects of other kinds are skipped, and the first matching rule is described', () => {
    const http = (name: string, port: number) => ({ name, hosts: ['api.example.com'], port: { number: 80, protocol: 'HTTP', name: 'http' }, byEgressGateway: { port } });
    const query = EgressQuery.fromManifests([
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: {} },
      policyManifest('gw-a', [{ name: 'first', from: [{ namespace: 'team-a' }], to: [http('api-a', 8080)] }]),
      policyManifest('gw-b', [{ name: 'second', from: [{ namespace: 'team-a', workloadSelector: { app: 'web' } }], to: [http('api-b', 9090)] }]),
    ]);
    const result = query.canReach(everyone, 'api.example.com', 80);
    expect(result).toMatchObject({ allowed: true, ambiguous: true, gateway: 'gw-a', gatewayPort: 8080, rule: 'first', service: 'api-a' });
    expect(result.matches.map((m) => [m.gateway, m.gatewayPort, m.policy])).toEqual([['gw-a', 8080, 'istio-egress/egress-by-gw-a'], ['gw-b', 9090, 'istio-egress/egress-by-gw-b']]);
  });
});

describe('routes that disagree, trailing dots and repeated pairs', () => {
  const https = (name: string, gatewayPort: number) => ({
    name, hosts: ['api.example.com'], port: { number: 443, protocol: 'HTTPS', name: 'https' }, byEgressGateway: { port: gatewayPort },
  });

  test('two gateways for one source, host and port: the answer is ambiguous and lists both routes', () => {
    const query = EgressQuery.fromManifests([
      policyManifest('gw-a', [{ name: 'a', from: [{ namespace: 'team-a' }], to: [https('api-a', 10443)] }]),
      policyManifest('gw-b', [{ name: 'b', from: [{ namespace: 'team-a' }], to: [https('api-b', 10443)] }]),
    ]);
    const result = query.canReach({ namespace: 'team-a' }, 'api.example.com', 443);
    expect(result).toMatchObject({ allowed: true, ambiguous: true, gateway: 'gw-a', gatewayPort: 10443, rule: 'a', service: 'api-a' });
    expect(result.matches.map((m) => [m.gateway, m.gatewayPort, m.tlsOrigination, m.rule])).toEqual([
      ['gw-a', 10443, false, 'a'], ['gw-b', 10443, false, 'b'],
    ]);
  });

  test('two gateway ports on one gateway, or TLS origination on one route only, are ambiguous too', () => {
    const http = (name: string, upgrade: boolean) => ({
      name,
      hosts: ['api.example.com'],
      port: { number: 80, protocol: 'HTTP', name: 'http' },
      byEgressGateway: { port: 10080 },
      ...(upgrade ? { httpsUpgrade: { enabled: true, port: 443 } } : {}),
    });
    const ports = EgressQuery.fromManifests([policyManifest('gw', [
      { name: 'a', from: [{ namespace: 'team-a' }], to: [https('api-a', 10443)] },
      { name: 'b', from: [{ namespace: 'team-a' }], to: [https('api-b', 10444)] },
    ])]);
    expect(ports.canReach({ namespace: 'team-a' }, 'api.example.com', 443)).toMatchObject({ allowed: true, ambiguous: true, gatewayPort: 10443 });
    const tls = EgressQuery.fromManifests([policyManifest('gw', [
      { name: 'plain', from: [{ namespace: 'team-a' }], to: [http('plain', false)] },
      { name: 'upgraded', from: [{ namespace: 'team-a' }], to: [http('upgraded', true)] },
    ])]);
    const result = tls.canReach({ namespace: 'team-a' }, 'api.example.com', 80);
    expect(result).toMatchObject({ allowed: true, ambiguous: true, tlsOrigination: false });
    expect(result.matches.map((m) => [m.tlsOrigination, m.upstreamPort])).toEqual([[false, 80], [true, 443]]);
  });

  test('two rules that take the same route are not ambiguous; allowedPairs lists the pair once for each rule', () => {
    const query = EgressQuery.fromManifests([policyManifest('gw', [
      { name: 'first', from: [{ namespace: 'team-a' }], to: [https('api', 10443)] },
      { name: 'second', from: [{ namespace: 'team-a' }], to: [https('api', 10443)] },
    ])]);
    const result = query.canReach({ namespace: 'team-a' }, 'api.example.com', 443);
    expect(result).not.toHaveProperty('ambiguous');
    expect(result).toMatchObject({ allowed: true, gateway: 'gw', gatewayPort: 10443, rule: 'first' });
    expect(result.matches.map((m) => m.rule)).toEqual(['first', 'second']);
    expect(query.allowedPairs().map((a) => `${a.source.namespace} -> ${a.destination.host}:${a.destination.port} (${a.rule})`)).toEqual([
      'team-a -> api.example.com:443 (first)',
      'team-a -> api.example.com:443 (second)',
    ]);
  });

  test('a trailing dot in the host asked about is ignored, for exact and wildcard hosts', () => {
    const query = EgressQuery.fromManifests([policyManifest('gw', [{
      from: [{ namespace: 'team-a' }],
      to: [https('api', 10443), { ...https('cdn', 10444), hosts: ['*.cdn.example.com'] }],
    }])]);
    expect(query.canReach({ namespace: 'team-a' }, 'api.example.com.', 443)).toMatchObject({ allowed: true, service: 'api', gatewayPort: 10443 });
    expect(query.canReach({ namespace: 'team-a' }, 'API.Example.com.', 443).allowed).toBe(true);
    expect(query.canReach({ namespace: 'team-a' }, 'img.cdn.example.com.', 443)).toMatchObject({ allowed: true, service: 'cdn' });
    expect(query.canReach({ namespace: 'team-a' }, 'api.example.com..', 443).allowed).toBe(false);
    expect(query.canReach({ namespace: 'team-a' }, 'cdn.example.com.', 443).allowed).toBe(false);
  });
});

describe('answers come from the synthesised objects, not from the construct inputs', () => {
  test('a JSON patch on the emitted object shows in the answer', () => {
    const app = testApp();
    const policy = new EgressTrafficPolicy(new Chart(app, 'c'), 'Egress', { gateway: 'gw' });
    policy.addRule('r').allowFrom(EgressSource.namespace('team-a')).allowTo(ExternalService.https('api', { hosts: ['api.example.com'], gatewayPort: 10443 }));
    policy.apiObject!.addJsonPatch(JsonPatch.replace('/spec/egressRules/0/to/0/byEgressGateway/port', 10999));
    expect(EgressQuery.fromApp(app).canReach({ namespace: 'team-a' }, 'api.example.com', 443).gatewayPort).toBe(10999);
  });

  test('a policy that emits Istio objects only is read from the ASM object it stands for', () => {
    const app = testApp();
    new EgressTrafficPolicy(new Chart(app, 'c'), 'Egress', { gateway: 'gw', output: EgressOutput.ISTIO })
      .addRule('r').allowFrom(EgressSource.namespace('team-a')).allowTo(ExternalService.https('api', { hosts: ['api.example.com'], gatewayPort: 10443 }));
    expect(EgressQuery.fromApp(app).canReach({ namespace: 'team-a' }, 'api.example.com', 443))
      .toMatchObject({ allowed: true, gateway: 'gw', gatewayPort: 10443, rule: 'r', service: 'api' });
  });

  describe('workload selectors that the Istio objects do not enforce (istio.enforceWorkloadSelectors: false)', () => {
    const db = { namespace: 'team-a', labels: { app: 'db' } };
    function selectorQuery(output: EgressOutput, enforceWorkloadSelectors?: boolean): EgressQuery {
      const app = testApp();
      new EgressTrafficPolicy(new Chart(app, 'c'), 'Egress', { gateway: 'gw', output, istio: { enforceWorkloadSelectors } })
        .addRule('r')
        .allowFrom(EgressSource.namespace('team-a', { workloadSelector: { app: 'web' } }), EgressSource.namespace('team-a', { workloadSelector: { app: 'api' } }))
        .allowTo(ExternalService.https('api', { hosts: ['api.example.com'], gatewayPort: 10443 }));
      return EgressQuery.fromApp(app);
    }
    const namespaceWide: EgressAccess = {
      source: { namespace: 'team-a' },
      destination: { host: 'api.example.com', port: 443, protocol: 'HTTPS' },
      gateway: 'gw',
      gatewayPort: 10443,
      tlsOrigination: false,
      upstreamPort: 443,
      service: 'api',
      rule: 'r',
      policy: 'istio-egress/egress-by-gw',
    };

    test.each([EgressOutput.ISTIO, EgressOutput.ASM_AND_ISTIO])('with output %s, every workload of the namespace is answered as allowed, once', (output) => {
      const query = selectorQuery(output, false);
      expect(query.allowedPairs()).toEqual([namespaceWide]);
      expect(query.canReach(db, 'api.example.com', 443)).toEqual({
        allowed: true, gateway: 'gw', gatewayPort: 10443, tlsOrigination: false, protocol: 'HTTPS', service: 'api', rule: 'r', matches: [namespaceWide],
      });
      expect(query.canReach({ namespace: 'team-a' }, 'api.example.com', 443).allowed).toBe(true);
      expect(query.canReach({ namespace: 'team-b', labels: { app: 'web' } }, 'api.example.com', 443).allowed).toBe(false);
    });

    test.each([EgressOutput.ISTIO, EgressOutput.ASM_AND_ISTIO])('with output %s and the selectors enforced (the default), only the selected workloads', (output) => {
      const query = selectorQuery(output);
      expect(query.allowedPairs().map((a) => a.source)).toEqual([
        { namespace: 'team-a', workloadSelector: { app: 'web' } },
        { namespace: 'team-a', workloadSelector: { app: 'api' } },
      ]);
      expect(query.canReach(db, 'api.example.com', 443)).toEqual({ allowed: false, matches: [] });
      expect(query.canReach({ namespace: 'team-a', labels: { app: 'web' } }, 'api.example.com', 443).allowed).toBe(true);
    });

    test('a policy that emits the ASM object only keeps its selectors: ASM enforces them', () => {
      const query = selectorQuery(EgressOutput.ASM, false);
      expect(query.canReach(db, 'api.example.com', 443)).toEqual({ allowed: false, matches: [] });
      expect(query.allowedPairs()).toHaveLength(2);
    });
  });

  test('an invalid App cannot be queried', () => {
    const app = testApp();
    new EgressTrafficPolicy(new Chart(app, 'c'), 'Egress', { gateway: 'gw' }).addRule('r').allowTo(ExternalService.https('api', { hosts: ['api.example.com'] }));
    expect(() => EgressQuery.fromApp(app)).toThrow('[c/Egress/r] from: the rule has no source: add one with allowFrom()');
  });
});

describe('EgressQuery.fromManifests', () => {
  test('lists every problem of every policy it cannot read, with the object it is in, in the words of lint', () => {
    const broken = policyManifest('', [{
      from: [{ namespace: 'team-a', workloadSelector: { version: 2 } }],
      to: [{ name: 'x', hosts: [], port: { number: 0, protocol: 'HTTP' }, httpsUpgrade: { enabled: true } }],
    }]);
    expect(() => EgressQuery.fromManifests([{ kind: 'ConfigMap' }, broken])).toThrow([
      'EgressQuery: cannot read the egress policies:',
      '  objects[1] ASMEgressTrafficPolicy istio-egress/egress-by-: spec.egressRules[0].from[0].workloadSelector.version: must be a string, not a number (2): quote the value',
      '  objects[1] ASMEgressTrafficPolicy istio-egress/egress-by-: spec.egressRules[0].to[0].hosts: must not be empty (at least one item is required)',
      '  objects[1] ASMEgressTrafficPolicy istio-egress/egress-by-: spec.egressRules[0].to[0].port.name: missing (required)',
      '  objects[1] ASMEgressTrafficPolicy istio-egress/egress-by-: spec.egressRules[0].to[0].httpsUpgrade.port: missing: an enabled httpsUpgrade needs the HTTPS port of the external service (usually 443)',
      '  objects[1] ASMEgressTrafficPolicy istio-egress/egress-by-: spec.egressRules[0].to[0].port.number: 0 is not a port number (an integer from 1 to 65535)',
      '  objects[1] ASMEgressTrafficPolicy istio-egress/egress-by-: spec.byEgressGateway.name: must not be empty',
      "  objects[1] ASMEgressTrafficPolicy istio-egress/egress-by-: metadata.name: 'egress-by-' is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.')",
    ].join('\n'));
  });

  test('refuses what lint refuses field by field: unknown fields, protocols in lower case or unknown, upper-case hosts, other API groups', () => {
    const service = (edit: Record<string, unknown>) => ({
      name: 'api', hosts: ['api.example.com'], port: { number: 443, protocol: 'HTTPS', name: 'https' }, byEgressGateway: { port: 10443 }, ...edit,
    });
    const manifest = {
      ...policyManifest('gw', [{
        from: [{ namespace: 'team-a', team: 'a' }],
        to: [
          service({ hostz: ['api.example.com'] }),
          service({ name: 'lower', port: { number: 443, protocol: 'https', name: 'https' } }),
          service({ name: 'ftp', port: { number: 21, protocol: 'FTP', name: 'ftp' } }),
          service({ name: 'grpc', port: { number: 443, protocol: 'GRPC', name: 'grpc' } }),
          service({ name: 'upper', hosts: ['API.example.com'] }),
        ],
      }]),
      apiVersion: 'networking.istio.io/v1',
    };
    const at = '  objects[0] ASMEgressTrafficPolicy istio-egress/egress-by-gw: ';
    expect(() => EgressQuery.fromManifests([manifest])).toThrow([
      'EgressQuery: cannot read the egress policies:',
      `${at}apiVersion: 'networking.istio.io/v1' is not an API version of ASMEgressTrafficPolicy: use istio.alibabacloud.com/v1beta1 or istio.alibabacloud.com/v1`,
      `${at}spec.egressRules[0].from[0].team: unknown field (expected one of: namespace, workloadSelector)`,
      `${at}spec.egressRules[0].to[0].hostz: unknown field (expected one of: name, hosts, port, byEgressGateway, httpsUpgrade)`,
      `${at}spec.egressRules[0].to[1].port.protocol: 'https' is not a protocol of the CRD (supported: HTTP, HTTPS, TLS, TCP, in upper case)`,
      `${at}spec.egressRules[0].to[2].port.protocol: 'FTP' is not a protocol of the CRD (supported: HTTP, HTTPS, TLS, TCP, in upper case)`,
      `${at}spec.egressRules[0].to[3].port.protocol: GRPC is a protocol of the CRD that cdk8s-asm-egress does not support (supported: HTTP, HTTPS, TLS, TCP)`,
      `${at}spec.egressRules[0].to[4].hosts[0]: 'API.example.com' must be lower case`,
    ].join('\n'));
  });

  test('reads what only the guardrails and ASM\'s port rules refuse: the policy allows it, and the query says so', () => {
    // Hand-written, without the guardrail-overrides annotation that the constructs would write.
    const query = EgressQuery.fromManifests([policyManifest('gw', [{
      from: [{ namespace: '*', workloadSelector: { app: 'otel' } }, { namespace: 'team-a' }],
      to: [
        { name: 'cdn', hosts: ['*.cdn.example.com'], port: { number: 443, protocol: 'HTTPS', name: 'https' }, byEgressGateway: { port: 10443 } },
        { name: 'db', hosts: ['10.0.0.5'], port: { number: 5432, protocol: 'TCP', name: 'tcp' } },
        { name: 'plain', hosts: ['plain.example.com'], port: { number: 80, protocol: 'HTTP', name: 'http' }, byEgressGateway: { port: 10080 } },
      ],
    }])]);
    expect(query.canReach({ namespace: 'anywhere', labels: { app: 'otel' } }, 'img.cdn.example.com', 443))
      .toMatchObject({ allowed: true, gateway: 'gw', gatewayPort: 10443, service: 'cdn' });
    // A port left out while others are set is read as left to ASM.
    expect(query.canReach({ namespace: 'team-a' }, '10.0.0.5', 5432)).toMatchObject({ allowed: true, gatewayPort: undefined, protocol: 'TCP' });
    expect(query.canReach({ namespace: 'team-a' }, 'plain.example.com', 80)).toMatchObject({ allowed: true, tlsOrigination: false });
    expect(query.allowedPairs()).toHaveLength(6);
  });

  test('no policy, no access', () => {
    expect(EgressQuery.fromManifests([]).allowedPairs()).toEqual([]);
  });
});

function policyManifest(gateway: string, egressRules: any[]): any {
  return {
    apiVersion: 'istio.alibabacloud.com/v1beta1',
    kind: 'ASMEgressTrafficPolicy',
    metadata: { name: `egress-by-${gateway}`, namespace: 'istio-egress' },
    spec: { byEgressGateway: { name: gateway }, egressRules },
  };
}
