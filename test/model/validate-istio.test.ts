import { Chart } from 'cdk8s';
import {
  EgressOutput, EgressRegistry, EgressSource, EgressTrafficPolicy, ExternalService, GatewayPortAllocation, Guardrail, GuardrailOverride,
  IstioOptions,
} from '../../src';
import { errorOf, synthError, synthObjects, testApp } from '../util/synth';

// What the Istio output cannot express is a synthesis error naming the construct and the field,
// never silently wrong YAML.

const team = EgressSource.namespace('team-a');
const api = ExternalService.https('api', { hosts: ['api.example.com'] });

function setup(istio?: IstioOptions, output = EgressOutput.ISTIO) {
  const app = testApp();
  EgressRegistry.of(app).configure({ output, istio });
  const chart = new Chart(app, 'platform');
  return { app, chart };
}


describe('routing that Istio cannot express', () => {
  test('a wildcard host', () => {
    const { app, chart } = setup();
    const wildcard = ExternalService.https('any', {
      hosts: ['*.example.com'], guardrailOverrides: [GuardrailOverride.allow(Guardrail.WILDCARD_HOST, 'test')],
    });
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule('r').allowFrom(team).allowTo(wildcard);
    expect(synthError(app)).toMatch(/\[platform\/Egress\/r\] to\[0\].hosts\[0\]: '\*.example.com' is a wildcard host: the Istio output routes every host through the egress gateway by its name/);
  });

  test('one host through two gateways, even on different ports', () => {
    const { app, chart } = setup();
    new EgressTrafficPolicy(chart, 'A', { gateway: 'gw-a' }).addRule('r').allowFrom(team).allowTo(api);
    new EgressTrafficPolicy(chart, 'B', { gateway: 'gw-b' }).addRule('r').allowFrom(team)
      .allowTo(ExternalService.http('api-http', { hosts: ['api.example.com'] }));
    expect(synthError(app)).toMatch(
      /\[platform\/B\/r\] to\[0\].hosts\[0\]: 'api.example.com' is also routed through gateway 'gw-a' \(at platform\/A\/r\); in the Istio output every port of a host must use one gateway/);
  });

  test('an address is matched per port: through two gateways on different ports, but not on the same', () => {
    const { app, chart } = setup();
    new EgressTrafficPolicy(chart, 'A', { gateway: 'gw-a' }).addRule('r').allowFrom(team).allowTo(ExternalService.tcp('pg', { hosts: ['8.8.4.4'], port: 5432 }));
    new EgressTrafficPolicy(chart, 'B', { gateway: 'gw-b' }).addRule('r').allowFrom(team).allowTo(ExternalService.tcp('ssh', { hosts: ['8.8.4.4'], port: 22 }));
    expect(synthObjects(app).filter((o) => o.kind === 'ServiceEntry')).toHaveLength(2);

    const clash = setup();
    new EgressTrafficPolicy(clash.chart, 'A', { gateway: 'gw-a' }).addRule('r').allowFrom(team).allowTo(ExternalService.tcp('pg', { hosts: ['8.8.4.4'], port: 5432 }));
    new EgressTrafficPolicy(clash.chart, 'B', { gateway: 'gw-b' }).addRule('r').allowFrom(team).allowTo(ExternalService.tcp('pg2', { hosts: ['8.8.4.4'], port: 5432 }));
    expect(synthError(clash.app)).toMatch(
      /\[platform\/B\/r\] to\[0\].hosts\[0\]: 8.8.4.4:5432 is also routed through gateway 'gw-a' \(at platform\/A\/r\); a sidecar sends one address and port to one place/);
  });

  test('one host and port in two services of a gateway', () => {
    const { app, chart } = setup();
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' });
    policy.addRule('one').allowFrom(team).allowTo(ExternalService.https('a', { hosts: ['x.example.com', 'y.example.com'] }));
    policy.addRule('two').allowFrom(team).allowTo(ExternalService.https('b', { hosts: ['y.example.com'] }));
    expect(synthError(app)).toMatch(
      /\[platform\/Egress\/two\] to\[0\].hosts\[0\]: y.example.com:443 is also declared by service 'a' \(at platform\/Egress\/one\) on gateway 'gw-a'; the Istio output routes one host and port to one service/);
  });

  test('one host in two HTTP services that share a gateway port; separate gateway ports are fine', () => {
    const { app, chart } = setup();
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule('r').allowFrom(team).allowTo(
      ExternalService.http('web', { hosts: ['web.example.com'] }),
      ExternalService.http('web-alt', { hosts: ['web.example.com'], port: 8080 }),
    );
    expect(synthError(app)).toMatch(
      /\[platform\/Egress\/r\] to\[1\].hosts\[0\]: 'web.example.com' is also served by HTTP service 'web' \(port 80, at platform\/Egress\/r\) on gateway port \d+; the gateway routes HTTP on one port by host name only/);

    const fixed = setup();
    new EgressTrafficPolicy(fixed.chart, 'Egress', { gateway: 'gw-a' }).addRule('r').allowFrom(team).allowTo(
      ExternalService.http('web', { hosts: ['web.example.com'] }),
      ExternalService.http('web-alt', { hosts: ['web.example.com'], port: 8080, gatewayPort: 18080 }),
    );
    expect(synthObjects(fixed.app).filter((o) => o.kind === 'Gateway')[0].spec.servers).toHaveLength(2);
  });

  test('a TCP service known by name takes its port on every sidecar', () => {
    const { app, chart } = setup();
    new EgressTrafficPolicy(chart, 'A', { gateway: 'gw-a' }).addRule('r').allowFrom(team)
      .allowTo(ExternalService.tcp('pg', { hosts: ['pg.example.com'], port: 5432 }));
    new EgressTrafficPolicy(chart, 'B', { gateway: 'gw-b' }).addRule('r').allowFrom(team)
      .allowTo(ExternalService.tcp('pg-ip', { hosts: ['8.8.4.4'], port: 5432 }), ExternalService.tls('pg-tls', { hosts: ['pg2.example.com'], port: 5432 }));
    const error = synthError(app);
    expect(error).toMatch(/\[platform\/A\/r\] to\[0\].port.number: TCP service 'pg' has host names but no address, so sidecars send everything on port 5432 to it; 'pg-ip' \(at platform\/B\/r\) also uses port 5432/);
    expect(error.match(/port.number/g)).toHaveLength(1);
  });
});

describe('gateways and outputs', () => {
  test('two gateways with one Service, or with selectors that can select the same pods', () => {
    const { app, chart } = setup();
    new EgressTrafficPolicy(chart, 'A', { gateway: 'gw-a', istio: { gatewayServiceName: 'egress', gatewayLabels: { app: 'egress' } } }).addRule().allowFrom(team).allowTo(api);
    new EgressTrafficPolicy(chart, 'B', { gateway: 'gw-b', istio: { gatewayServiceName: 'egress', gatewayLabels: { app: 'egress', tier: 'b' } } })
      .addRule().allowFrom(team).allowTo(ExternalService.https('other', { hosts: ['other.example.com'] }));
    const error = synthError(app);
    expect(error).toMatch(/\[platform\/B\] istio.gatewayServiceName: gateway 'gw-b' and gateway 'gw-a' \(at platform\/A\) both use Service istio-system\/egress/);
    expect(error).toMatch(/\[platform\/B\] istio.gatewayLabels: the pods of gateway 'gw-b' and of gateway 'gw-a' \(at platform\/A\) can carry the same labels in namespace istio-system, so their Gateways and AuthorizationPolicies would apply to each other's pods: give each gateway labels of its own/);
  });

  test('gateway labels are compared across namespaces: a Gateway selects pods of every namespace', () => {
    const { app, chart } = setup();
    new EgressTrafficPolicy(chart, 'A', { gateway: 'gw-a', istio: { gatewayNamespace: 'egress-a', gatewayLabels: { istio: 'egressgateway' } } }).addRule().allowFrom(team).allowTo(api);
    new EgressTrafficPolicy(chart, 'B', { gateway: 'gw-b', istio: { gatewayNamespace: 'egress-b', gatewayLabels: { istio: 'egressgateway', team: 'b' } } })
      .addRule().allowFrom(team).allowTo(ExternalService.https('other', { hosts: ['other.example.com'] }));
    const error = synthError(app);
    expect(error).toContain("[platform/B] istio.gatewayLabels: the pods of gateway 'gw-b' and of gateway 'gw-a' (at platform/A) can carry the same labels "
      + "in namespaces egress-b and egress-a: a Gateway's selector matches pods of every namespace (unless istiod runs with PILOT_SCOPE_GATEWAY_TO_NAMESPACE=true), "
      + "so each gateway's pods would also serve the other's Gateway: give each gateway labels of its own");
    // A Service is namespaced: one name in two namespaces is two Services.
    expect(error).not.toMatch(/gatewayServiceName/);

    const distinct = setup();
    new EgressTrafficPolicy(distinct.chart, 'A', { gateway: 'gw-a', istio: { gatewayNamespace: 'egress-a', gatewayLabels: { istio: 'egressgateway', team: 'a' } } })
      .addRule().allowFrom(team).allowTo(api);
    new EgressTrafficPolicy(distinct.chart, 'B', { gateway: 'gw-b', istio: { gatewayNamespace: 'egress-b', gatewayLabels: { istio: 'egressgateway', team: 'b' } } })
      .addRule().allowFrom(team).allowTo(ExternalService.https('other', { hosts: ['other.example.com'] }));
    expect(synthObjects(distinct.app).filter((o) => o.kind === 'Gateway').map((o) => o.metadata.namespace)).toEqual(['egress-a', 'egress-b']);
  });

  test('ports allocated by ASM cannot be written into Istio objects', () => {
    const { app, chart } = setup();
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a', portAllocation: GatewayPortAllocation.ASM }).addRule().allowFrom(team).allowTo(api);
    expect(synthError(app)).toMatch(/\[platform\/Egress\] portAllocation: the Istio output needs every gateway port, but ASM allocates the ports of gateway 'gw-a' at run time/);
  });

  test.each([
    [EgressOutput.ASM, { gatewayService: true }, /istio.gatewayService: the gateway Service belongs to the open-source Istio output, and this policy's output is ASM/],
    [EgressOutput.ISTIO, { istioGateway: true }, /istio.istioGateway: ASM's IstioGateway belongs to the ASM output, and this policy's output is ISTIO/],
  ])('with output %s, %j is refused', (output, istio, message) => {
    const { app, chart } = setup(istio, output);
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule().allowFrom(team).allowTo(api);
    expect(synthError(app)).toMatch(message);
  });

  test('an IstioGateway cannot list ports that ASM allocates', () => {
    const { app, chart } = setup({ istioGateway: true }, EgressOutput.ASM);
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a', portAllocation: GatewayPortAllocation.ASM }).addRule().allowFrom(team).allowTo(api);
    expect(synthError(app)).toMatch(/\[platform\/Egress\] istio.istioGateway: ASM allocates the ports of gateway 'gw-a' at run time, so they cannot be listed in its IstioGateway/);
  });

  test('invalid options fail at construction, each with its field', () => {
    const { chart } = setup();
    let n = 0;
    const make = () => new EgressTrafficPolicy(chart, `Egress${n++}`, {
      gateway: 'gw-a',
      istio: { gatewayNamespace: 'Istio_System', gatewayServiceName: '', gatewayLabels: {}, trustDomain: 'bad domain', sidecarEgressHosts: ['istio-system', './Bad_Host'] },
    });
    expect(make).toThrow(/^EgressTrafficPolicy platform\/Egress0 is invalid:/);
    const message = (() => {
      try { make(); } catch (e) { return (e as Error).message; }
      return '';
    })();
    expect(message.split('\n').slice(1).map((l) => l.trim().split(':')[0])).toEqual([
      'istio.gatewayNamespace', 'istio.gatewayServiceName', 'istio.gatewayLabels', 'istio.trustDomain',
      'istio.sidecarEgressHosts[0]', 'istio.sidecarEgressHosts[1]',
    ]);
    expect(message).toMatch(/istio.gatewayLabels: must select the gateway's pods: give at least one label/);
    expect(message).toMatch(/istio.sidecarEgressHosts\[0\]: 'istio-system' is not of the form <namespace>\/<host>/);
  });

  test('NetworkPolicy destinations and the mesh root namespace are checked at construction, each with its field', () => {
    const { chart } = setup();
    const message = errorOf(() => new EgressTrafficPolicy(chart, 'Egress', {
      gateway: 'gw-a',
      istio: {
        networkPolicy: true,
        networkPolicyDns: {},
        networkPolicyControlPlane: { podLabels: { 'app': 'istiod', 'bad key!': 'x' }, ipBlocks: ['10.0.0.1', '0.0.0.0/0', '::/0', '10.0.0.0/33', 'fd00::/64'] },
        meshRootNamespace: 'Istio_Root',
      },
    }));
    expect(message.split('\n').slice(1).map((l) => l.trim())).toEqual([
      'istio.networkPolicyDns: give the destination pods (namespace and podLabels), ipBlocks, or both',
      'istio.networkPolicyControlPlane.namespace: podLabels select pods in a namespace: give it',
      "istio.networkPolicyControlPlane.podLabels.bad key!: label key 'bad key!' is invalid: its name must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
      "istio.networkPolicyControlPlane.ipBlocks[0]: '10.0.0.1' is not a CIDR block (an IP address and a prefix length, e.g. '10.0.0.10/32' or 'fd00::a/128')",
      "istio.networkPolicyControlPlane.ipBlocks[1]: '0.0.0.0/0' is every address, which would let pods that bypass their sidecar reach any host on this port: name the destination's addresses",
      "istio.networkPolicyControlPlane.ipBlocks[2]: '::/0' is every address, which would let pods that bypass their sidecar reach any host on this port: name the destination's addresses",
      "istio.networkPolicyControlPlane.ipBlocks[3]: '10.0.0.0/33' is not a CIDR block (an IP address and a prefix length, e.g. '10.0.0.10/32' or 'fd00::a/128')",
      "istio.meshRootNamespace: 'Istio_Root' is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)",
    ]);
    expect(errorOf(() => new EgressTrafficPolicy(chart, 'Egress2', { gateway: 'gw-b', istio: { networkPolicyDns: { namespace: 'kube-system', podLabels: {} } } })))
      .toMatch(/istio.networkPolicyDns.podLabels: select the destination pods in namespace 'kube-system': give at least one label/);
  });

  test('App options apply field by field under the policy\'s own', () => {
    const { app, chart } = setup({ gatewayNamespace: 'egress-gw', gatewayLabels: { istio: 'egress' } });
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a', istio: { gatewayLabels: { app: 'gw-a' } } }).addRule().allowFrom(team).allowTo(api);
    const gateway = synthObjects(app).find((o) => o.kind === 'Gateway');
    expect(gateway.metadata.namespace).toBe('egress-gw');
    expect(gateway.spec.selector).toEqual({ app: 'gw-a' });
  });
});

describe('workload selectors that Sidecars cannot enforce', () => {
  test('two selectors of a namespace that can select the same pod', () => {
    const { app, chart } = setup();
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' });
    policy.addRule('one').allowFrom(EgressSource.namespace('shop', { workloadSelector: { app: 'cart' } })).allowTo(api);
    policy.addRule('two').allowFrom(EgressSource.namespace('shop', { workloadSelector: { tier: 'web' } })).allowTo(api);
    policy.addRule('three').allowFrom(EgressSource.namespace('shop', { workloadSelector: { app: 'checkout', tier: 'api' } })).allowTo(api);
    const error = synthError(app);
    expect(error).toMatch(
      /\[platform\/Egress\/two\] from\[0\].workloadSelector: workloadSelector \{tier: web\} and workloadSelector \{app: cart\} \(at platform\/Egress\/one\) can select the same pod of namespace 'shop'/);
    expect(error).not.toMatch(/Egress\/three\]/);
  });

  test('a source of every namespace cannot have its selector enforced, nor a NetworkPolicy', () => {
    const { app, chart } = setup({ networkPolicy: true });
    const everywhere = EgressSource.allNamespaces({
      workloadSelector: { app: 'crawler' }, guardrailOverrides: [GuardrailOverride.allow(Guardrail.MESH_WIDE_SOURCE, 'test')],
    });
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule('r').allowFrom(everywhere).allowTo(api);
    const error = synthError(app);
    expect(error).toMatch(/\[platform\/Egress\/r\] from\[0\].workloadSelector: a source of every namespace cannot have its workloadSelector enforced: Sidecars are per namespace/);
    expect(error).toMatch(/\[platform\/Egress\/r\] from\[0\].namespace: a NetworkPolicy belongs to one namespace, so a source of every namespace cannot have one \(istio.networkPolicy\)/);
  });

  test('a selector source in the mesh root namespace, where the Sidecar for the rest of the namespace would be the whole mesh\'s default', () => {
    const message = "from[0].workloadSelector: namespace 'istio-system' is the mesh's root namespace (istio.meshRootNamespace), "
      + "where the Sidecar without selector that keeps this selector's hosts from the rest of the namespace would become the default Sidecar of every namespace "
      + 'without one of its own, cutting the whole mesh off from everything it does not list: run the workloads in another namespace, '
      + 'identify them by serviceAccountName instead of a workloadSelector, or set istio.enforceWorkloadSelectors to false';
    const { app, chart } = setup();
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule('r').allowFrom(EgressSource.namespace('istio-system', { workloadSelector: { app: 'x' } })).allowTo(api);
    const error = synthError(app);
    expect(error).toContain(`[platform/Egress/r] ${message}`);
    expect(error.split('\n').filter((l) => l.includes('['))).toHaveLength(1);

    // By service account, or without enforcement, there is no Sidecar to refuse.
    for (const [source, istio] of [
      [EgressSource.namespace('istio-system', { serviceAccountName: 'x' }), {}],
      [EgressSource.namespace('istio-system', { workloadSelector: { app: 'x' } }), { enforceWorkloadSelectors: false }],
    ] as const) {
      const ok = setup(istio);
      new EgressTrafficPolicy(ok.chart, 'Egress', { gateway: 'gw-a' }).addRule('r').allowFrom(source).allowTo(api);
      expect(synthObjects(ok.app).filter((o) => o.kind === 'Sidecar')).toEqual([]);
    }
  });

  test('the mesh root namespace is configurable; a value of any policy counts', () => {
    const { app, chart } = setup({ meshRootNamespace: 'mesh-root' });
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule('r').allowFrom(EgressSource.namespace('istio-system', { workloadSelector: { app: 'x' } })).allowTo(api);
    expect(synthObjects(app).filter((o) => o.kind === 'Sidecar').map((o) => [o.metadata.namespace, o.spec.workloadSelector])).toEqual([
      ['istio-system', undefined],
      ['istio-system', { labels: { app: 'x' } }],
    ]);

    const other = setup({ meshRootNamespace: 'mesh-root' });
    new EgressTrafficPolicy(other.chart, 'A', { gateway: 'gw-a' }).addRule('r').allowFrom(EgressSource.namespace('mesh-root', { workloadSelector: { app: 'x' } })).allowTo(api);
    new EgressTrafficPolicy(other.chart, 'B', { gateway: 'gw-b', istio: { meshRootNamespace: 'istio-system' } }).addRule('r')
      .allowFrom(EgressSource.namespace('istio-system', { workloadSelector: { app: 'y' } })).allowTo(ExternalService.https('other', { hosts: ['other.example.com'] }));
    const error = synthError(other.app);
    expect(error).toContain("[platform/A/r] from[0].workloadSelector: namespace 'mesh-root' is the mesh's root namespace (istio.meshRootNamespace)");
    expect(error).toContain("[platform/B/r] from[0].workloadSelector: namespace 'istio-system' is the mesh's root namespace (istio.meshRootNamespace)");
  });

  test('Sidecar base hosts that show every egress host', () => {
    const { app, chart } = setup({ sidecarEgressHosts: ['./*', '*/*'] });
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule().allowFrom(EgressSource.namespace('shop', { workloadSelector: { app: 'cart' } })).allowTo(api);
    expect(synthError(app)).toMatch(
      /\[platform\/Egress\] istio.sidecarEgressHosts\[1\]: '\*\/\*' would let every workload of namespace 'shop' see the egress hosts in namespace 'istio-egress'/);
  });

  test('a selector-only source next to a broader source of the same host in its namespace', () => {
    const { app, chart } = setup();
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' });
    policy.addRule('cart').allowFrom(EgressSource.namespace('shop', { workloadSelector: { app: 'cart' } })).allowTo(api);
    policy.addRule('billing').allowFrom(EgressSource.namespace('shop', { serviceAccountName: 'billing' })).allowTo(api);
    expect(synthError(app)).toMatch(new RegExp(
      "\\[platform/Egress/cart\\] from\\[0\\]\\.workloadSelector: the gateway admits this source to 'api' by its namespace 'shop' alone, "
      + "but host api\\.example\\.com is also visible to the other pods of namespace 'shop' \\(through the source at platform/Egress/billing from\\[0\\]\\)"));
  });

  test('a selector with a service account next to another selector with the same service account and a host in common', () => {
    const { app, chart } = setup();
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' });
    const sa = (name: string) => EgressSource.namespace('shop', { workloadSelector: { app: name }, serviceAccountName: 'shop' });
    policy.addRule('cart').allowFrom(sa('cart')).allowTo(api);
    policy.addRule('search').allowFrom(sa('search')).allowTo(ExternalService.http('api-http', { hosts: ['api.example.com'] }));
    expect(synthError(app)).toMatch(new RegExp(
      "\\[platform/Egress/cart\\] from\\[0\\]\\.workloadSelector: the gateway admits this source to 'api' by its service account 'shop' alone, "
      + 'but host api\\.example\\.com is also visible to the pods of workloadSelector \\{app: search\\} \\(through the source at platform/Egress/search from\\[0\\]\\), '
      + 'so those that run as \'shop\' would pass the gateway too'));
  });

  test('selectors are fine with hosts of their own, or with service accounts of their own', () => {
    for (const [cartSa, searchSa, searchHost] of [['shop', 'shop', 'search.example.com'], ['cart', 'search', 'api.example.com']]) {
      const { app, chart } = setup();
      const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' });
      policy.addRule('cart').allowFrom(EgressSource.namespace('shop', { workloadSelector: { app: 'cart' }, serviceAccountName: cartSa })).allowTo(api);
      policy.addRule('search').allowFrom(EgressSource.namespace('shop', { workloadSelector: { app: 'search' }, serviceAccountName: searchSa }))
        .allowTo(ExternalService.http('search', { hosts: [searchHost] }));
      expect(synthObjects(app).filter((o) => o.kind === 'Sidecar')).toHaveLength(3);
    }
  });

  test('the same mix is fine when the whole namespace may use the service anyway', () => {
    const { app, chart } = setup();
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' });
    policy.addRule('cart').allowFrom(EgressSource.namespace('shop', { workloadSelector: { app: 'cart' } })).allowTo(api);
    policy.addRule('billing').allowFrom(EgressSource.namespace('shop', { serviceAccountName: 'billing' })).allowTo(api);
    policy.addRule('all').allowFrom(EgressSource.namespace('shop')).allowTo(api);
    expect(synthObjects(app).filter((o) => o.kind === 'Sidecar')).toHaveLength(2);
  });
});
