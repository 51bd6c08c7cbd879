import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import * as fc from 'fast-check';
import {
  EgressOutput, EgressRegistry, EgressRule, EgressSource, EgressTrafficPolicy, ExternalService, Guardrail, GuardrailOverride,
  ProblemSeverity,
} from '../src';
import { errorOf, synthError, synthObjects, testApp, warningLines } from './util/synth';
import { parseGuardrailOverrideLines } from '../src/model/guardrail-annotation';

const ANNOTATION = 'egress.cdk8s-asm-egress.io/guardrail-overrides';
const team = EgressSource.namespace('team-a', { workloadSelector: { app: 'web' } });
const api = ExternalService.https('api', { hosts: ['api.example.com'] });

function setup(props: { strictGuardrails?: boolean } = {}) {
  const app = testApp();
  const chart = new Chart(app, 'c');
  const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw', ...props });
  return { app, chart, policy };
}

/** The App's warnings after `run`, as synthesis prints them. */
function warningsOf(app: App, run: () => void): string[] {
  run();
  return warningLines(app);
}

const allow = GuardrailOverride.allow;

describe('Guardrail.INTERNAL_ADDRESS', () => {
  const message = (host: string, what: string) =>
    `'${host}' is ${what}, which reaches inside the cluster or the cloud host: remove it, or allow it with GuardrailOverride.allow(Guardrail.INTERNAL_ADDRESS, reason)`;

  test.each([
    ['127.0.0.1', 'a loopback address (127.0.0.0/8)'],
    ['127.255.0.9', 'a loopback address (127.0.0.0/8)'],
    ['169.254.169.254', 'a link-local address (169.254.0.0/16, where cloud instance metadata is served)'],
    ['100.100.100.200', "Alibaba Cloud's instance metadata address"],
    ['0.0.0.0', 'an unspecified address (0.0.0.0/8)'],
    ['224.0.0.251', 'a multicast address (224.0.0.0/4)'],
    ['239.255.255.250', 'a multicast address (224.0.0.0/4)'],
    ['255.255.255.255', 'a reserved or broadcast address (240.0.0.0/4)'],
    ['::1', 'the loopback address (::1)'],
    ['::', 'the unspecified address (::)'],
    ['fe80::1', 'a link-local address (fe80::/10)'],
    ['febf::1', 'a link-local address (fe80::/10)'],
    ['fd00:ec2::254', "AWS's IPv6 instance metadata address"],
    ['FD00:EC2:0:0:0:0:0:254', "AWS's IPv6 instance metadata address"],
    ['ff02::1', 'a multicast address (ff00::/8)'],
    ['::ffff:169.254.169.254', 'the IPv4-mapped form of 169.254.169.254, a link-local address (169.254.0.0/16, where cloud instance metadata is served)'],
    ['::ffff:a9fe:a9fe', 'the IPv4-mapped form of 169.254.169.254, a link-local address (169.254.0.0/16, where cloud instance metadata is served)'],
    ['::ffff:127.0.0.1', 'the IPv4-mapped form of 127.0.0.1, a loopback address (127.0.0.0/8)'],
    ['::ffff:100.100.100.200', "the IPv4-mapped form of 100.100.100.200, Alibaba Cloud's instance metadata address"],
    ['64:ff9b::a9fe:a9fe', 'the NAT64 form of 169.254.169.254, a link-local address (169.254.0.0/16, where cloud instance metadata is served)'],
    ['::127.0.0.1', 'the IPv4-compatible form of 127.0.0.1, a loopback address (127.0.0.0/8)'],
    ['64:ff9b:1::a9fe:a9fe', 'the local-use NAT64 form of 169.254.169.254, a link-local address (169.254.0.0/16, where cloud instance metadata is served)'],
    ['64:ff9b:1:ffff::7f00:1', 'the local-use NAT64 form of 127.0.0.1, a loopback address (127.0.0.0/8)'],
    ['::ffff:0:a9fe:a9fe', 'the IPv4-translated form of 169.254.169.254, a link-local address (169.254.0.0/16, where cloud instance metadata is served)'],
    ['::ffff:0:127.0.0.1', 'the IPv4-translated form of 127.0.0.1, a loopback address (127.0.0.0/8)'],
    ['2002:a9fe:a9fe::1', 'the 6to4 form of 169.254.169.254, a link-local address (169.254.0.0/16, where cloud instance metadata is served)'],
    ['2002:6464:64c8:1:2:3:4:5', "the 6to4 form of 100.100.100.200, Alibaba Cloud's instance metadata address"],
    ['192.0.0.170', 'an IETF protocol assignment address (192.0.0.0/24)'],
    ['192.0.0.0', 'an IETF protocol assignment address (192.0.0.0/24)'],
    ['192.0.0.255', 'an IETF protocol assignment address (192.0.0.0/24)'],
    ['198.18.0.1', 'a benchmarking address (198.18.0.0/15)'],
    ['198.19.255.255', 'a benchmarking address (198.18.0.0/15)'],
    ['192.0.2.10', 'a documentation address (TEST-NET-1, 192.0.2.0/24)'],
    ['198.51.100.7', 'a documentation address (TEST-NET-2, 198.51.100.0/24)'],
    ['203.0.113.10', 'a documentation address (TEST-NET-3, 203.0.113.0/24)'],
    ['::ffff:203.0.113.10', 'the IPv4-mapped form of 203.0.113.10, a documentation address (TEST-NET-3, 203.0.113.0/24)'],
  ])('refuses the address %s, with how to allow it', (host, what) => {
    expect(errorOf(() => ExternalService.tcp('db', { hosts: [host], port: 5432 })))
      .toBe(`ExternalService 'db' is invalid:\n  hosts[0]: ${message(host, what)}`);
  });

  test.each([
    ['api.localhost', 'a loopback name (.localhost)'],
    ['kubernetes.default.svc', 'a Kubernetes Service name (.svc)'],
    ['web.default.svc.cluster.local', 'a name in the Kubernetes cluster domain (cluster.local)'],
    ['cluster.local', 'a name in the Kubernetes cluster domain (cluster.local)'],
    ['printer.local', 'a link-local multicast DNS name (.local)'],
    ['metadata.google.internal', "Google Cloud's instance metadata name"],
    ['metadata.tencentyun.com', "Tencent Cloud's instance metadata name"],
  ])('refuses the name %s', (host, what) => {
    expect(errorOf(() => ExternalService.https('web', { hosts: [host] })))
      .toBe(`ExternalService 'web' is invalid:\n  hosts[0]: ${message(host, what)}`);
  });

  test('lists every refused host of a service, after its other problems', () => {
    expect(errorOf(() => ExternalService.tcp('db', { hosts: ['127.0.0.1', '8.8.8.8', '169.254.169.254'], port: 0 })).split('\n')).toEqual([
      "ExternalService 'db' is invalid:",
      '  port.number: 0 is not a port number (an integer from 1 to 65535)',
      `  hosts[0]: ${message('127.0.0.1', 'a loopback address (127.0.0.0/8)')}`,
      `  hosts[2]: ${message('169.254.169.254', 'a link-local address (169.254.0.0/16, where cloud instance metadata is served)')}`,
    ]);
  });

  test('an override allows it, and the policy records the override', () => {
    const { app, policy } = setup();
    const node = ExternalService.tcp('node-exporter', {
      hosts: ['169.254.20.10'],
      port: 9100,
      guardrailOverrides: [allow(Guardrail.INTERNAL_ADDRESS, 'node-local DNS cache, see INFRA-7')],
    });
    policy.addRule('r').allowFrom(team).allowTo(node);
    const [obj] = synthObjects(app);
    expect(obj.spec.egressRules[0].to[0].hosts).toEqual(['169.254.20.10']);
    expect(obj.metadata.annotations).toEqual({ [ANNOTATION]: 'service node-exporter: INTERNAL_ADDRESS: node-local DNS cache, see INFRA-7' });
  });
});

describe('Guardrail.PRIVATE_ADDRESS', () => {
  const message = (host: string, what: string) =>
    `'${host}' is ${what}, which reaches a private network: remove it, or allow it with GuardrailOverride.allow(Guardrail.PRIVATE_ADDRESS, reason)`;

  test.each([
    ['10.1.2.3', 'a private address (RFC 1918, 10.0.0.0/8)'],
    ['172.16.0.1', 'a private address (RFC 1918, 172.16.0.0/12)'],
    ['172.31.255.255', 'a private address (RFC 1918, 172.16.0.0/12)'],
    ['192.168.1.1', 'a private address (RFC 1918, 192.168.0.0/16)'],
    ['100.64.0.1', 'a carrier-grade NAT address (100.64.0.0/10)'],
    ['100.127.255.255', 'a carrier-grade NAT address (100.64.0.0/10)'],
    ['fd12:3456::1', 'a unique local address (fc00::/7)'],
    ['fc00::1', 'a unique local address (fc00::/7)'],
    ['fec0::1', 'a site-local address (fec0::/10)'],
    ['::ffff:192.168.0.1', 'the IPv4-mapped form of 192.168.0.1, a private address (RFC 1918, 192.168.0.0/16)'],
    ['64:ff9b:1::a00:1', 'the local-use NAT64 form of 10.0.0.1, a private address (RFC 1918, 10.0.0.0/8)'],
    ['::ffff:0:c0a8:101', 'the IPv4-translated form of 192.168.1.1, a private address (RFC 1918, 192.168.0.0/16)'],
    ['2002:ac10:1::', 'the 6to4 form of 172.16.0.1, a private address (RFC 1918, 172.16.0.0/12)'],
  ])('refuses the address %s', (host, what) => {
    expect(errorOf(() => ExternalService.tcp('db', { hosts: [host], port: 5432 })))
      .toBe(`ExternalService 'db' is invalid:\n  hosts[0]: ${message(host, what)}`);
  });

  test('refuses names under the private-use domain .internal', () => {
    expect(errorOf(() => ExternalService.https('erp', { hosts: ['erp.corp.internal'] })))
      .toBe(`ExternalService 'erp' is invalid:\n  hosts[0]: ${message('erp.corp.internal', 'a name under the private-use domain .internal')}`);
  });

  test('an override allows it, and the policy records the override', () => {
    const { app, policy } = setup();
    policy.addRule('r').allowFrom(team).allowTo(ExternalService.tcp('billing-db', {
      hosts: ['10.20.0.15'],
      port: 5432,
      guardrailOverrides: [allow(Guardrail.PRIVATE_ADDRESS, 'billing DB in the peered VPC')],
    }));
    expect(synthObjects(app)[0].metadata.annotations).toEqual({ [ANNOTATION]: 'service billing-db: PRIVATE_ADDRESS: billing DB in the peered VPC' });
  });

  test('an override of PRIVATE_ADDRESS does not allow an internal address', () => {
    const error = errorOf(() => ExternalService.tcp('db', {
      hosts: ['10.0.0.1', '127.0.0.1'], port: 5432, guardrailOverrides: [allow(Guardrail.PRIVATE_ADDRESS, 'in the VPC')],
    }));
    expect(error.split('\n').slice(1)).toEqual([
      "  hosts[1]: '127.0.0.1' is a loopback address (127.0.0.0/8), which reaches inside the cluster or the cloud host: remove it, or allow it with GuardrailOverride.allow(Guardrail.INTERNAL_ADDRESS, reason)",
    ]);
  });
});

describe('public hosts pass every host guardrail', () => {
  test.each([
    '8.8.8.8', '1.1.1.1', '11.0.0.1', '126.255.255.255', '169.253.255.255', '169.255.0.0', '172.15.255.255', '172.32.0.0',
    '100.63.255.255', '100.128.0.0', '192.167.255.255', '223.255.255.255', '2606:4700:4700::1111', '::ffff:8.8.8.8', 'fbff::1', 'fe7f::1',
    '191.255.255.255', '192.0.1.255', '192.0.3.0', '198.17.255.255', '198.20.0.0', '198.51.99.255', '198.51.101.0', '203.0.112.255', '203.0.114.0',
    '64:ff9b:1::808:808', '64:ff9b:2::a9fe:a9fe', '::ffff:0:808:808', '2002:808:808::1', '2001:4860:4860::8888',
  ])('the address %s', (host) => {
    expect(ExternalService.tcp('db', { hosts: [host], port: 5432 }).hosts).toEqual([host]);
  });

  test.each([
    'example.com', 'internal.example.com', 'localhost.example.com', 'svc.example.com', 'local.example.com',
    'cluster.local.example.com', 'metadata.example.com', 'foo.notinternal', 'my-local.com',
  ])('the name %s (a suffix matches whole labels only)', (host) => {
    expect(ExternalService.https('web', { hosts: [host] }).hosts).toEqual([host]);
  });
});

describe('address ranges (properties)', () => {
  const octet = fc.integer({ min: 0, max: 255 });
  const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
  /** The guardrails that refuse a TCP host, by name. */
  const refusedBy = (host: string): string[] => {
    try {
      ExternalService.tcp('db', { hosts: [host], port: 5432 });
      return [];
    } catch (e) {
      return [...(e as Error).message.matchAll(/Guardrail\.([A-Z_]+)/g)].map((m) => m[1]);
    }
  };

  test('every address of 10.0.0.0/8 and 192.168.0.0/16 is private, every one of 127.0.0.0/8 and 169.254.0.0/16 internal', () => {
    fc.assert(fc.property(octet, octet, octet, (a, b, c) => {
      expect(refusedBy(`10.${a}.${b}.${c}`)).toEqual(['PRIVATE_ADDRESS']);
      expect(refusedBy(`192.168.${b}.${c}`)).toEqual(['PRIVATE_ADDRESS']);
      expect(refusedBy(`127.${a}.${b}.${c}`)).toEqual(['INTERNAL_ADDRESS']);
      expect(refusedBy(`169.254.${b}.${c}`)).toEqual(['INTERNAL_ADDRESS']);
    }));
  });

  test('an IPv4-mapped IPv6 address is judged as the IPv4 address it carries, in dotted and in hex form', () => {
    fc.assert(fc.property(ipv4, (address) => {
      const [a, b, c, d] = address.split('.').map(Number);
      const hex = `::ffff:${(a * 256 + b).toString(16)}:${(c * 256 + d).toString(16)}`;
      expect(refusedBy(`::ffff:${address}`)).toEqual(refusedBy(address));
      expect(refusedBy(hex)).toEqual(refusedBy(address));
    }));
  });

  test('a translated, local-use NAT64 or 6to4 IPv6 address is judged as the IPv4 address it carries', () => {
    const group = fc.integer({ min: 0, max: 0xffff }).map((g) => g.toString(16));
    fc.assert(fc.property(ipv4, group, (address, g) => {
      const [a, b, c, d] = address.split('.').map(Number);
      const high = (a * 256 + b).toString(16);
      const low = (c * 256 + d).toString(16);
      const expected = refusedBy(address);
      expect(refusedBy(`::ffff:0:${address}`)).toEqual(expected);
      expect(refusedBy(`::ffff:0:${high}:${low}`)).toEqual(expected);
      expect(refusedBy(`64:ff9b:1::${high}:${low}`)).toEqual(expected);
      expect(refusedBy(`64:ff9b:1:${g}::${address}`)).toEqual(expected);
      expect(refusedBy(`2002:${high}:${low}::${g}`)).toEqual(expected);
      expect(refusedBy(`2002:${high}:${low}:${g}::1`)).toEqual(expected);
    }));
  });

  test('every address of 192.0.0.0/24, 198.18.0.0/15 and the three documentation networks is internal', () => {
    fc.assert(fc.property(octet, fc.integer({ min: 18, max: 19 }), (d, b) => {
      for (const host of [`192.0.0.${d}`, `198.${b}.${d}.${255 - d}`, `192.0.2.${d}`, `198.51.100.${d}`, `203.0.113.${d}`]) {
        expect(refusedBy(host)).toEqual(['INTERNAL_ADDRESS']);
      }
    }));
  });
});

describe('Guardrail.WILDCARD_HOST', () => {
  test('refuses a wildcard host, naming the domain it opens', () => {
    expect(errorOf(() => ExternalService.https('cdn', { hosts: ['*.cdn.example.com'] }))).toBe(
      "ExternalService 'cdn' is invalid:\n  hosts[0]: '*.cdn.example.com' opens every subdomain of cdn.example.com: list the hosts that the workloads need, or allow it with GuardrailOverride.allow(Guardrail.WILDCARD_HOST, reason)");
  });

  test('a wildcard into the cluster is refused by both guardrails; allowing the wildcard does not allow the address', () => {
    const error = errorOf(() => ExternalService.https('svc', {
      hosts: ['*.svc.cluster.local'], guardrailOverrides: [allow(Guardrail.WILDCARD_HOST, 'all cluster services')],
    }));
    expect(error.split('\n').slice(1)).toEqual([
      "  hosts[0]: '*.svc.cluster.local' is a name in the Kubernetes cluster domain (cluster.local), which reaches inside the cluster or the cloud host: remove it, or allow it with GuardrailOverride.allow(Guardrail.INTERNAL_ADDRESS, reason)",
    ]);
  });

  test('an override allows it, and the policy records the override', () => {
    const { app, policy } = setup();
    policy.addRule('r').allowFrom(team).allowTo(ExternalService.https('cdn', {
      hosts: ['*.cdn.example.com'], guardrailOverrides: [allow(Guardrail.WILDCARD_HOST, 'CDN edge hosts rotate')],
    }));
    const [obj] = synthObjects(app);
    expect(obj.spec.egressRules[0].to[0].hosts).toEqual(['*.cdn.example.com']);
    expect(obj.metadata.annotations).toEqual({ [ANNOTATION]: 'service cdn: WILDCARD_HOST: CDN edge hosts rotate' });
  });
});

describe('Guardrail.PLAIN_HTTP', () => {
  const warning = "[warning] [c/Egress/r] to[0].port.protocol: 'web' sends plain HTTP to www.example.com, api.example.org, unencrypted outside the mesh: set httpsUpgrade so that the gateway originates TLS, or allow it with GuardrailOverride.allow(Guardrail.PLAIN_HTTP, reason)";
  const web = () => ExternalService.http('web', { hosts: ['www.example.com', 'api.example.org'] });

  test('plain HTTP is a warning: the policy synthesises, the warning is printed and kept in the model', () => {
    const { app, policy } = setup();
    policy.addRule('r').allowFrom(team).allowTo(web());
    let objects: any[] = [];
    expect(warningsOf(app, () => { objects = synthObjects(app); })).toEqual([warning]);
    expect(objects[0].metadata.annotations).toBeUndefined();
    expect(EgressRegistry.of(app).warnings).toEqual([{
      code: 'PLAIN_HTTP',
      severity: ProblemSeverity.WARNING,
      path: 'c/Egress/r',
      field: 'to[0].port.protocol',
      message: warning.replace('[warning] [c/Egress/r] to[0].port.protocol: ', ''),
    }]);
  });

  test('a service used by several rules and policies is reported once', () => {
    const { app, chart, policy } = setup();
    const shared = web();
    policy.addRule('r').allowFrom(team).allowTo(shared, api);
    policy.addRule('s').allowFrom(EgressSource.namespace('team-b')).allowTo(shared);
    new EgressTrafficPolicy(chart, 'EgressB', { gateway: 'gw-b' }).addRule('t').allowFrom(team).allowTo(shared);
    expect(warningsOf(app, () => synthObjects(app))).toEqual([warning]);
  });

  test('HTTP upgraded to HTTPS at the gateway, HTTPS, TLS and TCP are not flagged', () => {
    const { app, policy } = setup();
    policy.addRule('r').allowFrom(team).allowTo(
      ExternalService.http('upgraded', { hosts: ['www.example.com'], httpsUpgrade: {} }),
      api,
      ExternalService.tls('mq', { hosts: ['mq.example.com'], port: 5671 }),
      ExternalService.tcp('db', { hosts: ['db.example.com'], port: 5432 }),
    );
    expect(warningsOf(app, () => synthObjects(app))).toEqual([]);
  });

  test('strict mode for the App makes it an error, with the construct path and field', () => {
    const app = testApp();
    EgressRegistry.of(app).configure({ strictGuardrails: true });
    new EgressTrafficPolicy(new Chart(app, 'c'), 'Egress', { gateway: 'gw' }).addRule('r').allowFrom(team).allowTo(web());
    expect(synthError(app)).toContain(warning.replace('[warning] ', ''));
  });

  test('strict mode per policy, which overrides the App setting either way', () => {
    const strict = setup({ strictGuardrails: true });
    strict.policy.addRule('r').allowFrom(team).allowTo(web());
    expect(synthError(strict.app)).toContain(warning.replace('[warning] ', ''));

    const app = testApp();
    EgressRegistry.of(app).configure({ strictGuardrails: true });
    new EgressTrafficPolicy(new Chart(app, 'c'), 'Egress', { gateway: 'gw', strictGuardrails: false }).addRule('r').allowFrom(team).allowTo(web());
    expect(warningsOf(app, () => synthObjects(app))).toEqual([warning]);
  });

  test('an override allows it, even in strict mode, and the policy records the override', () => {
    const { app, policy } = setup({ strictGuardrails: true });
    policy.addRule('r').allowFrom(team).allowTo(ExternalService.http('partner', {
      hosts: ['legacy.partner.example'], guardrailOverrides: [allow(Guardrail.PLAIN_HTTP, 'partner API has no TLS; payloads are signed')],
    }));
    let objects: any[] = [];
    expect(warningsOf(app, () => { objects = synthObjects(app); })).toEqual([]);
    expect(objects[0].metadata.annotations).toEqual({ [ANNOTATION]: 'service partner: PLAIN_HTTP: partner API has no TLS; payloads are signed' });
  });

  test('the Istio objects of the policy record the override too', () => {
    const app = testApp();
    EgressRegistry.of(app).configure({ output: EgressOutput.ISTIO });
    new EgressTrafficPolicy(new Chart(app, 'c'), 'Egress', { gateway: 'gw' }).addRule('r').allowFrom(team).allowTo(ExternalService.http('partner', {
      hosts: ['legacy.partner.example'], guardrailOverrides: [allow(Guardrail.PLAIN_HTTP, 'payloads are signed')],
    }));
    // Sidecars are merged across every policy of the App, so they belong to none and carry no policy's annotation.
    const objects = synthObjects(app).filter((o) => o.kind !== 'Sidecar');
    expect(objects.map((o) => o.kind).sort()).toEqual(['AuthorizationPolicy', 'AuthorizationPolicy', 'DestinationRule', 'Gateway', 'Service', 'ServiceEntry', 'VirtualService']);
    for (const obj of objects) {
      expect(obj.metadata.annotations[ANNOTATION]).toEqual('service partner: PLAIN_HTTP: payloads are signed');
    }
  });
});

describe('Guardrail.MESH_WIDE_SOURCE and concrete sources', () => {
  const message = 'selects workloads in every namespace of the mesh: name the namespaces that need this egress, or allow it with GuardrailOverride.allow(Guardrail.MESH_WIDE_SOURCE, reason)';

  test('EgressSource.allNamespaces() is refused without an override', () => {
    expect(errorOf(() => EgressSource.allNamespaces({ workloadSelector: { app: 'otel' } })))
      .toBe(`EgressSource '*' is invalid:\n  namespace: EgressSource.allNamespaces() ${message}`);
  });

  test('with an override it is written as namespace *, and the policy records the override', () => {
    const { app, policy } = setup();
    const collectors = EgressSource.allNamespaces({
      workloadSelector: { app: 'otel', tier: 'agent' },
      guardrailOverrides: [allow(Guardrail.MESH_WIDE_SOURCE, 'telemetry agents run in every namespace')],
    });
    policy.addRule('r').allowFrom(collectors).allowTo(api);
    const [obj] = synthObjects(app);
    expect(obj.spec.egressRules[0].from).toEqual([{ namespace: '*', workloadSelector: { app: 'otel', tier: 'agent' } }]);
    expect(obj.metadata.annotations).toEqual({ [ANNOTATION]: 'source *{app=otel,tier=agent}: MESH_WIDE_SOURCE: telemetry agents run in every namespace' });
  });

  test('a cdk8s-plus pod selector with an empty namespace selector is refused at synthesis, with path and field', () => {
    const { app, chart, policy } = setup();
    const everywhere = kplus.Pods.select(chart, 'Agents', { labels: { app: 'otel' }, namespaces: kplus.Namespaces.all(chart, 'All') });
    policy.addRule('r').allowFrom(EgressSource.fromWorkload(everywhere)).allowTo(api);
    expect(synthError(app)).toContain(`[c/Egress/r] from[0].namespace: workload c/Agents (an empty namespace selector) ${message}`);
  });

  test('the pod selector with an override reaches the policy as namespace *', () => {
    const { app, chart, policy } = setup();
    const everywhere = kplus.Pods.select(chart, 'Agents', { labels: { app: 'otel' }, namespaces: kplus.Namespaces.all(chart, 'All') });
    policy.addRule('r').allowFrom(EgressSource.fromWorkload(everywhere, {
      guardrailOverrides: [allow(Guardrail.MESH_WIDE_SOURCE, 'telemetry agents')],
    })).allowTo(api);
    const [obj] = synthObjects(app);
    expect(obj.spec.egressRules[0].from).toEqual([{ namespace: '*', workloadSelector: { app: 'otel' } }]);
    expect(obj.metadata.annotations).toEqual({ [ANNOTATION]: 'source *{app=otel}: MESH_WIDE_SOURCE: telemetry agents' });
  });

  test('a pod selector without any namespace is still an error of its own, not a mesh-wide source', () => {
    const { app, chart, policy } = setup();
    policy.addRule('r').allowFrom(EgressSource.fromWorkload(kplus.Pods.select(chart, 'Agents', { labels: { app: 'otel' } }))).allowTo(api);
    expect(synthError(app)).toContain('[c/Egress/r] from[0].namespace: workload c/Agents has no namespace: set one on the workload or its chart');
  });

  test('every rule needs at least one concrete source', () => {
    const { app, policy } = setup();
    policy.addRule('r').allowTo(api);
    expect(synthError(app)).toContain('[c/Egress/r] from: the rule has no source: add one with allowFrom()');
  });
});

describe('GuardrailOverride', () => {
  test.each(['', '   ', '\n\t'])('needs a reason (%j is none)', (reason) => {
    expect(() => allow(Guardrail.PRIVATE_ADDRESS, reason))
      .toThrow('GuardrailOverride.allow(PRIVATE_ADDRESS): a reason is required: say why the exception is needed');
  });

  test('keeps the reason on one line', () => {
    const o = allow(Guardrail.WILDCARD_HOST, '  CDN hosts\n   rotate (INFRA-9)  ');
    expect([o.guardrail, o.reason]).toEqual([Guardrail.WILDCARD_HOST, 'CDN hosts rotate (INFRA-9)']);
  });

  test('an override that the service does not need is an error, so the recorded exceptions stay true', () => {
    expect(errorOf(() => ExternalService.https('api', {
      hosts: ['api.example.com'],
      guardrailOverrides: [allow(Guardrail.WILDCARD_HOST, 'x'), allow(Guardrail.PLAIN_HTTP, 'y')],
    })).split('\n').slice(1)).toEqual([
      '  guardrailOverrides[0]: WILDCARD_HOST is overridden, but the service does not need it: remove the override',
      '  guardrailOverrides[1]: PLAIN_HTTP is overridden, but the service does not need it: remove the override',
    ]);
  });

  test('an override that the source does not need is an error', () => {
    expect(errorOf(() => EgressSource.namespace('team-a', { guardrailOverrides: [allow(Guardrail.MESH_WIDE_SOURCE, 'x')] })))
      .toBe("EgressSource 'team-a' is invalid:\n  guardrailOverrides[0]: MESH_WIDE_SOURCE is overridden, but the source does not need it: remove the override");
  });

  test('overrides go to what they guard, once each', () => {
    expect(errorOf(() => ExternalService.tcp('db', {
      hosts: ['10.0.0.1'],
      port: 5432,
      guardrailOverrides: [allow(Guardrail.MESH_WIDE_SOURCE, 'x'), allow(Guardrail.PRIVATE_ADDRESS, 'y'), allow(Guardrail.PRIVATE_ADDRESS, 'z')],
    })).split('\n').slice(1)).toEqual([
      '  guardrailOverrides[0]: MESH_WIDE_SOURCE guards sources: give the override to the source (EgressSource options)',
      '  guardrailOverrides[2]: PRIVATE_ADDRESS is overridden twice',
    ]);
    expect(errorOf(() => EgressSource.namespace('team-a', { guardrailOverrides: [allow(Guardrail.WILDCARD_HOST, 'x')] })))
      .toBe("EgressSource 'team-a' is invalid:\n  guardrailOverrides[0]: WILDCARD_HOST guards external services: give the override to the service");
  });

  test('two services of one name that differ only in their overrides are different services', () => {
    const { app, policy } = setup();
    const v1 = ExternalService.tcp('db', { hosts: ['10.0.0.1'], port: 5432, guardrailOverrides: [allow(Guardrail.PRIVATE_ADDRESS, 'VPC A')] });
    const v2 = ExternalService.tcp('db', { hosts: ['10.0.0.1'], port: 5432, guardrailOverrides: [allow(Guardrail.PRIVATE_ADDRESS, 'VPC B')] });
    policy.addRule('r').allowFrom(team).allowTo(v1);
    policy.addRule('s').allowFrom(team).allowTo(v2);
    expect(synthError(app)).toContain("[c/Egress/s] to[0].name: service name 'db' is already used in policy 'egress-by-gw' for a different service (at c/Egress/r)");
  });
});

describe('the overrides annotation', () => {
  test('one sorted line per override of the whole policy, rules from other charts included, each listed once', () => {
    const { app, policy } = setup();
    const cdn = ExternalService.https('cdn', { hosts: ['*.cdn.example.com'], guardrailOverrides: [allow(Guardrail.WILDCARD_HOST, 'CDN edge hosts rotate')] });
    const db = ExternalService.tcp('billing-db', {
      hosts: ['10.20.0.15'],
      port: 5432,
      guardrailOverrides: [allow(Guardrail.PRIVATE_ADDRESS, 'peered VPC')],
    });
    const agents = EgressSource.allNamespaces({ workloadSelector: { app: 'otel' }, guardrailOverrides: [allow(Guardrail.MESH_WIDE_SOURCE, 'telemetry')] });
    policy.addRule('r').allowFrom(team).allowTo(cdn, db);
    policy.addRule('s').allowFrom(agents).allowTo(cdn);
    new EgressRule(new Chart(app, 'team'), 'T', { gateway: 'gw' }).allowFrom(team).allowTo(ExternalService.http('legacy', {
      hosts: ['legacy.example.com'], guardrailOverrides: [allow(Guardrail.PLAIN_HTTP, 'vendor has no TLS')],
    }));
    const policyObject = synthObjects(app).find((o) => o.kind === 'ASMEgressTrafficPolicy');
    expect(policyObject.metadata.annotations[ANNOTATION]).toBe([
      'service billing-db: PRIVATE_ADDRESS: peered VPC',
      'service cdn: WILDCARD_HOST: CDN edge hosts rotate',
      'service legacy: PLAIN_HTTP: vendor has no TLS',
      'source *{app=otel}: MESH_WIDE_SOURCE: telemetry',
    ].join('\n'));
  });

  test('is absent without overrides, and leaves the user\'s own annotations alone', () => {
    const { app, policy } = setup();
    policy.addRule('r').allowFrom(team).allowTo(api);
    policy.apiObject!.metadata.addAnnotation('owner', 'platform');
    expect(synthObjects(app)[0].metadata).toEqual({ name: 'egress-by-gw', namespace: 'istio-egress', annotations: { owner: 'platform' } });
  });

  test('reads back line by line (for tools that rebuild constructs from manifests)', () => {
    expect(parseGuardrailOverrideLines('service cdn: WILDCARD_HOST: CDN: edge hosts\nsource *{app=otel}: MESH_WIDE_SOURCE: telemetry\n')).toEqual([
      { subject: 'service', name: 'cdn', guardrail: 'WILDCARD_HOST', reason: 'CDN: edge hosts' },
      { subject: 'source', name: '*{app=otel}', guardrail: 'MESH_WIDE_SOURCE', reason: 'telemetry' },
    ]);
    expect(parseGuardrailOverrideLines('service cdn: WILDCARD_HOST: x\n\ncdn WILDCARD_HOST because')).toEqual({ badLine: 2, text: 'cdn WILDCARD_HOST because' });
  });
});
