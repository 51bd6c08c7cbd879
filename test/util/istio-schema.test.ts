import { istioSchemaErrors } from './istio-schema';

const NETWORKING_VERSIONS = ['networking.istio.io/v1', 'networking.istio.io/v1beta1'];
const SECURITY_VERSIONS = ['security.istio.io/v1', 'security.istio.io/v1beta1'];

/** Egress to httpbin.org through an egress gateway: the objects the library emits for open-source Istio. */
function serviceEntry(apiVersion: string): any {
  return {
    apiVersion,
    kind: 'ServiceEntry',
    metadata: { name: 'httpbin', namespace: 'istio-egress' },
    spec: {
      hosts: ['httpbin.org', 'www.httpbin.org'],
      location: 'MESH_EXTERNAL',
      resolution: 'DNS',
      ports: [
        { number: 80, name: 'http', protocol: 'HTTP' },
        { number: 443, name: 'https', protocol: 'HTTPS', targetPort: 443 },
      ],
      exportTo: ['*'],
    },
  };
}

function gateway(apiVersion: string): any {
  return {
    apiVersion,
    kind: 'Gateway',
    metadata: { name: 'egressgateway-a', namespace: 'istio-egress' },
    spec: {
      selector: { istio: 'egressgateway' },
      servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['httpbin.org'] }],
    },
  };
}

function destinationRule(apiVersion: string): any {
  return {
    apiVersion,
    kind: 'DestinationRule',
    metadata: { name: 'httpbin-upgrade', namespace: 'istio-egress' },
    spec: {
      host: 'httpbin.org',
      trafficPolicy: {
        portLevelSettings: [{ port: { number: 80 }, tls: { mode: 'SIMPLE', sni: 'httpbin.org' } }],
      },
      subsets: [{ name: 'egress', labels: { istio: 'egressgateway' } }],
    },
  };
}

function virtualService(apiVersion: string): any {
  return {
    apiVersion,
    kind: 'VirtualService',
    metadata: { name: 'httpbin', namespace: 'istio-egress' },
    spec: {
      hosts: ['httpbin.org'],
      gateways: ['mesh', 'egressgateway-a'],
      http: [
        {
          match: [{ gateways: ['mesh'], port: 80 }],
          route: [{ destination: { host: 'istio-egressgateway.istio-system.svc.cluster.local', port: { number: 80 } }, weight: 100 }],
        },
        {
          match: [{ gateways: ['egressgateway-a'], port: 80 }],
          route: [{ destination: { host: 'httpbin.org', port: { number: 443 } } }],
        },
      ],
    },
  };
}

function sidecar(apiVersion: string): any {
  return {
    apiVersion,
    kind: 'Sidecar',
    metadata: { name: 'default', namespace: 'mytest' },
    spec: {
      workloadSelector: { labels: { app: 'sleep-a' } },
      egress: [{ hosts: ['./*', 'istio-egress/*'] }],
      outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
    },
  };
}

function authorizationPolicy(apiVersion: string): any {
  return {
    apiVersion,
    kind: 'AuthorizationPolicy',
    metadata: { name: 'egressgateway-a', namespace: 'istio-egress' },
    spec: {
      selector: { matchLabels: { istio: 'egressgateway' } },
      action: 'ALLOW',
      rules: [
        {
          from: [{ source: { namespaces: ['mytest'] } }],
          to: [{ operation: { hosts: ['httpbin.org'], ports: ['80'] } }],
        },
      ],
    },
  };
}

const VALID: Array<[string, any]> = [
  ...NETWORKING_VERSIONS.flatMap((v): Array<[string, any]> => [
    [`${v} ServiceEntry`, serviceEntry(v)],
    [`${v} Gateway`, gateway(v)],
    [`${v} DestinationRule`, destinationRule(v)],
    [`${v} VirtualService`, virtualService(v)],
    [`${v} Sidecar`, sidecar(v)],
  ]),
  ...SECURITY_VERSIONS.map((v): [string, any] => [`${v} AuthorizationPolicy`, authorizationPolicy(v)]),
];

describe('istioSchemaErrors', () => {
  test.each(VALID)('accepts a correct %s', (_name, object) => {
    expect(istioSchemaErrors([object])).toEqual([]);
  });

  test('accepts all of them in one call, and an empty list', () => {
    expect(istioSchemaErrors(VALID.map(([, object]) => object))).toEqual([]);
    expect(istioSchemaErrors([])).toEqual([]);
  });

  test.each([
    {
      name: 'a ServiceEntry port number given as a string',
      object: (() => {
        const se = serviceEntry('networking.istio.io/v1');
        se.spec.ports[0].number = '80';
        return se;
      })(),
      expected: ['ServiceEntry/httpbin: /spec/ports/0/number must be integer'],
    },
    {
      name: 'a ServiceEntry whose hosts is a string, not a list',
      object: { ...serviceEntry('networking.istio.io/v1beta1'), spec: { ...serviceEntry('networking.istio.io/v1beta1').spec, hosts: 'httpbin.org' } },
      expected: ['ServiceEntry/httpbin: /spec/hosts must be array'],
    },
    {
      name: 'a ServiceEntry without hosts',
      object: (() => {
        const se = serviceEntry('networking.istio.io/v1');
        delete se.spec.hosts;
        return se;
      })(),
      expected: ['ServiceEntry/httpbin: /spec must have required property hosts'],
    },
    {
      name: 'a ServiceEntry port without a name',
      object: (() => {
        const se = serviceEntry('networking.istio.io/v1');
        delete se.spec.ports[1].name;
        return se;
      })(),
      expected: ['ServiceEntry/httpbin: /spec/ports/1 must have required property name'],
    },
    {
      name: 'a ServiceEntry with an unknown resolution',
      object: { ...serviceEntry('networking.istio.io/v1'), spec: { ...serviceEntry('networking.istio.io/v1').spec, resolution: 'dns' } },
      expected: [expect.stringMatching(/^ServiceEntry\/httpbin: \/spec\/resolution must be equal to one of the allowed values \(.*"DNS".*\)$/)],
    },
    {
      name: 'a VirtualService whose http is not an array',
      object: { ...virtualService('networking.istio.io/v1'), spec: { ...virtualService('networking.istio.io/v1').spec, http: virtualService('networking.istio.io/v1').spec.http[0] } },
      expected: ['VirtualService/httpbin: /spec/http must be array'],
    },
    {
      name: 'a VirtualService route weight given as a string',
      object: (() => {
        const vs = virtualService('networking.istio.io/v1beta1');
        vs.spec.http[0].route[0].weight = '100';
        return vs;
      })(),
      expected: ['VirtualService/httpbin: /spec/http/0/route/0/weight must be integer'],
    },
    {
      name: 'a Gateway server without a port',
      object: (() => {
        const gw = gateway('networking.istio.io/v1');
        delete gw.spec.servers[0].port;
        return gw;
      })(),
      expected: ['Gateway/egressgateway-a: /spec/servers/0 must have required property port'],
    },
    {
      name: 'a DestinationRule with an unknown TLS mode',
      object: (() => {
        const dr = destinationRule('networking.istio.io/v1');
        dr.spec.trafficPolicy.portLevelSettings[0].tls.mode = 'ORIGINATE';
        return dr;
      })(),
      expected: [expect.stringMatching(/^DestinationRule\/httpbin-upgrade: \/spec\/trafficPolicy\/portLevelSettings\/0\/tls\/mode must be equal to one of the allowed values/)],
    },
    {
      name: 'a Sidecar egress listener without hosts',
      object: (() => {
        const sc = sidecar('networking.istio.io/v1');
        delete sc.spec.egress[0].hosts;
        return sc;
      })(),
      expected: ['Sidecar/default: /spec/egress/0 must have required property hosts'],
    },
    {
      name: 'an AuthorizationPolicy with an unknown action',
      object: { ...authorizationPolicy('security.istio.io/v1'), spec: { ...authorizationPolicy('security.istio.io/v1').spec, action: 'PERMIT' } },
      expected: [expect.stringMatching(/^AuthorizationPolicy\/egressgateway-a: \/spec\/action must be equal to one of the allowed values/)],
    },
    {
      // Only some of Istio's CRDs require spec (ServiceEntry does; DestinationRule, for one, does not).
      name: 'a ServiceEntry without spec',
      object: { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'empty' } },
      expected: ['ServiceEntry/empty: / must have required property spec'],
    },
    {
      name: 'a label value that is not a string',
      object: { ...sidecar('networking.istio.io/v1'), metadata: { name: 'default', labels: { tier: 1 } } },
      expected: ['Sidecar/default: /metadata/labels/tier must be string'],
    },
  ])('rejects $name', ({ object, expected }) => {
    expect(istioSchemaErrors([object])).toEqual(expected);
  });

  test('rejects a kind it has no schema for', () => {
    const errors = istioSchemaErrors([{ apiVersion: 'networking.istio.io/v1', kind: 'Telescope', metadata: { name: 'hubble' }, spec: {} }]);
    expect(errors).toEqual([expect.stringMatching(/^Telescope\/hubble: no schema for apiVersion "networking.istio.io\/v1" kind "Telescope"/)]);
  });

  test('rejects a known kind at an apiVersion it has no schema for', () => {
    const errors = istioSchemaErrors([{ ...serviceEntry('networking.istio.io/v1alpha3') }]);
    expect(errors).toEqual([expect.stringMatching(/^ServiceEntry\/httpbin: no schema for apiVersion "networking.istio.io\/v1alpha3"/)]);
  });

  test('rejects something that is not an object', () => {
    expect(istioSchemaErrors([null, 'ServiceEntry'])).toEqual([
      '<no kind>/<no name>: not a Kubernetes object: null',
      '<no kind>/<no name>: not a Kubernetes object: "ServiceEntry"',
    ]);
  });

  test('attributes each error to its object and reports every error of an object', () => {
    const bad = serviceEntry('networking.istio.io/v1');
    bad.metadata.name = 'bad';
    bad.spec.ports[0].number = '80';
    bad.spec.ports[1].protocol = 443;
    const errors = istioSchemaErrors([gateway('networking.istio.io/v1'), bad, { kind: 'Mystery', metadata: { name: 'm' } }, sidecar('networking.istio.io/v1beta1')]);
    expect(errors).toEqual([
      'ServiceEntry/bad: /spec/ports/0/number must be integer',
      'ServiceEntry/bad: /spec/ports/1/protocol must be string',
      expect.stringMatching(/^Mystery\/m: no schema for apiVersion undefined kind "Mystery"/),
    ]);
  });
});
