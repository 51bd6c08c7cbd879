import { destinationRulesFor, exportedTo, outboundClusters, servicesInScope } from './istiod-model';

// The model of istiod, checked on hand-written objects against what istiod's code does (cited in
// istiod-model.ts), so that the tests that use it stand on something checked.

const dr = (namespace: string, host: string, exportTo?: string[], subsets = 0) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name: `${host}-${namespace}-${(exportTo ?? []).join('-')}`, namespace },
  spec: {
    host,
    ...(exportTo ? { exportTo } : {}),
    ...(subsets > 0 ? { subsets: Array.from({ length: subsets }, (_, i) => ({ name: `s${i}`, labels: { istio: 'gw' } })) } : {}),
  },
});
const service = (namespace: string, name: string, ports: number[], exportTo?: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace, ...(exportTo !== undefined ? { annotations: { 'networking.istio.io/exportTo': exportTo } } : {}) },
  spec: { selector: { istio: 'gw' }, ports: ports.map((port) => ({ name: `tls-${port}`, port, targetPort: port })) },
});
const GW = 'gw.istio-system.svc.cluster.local';

describe('destinationRule() (push_context.go)', () => {
  test('a root-namespace rule exported to "." and another namespace is not private-only: a proxy of the root namespace never finds it', () => {
    const rule = dr('istio-system', GW, ['.', 'team1']);
    expect(destinationRulesFor([rule], 'istio-system', GW, 'istio-system')).toEqual([]);
    expect(destinationRulesFor([rule], 'team1', GW, 'istio-system')).toEqual([rule]);
  });

  test('named literally, it reaches the root namespace and the other namespace', () => {
    const rule = dr('istio-system', GW, ['istio-system', 'team1']);
    expect(destinationRulesFor([rule], 'istio-system', GW, 'istio-system')).toEqual([rule]);
    expect(destinationRulesFor([rule], 'team1', GW, 'istio-system')).toEqual([rule]);
    expect(destinationRulesFor([rule], 'team2', GW, 'istio-system')).toEqual([]);
  });

  test('private-only rules: "." alone or the own name alone, in the root namespace and elsewhere', () => {
    for (const exportTo of [['.'], ['istio-system']]) {
      const rule = dr('istio-system', GW, exportTo);
      expect(destinationRulesFor([rule], 'istio-system', GW, 'istio-system')).toEqual([rule]);
      expect(destinationRulesFor([rule], 'team1', GW, 'istio-system')).toEqual([]);
    }
    const elsewhere = dr('egress-gw', 'gw.egress-gw.svc.cluster.local', ['.', 'team1']);
    // Outside the root namespace "." next to another name works: the rule is namespace-local too.
    expect(destinationRulesFor([elsewhere], 'egress-gw', 'gw.egress-gw.svc.cluster.local', 'egress-gw')).toEqual([elsewhere]);
    expect(destinationRulesFor([elsewhere], 'team1', 'gw.egress-gw.svc.cluster.local', 'egress-gw')).toEqual([elsewhere]);
  });

  test('the proxy\'s own namespace wins over the service\'s, which wins over the root\'s', () => {
    const own = dr('team1', GW, ['.']);
    const svc = dr('istio-system', GW, ['*']);
    const rootRule = dr('istio-system', 'x.example.com', ['*']);
    expect(destinationRulesFor([svc, own], 'team1', GW, 'istio-system')).toEqual([own]);
    expect(destinationRulesFor([svc, own], 'team2', GW, 'istio-system')).toEqual([svc]);
    expect(destinationRulesFor([rootRule], 'team2', 'x.example.com', 'apps')).toEqual([rootRule]);
  });
});

describe('visibility and clusters (initServiceRegistry, sidecar.go, cluster.go)', () => {
  test('exportTo: none is public, "~" hides, "." and the own name are the own namespace, names export', () => {
    expect(exportedTo([], 'a', 'b')).toBe(true);
    expect(exportedTo(['~'], 'a', 'a')).toBe(false);
    expect(exportedTo(['.'], 'a', 'a') && !exportedTo(['.'], 'a', 'b')).toBe(true);
    expect(exportedTo(['a', 'c'], 'a', 'a') && exportedTo(['a', 'c'], 'a', 'c') && !exportedTo(['a', 'c'], 'a', 'b')).toBe(true);
  });

  test('one Service with P ports and a rule with S subsets costs P x S subset clusters', () => {
    const ports = Array.from({ length: 20 }, (_, i) => 10000 + i);
    const objects = [service('istio-system', 'gw', ports), dr('istio-system', GW, ['*'], 20)];
    expect(outboundClusters(objects, { namespace: 'team1' })).toMatchObject({ total: 20 * 21, subsetClusters: 400 });
  });

  test('single-port Services with one subset each, exported to the namespaces that use them: one subset cluster per port used', () => {
    const objects = [10001, 10002, 10003].flatMap((port, i) => [
      service('istio-system', `gw-${port}`, [port], i === 0 ? 'team1' : 'team2'),
      dr('istio-system', `gw-${port}.istio-system.svc.cluster.local`, [i === 0 ? 'team1' : 'team2'], 1),
    ]);
    expect(outboundClusters(objects, { namespace: 'team1' }).subsetClusters).toBe(1);
    expect(outboundClusters(objects, { namespace: 'team2' }).subsetClusters).toBe(2);
    expect(outboundClusters(objects, { namespace: 'team3' })).toEqual({ total: 0, subsetClusters: 0, subsetClustersByHost: new Map() });
  });

  test('a Sidecar narrows the scope to its egress hosts, plus the destinations of the VirtualServices it admits', () => {
    const objects = [
      service('istio-system', 'gw-1', [1]), service('istio-system', 'gw-2', [2]),
      { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'x', namespace: 'egress' }, spec: { hosts: ['x.example.com'], ports: [{ number: 443, protocol: 'TLS' }] } },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'x', namespace: 'egress' },
        spec: { hosts: ['x.example.com'], tls: [{ route: [{ destination: { host: 'gw-2.istio-system.svc.cluster.local' } }] }] },
      },
      { apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: { name: 's', namespace: 'team1' }, spec: { egress: [{ hosts: ['egress/x.example.com'] }] } },
    ];
    expect(servicesInScope(objects, { namespace: 'team1' }).map((s) => s.host)).toEqual(['x.example.com', 'gw-2.istio-system.svc.cluster.local']);
    expect(servicesInScope(objects, { namespace: 'team2' })).toHaveLength(3);
  });
});
