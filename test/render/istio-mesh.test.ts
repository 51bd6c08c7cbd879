import { Chart } from 'cdk8s';
import {
  EgressOutput, EgressRegistry, EgressSource, EgressTrafficPolicy, ExternalService, IstioOptions, PortRange,
} from '../../src';
import { crdSchemaErrors } from '../util/crd-schema';
import { allowedRequests, buildApp, defaultGateway, PolicySpec, ServiceSpec } from '../util/egress-spec';
import { destinationRulesFor, outboundClusters, servicesInScope } from '../util/istiod-model';
import { GatewayUnderTest, meshConsistencyErrors, traceRoute } from '../util/route-chains';
import { synthObjects, testApp, warningLines } from '../util/synth';

// What holds on a real mesh beyond schemas and route chains, checked with a model of istiod
// (test/util/istiod-model.ts) written independently of the renderer.

const istioOnly = (objects: any[]) => objects.filter((o) => String(o.apiVersion).includes('istio.io/'));

/** Every allowed request of the spec goes through, with every object valid. */
function expectAllAllowed(objects: any[], spec: PolicySpec[], gatewayOf?: (name: string) => GatewayUnderTest) {
  const requests = allowedRequests(spec, gatewayOf);
  expect(requests.length).toBeGreaterThan(0);
  for (const r of requests) {
    expect({ client: r.client, request: r.request, trace: traceRoute(objects, r.gateway, r.client, r.request, r.expect) })
      .toEqual({ client: r.client, request: r.request, trace: expect.objectContaining({ ok: true }) });
  }
  expect(meshConsistencyErrors(objects)).toEqual([]);
}

describe('1. sources in the mesh root namespace see the gateway port DestinationRules', () => {
  const services: ServiceSpec[] = [
    { name: 'api', protocol: 'HTTPS', hosts: ['api.example.com'], port: 443 },
    { name: 'web', protocol: 'HTTP', hosts: ['www.example.com'], port: 80, upgradePort: 443 },
    { name: 'db', protocol: 'TCP', hosts: ['8.8.8.8'], port: 5432 },
  ];
  const spec: PolicySpec[] = [{
    gateway: 'gw-a',
    rules: [{ sources: [{ namespace: 'istio-system', serviceAccount: 'ops' }, { namespace: 'team1' }, { namespace: 'egress-gw' }], services }],
  }];

  test('root-namespace gateway: no exportTo names ".", and the root namespace gets a rule for every port it uses', () => {
    const objects = synthObjects(buildApp(spec));
    for (const o of objects) {
      const exportTo = o.spec?.exportTo ?? String(o.metadata.annotations?.['networking.istio.io/exportTo'] ?? '').split(',');
      expect({ object: `${o.kind} ${o.metadata.name}`, dot: exportTo.includes('.') }).toEqual({ object: `${o.kind} ${o.metadata.name}`, dot: false });
    }
    const portRules = objects.filter((o) => o.kind === 'DestinationRule' && o.spec.subsets);
    expect(portRules.length).toBe(3);
    for (const rule of portRules) {
      for (const ns of ['istio-system', 'team1', 'egress-gw']) expect(destinationRulesFor(objects, ns, rule.spec.host, 'istio-system')).toEqual([rule]);
      expect(destinationRulesFor(objects, 'team2', rule.spec.host, 'istio-system')).toEqual([]);
    }
    expectAllAllowed(objects, spec);
    expect(crdSchemaErrors(istioOnly(objects))).toEqual([]);
  });

  test('the former exportTo [".", <namespace>] leaves the root namespace without a rule: its requests fail at the subset', () => {
    const objects = JSON.parse(JSON.stringify(synthObjects(buildApp(spec))));
    for (const rule of objects.filter((o: any) => o.kind === 'DestinationRule' && o.spec.subsets)) {
      rule.spec.exportTo = rule.spec.exportTo.map((ns: string) => (ns === 'istio-system' ? '.' : ns));
    }
    const r = allowedRequests(spec).find((x) => x.client.namespace === 'istio-system')!;
    expect(traceRoute(objects, r.gateway, r.client, r.request, r.expect)).toMatchObject({ ok: false, stage: 'gateway-subset' });
    const team = allowedRequests(spec).find((x) => x.client.namespace === 'team1')!;
    expect(traceRoute(objects, team.gateway, team.client, team.request, team.expect)).toMatchObject({ ok: true });
  });

  test('non-root gateway namespace: sources there and in the root namespace both get their rules', () => {
    const gateway = { name: 'gw-a', namespace: 'egress-gw', serviceName: 'gw-a', labels: { istio: 'gw-a' } };
    const objects = synthObjects(buildApp(spec, { gatewayNamespace: 'egress-gw' }));
    for (const rule of objects.filter((o) => o.kind === 'DestinationRule' && o.spec.subsets)) {
      expect(rule.metadata.namespace).toBe('egress-gw');
      for (const ns of ['istio-system', 'team1', 'egress-gw']) expect(destinationRulesFor(objects, ns, rule.spec.host, 'egress-gw')).toEqual([rule]);
    }
    expectAllAllowed(objects, spec, () => gateway);
  });
});

describe('2. NetworkPolicies never select the gateway or the control plane', () => {
  /** Whether a podSelector (matchLabels and matchExpressions, as Kubernetes evaluates them) selects a pod. */
  const selects = (selector: any, labels: Record<string, string>) =>
    Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v)
    && (selector.matchExpressions ?? []).every((e: any) => {
      switch (e.operator) {
        case 'In': return e.values.includes(labels[e.key]);
        case 'NotIn': return !(e.key in labels) || !e.values.includes(labels[e.key]);
        case 'Exists': return e.key in labels;
        default: return !(e.key in labels);
      }
    });
  const gatewayPod = { istio: 'gw-a', app: 'istio-egressgateway' };
  const istiod = { app: 'istiod', istio: 'pilot' };
  const api = ExternalService.https('api', { hosts: ['api.example.com'] });

  function render(istio: IstioOptions, ...sources: EgressSource[]) {
    const app = testApp();
    EgressRegistry.of(app).configure({ output: EgressOutput.ISTIO, istio: { networkPolicy: true, ...istio } });
    new EgressTrafficPolicy(new Chart(app, 'c'), 'Egress', { gateway: 'gw-a' }).addRule('r').allowFrom(...sources).allowTo(api);
    return app;
  }

  test('a labelled source in the gateway\'s and control plane\'s namespace: its pods, never theirs', () => {
    const app = render({ enforceWorkloadSelectors: false }, EgressSource.namespace('istio-system', { workloadSelector: { tier: 'ops' } }));
    const [np] = synthObjects(app).filter((o) => o.kind === 'NetworkPolicy');
    expect(np.metadata.namespace).toBe('istio-system');
    expect(np.spec.policyTypes).toEqual(['Egress']);
    expect(selects(np.spec.podSelector, { tier: 'ops', app: 'tools' })).toBe(true);
    expect(selects(np.spec.podSelector, { tier: 'ops', ...gatewayPod })).toBe(false);
    expect(selects(np.spec.podSelector, { tier: 'ops', ...istiod })).toBe(false);
  });

  test('the App\'s other gateways in the namespace (and a waypoint) are left out as well as the policy\'s own', () => {
    const app = testApp();
    EgressRegistry.of(app).configure({ output: EgressOutput.ISTIO, istio: { gatewayNamespace: 'egress-gw' } });
    const chart = new Chart(app, 'c');
    new EgressTrafficPolicy(chart, 'A', { gateway: 'gw-a', istio: { networkPolicy: true } }).addRule('r')
      .allowFrom(EgressSource.namespace('egress-gw', { workloadSelector: { tier: 'ops' } })).allowTo(api);
    new EgressTrafficPolicy(chart, 'B', { gateway: 'gw-b' }).addRule('r').allowFrom(EgressSource.namespace('team1'))
      .allowTo(ExternalService.https('bank', { hosts: ['bank.example.com'] }));
    new EgressTrafficPolicy(chart, 'C', { gateway: 'gw-c', output: EgressOutput.AMBIENT, ambient: { waypointNamespace: 'egress-gw' } }).addRule('r')
      .allowFrom(EgressSource.namespace('team1', { serviceAccountName: 'app' })).allowTo(ExternalService.https('maps', { hosts: ['maps.example.com'] }));
    const np = synthObjects(app).find((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === 'egress-gw');
    expect(selects(np.spec.podSelector, { tier: 'ops', app: 'tools' })).toBe(true);
    for (const pod of [{ istio: 'gw-a' }, { istio: 'gw-b' }, { 'gateway.networking.k8s.io/gateway-name': 'gw-c' }] as Array<Record<string, string>>) {
      expect({ pod, selected: selects(np.spec.podSelector, { tier: 'ops', ...pod }) }).toEqual({ pod, selected: false });
    }
    // One expression per label key.
    expect(np.spec.podSelector.matchExpressions).toContainEqual({ key: 'istio', operator: 'NotIn', values: ['gw-a', 'gw-b'] });
    expect(crdSchemaErrors(istioOnly(synthObjects(app)))).toEqual([]);
  });

  test('a namespace-wide source where the mesh\'s own pods run is refused at its namespace; elsewhere, it selects every pod', () => {
    // Gateways, istiod, the mesh root: namespaces with pods the App does not know of (an ingress gateway, webhooks).
    const cases: Array<[IstioOptions, string, RegExp]> = [
      [{}, 'istio-system', /namespace 'istio-system' is the mesh's root namespace and holds egress gateway 'gw-a' and the control plane: /],
      [{ gatewayNamespace: 'egress-gw' }, 'egress-gw', /namespace 'egress-gw' holds egress gateway 'gw-a': /],
      [{ networkPolicyControlPlane: { namespace: 'istiod-ns', podLabels: { app: 'istiod' } } }, 'istiod-ns', /namespace 'istiod-ns' holds the control plane: /],
      [{ gatewayNamespace: 'egress-gw', meshRootNamespace: 'mesh-root' }, 'mesh-root', /namespace 'mesh-root' is the mesh's root namespace: /],
    ];
    for (const [istio, namespace, reason] of cases) {
      const app = render(istio, EgressSource.namespace('team1'), EgressSource.namespace(namespace));
      expect(() => synthObjects(app)).toThrow(reason);
      expect(EgressRegistry.of(app).errors.map((e) => [e.code, e.path, e.field])).toEqual([['ISTIO_NETWORK_POLICY', 'c/Egress/r', 'from[1].namespace']]);
      expect(EgressRegistry.of(app).errors[0].message).toMatch(/would select every pod there, including those the App does not know of .*: select the source's own pods with a workloadSelector/);
    }
    const elsewhere = synthObjects(render({}, EgressSource.namespace('team1'))).filter((o) => o.kind === 'NetworkPolicy');
    expect(elsewhere.map((np) => [np.metadata.namespace, np.spec.podSelector])).toEqual([['team1', {}]]);
  });

  test('the gateway in its own namespace, DNS pods in a source\'s namespace: each left out where it lives', () => {
    const app = render({ gatewayNamespace: 'egress-gw' }, EgressSource.namespace('egress-gw', { workloadSelector: { tier: 'ops' } }), EgressSource.namespace('kube-system'));
    const nps = synthObjects(app).filter((o) => o.kind === 'NetworkPolicy');
    const of = (ns: string) => nps.find((np) => np.metadata.namespace === ns).spec.podSelector;
    expect(selects(of('egress-gw'), { tier: 'ops', ...gatewayPod })).toBe(false);
    expect(selects(of('egress-gw'), { tier: 'ops', app: 'tools' })).toBe(true);
    expect(selects(of('kube-system'), { 'k8s-app': 'kube-dns' })).toBe(false);
    expect(selects(of('kube-system'), { 'k8s-app': 'metrics-server' })).toBe(true);
  });

  test('gateway pods selected by several labels cannot be left out exactly: the source is refused', () => {
    const app = render({ gatewayLabels: { istio: 'egressgateway', team: 'platform' }, enforceWorkloadSelectors: false },
      EgressSource.namespace('istio-system', { workloadSelector: { tier: 'ops' } }));
    expect(() => synthObjects(app)).toThrow(/from\[0\]\.workloadSelector: the NetworkPolicy of this source would select the pods of the egress gateway 'gw-a' in namespace 'istio-system' \(istio.gatewayLabels\)/);
    const problems = EgressRegistry.of(app).errors;
    expect(problems.map((p) => p.code)).toEqual(['ISTIO_NETWORK_POLICY']);
    expect(problems[0].message).toMatch(/give the source a workloadSelector/);
  });

  test('a selector that includes a gateway\'s (or DNS) labels is refused: left out, those pods leave nothing to select', () => {
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ istio: 'gw-a' }, 'egress-gw', /selects only pods of the egress gateway 'gw-a' \(istio.gatewayLabels\)/],
      [{ istio: 'gw-a', tier: 'ops' }, 'egress-gw', /selects only pods of the egress gateway 'gw-a'/],
      [{ 'k8s-app': 'kube-dns' }, 'kube-system', /selects only pods of the DNS \(istio.networkPolicyDns\)/],
    ];
    for (const [labels, namespace, reason] of cases) {
      const app = render({ gatewayNamespace: 'egress-gw' }, EgressSource.namespace(namespace, { workloadSelector: labels }));
      expect(() => synthObjects(app)).toThrow(reason);
      expect(EgressRegistry.of(app).errors.map((e) => [e.code, e.field])).toEqual([['ISTIO_NETWORK_POLICY', 'from[0].workloadSelector']]);
      expect(EgressRegistry.of(app).errors[0].message).toMatch(/its NetworkPolicy would select no pod at all: select the source's own pods with labels that those pods do not carry/);
    }
    // The same key with another value selects pods of its own, never the gateway's.
    const [np] = synthObjects(render({ gatewayNamespace: 'egress-gw' }, EgressSource.namespace('egress-gw', { workloadSelector: { istio: 'tools' } })))
      .filter((o) => o.kind === 'NetworkPolicy');
    expect([selects(np.spec.podSelector, { istio: 'tools' }), selects(np.spec.podSelector, gatewayPod)]).toEqual([true, false]);
  });

  test('another policy\'s gateway selected by several labels there refuses the source too, naming that policy', () => {
    const app = testApp();
    EgressRegistry.of(app).configure({ output: EgressOutput.ISTIO, istio: { gatewayNamespace: 'egress-gw' } });
    const chart = new Chart(app, 'c');
    new EgressTrafficPolicy(chart, 'A', { gateway: 'gw-a', istio: { networkPolicy: true } }).addRule('r')
      .allowFrom(EgressSource.namespace('egress-gw', { workloadSelector: { tier: 'ops' } })).allowTo(api);
    new EgressTrafficPolicy(chart, 'B', { gateway: 'gw-b', istio: { gatewayLabels: { istio: 'gw-b', team: 'platform' } } }).addRule('r')
      .allowFrom(EgressSource.namespace('team1')).allowTo(ExternalService.https('bank', { hosts: ['bank.example.com'] }));
    expect(() => synthObjects(app)).toThrow(
      "[c/A/r] from[0].workloadSelector: the NetworkPolicy of this source would select the pods of the egress gateway 'gw-b' in namespace 'egress-gw' (istio.gatewayLabels of c/B) and cut them off");
  });

  test('a service-account source gets no NetworkPolicy, and a warning says so; with a namespace-wide source there, no warning', () => {
    const app = render({}, EgressSource.namespace('shop', { serviceAccountName: 'checkout' }));
    expect(synthObjects(app).filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
    expect(warningLines(app).filter((l) => l.includes('serviceAccountName'))).toEqual([
      expect.stringMatching(/^\[warning\] \[c\/Egress\/r\] from\[0\]\.serviceAccountName: a NetworkPolicy selects pods by labels, not by service account, so no NetworkPolicy restricts the pods of service account 'checkout' in namespace 'shop'/),
    ]);
    expect(EgressRegistry.of(app).warnings.map((w) => w.code)).toContain('ISTIO_NETWORK_POLICY_SERVICE_ACCOUNT');
    const both = render({}, EgressSource.namespace('shop', { serviceAccountName: 'checkout' }), EgressSource.namespace('shop'));
    expect(synthObjects(both).filter((o) => o.kind === 'NetworkPolicy').map((o) => o.spec.podSelector)).toEqual([{}]);
    expect(EgressRegistry.of(both).warnings.map((w) => w.code)).not.toContain('ISTIO_NETWORK_POLICY_SERVICE_ACCOUNT');
  });

  test('a pod that another policy\'s source may be still reaches that policy\'s gateway under this policy\'s NetworkPolicy', () => {
    /** Whether egress NetworkPolicies (as Kubernetes combines them) let a pod connect to a gateway's pods. */
    const reaches = (nps: any[], pod: { namespace: string; labels: Record<string, string> }, gateway: Record<string, string>) => {
      const selecting = nps.filter((np) => np.metadata.namespace === pod.namespace && selects(np.spec.podSelector, pod.labels));
      return selecting.length === 0 || selecting.some((np) => np.spec.egress.some((rule: any) => rule.to.some((peer: any) =>
        peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'istio-system' && peer.podSelector && selects(peer.podSelector, gateway))));
    };
    const bank = ExternalService.https('bank', { hosts: ['bank.example.com'] });
    const maps = ExternalService.https('maps', { hosts: ['maps.example.com'] });
    const app = testApp();
    EgressRegistry.of(app).configure({ output: EgressOutput.ISTIO, istio: { enforceWorkloadSelectors: false } });
    const chart = new Chart(app, 'c');
    new EgressTrafficPolicy(chart, 'A', { gateway: 'gw-a', istio: { networkPolicy: true } }).addRule('r')
      .allowFrom(EgressSource.namespace('shop'), EgressSource.namespace('web', { workloadSelector: { app: 'web' } })).allowTo(api);
    // B: no NetworkPolicies of its own; a service account in shop, a selector that may be A's pods in web, one that may not.
    new EgressTrafficPolicy(chart, 'B', { gateway: 'gw-b' }).addRule('r')
      .allowFrom(EgressSource.namespace('shop', { serviceAccountName: 'checkout' }), EgressSource.namespace('web', { workloadSelector: { tier: 'front' } })).allowTo(bank);
    new EgressTrafficPolicy(chart, 'C', { gateway: 'gw-c' }).addRule('r')
      .allowFrom(EgressSource.namespace('web', { workloadSelector: { app: 'api' } })).allowTo(maps);
    const nps = synthObjects(app).filter((o) => o.kind === 'NetworkPolicy');
    const checkout = { namespace: 'shop', labels: { app: 'checkout' } };
    const front = { namespace: 'web', labels: { app: 'web', tier: 'front' } };
    expect([reaches(nps, checkout, { istio: 'gw-a' }), reaches(nps, checkout, { istio: 'gw-b' })]).toEqual([true, true]);
    expect([reaches(nps, front, { istio: 'gw-a' }), reaches(nps, front, { istio: 'gw-b' })]).toEqual([true, true]);
    // {app: api} cannot be A's {app: web}: A's NetworkPolicy there lets its pods reach no other gateway.
    expect(reaches(nps, { namespace: 'web', labels: { app: 'web' } }, { istio: 'gw-c' })).toBe(false);
    expect(crdSchemaErrors(istioOnly(synthObjects(app)))).toEqual([]);
  });

  test('a namespace-wide source in another rule of the policy covers the service account\'s pods too: no warning', () => {
    const app = testApp();
    EgressRegistry.of(app).configure({ output: EgressOutput.ISTIO, istio: { networkPolicy: true } });
    const policy = new EgressTrafficPolicy(new Chart(app, 'c'), 'Egress', { gateway: 'gw-a' });
    policy.addRule('all').allowFrom(EgressSource.namespace('shop')).allowTo(api);
    policy.addRule('checkout').allowFrom(EgressSource.namespace('shop', { serviceAccountName: 'checkout' }))
      .allowTo(ExternalService.https('bank', { hosts: ['bank.example.com'] }));
    const nps = synthObjects(app).filter((o) => o.kind === 'NetworkPolicy');
    // The one NetworkPolicy of namespace shop selects the checkout pods as well, and lets them reach the gateway.
    expect(nps.map((np) => [np.metadata.namespace, selects(np.spec.podSelector, { app: 'checkout' })])).toEqual([['shop', true]]);
    expect(nps[0].spec.egress[0].to[0].podSelector).toEqual({ matchLabels: { istio: 'gw-a' } });
    expect(EgressRegistry.of(app).warnings.map((w) => w.code)).not.toContain('ISTIO_NETWORK_POLICY_SERVICE_ACCOUNT');
  });

  test('so does another policy\'s namespace-wide source there, whose NetworkPolicy lets them reach this gateway too', () => {
    const app = testApp();
    EgressRegistry.of(app).configure({ output: EgressOutput.ISTIO, istio: { networkPolicy: true } });
    const chart = new Chart(app, 'c');
    new EgressTrafficPolicy(chart, 'A', { gateway: 'gw-a' }).addRule('r').allowFrom(EgressSource.namespace('shop')).allowTo(api);
    new EgressTrafficPolicy(chart, 'B', { gateway: 'gw-b' }).addRule('r')
      .allowFrom(EgressSource.namespace('shop', { serviceAccountName: 'checkout' })).allowTo(ExternalService.https('bank', { hosts: ['bank.example.com'] }));
    const [np] = synthObjects(app).filter((o) => o.kind === 'NetworkPolicy');
    expect(np.spec.podSelector).toEqual({});
    expect(np.spec.egress[0].to.map((peer: any) => peer.podSelector.matchLabels)).toEqual([{ istio: 'gw-a' }, { istio: 'gw-b' }]);
    expect(EgressRegistry.of(app).warnings.map((w) => w.code)).not.toContain('ISTIO_NETWORK_POLICY_SERVICE_ACCOUNT');
  });
});

describe('3. gateway subset clusters grow with what a namespace uses, not with the gateway', () => {
  const N = 210;
  const many: ServiceSpec[] = Array.from({ length: N }, (_, i) => ({ name: `svc-${i}`, protocol: 'HTTPS', hosts: [`svc-${i}.example.com`], port: 443 }));
  const http: ServiceSpec[] = Array.from({ length: 5 }, (_, i) => ({ name: `web-${i}`, protocol: 'HTTP', hosts: [`web-${i}.example.com`], port: 80 }));
  const spec: PolicySpec[] = [{
    gateway: 'gw-a',
    rules: [
      { sources: [{ namespace: 'big' }], services: [...many, ...http] },
      { sources: [{ namespace: 'small' }], services: many.slice(0, 2) },
      { sources: [{ namespace: 'web', labels: { app: 'web' } }], services: http },
    ],
  }];

  test(`${N} TLS services and 5 HTTP ones: a namespace that uses 2 sees 2 subset clusters; one that uses all, one per port`, () => {
    const objects = synthObjects(buildApp(spec));
    const ports = EgressRegistry.of(buildApp(spec)).gatewayPorts('gw-a');
    expect(ports).toHaveLength(N + 1); // the HTTP services share one port
    const small = outboundClusters(objects, { namespace: 'small' });
    expect(small.subsetClusters).toBe(2);
    expect([...small.subsetClustersByHost.values()]).toEqual([1, 1]);
    expect(outboundClusters(objects, { namespace: 'big' }).subsetClusters).toBe(N + 1);
    // A pod under a Sidecar: the 5 HTTP services share one port, hence one subset cluster.
    expect(outboundClusters(objects, { namespace: 'web', labels: { app: 'web' } }).subsetClusters).toBe(1);
    expect(outboundClusters(objects, { namespace: 'elsewhere' }).subsetClusters).toBe(0);
    expectAllAllowed(objects, spec.slice(0, 1).map((p) => ({ ...p, rules: p.rules.slice(1) })));
  });

  test('with the gateway\'s own Service (gatewayService), a namespace that uses 2 still sees O(2) clusters: the Service stays in the gateway\'s namespace', () => {
    const without = synthObjects(buildApp(spec));
    const objects = synthObjects(buildApp(spec, { gatewayService: true }));
    const service = objects.find((o) => o.apiVersion === 'v1' && o.kind === 'Service' && o.metadata.name === 'gw-a');
    expect(service.spec.ports).toHaveLength(N + 1);
    expect(service.metadata.annotations).toEqual({ 'networking.istio.io/exportTo': 'istio-system' });
    for (const proxy of [{ namespace: 'small' }, { namespace: 'big' }, { namespace: 'web', labels: { app: 'web' } }, { namespace: 'elsewhere' }]) {
      expect({ proxy, clusters: outboundClusters(objects, proxy) }).toEqual({ proxy, clusters: outboundClusters(without, proxy) });
    }
    // 2 ServiceEntries, and per gateway port used its Service's cluster and subset cluster.
    expect(outboundClusters(objects, { namespace: 'small' })).toMatchObject({ total: 6, subsetClusters: 2 });
    // Only the gateway's namespace sees it: a cluster per port there.
    expect(outboundClusters(objects, { namespace: 'istio-system' }).total - outboundClusters(without, { namespace: 'istio-system' }).total).toBe(N + 1);
    // Without the annotation, every proxy of the mesh would get one per port.
    const exported = JSON.parse(JSON.stringify(objects));
    delete exported.find((o: any) => o.apiVersion === 'v1' && o.kind === 'Service' && o.metadata.name === 'gw-a').metadata.annotations;
    expect(outboundClusters(exported, { namespace: 'small' }).total).toBe(6 + N + 1);
    expectAllAllowed(objects, spec.slice(0, 1).map((p) => ({ ...p, rules: p.rules.slice(1) })));
  });

  test('every proxy of the gateway\'s namespace sees every egress host: in istio-system, the ingress gateway too; a dedicated namespace keeps them there', () => {
    const ingress = { namespace: 'istio-system', labels: { istio: 'ingressgateway' } };
    const hosts = (objects: any[], proxy: { namespace: string }) => servicesInScope(objects, proxy).filter((s) => s.host.endsWith('.example.com')).length;
    expect(hosts(synthObjects(buildApp(spec)), ingress)).toBe(N + 5);
    const dedicated = synthObjects(buildApp(spec, { gatewayNamespace: 'egress-gw' }));
    expect(hosts(dedicated, ingress)).toBe(0);
    expect(hosts(dedicated, { namespace: 'egress-gw' })).toBe(N + 5);
  });

  test('past the 20,000 ports an EndpointSlice holds, the gateway\'s own Service is refused; hundreds are fine', () => {
    const app = testApp();
    EgressRegistry.of(app).configure({ output: EgressOutput.ISTIO, istio: { gatewayService: true } });
    const policy = new EgressTrafficPolicy(new Chart(app, 'c'), 'Egress', { gateway: 'gw-a', portRange: PortRange.between(1025, 65000) });
    policy.addRule('r').allowFrom(EgressSource.namespace('team1'))
      .allowTo(...Array.from({ length: 20_001 }, (_, i) => ExternalService.https(`s-${i}`, { hosts: [`s-${i}.example.com`] })));
    expect(EgressRegistry.of(app).errors.map((e) => [e.code, e.path, e.field, e.message])).toEqual([['ISTIO_GATEWAY_SERVICE_PORTS', 'c/Egress', 'istio.gatewayService',
      "gateway 'gw-a' has 20,001 gateway ports, all of which its Service would list, but an EndpointSlice holds at most 20,000 (kubernetes#99795), "
      + 'so Kubernetes could give that Service no endpoints: set istio.gatewayService to false (each gateway port has a Service of its own, which carries its traffic), '
      + 'or spread the services over more gateways']]);
    // The 211 ports above: no error (the limit was 100 before Kubernetes 1.21).
    expect(EgressRegistry.of(buildApp(spec, { gatewayService: true })).errors).toEqual([]);
  });

  test('the former shape (one Service, a port and a subset per service) costs ports x subsets in every such namespace', () => {
    const objects = synthObjects(buildApp(spec));
    const portRules = objects.filter((o) => o.kind === 'DestinationRule' && o.spec.subsets);
    const former = [
      ...objects.filter((o) => !(o.kind === 'DestinationRule' && o.spec.subsets) && !(o.apiVersion === 'v1' && o.kind === 'Service')),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'gw-a', namespace: 'istio-system' },
        spec: { selector: { istio: 'gw-a' }, ports: portRules.map((r) => ({ port: r.spec.subsets[0].trafficPolicy.portLevelSettings[0].port.number })) },
      },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: { name: 'gw-a', namespace: 'istio-system' },
        spec: { host: 'gw-a.istio-system.svc.cluster.local', exportTo: ['big', 'small'], subsets: [...many, ...http].map((s) => ({ name: s.name, labels: { istio: 'gw-a' } })) },
      },
    ];
    expect(outboundClusters(former, { namespace: 'small' }).subsetClusters).toBe((N + 1) * (N + 5));
  });
});

describe('4. Sidecars are whole only when every policy with sources in their namespace is synthesised together', () => {
  const sleep = { namespace: 'mytest', labels: { app: 'sleep' } };
  const a: PolicySpec = { gateway: 'gw-a', rules: [{ sources: [sleep], services: [{ name: 'api', protocol: 'HTTPS', hosts: ['api.example.com'], port: 443 }] }] };
  const b: PolicySpec = { gateway: 'gw-b', rules: [{ sources: [sleep], services: [{ name: 'bank', protocol: 'HTTPS', hosts: ['bank.example.com'], port: 443 }] }] };
  const sidecarOf = (objects: any[]) => objects.find((o) => o.kind === 'Sidecar' && o.spec.workloadSelector);
  const POLICIES = 'egress.cdk8s-asm-egress.io/sidecar-policies';

  test('separate renders give two objects of one name, each without the other\'s hosts, each naming only its policy', () => {
    const alone = [a, b].map((p) => sidecarOf(synthObjects(buildApp([p]))));
    expect(alone[0].metadata.name).toBe(alone[1].metadata.name);
    expect(alone[0].spec.egress[0].hosts).not.toContain('istio-egress/bank.example.com');
    expect(alone.map((s) => s.metadata.annotations[POLICIES])).toEqual(['istio-egress/egress-by-gw-a', 'istio-egress/egress-by-gw-b']);
    const objects = synthObjects(buildApp([a, b]));
    const together = sidecarOf(objects);
    expect(together.metadata.annotations[POLICIES]).toBe('istio-egress/egress-by-gw-a\nistio-egress/egress-by-gw-b');
    expect(together.spec.egress[0].hosts).toEqual(expect.arrayContaining(['istio-egress/api.example.com', 'istio-egress/bank.example.com']));
    // Applying one render after the other: the pod keeps only the last one's hosts.
    const lastWins = [...synthObjects(buildApp([a])).filter((o) => o.kind !== 'Sidecar'), ...synthObjects(buildApp([b]))];
    const toApi = allowedRequests([a])[0];
    expect(traceRoute(lastWins, toApi.gateway, toApi.client, toApi.request, toApi.expect)).toMatchObject({ ok: false, stage: 'service-entry' });
    expectAllAllowed(objects, [a, b]);
  });
});

describe('5. the DENY guard', () => {
  const spec: PolicySpec[] = [{
    gateway: 'gw-a',
    rules: [
      { sources: [{ namespace: 'shop', serviceAccount: 'checkout' }], services: [{ name: 'stripe', protocol: 'HTTPS', hosts: ['api.stripe.com'], port: 443 }] },
      { sources: [{ namespace: 'ops' }, { namespace: 'shop', serviceAccount: 'checkout' }], services: [{ name: 'web', protocol: 'HTTP', hosts: ['www.example.com'], port: 80 }, { name: 'db', protocol: 'TCP', hosts: ['8.8.8.8'], port: 5432 }] },
    ],
  }];
  /** A selector-less ALLOW policy in the root namespace: it selects every workload of the mesh, the gateway too. */
  const allowAll = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'allow-all', namespace: 'istio-system' }, spec: { action: 'ALLOW', rules: [{}] } };
  const intruder = { namespace: 'shop', serviceAccount: 'cart' };
  const gw = defaultGateway('gw-a');

  test('one rule per gateway port, from everyone but its sources, with fields a TCP connection has', () => {
    const app = buildApp(spec);
    const objects = synthObjects(app);
    const deny = objects.find((o) => o.kind === 'AuthorizationPolicy' && o.spec.action === 'DENY');
    // The gateway port of each service, read from its mesh route.
    const portOf = (host: string) => {
      const vs = objects.find((o) => o.kind === 'VirtualService' && o.spec.hosts.includes(host));
      return [...(vs.spec.http ?? []), ...(vs.spec.tls ?? []), ...(vs.spec.tcp ?? [])][0].route[0].destination.port.number;
    };
    const [stripePort, httpPort, dbPort] = ['api.stripe.com', 'www.example.com', 'db.gw-a.egress.internal'].map(portOf);
    expect(deny.spec.selector).toEqual({ matchLabels: { istio: 'gw-a' } });
    expect(deny.spec.rules).toEqual(expect.arrayContaining([
      { from: [{ source: { notPrincipals: ['cluster.local/ns/shop/sa/checkout'] } }], to: [{ operation: { ports: [String(stripePort)] } }] },
      { from: [{ source: { notNamespaces: ['ops'], notPrincipals: ['cluster.local/ns/shop/sa/checkout'] } }], to: [{ operation: { ports: [String(httpPort)] } }] },
      { from: [{ source: { notNamespaces: ['ops'], notPrincipals: ['cluster.local/ns/shop/sa/checkout'] } }], to: [{ operation: { ports: [String(dbPort)] } }] },
    ]));
    expect(deny.spec.rules).toHaveLength(3);
  });

  test('another ALLOW policy on the gateway widens nothing: the DENY policy still stops every other source, on HTTP, TLS and TCP', () => {
    const objects = [...synthObjects(buildApp(spec)), allowAll];
    expectAllAllowed(objects, spec);
    const requests = [
      { protocol: 'HTTPS' as const, host: 'api.stripe.com', port: 443 },
      { protocol: 'HTTP' as const, host: 'www.example.com', port: 80 },
      { protocol: 'TCP' as const, host: '8.8.8.8', port: 5432 },
    ];
    for (const request of requests) {
      expect(traceRoute(objects, gw, intruder, request)).toEqual({ ok: false, stage: 'authorization', reason: 'denied by a DENY policy' });
      // Without the guard, the other ALLOW policy lets the intruder through.
      const allowOnly = objects.filter((o) => !(o.kind === 'AuthorizationPolicy' && o.spec.action === 'DENY'));
      expect(traceRoute(allowOnly, gw, intruder, request)).toMatchObject({ ok: true });
    }
  });

  test('no DENY rule for a port that every namespace may use; dry run covers it', () => {
    const app = testApp();
    EgressRegistry.of(app).configure({ output: EgressOutput.ISTIO, istio: { authorizationDryRun: true } });
    const policy = new EgressTrafficPolicy(new Chart(app, 'c'), 'Egress', { gateway: 'gw-a' });
    policy.addRule().allowFrom(EgressSource.namespace('a')).allowTo(ExternalService.https('api', { hosts: ['api.example.com'] }));
    const deny = synthObjects(app).find((o) => o.kind === 'AuthorizationPolicy' && o.spec.action === 'DENY');
    expect(deny.metadata.annotations).toEqual({ 'istio.io/dry-run': 'true' });
  });
});

describe('6. gateway ports that stock gateway Services translate', () => {
  const spec: PolicySpec[] = [{ gateway: 'gw-a', rules: [{ sources: [{ namespace: 'team1' }], services: [{ name: 'web', protocol: 'HTTP', hosts: ['www.example.com'], port: 80, gatewayPort: 80 }] }] }];

  test('a warning when the App does not own the gateway Service; none when it does', () => {
    const app = buildApp(spec);
    synthObjects(app);
    const translated = EgressRegistry.of(app).warnings.filter((w) => w.code === 'ISTIO_GATEWAY_PORT_TRANSLATED');
    expect(translated.map((w) => w.field)).toEqual(['to[0].byEgressGateway.port']);
    expect(warningLines(app).join('\n')).toMatch(/gateway port 80: the stock egress gateway Service maps port 80 to container port 8080/);
    const owned = buildApp(spec, { gatewayService: true });
    synthObjects(owned);
    expect(EgressRegistry.of(owned).warnings.map((w) => w.code)).not.toContain('ISTIO_GATEWAY_PORT_TRANSLATED');
  });

  test('with the stock Service (80 -> 8080) the chain breaks at the gateway Service; with 80 -> 80 it holds', () => {
    const objects = synthObjects(buildApp(spec));
    const [r] = allowedRequests(spec);
    expect(traceRoute(objects, { ...r.gateway, servicePorts: [{ port: 80, targetPort: 8080 }] }, r.client, r.request, r.expect))
      .toMatchObject({ ok: false, stage: 'gateway-service' });
    const untranslated = { ...r.gateway, servicePorts: [{ port: 80, targetPort: 80 }] };
    expect(traceRoute(objects, untranslated, r.client, r.request, r.expect)).toMatchObject({ ok: true });
  });

  test('the warning offers the label that makes istiod ignore the stock Service\'s mapping, with which the chain holds', () => {
    const app = buildApp(spec);
    const objects = synthObjects(app);
    const [warning] = EgressRegistry.of(app).warnings.filter((w) => w.code === 'ISTIO_GATEWAY_PORT_TRANSLATED');
    expect(warning.message).toMatch(/or label that Service experimental\.istio\.io\/disable-gateway-port-translation: "true" \(experimental in Istio\)/);
    const [r] = allowedRequests(spec);
    const stock = { ...r.gateway, servicePorts: [{ port: 80, targetPort: 8080 }] };
    expect(traceRoute(objects, { ...stock, servicePortTranslationDisabled: true }, r.client, r.request, r.expect)).toMatchObject({ ok: true });
  });
});

describe('the gateway ports\' Services', () => {
  test('one named like another gateway\'s own Service in its namespace is refused', () => {
    const app = testApp();
    EgressRegistry.of(app).configure({ output: EgressOutput.ISTIO });
    const chart = new Chart(app, 'c');
    new EgressTrafficPolicy(chart, 'A', { gateway: 'gw-a', istio: { gatewayServiceName: 'egress', gatewayLabels: { gw: 'a' } } })
      .addRule('r').allowFrom(EgressSource.namespace('team1')).allowTo(ExternalService.https('api', { hosts: ['api.example.com'], gatewayPort: 10443 }));
    new EgressTrafficPolicy(chart, 'B', { gateway: 'gw-b', istio: { gatewayServiceName: 'egress-10443', gatewayLabels: { gw: 'b' } } })
      .addRule('r').allowFrom(EgressSource.namespace('team1')).allowTo(ExternalService.https('bank', { hosts: ['bank.example.com'], gatewayPort: 10444 }));
    expect(() => synthObjects(app)).toThrow(
      "[c/A] istio.gatewayServiceName: the Service of gateway port 10443 of gateway 'gw-a' is istio-system/egress-10443, the Service of gateway 'gw-b' (at c/B): give one of them another gatewayServiceName");
  });

  test('names past 63 characters are hashed and keep the port', () => {
    const spec: PolicySpec[] = [{ gateway: 'gw-a', rules: [{ sources: [{ namespace: 'team1' }], services: [{ name: 'api', protocol: 'HTTPS', hosts: ['api.example.com'], port: 443, gatewayPort: 10443 }] }] }];
    const objects = synthObjects(buildApp(spec, { gatewayServiceName: `egress-${'x'.repeat(56)}` }));
    const service = objects.find((o) => o.apiVersion === 'v1' && o.kind === 'Service');
    expect(service.metadata.name).toMatch(/^egress-x+-[0-9a-f]{8}-10443$/);
    expect(service.metadata.name.length).toBeLessThanOrEqual(63);
    expectAllAllowed(objects, spec, () => ({ ...defaultGateway('gw-a'), serviceName: `egress-${'x'.repeat(56)}` }));
  });
});
