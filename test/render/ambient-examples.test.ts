import { App } from 'cdk8s';
import { Example1, Example2, Example3, serviceAccountSources, SourceOf } from '../../examples/documented-examples';
import { AmbientOptions, EgressOutput, EgressRegistry, EgressSource, GatewayPortAllocation, Guardrail, GuardrailOverride, IstioApiVersion } from '../../src';
import { ambientConsistencyErrors } from '../util/ambient-chains';
import { crdSchemaErrors } from '../util/crd-schema';
import { synthObjects, testApp, warningLines } from '../util/synth';

// The three documented examples of ASM's reference page, as Istio ambient-mode objects: their
// label sources mapped to service accounts (examples 1 and 2) or widened to their namespace
// (example 3). The snapshots make every change to the output visible in review; the assertions say
// what must hold. (ambient-chains.test.ts follows every allowed request of these examples.)

function render(build: (app: App) => void, ambient: AmbientOptions = {}, output = EgressOutput.AMBIENT) {
  const app = testApp();
  EgressRegistry.of(app).configure({ output, ambient });
  build(app);
  return { app, objects: synthObjects(app) };
}

const summary = (objects: any[]) => objects.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
const of = (objects: any[], kind: string) => objects.filter((o) => o.kind === kind);

/** Every object valid against Istio's and Gateway API's schemas, and consistent as a whole. */
function expectValid(objects: any[]) {
  expect(crdSchemaErrors(objects.filter((o) => /istio\.io\//.test(o.apiVersion)))).toEqual([]);
  expect(crdSchemaErrors(objects.filter((o) => o.apiVersion.startsWith('gateway.networking.k8s.io/')))).toEqual([]);
  expect(ambientConsistencyErrors(objects)).toEqual([]);
}

test('example 1 (v1): the waypoint, one ServiceEntry and AuthorizationPolicy per host, sleep-a admitted by its service account', () => {
  const { objects } = render((app) => new Example1(app, 'example-1', serviceAccountSources));
  expect(summary(objects)).toEqual([
    'Gateway istio-egress/egressgateway-a',
    'ServiceEntry istio-egress/egressgateway-a.httpbin.org',
    'AuthorizationPolicy istio-egress/egressgateway-a.httpbin.org',
    'ServiceEntry istio-egress/egressgateway-a.www.httpbin.org',
    'AuthorizationPolicy istio-egress/egressgateway-a.www.httpbin.org',
  ]);
  expect(of(objects, 'Gateway')[0]).toEqual({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'egressgateway-a', namespace: 'istio-egress', labels: { 'istio.io/waypoint-for': 'service' } },
    spec: {
      gatewayClassName: 'istio-waypoint',
      listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE', allowedRoutes: { namespaces: { from: 'Same' } } }],
    },
  });
  const [se] = of(objects, 'ServiceEntry');
  expect(se.metadata.labels).toEqual({ 'istio.io/use-waypoint': 'egressgateway-a' });
  expect(se.spec).toEqual({ hosts: ['httpbin.org'], ports: [{ number: 80, name: 'http-80', protocol: 'HTTP' }], location: 'MESH_EXTERNAL', resolution: 'DNS' });
  expect(of(objects, 'AuthorizationPolicy')[0].spec).toEqual({
    targetRefs: [{ group: 'networking.istio.io', kind: 'ServiceEntry', name: 'egressgateway-a.httpbin.org' }],
    action: 'ALLOW',
    rules: [{ from: [{ source: { principals: ['cluster.local/ns/mytest/sa/sleep-a'] } }], to: [{ operation: { ports: ['80'] } }] }],
  });
  expectValid(objects);
  expect(objects).toMatchSnapshot();
});

test('example 2 (v1beta1): HTTP upgraded to HTTPS by the waypoint, HTTPS passed through, each host to its own sources', () => {
  const { objects } = render((app) => new Example2(app, 'example-2', serviceAccountSources), { apiVersion: IstioApiVersion.V1BETA1 });
  expect(new Set(objects.map((o) => o.apiVersion)))
    .toEqual(new Set(['gateway.networking.k8s.io/v1', 'networking.istio.io/v1beta1', 'security.istio.io/v1beta1']));
  for (const host of ['httpbin.org', 'www.httpbin.org']) {
    const se = objects.find((o) => o.kind === 'ServiceEntry' && o.spec.hosts[0] === host);
    expect(se.spec.ports).toEqual([
      { number: 80, name: 'http-80', protocol: 'HTTP', targetPort: 443 },
      { number: 443, name: 'https-443', protocol: 'HTTPS' },
    ]);
    const origination = objects.find((o) => o.kind === 'DestinationRule' && o.spec.host === host);
    expect(origination.metadata.namespace).toBe('istio-egress');
    expect(origination.spec).toEqual({
      host,
      exportTo: ['istio-egress'],
      trafficPolicy: {
        portLevelSettings: [{
          port: { number: 80 },
          tls: { mode: 'SIMPLE', sni: host, caCertificates: '/etc/ssl/certs/ca-certificates.crt', subjectAltNames: [host] },
        }],
      },
    });
    const policy = objects.find((o) => o.kind === 'AuthorizationPolicy' && o.metadata.name === se.metadata.name);
    expect(policy.spec.rules).toEqual([{ from: [{ source: { principals: ['cluster.local/ns/mytest/sa/sleep-a'] } }], to: [{ operation: { ports: ['80', '443'] } }] }]);
  }
  expect(objects.find((o) => o.kind === 'AuthorizationPolicy' && o.metadata.name === 'egressgateway-a.www.aliyun.com').spec.rules)
    .toEqual([{ from: [{ source: { principals: ['cluster.local/ns/mytest/sa/sleep-b'] } }], to: [{ operation: { ports: ['443'] } }] }]);
  expectValid(objects);
  expect(objects).toMatchSnapshot();
});

test('example 3 (v1, with the ASM object): the source widened to its namespace, visibly; TCP by address and by name; the waypoint elsewhere; NetworkPolicies and namespace labels', () => {
  const widened: SourceOf = (namespace, labels) => EgressSource.namespace(namespace, {
    workloadSelector: labels,
    guardrailOverrides: [GuardrailOverride.allow(Guardrail.UNENFORCED_SELECTOR, 'every pod of default may use these hosts, INFRA-7')],
  });
  const { app, objects } = render((a) => new Example3(a, 'example-3', GatewayPortAllocation.LIBRARY, widened),
    { waypointNamespace: 'egress-waypoints', networkPolicy: true, namespaceLabels: true }, EgressOutput.ASM_AND_AMBIENT);
  const line = 'source default{app=sleep}: UNENFORCED_SELECTOR: every pod of default may use these hosts, INFRA-7';
  const asm = objects.find((o) => o.kind === 'ASMEgressTrafficPolicy');
  expect(asm.metadata.annotations['egress.cdk8s-asm-egress.io/guardrail-overrides']).toBe(line);
  for (const o of objects.filter((x) => !['ASMEgressTrafficPolicy', 'Namespace'].includes(x.kind))) {
    expect([o.kind, o.metadata.annotations?.['egress.cdk8s-asm-egress.io/guardrail-overrides']]).toEqual([o.kind, line]);
  }
  // The widened source is the namespace, for every destination.
  for (const policy of of(objects, 'AuthorizationPolicy')) expect(policy.spec.rules.map((r: any) => r.from)).toEqual([[{ source: { namespaces: ['default'] } }]]);
  // The waypoint in its own namespace takes the ServiceEntries of the policy's namespace, which name it.
  expect(of(objects, 'Gateway')[0].spec.listeners[0].allowedRoutes)
    .toEqual({ namespaces: { from: 'Selector', selector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-egress' } } } });
  for (const se of of(objects, 'ServiceEntry')) {
    expect(se.metadata.labels).toEqual({ 'istio.io/use-waypoint': 'egressgateway-a', 'istio.io/use-waypoint-namespace': 'egress-waypoints' });
  }
  expect(of(objects, 'ServiceEntry').find((o) => o.spec.addresses)?.spec).toEqual({
    hosts: ['1-1-1-1.address.egress.internal'],
    addresses: ['1.1.1.1/32'],
    ports: [{ number: 44, name: 'tcp-44', protocol: 'TCP' }],
    location: 'MESH_EXTERNAL',
    resolution: 'STATIC',
    endpoints: [{ address: '1.1.1.1' }],
  });
  expect(of(objects, 'DestinationRule').map((d) => `${d.metadata.namespace}/${d.spec.host}`)).toEqual(['egress-waypoints/taobao.com']);
  expect(of(objects, 'NetworkPolicy').map((o) => [o.metadata.namespace, o.spec.podSelector])).toEqual([['default', { matchLabels: { app: 'sleep' } }]]);
  expect(of(objects, 'Namespace').map((o) => [o.metadata.name, o.metadata.labels])).toEqual([
    ['default', { 'istio.io/dataplane-mode': 'ambient' }],
    ['egress-waypoints', { 'istio.io/dataplane-mode': 'ambient' }],
  ]);
  expect(warningLines(app).filter((w) => w.includes('plain TCP'))).toHaveLength(2);
  expectValid(objects);
  expect(objects).toMatchSnapshot();
});
