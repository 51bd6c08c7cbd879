import { Testing } from 'cdk8s';
import { Example1, Example2, Example3 } from '../../examples/documented-examples';
import { EgressOutput, EgressRegistry, GatewayPortAllocation, IstioApiVersion, IstioOptions } from '../../src';
import { crdSchemaErrors } from '../util/crd-schema';
import { meshConsistencyErrors } from '../util/route-chains';
import { synthObjects, testApp } from '../util/synth';

// The three documented examples of ASM's reference page, as open-source Istio objects. The
// snapshots make every change to the output visible in review; the assertions say what must hold.
// (route-chains.test.ts follows every allowed request of these examples through the objects.)

function render(build: (app: ReturnType<typeof Testing.app>) => void, istio: IstioOptions = {}) {
  const app = testApp();
  EgressRegistry.of(app).configure({ output: EgressOutput.ISTIO, istio });
  build(app);
  const objects = synthObjects(app);
  return { app, objects };
}

const summary = (objects: any[]) => objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`);
const istioOnly = (objects: any[]) => objects.filter((o) => /istio\.io\//.test(o.apiVersion));


test('example 1 (networking.istio.io/v1): HTTP from sleep-a through gateway port 80', () => {
  const { objects } = render((app) => new Example1(app, 'example-1'));
  expect(summary(objects)).toEqual([
    'Gateway istio-system/egressgateway-a',
    'Service istio-system/egressgateway-a-80',
    'DestinationRule istio-system/egressgateway-a-80',
    'AuthorizationPolicy istio-system/egressgateway-a',
    'AuthorizationPolicy istio-system/egressgateway-a.deny-other-sources',
    'ServiceEntry istio-egress/egressgateway-a.httpbin.org',
    'VirtualService istio-egress/egressgateway-a.httpbin.org',
    'ServiceEntry istio-egress/egressgateway-a.www.httpbin.org',
    'VirtualService istio-egress/egressgateway-a.www.httpbin.org',
    'Sidecar mytest/egress-sidecar',
    expect.stringMatching(/^Sidecar mytest\/egress-sidecar\.app-sleep-a-[0-9a-f]{8}$/),
  ]);
  expect(objects.every((o) => o.apiVersion.endsWith('/v1') || (o.apiVersion === 'v1' && o.kind === 'Service'))).toBe(true);
  // One subset on the one gateway port, for the namespace of the source only.
  const rule = objects.find((o) => o.kind === 'DestinationRule');
  expect(rule.spec).toMatchObject({ host: 'egressgateway-a-80.istio-system.svc.cluster.local', exportTo: ['mytest'] });
  expect(rule.spec.subsets).toHaveLength(1);
  expect(objects.find((o) => o.kind === 'Gateway').spec.servers).toEqual([{
    port: { number: 80, name: 'https-80', protocol: 'HTTPS' },
    hosts: ['istio-egress/httpbin.org', 'istio-egress/www.httpbin.org'],
    tls: { mode: 'ISTIO_MUTUAL' },
  }]);
  expect(crdSchemaErrors(istioOnly(objects))).toEqual([]);
  expect(meshConsistencyErrors(objects)).toEqual([]);
  expect(objects).toMatchSnapshot();
});

test('example 2 (networking.istio.io/v1beta1): HTTPS upgrade on port 80, HTTPS on 444 and 445', () => {
  const { objects } = render((app) => new Example2(app, 'example-2'), { apiVersion: IstioApiVersion.V1BETA1 });
  expect(new Set(objects.map((o) => o.apiVersion))).toEqual(new Set(['networking.istio.io/v1beta1', 'security.istio.io/v1beta1', 'v1']));
  const servers = objects.find((o) => o.kind === 'Gateway').spec.servers;
  expect(servers.map((s: any) => [s.port.number, s.port.protocol])).toEqual([[80, 'HTTPS'], [444, 'TLS'], [445, 'TLS']]);
  // The upgrade: both httpbin hosts reach port 443 from the gateway only, verified.
  for (const host of ['httpbin.org', 'www.httpbin.org']) {
    const se = objects.find((o) => o.kind === 'ServiceEntry' && o.spec.hosts[0] === host);
    expect(se.spec.ports).toEqual([
      { number: 80, name: 'http-80', protocol: 'HTTP', targetPort: 443 },
      { number: 443, name: 'https-443', protocol: 'HTTPS' },
    ]);
    const origination = objects.find((o) => o.kind === 'DestinationRule' && o.spec.host === host);
    expect(origination.spec.trafficPolicy.portLevelSettings).toEqual([{
      port: { number: 80 },
      tls: { mode: 'SIMPLE', sni: host, caCertificates: '/etc/ssl/certs/ca-certificates.crt', subjectAltNames: [host] },
    }]);
  }
  expect(crdSchemaErrors(istioOnly(objects))).toEqual([]);
  expect(meshConsistencyErrors(objects)).toEqual([]);
  expect(objects).toMatchSnapshot();
});

test('example 3 (networking.istio.io/v1, ports allocated): HTTP, HTTPS, an upgrade and TCP, with the gateway Service and NetworkPolicies', () => {
  const { app, objects } = render((a) => new Example3(a, 'example-3', GatewayPortAllocation.LIBRARY), { gatewayService: true, networkPolicy: true });
  const ports = EgressRegistry.of(app).gatewayPorts('egressgateway-a');
  expect(ports).toHaveLength(4); // one shared HTTP port, HTTPS and each TCP service on its own
  const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'egressgateway-a');
  expect(service.spec.ports.map((p: any) => p.port)).toEqual(ports);
  // And a single-port Service per gateway port, each with a DestinationRule of one subset.
  expect(objects.filter((o) => o.kind === 'Service' && o.metadata.name !== 'egressgateway-a').map((o) => o.spec.ports.map((p: any) => p.port))).toEqual(ports.map((p) => [p]));
  expect(objects.filter((o) => o.kind === 'DestinationRule' && o.spec.subsets).map((o) => o.spec.subsets.length)).toEqual(ports.map(() => 1));
  expect(objects.find((o) => o.kind === 'Gateway').spec.servers.map((s: any) => s.port.number)).toEqual(ports);
  const tcpByIp = objects.find((o) => o.kind === 'ServiceEntry' && o.metadata.name === 'egressgateway-a.tcp-svc1');
  expect(tcpByIp.spec).toMatchObject({ addresses: ['1.1.1.1/32'], resolution: 'STATIC', ports: [{ number: 44, protocol: 'TCP' }] });
  expect(objects.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.spec.podSelector)).toEqual([{ matchLabels: { app: 'sleep' } }]);
  expect(crdSchemaErrors(istioOnly(objects))).toEqual([]);
  expect(meshConsistencyErrors(objects)).toEqual([]);
  expect(objects).toMatchSnapshot();
});
