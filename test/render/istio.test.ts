import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  EgressOutput, EgressRegistry, EgressRule, EgressSource, EgressTrafficPolicy, ExternalService, Guardrail, GuardrailOverride, IstioApiVersion,
  IstioOptions, ServerVerification,
} from '../../src';
import { crdSchemaErrors } from '../util/crd-schema';
import { traceRoute } from '../util/route-chains';
import { synthObjects, testApp } from '../util/synth';

const web = ExternalService.http('web', { hosts: ['www.example.com'], httpsUpgrade: {} });
const api = ExternalService.https('api', { hosts: ['api.example.com'] });
const db = ExternalService.tcp('db', { hosts: ['8.8.8.8'], port: 5432 });
const team = EgressSource.namespace('team-a');

/** The annotation that lists the policies a Sidecar was merged from. */
const POLICIES = 'egress.cdk8s-asm-egress.io/sidecar-policies';

const ISTIO_KINDS = ['ServiceEntry', 'VirtualService', 'DestinationRule', 'Gateway', 'AuthorizationPolicy', 'Sidecar'];

function setup(istio?: IstioOptions, output = EgressOutput.ISTIO) {
  const app = testApp();
  EgressRegistry.of(app).configure({ output, istio });
  const chart = new Chart(app, 'platform');
  return { app, chart };
}

const byKind = (objects: any[], kind: string) => objects.filter((o) => o.kind === kind);
const named = (objects: any[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);


describe('output', () => {
  test('ASM by default: no Istio object', () => {
    const { app, chart } = setup(undefined, EgressOutput.ASM);
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule().allowFrom(team).allowTo(api);
    expect(synthObjects(app).map((o) => o.kind)).toEqual(['ASMEgressTrafficPolicy']);
  });

  test('ISTIO replaces the ASM object; ASM_AND_ISTIO has both; a policy overrides the App', () => {
    const { app, chart } = setup();
    new EgressTrafficPolicy(chart, 'A', { gateway: 'gw-a' }).addRule().allowFrom(team).allowTo(api);
    new EgressTrafficPolicy(chart, 'B', { gateway: 'gw-b', output: EgressOutput.ASM_AND_ISTIO }).addRule().allowFrom(team).allowTo(web);
    new EgressTrafficPolicy(chart, 'C', { gateway: 'gw-c', output: EgressOutput.ASM }).addRule().allowFrom(team).allowTo(db);
    const objects = synthObjects(app);
    expect(byKind(objects, 'ASMEgressTrafficPolicy').map((o) => o.spec.byEgressGateway.name)).toEqual(['gw-b', 'gw-c']);
    expect(byKind(objects, 'Gateway').map((o) => o.metadata.name).sort()).toEqual(['gw-a', 'gw-b']);
  });

  test('the objects are children of the policy, in its chart, even for rules contributed from other charts', () => {
    const { app, chart } = setup();
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' });
    const teamChart = new Chart(app, 'team');
    new EgressRule(teamChart, 'Api', { gateway: 'gw-a' }).allowFrom(team).allowTo(api);
    expect(Testing.synth(teamChart)).toEqual([]);
    const kinds = Testing.synth(chart).map((o) => o.kind);
    expect(new Set(kinds)).toEqual(new Set(['Gateway', 'Service', 'DestinationRule', 'AuthorizationPolicy', 'ServiceEntry', 'VirtualService']));
    expect(policy.node.tryFindChild('Istio')).toBeDefined();
  });
});

describe('objects and where they go', () => {
  test('per host: a ServiceEntry and a VirtualService in the policy namespace, exported to the sources and the gateway only', () => {
    const { app, chart } = setup();
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a', namespace: 'egress' }).addRule().allowFrom(team, EgressSource.namespace('team-b')).allowTo(api);
    const objects = synthObjects(app);
    const se = named(objects, 'ServiceEntry', 'gw-a.api.example.com');
    expect(se.metadata.namespace).toBe('egress');
    expect(se.spec).toEqual({
      hosts: ['api.example.com'],
      ports: [{ number: 443, name: 'https-443', protocol: 'HTTPS' }],
      location: 'MESH_EXTERNAL',
      resolution: 'DNS',
      exportTo: ['istio-system', 'team-a', 'team-b'],
    });
    expect(named(objects, 'VirtualService', 'gw-a.api.example.com').spec.exportTo).toEqual(['istio-system', 'team-a', 'team-b']);
    for (const kind of ['Gateway', 'AuthorizationPolicy']) {
      expect(named(objects, kind, 'gw-a').metadata.namespace).toBe('istio-system');
    }
    const port = EgressRegistry.of(app).gatewayPorts('gw-a')[0];
    for (const kind of ['Service', 'DestinationRule']) {
      expect(named(objects, kind, `gw-a-${port}`).metadata.namespace).toBe('istio-system');
    }
  });

  test('gateway settings: namespace, Service, labels and cluster domain reach every object that names the gateway', () => {
    const { app, chart } = setup({ gatewayNamespace: 'egress-gw', gatewayServiceName: 'istio-egressgateway', gatewayLabels: { istio: 'egressgateway' }, clusterDomain: 'corp.local' });
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule().allowFrom(team).allowTo(api);
    const objects = synthObjects(app);
    const port = EgressRegistry.of(app).gatewayPorts('gw-a')[0];
    const host = `istio-egressgateway-${port}.egress-gw.svc.corp.local`;
    expect(named(objects, 'Gateway', 'gw-a').spec.selector).toEqual({ istio: 'egressgateway' });
    expect(named(objects, 'Service', `istio-egressgateway-${port}`).spec.selector).toEqual({ istio: 'egressgateway' });
    expect(named(objects, 'DestinationRule', `istio-egressgateway-${port}`).spec.host).toBe(host);
    expect(named(objects, 'AuthorizationPolicy', 'gw-a').spec.selector).toEqual({ matchLabels: { istio: 'egressgateway' } });
    const vs = named(objects, 'VirtualService', 'gw-a.api.example.com');
    expect(vs.spec.gateways).toEqual(['mesh', 'egress-gw/gw-a']);
    expect(vs.spec.tls[0].route[0].destination.host).toBe(host);
  });

  test('an IP-addressed TCP service gets a private name, its addresses and STATIC endpoints', () => {
    const { app, chart } = setup();
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule().allowFrom(team)
      .allowTo(ExternalService.tcp('dns', { hosts: ['1.1.1.1', '2001:db8::53'], port: 853 }));
    const se = named(synthObjects(app), 'ServiceEntry', 'gw-a.dns');
    expect(se.spec).toMatchObject({
      hosts: ['dns.gw-a.egress.internal'],
      addresses: ['1.1.1.1/32', '2001:db8::53/128'],
      endpoints: [{ address: '1.1.1.1' }, { address: '2001:db8::53' }],
      resolution: 'STATIC',
    });
  });

  test('names are stable, at most 63 characters, and distinct for hosts that differ only at the end', () => {
    const { app, chart } = setup();
    const long = 'a-very-long-host-name-label-that-goes-on.and-on.example';
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'egressgateway-with-a-long-name' }).addRule().allowFrom(team)
      .allowTo(ExternalService.https('one', { hosts: [`${long}.com`] }), ExternalService.https('two', { hosts: [`${long}.org`] }));
    const names = byKind(synthObjects(app), 'ServiceEntry').map((o) => o.metadata.name);
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(2);
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    }
    // The same App synthesised again gives the same names.
    const again = setup();
    new EgressTrafficPolicy(again.chart, 'Egress', { gateway: 'egressgateway-with-a-long-name' }).addRule().allowFrom(team)
      .allowTo(ExternalService.https('one', { hosts: [`${long}.com`] }), ExternalService.https('two', { hosts: [`${long}.org`] }));
    expect(byKind(synthObjects(again.app), 'ServiceEntry').map((o) => o.metadata.name)).toEqual(names);
  });

  test('v1 and v1beta1 carry the same objects; both validate against Istio\'s schemas', () => {
    const render = (apiVersion: IstioApiVersion) => {
      const { app, chart } = setup({ apiVersion });
      new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule().allowFrom(EgressSource.namespace('team-a', { workloadSelector: { app: 'x' } })).allowTo(web, api, db);
      return synthObjects(app);
    };
    const v1 = render(IstioApiVersion.V1);
    const v1beta1 = render(IstioApiVersion.V1BETA1);
    // The gateway ports' Services are core Kubernetes objects (v1) in both.
    expect(new Set(v1.map((o) => o.apiVersion))).toEqual(new Set(['networking.istio.io/v1', 'security.istio.io/v1', 'v1']));
    expect(new Set(v1beta1.map((o) => o.apiVersion))).toEqual(new Set(['networking.istio.io/v1beta1', 'security.istio.io/v1beta1', 'v1']));
    const strip = (objects: any[]) => objects.map(({ apiVersion, ...rest }) => rest);
    expect(strip(v1beta1)).toEqual(strip(v1));
    expect(new Set(v1.map((o) => o.kind))).toEqual(new Set([...ISTIO_KINDS, 'Service']));
    const istio = (objects: any[]) => objects.filter((o) => o.apiVersion !== 'v1');
    expect(crdSchemaErrors([...istio(v1), ...istio(v1beta1)])).toEqual([]);
  });
});

describe('TLS origination', () => {
  const upgraded = (serverVerification?: ServerVerification) => {
    const { app, chart } = setup();
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule().allowFrom(team)
      .allowTo(ExternalService.http('bank', { hosts: ['bank.example.com'], port: 8080, httpsUpgrade: { port: 8443, serverVerification } }));
    const objects = synthObjects(app);
    return { objects, dr: named(objects, 'DestinationRule', 'gw-a.bank.example.com') };
  };

  test('the app\'s port leads to the HTTPS port on the gateway only, and the server is verified by default', () => {
    const { objects, dr } = upgraded();
    expect(named(objects, 'ServiceEntry', 'gw-a.bank.example.com').spec.ports).toEqual([{ number: 8080, name: 'http-8080', protocol: 'HTTP', targetPort: 8443 }]);
    expect(dr.metadata.namespace).toBe('istio-system');
    expect(dr.spec).toEqual({
      host: 'bank.example.com',
      exportTo: ['istio-system'],
      trafficPolicy: {
        portLevelSettings: [{
          port: { number: 8080 },
          tls: { mode: 'SIMPLE', sni: 'bank.example.com', caCertificates: '/etc/ssl/certs/ca-certificates.crt', subjectAltNames: ['bank.example.com'] },
        }],
      },
    });
  });

  test.each([
    ['a CA file', ServerVerification.caCertificates('/etc/egress/ca.pem'), { caCertificates: '/etc/egress/ca.pem', subjectAltNames: ['bank.example.com'] }],
    ['a Secret', ServerVerification.credentialName('bank-ca'), { credentialName: 'bank-ca', subjectAltNames: ['bank.example.com'] }],
    ['no verification', ServerVerification.insecureSkipVerify(), { insecureSkipVerify: true }],
  ])('verification with %s', (_, verification, fields) => {
    const { dr } = upgraded(verification);
    expect(dr.spec.trafficPolicy.portLevelSettings[0].tls).toEqual({ mode: 'SIMPLE', sni: 'bank.example.com', ...fields });
  });

  test('rejects a relative CA path and an invalid Secret name', () => {
    expect(() => ServerVerification.caCertificates('ca.pem')).toThrow(/'ca.pem' must be an absolute path inside the gateway container/);
    expect(() => ServerVerification.credentialName('Bank_CA')).toThrow(/ServerVerification.credentialName: 'Bank_CA' is not a DNS-1123 subdomain/);
  });

  test('two definitions differing only in verification are different services', () => {
    const { app, chart } = setup();
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' });
    policy.addRule('one').allowFrom(team).allowTo(ExternalService.http('bank', { hosts: ['bank.example.com'], httpsUpgrade: {} }));
    policy.addRule('two').allowFrom(team).allowTo(ExternalService.http('bank', { hosts: ['bank.example.com'], httpsUpgrade: { serverVerification: ServerVerification.insecureSkipVerify() } }));
    expect(() => synthObjects(app)).toThrow(/\[platform\/Egress\/two\] to\[0\].name: service name 'bank' is already used/);
  });
});

describe('AuthorizationPolicy', () => {
  test('per egress rule, an ALLOW rule for its HTTP services (port and host) and one for the others (port only), with the same sources', () => {
    const { app, chart } = setup({ trustDomain: 'corp.example' });
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' });
    policy.addRule('a').allowFrom(team, EgressSource.namespace('shop', { serviceAccountName: 'checkout' })).allowTo(web, api);
    policy.addRule('b').allowFrom(EgressSource.namespace('ops')).allowTo(db);
    const objects = synthObjects(app);
    const ports = (s: ExternalService) => [String(policy.gatewayPortOf(s))];
    expect(named(objects, 'AuthorizationPolicy', 'gw-a')).toEqual({
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'gw-a', namespace: 'istio-system' },
      spec: {
        selector: { matchLabels: { istio: 'gw-a' } },
        action: 'ALLOW',
        // On the gateway's TLS/TCP connections Istio ignores a whole ALLOW rule that names hosts
        // anywhere, so HTTPS, TLS and TCP services must not share a rule with an HTTP service.
        rules: [
          {
            from: [{ source: { namespaces: ['team-a'] } }, { source: { principals: ['corp.example/ns/shop/sa/checkout'] } }],
            to: [{ operation: { ports: ports(web), hosts: ['www.example.com', 'www.example.com:80'] } }],
          },
          {
            from: [{ source: { namespaces: ['team-a'] } }, { source: { principals: ['corp.example/ns/shop/sa/checkout'] } }],
            to: [{ operation: { ports: ports(api) } }],
          },
          { from: [{ source: { namespaces: ['ops'] } }], to: [{ operation: { ports: ports(db) } }] },
        ],
      },
    });
  });

  test('the HTTP rule comes first whatever the order of the services; a rule with services of one kind gives one rule', () => {
    const { app, chart } = setup();
    const tls = ExternalService.tls('mq', { hosts: ['mq.example.com'], port: 5671, gatewayPort: 15671 });
    const plain = ExternalService.http('plain', { hosts: ['plain.example.com'], port: 8080, gatewayPort: 10080, httpsUpgrade: { port: 8443 } });
    const secure = ExternalService.https('secure', { hosts: ['secure.example.com'], gatewayPort: 10443 });
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' });
    policy.addRule('mixed').allowFrom(team).allowTo(tls, plain, secure);
    policy.addRule('http-only').allowFrom(EgressSource.namespace('ops')).allowTo(plain);
    policy.addRule('tls-only').allowFrom(EgressSource.namespace('ops')).allowTo(tls);
    const rules = named(synthObjects(app), 'AuthorizationPolicy', 'gw-a').spec.rules;
    expect(rules.map((r: any) => [r.from[0].source.namespaces, r.to.map((t: any) => t.operation)])).toEqual([
      [['team-a'], [{ ports: ['10080'], hosts: ['plain.example.com', 'plain.example.com:8080'] }]],
      [['team-a'], [{ ports: ['15671'] }, { ports: ['10443'] }]],
      [['ops'], [{ ports: ['10080'], hosts: ['plain.example.com', 'plain.example.com:8080'] }]],
      [['ops'], [{ ports: ['15671'] }]],
    ]);
  });

  test('a source of every namespace is admitted from any namespace, or by service account in any namespace', () => {
    const { app, chart } = setup();
    const meshWide = (serviceAccountName?: string) => EgressSource.allNamespaces({
      serviceAccountName, guardrailOverrides: [GuardrailOverride.allow(Guardrail.MESH_WIDE_SOURCE, 'shared egress for every team')],
    });
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' });
    policy.addRule().allowFrom(meshWide()).allowTo(api);
    policy.addRule().allowFrom(meshWide('crawler')).allowTo(web);
    const objects = synthObjects(app);
    expect(named(objects, 'AuthorizationPolicy', 'gw-a').spec.rules.map((r: any) => r.from)).toEqual([
      [{ source: { namespaces: ['*'] } }],
      [{ source: { principals: ['*/sa/crawler'] } }],
    ]);
    expect(named(objects, 'ServiceEntry', 'gw-a.api.example.com').spec.exportTo).toEqual(['*']);
    // The HTTPS port is open to every namespace; the HTTP port only to the service account's principal, from any namespace.
    expect(byKind(objects, 'DestinationRule').filter((d) => d.spec.subsets).map((d) => d.spec.exportTo)).toEqual([['*'], ['*']]);
  });

  test('dry run is an annotation', () => {
    const { app, chart } = setup({ authorizationDryRun: true });
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule().allowFrom(team).allowTo(api);
    expect(named(synthObjects(app), 'AuthorizationPolicy', 'gw-a').metadata.annotations).toEqual({ 'istio.io/dry-run': 'true' });
  });

  test('a workload of a cdk8s-plus Deployment with a service account is admitted by its principal', () => {
    const { app, chart } = setup();
    const apps = new Chart(app, 'apps', { namespace: 'shop' });
    const sa = new kplus.ServiceAccount(apps, 'Sa', { metadata: { name: 'checkout' } });
    const deployment = new kplus.Deployment(apps, 'Checkout', { containers: [{ image: 'checkout:1' }], serviceAccount: sa });
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule().allowFrom(EgressSource.fromWorkload(deployment)).allowTo(api);
    const rule = named(synthObjects(app), 'AuthorizationPolicy', 'gw-a').spec.rules[0];
    expect(rule.from).toEqual([{ source: { principals: ['cluster.local/ns/shop/sa/checkout'] } }]);
  });
});

describe('Sidecars for workload selectors', () => {
  test('none when no source has a workloadSelector, or when enforcement is off', () => {
    const plain = setup();
    new EgressTrafficPolicy(plain.chart, 'Egress', { gateway: 'gw-a' }).addRule().allowFrom(team).allowTo(api);
    expect(byKind(synthObjects(plain.app), 'Sidecar')).toEqual([]);
    const off = setup({ enforceWorkloadSelectors: false });
    new EgressTrafficPolicy(off.chart, 'Egress', { gateway: 'gw-a' }).addRule().allowFrom(EgressSource.namespace('team-a', { workloadSelector: { app: 'x' } })).allowTo(api);
    expect(byKind(synthObjects(off.app), 'Sidecar')).toEqual([]);
  });

  test('merged per namespace and selector across policies, in the chart of the first policy by construct path', () => {
    const { app } = setup({ sidecarEgressHosts: ['./*'] });
    const later = new Chart(app, 'z-platform');
    const first = new Chart(app, 'a-platform');
    const sleep = EgressSource.namespace('team-a', { workloadSelector: { app: 'sleep' } });
    new EgressTrafficPolicy(later, 'Egress', { gateway: 'gw-b' }).addRule().allowFrom(sleep).allowTo(api);
    new EgressTrafficPolicy(first, 'Egress', { gateway: 'gw-a' }).addRule().allowFrom(sleep, team).allowTo(ExternalService.https('bank', { hosts: ['bank.example.com'] }));
    const sidecars = byKind(Testing.synth(first), 'Sidecar');
    expect(byKind(Testing.synth(later), 'Sidecar')).toEqual([]);
    expect(sidecars).toEqual([
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'Sidecar',
        metadata: { name: 'egress-sidecar', namespace: 'team-a', annotations: { [POLICIES]: 'istio-egress/egress-by-gw-a\nistio-egress/egress-by-gw-b' } },
        spec: {
          egress: [{ hosts: ['./*', 'istio-egress/bank.example.com', expect.stringMatching(/^istio-system\/gw-a-\d+\.istio-system\.svc\.cluster\.local$/)] }],
          outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
        },
      },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'Sidecar',
        metadata: {
          name: expect.stringMatching(/^egress-sidecar\.app-sleep-[0-9a-f]{8}$/),
          namespace: 'team-a',
          annotations: { [POLICIES]: 'istio-egress/egress-by-gw-a\nistio-egress/egress-by-gw-b' },
        },
        spec: {
          workloadSelector: { labels: { app: 'sleep' } },
          egress: [{
            hosts: ['./*', 'istio-egress/api.example.com', 'istio-egress/bank.example.com',
              expect.stringMatching(/^istio-system\/gw-a-\d+\.istio-system\.svc\.cluster\.local$/),
              expect.stringMatching(/^istio-system\/gw-b-\d+\.istio-system\.svc\.cluster\.local$/)],
          }],
          outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
        },
      },
    ]);
  });
});

describe('Sidecars: their home chart', () => {
  test('moves to the chart of a policy earlier by construct path once it has a source in the namespace (the README advises deploying the charts together)', () => {
    const { app } = setup();
    const platform = new Chart(app, 'b-platform');
    const other = new Chart(app, 'a-other');
    const cart = EgressSource.namespace('shop', { workloadSelector: { app: 'cart' } });
    new EgressTrafficPolicy(platform, 'Egress', { gateway: 'gw-b' }).addRule().allowFrom(cart).allowTo(api);
    const otherPolicy = new EgressTrafficPolicy(other, 'Egress', { gateway: 'gw-a' });
    otherPolicy.addRule().allowFrom(EgressSource.namespace('team-a')).allowTo(web);
    const sidecarsOf = (chart: Chart) => byKind(Testing.synth(chart), 'Sidecar').map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(sidecarsOf(platform)).toEqual(['shop/egress-sidecar', expect.stringMatching(/^shop\/egress-sidecar\.app-cart-/)]);
    expect(sidecarsOf(other)).toEqual([]);

    otherPolicy.addRule().allowFrom(EgressSource.namespace('shop')).allowTo(ExternalService.https('bank', { hosts: ['bank.example.com'] }));
    expect(sidecarsOf(platform)).toEqual([]);
    expect(sidecarsOf(other)).toEqual(['shop/egress-sidecar', expect.stringMatching(/^shop\/egress-sidecar\.app-cart-/)]);
  });
});

describe('the gateway\'s ports', () => {
  function twoPorts(istio: IstioOptions, output: EgressOutput) {
    const { app, chart } = setup(istio, output);
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' });
    policy.addRule().allowFrom(team).allowTo(web, ExternalService.https('fixed', { hosts: ['fixed.example.com'], gatewayPort: 8443 }));
    return { app, policy };
  }

  test('are listed per gateway as Service ports, whatever the output', () => {
    const { app, policy } = twoPorts({}, EgressOutput.ASM);
    synthObjects(app);
    expect(EgressRegistry.of(app).gatewayServicePorts('gw-a')).toEqual([
      { name: 'tls-8443', port: 8443, targetPort: 8443, protocol: 'TCP' },
      { name: `https-${policy.gatewayPortOf(web)}`, port: policy.gatewayPortOf(web), targetPort: policy.gatewayPortOf(web), protocol: 'TCP' },
    ]);
    expect(EgressRegistry.of(app).gatewayServicePorts('unknown')).toEqual([]);
  });

  test('the gateway Service for open-source Istio selects the gateway pods and exposes every port', () => {
    const { app } = twoPorts({ gatewayService: true, gatewayServiceName: 'istio-egressgateway', gatewayLabels: { istio: 'egressgateway' } }, EgressOutput.ISTIO);
    const objects = synthObjects(app);
    const service = named(objects, 'Service', 'istio-egressgateway');
    expect(service.metadata.namespace).toBe('istio-system');
    expect(service.spec).toMatchObject({ type: 'ClusterIP', selector: { istio: 'egressgateway' } });
    expect(service.spec.ports).toEqual(EgressRegistry.of(app).gatewayServicePorts('gw-a'));
    const gatewayPorts = named(objects, 'Gateway', 'gw-a').spec.servers.map((s: any) => s.port.number);
    expect(service.spec.ports.map((p: any) => p.port)).toEqual(gatewayPorts);
  });

  test('ASM\'s IstioGateway lists them in spec.ports', () => {
    const { app } = twoPorts({ istioGateway: true, gatewayNamespace: 'istio-system' }, EgressOutput.ASM);
    const gateway = named(synthObjects(app), 'IstioGateway', 'gw-a');
    expect(gateway).toEqual({
      apiVersion: 'istio.alibabacloud.com/v1beta1',
      kind: 'IstioGateway',
      metadata: { name: 'gw-a', namespace: 'istio-system' },
      spec: { gatewayType: 'egress', serviceType: 'ClusterIP', ports: EgressRegistry.of(app).gatewayServicePorts('gw-a') },
    });
  });
  test('the Kubernetes objects keep the key order they are planned in, like the Istio objects', () => {
    const { app } = twoPorts({ gatewayService: true, istioGateway: true, networkPolicy: true }, EgressOutput.ASM_AND_ISTIO);
    const keysOf = (kind: string) => synthObjects(app).filter((o) => o.kind === kind)
      .map((o) => [Object.keys(o).slice(0, 3), Object.keys(o.metadata), Object.keys(o.spec)]);
    const head = ['apiVersion', 'kind', 'metadata'];
    // cdk8s's ApiObject would sort them (ports, selector, type); a reader expects the documented order.
    expect(new Set(keysOf('Service').map((k) => JSON.stringify([k[0], k[2]])))).toEqual(new Set([JSON.stringify([head, ['type', 'selector', 'ports']])]));
    expect(keysOf('IstioGateway')).toEqual([[head, ['name', 'namespace'], ['gatewayType', 'serviceType', 'ports']]]);
    expect(keysOf('NetworkPolicy')).toEqual([[head, ['name', 'namespace'], ['podSelector', 'policyTypes', 'egress']]]);
  });
});

describe('NetworkPolicy', () => {
  test('per source selector: only the gateway pods, DNS and the control plane', () => {
    const { app, chart } = setup({ networkPolicy: true });
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule()
      .allowFrom(team, EgressSource.namespace('shop', { workloadSelector: { app: 'cart' } })).allowTo(api);
    const policies = byKind(synthObjects(app), 'NetworkPolicy');
    expect(policies.map((p) => [p.metadata.namespace, p.metadata.name])).toEqual([
      ['team-a', 'egress-via-gw-a'],
      ['shop', expect.stringMatching(/^egress-via-gw-a\.app-cart-[0-9a-f]{8}$/)],
    ]);
    expect(policies[0].spec.podSelector).toEqual({});
    expect(policies[1].spec.podSelector).toEqual({ matchLabels: { app: 'cart' } });
    expect(policies[1].spec).toMatchObject({
      policyTypes: ['Egress'],
      egress: [
        { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } }, podSelector: { matchLabels: { istio: 'gw-a' } } }] },
        // DNS to the cluster's DNS pods and the control plane to istiod's, by default: no address outside them.
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
          ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
        },
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } }, podSelector: { matchLabels: { app: 'istiod' } } }],
          ports: [{ port: 15012, protocol: 'TCP' }],
        },
      ],
    });
    expect(policies[1].spec.egress).toHaveLength(3);
    expect(policies[1].spec.egress[0].ports ?? []).toEqual([]);
    expect(JSON.stringify(policies)).not.toMatch(/ipBlock/);
  });

  test('DNS and the control plane can be other pods, or IP blocks outside the cluster (node-local DNS, ASM\'s managed control plane)', () => {
    const { app, chart } = setup({
      networkPolicy: true,
      networkPolicyDns: { namespace: 'dns', podLabels: { app: 'coredns' }, ipBlocks: ['169.254.20.10/32'] },
      networkPolicyControlPlane: { namespace: 'istio-system', podLabels: { app: 'istiod' } },
    });
    new EgressTrafficPolicy(chart, 'A', { gateway: 'gw-a' }).addRule().allowFrom(team).allowTo(api);
    new EgressTrafficPolicy(chart, 'B', { gateway: 'gw-b', istio: { networkPolicyControlPlane: { ipBlocks: ['192.168.0.10/32', 'fd00::10/128'] } } })
      .addRule().allowFrom(team).allowTo(web);
    const policies = byKind(synthObjects(app), 'NetworkPolicy');
    expect(policies.map((p) => p.metadata.name)).toEqual(['egress-via-gw-a', 'egress-via-gw-b']);
    const dnsPorts = [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }];
    const xdsPorts = [{ port: 15012, protocol: 'TCP' }];
    const dns = [
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns' } }, podSelector: { matchLabels: { app: 'coredns' } } }], ports: dnsPorts },
      { to: [{ ipBlock: { cidr: '169.254.20.10/32' } }], ports: dnsPorts },
    ];
    // The App's DNS for both; gw-b's own control plane replaces the App's (pods) as a whole.
    expect(policies[0].spec.egress.slice(1)).toEqual([
      ...dns,
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } }, podSelector: { matchLabels: { app: 'istiod' } } }], ports: xdsPorts },
    ]);
    expect(policies[1].spec.egress.slice(1)).toEqual([
      ...dns,
      { to: [{ ipBlock: { cidr: '192.168.0.10/32' } }], ports: xdsPorts },
      { to: [{ ipBlock: { cidr: 'fd00::10/128' } }], ports: xdsPorts },
    ]);
  });
});

describe('synthesis', () => {
  test('is idempotent, and follows changes made between two syntheses', () => {
    const { app, chart } = setup();
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' });
    policy.addRule().allowFrom(team).allowTo(api);
    const first = synthObjects(app);
    expect(synthObjects(app)).toEqual(first);
    expect(app.synthYaml()).toContain('kind: AuthorizationPolicy');

    policy.addRule().allowFrom(team).allowTo(web);
    const second = synthObjects(app);
    expect(byKind(second, 'ServiceEntry').map((o) => o.metadata.name)).toEqual(['gw-a.api.example.com', 'gw-a.www.example.com']);
    expect(second.length).toBeGreaterThan(first.length);
    const traced = traceRoute(second, { name: 'gw-a', namespace: 'istio-system', serviceName: 'gw-a', labels: { istio: 'gw-a' } },
      { namespace: 'team-a' }, { protocol: 'HTTP', host: 'www.example.com', port: 80 }, { upgradePort: 443 });
    expect(traced).toMatchObject({ ok: true });
  });

  test('writes the Istio objects with app.synth()', () => {
    const dir = mkdtempSync(join(tmpdir(), 'istio-'));
    const app = new App({ outdir: dir });
    EgressRegistry.of(app).configure({ output: EgressOutput.ISTIO });
    new EgressTrafficPolicy(new Chart(app, 'egress'), 'Egress', { gateway: 'gw-a' }).addRule().allowFrom(team).allowTo(api);
    app.synth();
    const yaml = readFileSync(join(dir, 'egress.k8s.yaml'), 'utf8');
    expect(yaml).toMatch(/kind: Gateway/);
    expect(yaml).toMatch(/kind: VirtualService/);
  });
});
