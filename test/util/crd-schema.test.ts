import { crdSchemaErrors, Schema, schemaErrors } from './crd-schema';

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

/** A copy of an object, changed by `edit`. */
function edited(object: any, edit: (o: any) => void): any {
  const copy = JSON.parse(JSON.stringify(object));
  edit(copy);
  return copy;
}

const SE = serviceEntry('networking.istio.io/v1');
const DR = destinationRule('networking.istio.io/v1');
const AP = authorizationPolicy('security.istio.io/v1');

describe('crdSchemaErrors', () => {
  test.each(VALID)('accepts a correct %s', (_name, object) => {
    expect(crdSchemaErrors([object])).toEqual([]);
  });

  test('accepts all of them in one call, and an empty list', () => {
    expect(crdSchemaErrors(VALID.map(([, object]) => object))).toEqual([]);
    expect(crdSchemaErrors([])).toEqual([]);
  });

  test.each<[string, any]>([
    ['metadata at the limits the API server allows', edited(SE, (se) => {
      se.metadata.name = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
      se.metadata.namespace = 'n'.repeat(63);
      se.metadata.labels = { 'app.kubernetes.io/name': 'httpbin', 'empty': '', 'x': 'A_b.c-9' };
      se.metadata.annotations = { 'Example.COM/Reviewed': 'yes, by the platform team', 'note': 'x'.repeat(1000) };
    })],
    ['a name with dots, and no namespace', edited(SE, (se) => {
      se.metadata.name = 'httpbin.org-80';
      delete se.metadata.namespace;
    })],
    ['fields under status, which keeps unknown fields', { ...SE, status: { observedGeneration: 1, anything: { at: ['all'] } } }],
    ['durations of at least 1ms and workload selector labels', edited(DR, (dr) => {
      dr.spec.trafficPolicy.connectionPool = { tcp: { connectTimeout: '1ms' }, http: { idleTimeout: '1h' } };
      dr.spec.workloadSelector = { matchLabels: { app: 'sleep', version: '' } };
    })],
    ['ServiceEntry endpoints, a Unix domain socket without ports and a CIDR with resolution NONE', edited(SE, (se) => {
      se.spec.resolution = 'STATIC';
      se.spec.endpoints = [{ address: '10.0.0.1', ports: { 'http': 8080, 'https-2': 8443 } }, { address: 'unix:///var/run/egress.sock' }];
      delete se.spec.ports[1].targetPort;
    })],
    ['an AuthorizationPolicy source with service accounts only', edited(AP, (ap) => {
      ap.spec.rules[0].from = [{ source: { serviceAccounts: ['mytest/sleep'] } }];
    })],
  ])('accepts %s', (_name, object) => {
    expect(crdSchemaErrors([object])).toEqual([]);
  });

  describe('the OpenAPI schema', () => {
    test.each([
      {
        name: 'a ServiceEntry port number given as a string',
        object: edited(SE, (se) => se.spec.ports[0].number = '80'),
        expected: ['ServiceEntry/httpbin: /spec/ports/0/number must be integer'],
      },
      {
        name: 'a ServiceEntry whose hosts is a string, not a list',
        object: edited(serviceEntry('networking.istio.io/v1beta1'), (se) => se.spec.hosts = 'httpbin.org'),
        expected: ['ServiceEntry/httpbin: /spec/hosts must be array'],
      },
      {
        name: 'a ServiceEntry without hosts',
        object: edited(SE, (se) => delete se.spec.hosts),
        expected: ['ServiceEntry/httpbin: /spec must have required property \'hosts\''],
      },
      {
        name: 'a ServiceEntry port without a name',
        object: edited(SE, (se) => delete se.spec.ports[1].name),
        expected: ['ServiceEntry/httpbin: /spec/ports/1 must have required property \'name\''],
      },
      {
        name: 'a ServiceEntry with an unknown resolution',
        object: edited(SE, (se) => se.spec.resolution = 'dns'),
        expected: [expect.stringMatching(/^ServiceEntry\/httpbin: \/spec\/resolution must be equal to one of the allowed values \(.*"DNS".*\)$/)],
      },
      {
        name: 'a ServiceEntry address longer than 64 characters',
        object: edited(SE, (se) => se.spec.addresses = ['a'.repeat(65)]),
        expected: ['ServiceEntry/httpbin: /spec/addresses/0 must NOT have more than 64 characters'],
      },
      {
        name: 'a VirtualService whose http is not an array',
        object: edited(virtualService('networking.istio.io/v1'), (vs) => vs.spec.http = vs.spec.http[0]),
        expected: ['VirtualService/httpbin: /spec/http must be array'],
      },
      {
        name: 'a VirtualService route weight given as a string',
        object: edited(virtualService('networking.istio.io/v1beta1'), (vs) => vs.spec.http[0].route[0].weight = '100'),
        expected: ['VirtualService/httpbin: /spec/http/0/route/0/weight must be integer'],
      },
      {
        name: 'a VirtualService route weight beyond int32',
        object: edited(virtualService('networking.istio.io/v1'), (vs) => vs.spec.http[0].route[0].weight = 2 ** 31),
        expected: ['VirtualService/httpbin: /spec/http/0/route/0/weight must match format "int32"'],
      },
      {
        name: 'a Gateway server without a port',
        object: edited(gateway('networking.istio.io/v1'), (gw) => delete gw.spec.servers[0].port),
        expected: ['Gateway/egressgateway-a: /spec/servers/0 must have required property \'port\''],
      },
      {
        name: 'a DestinationRule with an unknown TLS mode',
        object: edited(DR, (dr) => dr.spec.trafficPolicy.portLevelSettings[0].tls.mode = 'ORIGINATE'),
        expected: [expect.stringMatching(/^DestinationRule\/httpbin-upgrade: \/spec\/trafficPolicy\/portLevelSettings\/0\/tls\/mode must be equal to one of the allowed values/)],
      },
      {
        name: 'a DestinationRule with two load balancers (a oneOf of the schema)',
        object: edited(DR, (dr) => dr.spec.trafficPolicy.loadBalancer = { simple: 'ROUND_ROBIN', consistentHash: { httpHeaderName: 'x-user' } }),
        expected: ['DestinationRule/httpbin-upgrade: /spec/trafficPolicy/loadBalancer must set at most one of simple, consistentHash'],
      },
      {
        name: 'a Sidecar egress listener without hosts',
        object: edited(sidecar('networking.istio.io/v1'), (sc) => delete sc.spec.egress[0].hosts),
        expected: ['Sidecar/default: /spec/egress/0 must have required property \'hosts\''],
      },
      {
        name: 'an AuthorizationPolicy with an unknown action',
        object: edited(AP, (ap) => ap.spec.action = 'PERMIT'),
        expected: [expect.stringMatching(/^AuthorizationPolicy\/egressgateway-a: \/spec\/action must be equal to one of the allowed values/)],
      },
      {
        // Only some of Istio's CRDs require spec (ServiceEntry does; DestinationRule, for one, does not).
        name: 'a ServiceEntry without spec',
        object: { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'empty' } },
        expected: ['ServiceEntry/empty: / must have required property \'spec\''],
      },
      {
        name: 'an object without metadata',
        object: { apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', spec: {} },
        expected: ['Sidecar/<no name>: / must have required property \'metadata\''],
      },
      {
        name: 'a label value that is not a string',
        object: { ...sidecar('networking.istio.io/v1'), metadata: { name: 'default', labels: { tier: 1 } } },
        expected: ['Sidecar/default: /metadata/labels/tier must be string'],
      },
    ])('rejects $name', ({ object, expected }) => {
      expect(crdSchemaErrors([object])).toEqual(expected);
    });
  });

  // The API server prunes them: the YAML would not do what it says.
  describe('fields the schema does not declare', () => {
    test.each([
      ['at the top', edited(SE, (se) => se.specs = {}), '/specs'],
      ['in spec', edited(SE, (se) => se.spec.hostz = ['httpbin.org']), '/spec/hostz'],
      ['in a list entry', edited(SE, (se) => se.spec.ports[0].targetport = 8080), '/spec/ports/0/targetport'],
      ['deep down', edited(DR, (dr) => dr.spec.trafficPolicy.portLevelSettings[0].tls.sni_name = 'x'), '/spec/trafficPolicy/portLevelSettings/0/tls/sni_name'],
      ['in metadata', edited(SE, (se) => se.metadata.label = { app: 'x' }), '/metadata/label'],
    ])('rejects one %s', (_where, object, path) => {
      expect(crdSchemaErrors([object])).toEqual([`${object.kind}/${object.metadata.name}: ${path} is not a field of the schema: the API server would drop it`]);
    });
  });

  describe('metadata', () => {
    const SUBDOMAIN = 'is not a lowercase RFC 1123 subdomain (lower case alphanumeric characters, \'-\' or \'.\', starting and ending with an alphanumeric character, at most 253 characters)';
    const LABEL = 'is not a lowercase RFC 1123 label (lower case alphanumeric characters or \'-\', starting and ending with an alphanumeric character, at most 63 characters)';
    const QUALIFIED = 'is not a qualified name (an optional DNS subdomain prefix and \'/\', then at most 63 alphanumeric characters, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric character)';
    const LABEL_VALUE = 'is not a label value (empty, or at most 63 alphanumeric characters, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric character)';

    test.each<[string, (meta: any) => void, string]>([
      ['no name', (m) => delete m.name, '/metadata must have name or generateName'],
      ['an upper-case name', (m) => m.name = 'HttpBin', `/metadata/name "HttpBin" ${SUBDOMAIN}`],
      ['a name with an underscore', (m) => m.name = 'http_bin', `/metadata/name "http_bin" ${SUBDOMAIN}`],
      ['a name that ends with a dash', (m) => m.name = 'httpbin-', `/metadata/name "httpbin-" ${SUBDOMAIN}`],
      ['an empty name', (m) => m.name = '', `/metadata/name "" ${SUBDOMAIN}`],
      ['a name of 254 characters', (m) => m.name = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`, `/metadata/name "${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}" ${SUBDOMAIN}`],
      ['a namespace with a dot', (m) => m.namespace = 'istio.egress', `/metadata/namespace "istio.egress" ${LABEL}`],
      ['a namespace of 64 characters', (m) => m.namespace = 'n'.repeat(64), `/metadata/namespace "${'n'.repeat(64)}" ${LABEL}`],
      ['a label key that starts with a dash', (m) => m.labels = { '-app': 'x' }, `/metadata/labels key "-app" ${QUALIFIED}`],
      ['a label key with two slashes', (m) => m.labels = { 'a/b/c': 'x' }, `/metadata/labels key "a/b/c" ${QUALIFIED}`],
      ['a label key with an upper-case prefix', (m) => m.labels = { 'Example.com/app': 'x' }, `/metadata/labels key "Example.com/app" ${QUALIFIED}`],
      ['a label key of 64 characters', (m) => m.labels = { ['k'.repeat(64)]: 'x' }, `/metadata/labels key "${'k'.repeat(64)}" ${QUALIFIED}`],
      ['a label value with a slash', (m) => m.labels = { 'app.kubernetes.io/name': 'x/y' }, `/metadata/labels/app.kubernetes.io~1name "x/y" ${LABEL_VALUE}`],
      ['a label value of 64 characters', (m) => m.labels = { app: 'v'.repeat(64) }, `/metadata/labels/app "${'v'.repeat(64)}" ${LABEL_VALUE}`],
      ['an annotation key with a space', (m) => m.annotations = { 'reviewed by': 'x' }, `/metadata/annotations key "reviewed by" ${QUALIFIED}`],
      ['annotations over 256 KiB', (m) => m.annotations = { note: 'x'.repeat(256 * 1024) },
        `/metadata/annotations are ${256 * 1024 + 4} bytes, more than the ${256 * 1024} the API server allows`],
    ])('rejects %s', (_name, edit, expected) => {
      const object = edited(sidecar('networking.istio.io/v1'), (sc) => edit(sc.metadata));
      expect(crdSchemaErrors([object])).toEqual([`${label(object)}: ${expected}`]);
    });
  });

  describe('x-kubernetes-list-type', () => {
    test('rejects two ServiceEntry ports of one name (a list-type map keyed by name)', () => {
      const object = edited(SE, (se) => se.spec.ports[1].name = 'http');
      expect(crdSchemaErrors([object])).toEqual(['ServiceEntry/httpbin: /spec/ports/1 repeats an earlier entry with name "http" (x-kubernetes-list-type map)']);
    });
  });

  // One row for each function the rules of Istio's CRDs use, in each kind that has rules.
  describe('CEL rules (x-kubernetes-validations)', () => {
    test.each<[string, any, string]>([
      ['a ServiceEntry port 0 (<, &&)', edited(SE, (se) => se.spec.ports[0].number = 0), '/spec/ports/0/number port must be between 1-65535'],
      ['a ServiceEntry target port 65536', edited(SE, (se) => se.spec.ports[1].targetPort = 65536), '/spec/ports/1/targetPort port must be between 1-65535'],
      ['two ServiceEntry ports of one number (all, exists_one)', edited(SE, (se) => se.spec.ports[1].number = 80), '/spec/ports port number cannot be duplicated'],
      ['a wildcard ServiceEntry host (!=)', edited(SE, (se) => se.spec.hosts = ['*']), '/spec/hosts/0 hostname cannot be wildcard'],
      ['a ServiceEntry with a workload selector and endpoints (has, ?:)', edited(SE, (se) => {
        se.spec.workloadSelector = { labels: { app: 'x' } };
        se.spec.endpoints = [{ address: '10.0.0.1' }];
      }), '/spec only one of WorkloadSelector or Endpoints can be set'],
      ['a ServiceEntry CIDR with resolution DNS (exists, contains, in)', edited(SE, (se) => se.spec.addresses = ['10.0.0.0/8']),
        '/spec CIDR addresses are allowed only for NONE/STATIC resolution types'],
      ['a ServiceEntry of resolution DNS_ROUND_ROBIN with two endpoints (size)', edited(SE, (se) => {
        se.spec.resolution = 'DNS_ROUND_ROBIN';
        se.spec.endpoints = [{ address: 'a.httpbin.org' }, { address: 'b.httpbin.org' }];
      }), '/spec DNS_ROUND_ROBIN mode cannot have multiple endpoints'],
      ['a ServiceEntry endpoint without address or network (||)', edited(SE, (se) => se.spec.endpoints = [{ locality: 'eu' }]),
        '/spec/endpoints/0 Address is required'],
      ['a relative Unix domain socket (startsWith, substring)', edited(SE, (se) => se.spec.endpoints = [{ address: 'unix://run/egress.sock' }]),
        '/spec/endpoints/0/address UDS must be an absolute path or abstract socket'],
      ['a Unix domain socket that names a folder (endsWith)', edited(SE, (se) => se.spec.endpoints = [{ address: 'unix:///var/run/' }]),
        '/spec/endpoints/0/address UDS may not be a dir'],
      ['a Unix domain socket with ports', edited(SE, (se) => se.spec.endpoints = [{ address: 'unix:///var/run/egress.sock', ports: { http: 80 } }]),
        '/spec/endpoints/0 UDS may not include ports'],
      ['an endpoint port name with an underscore (matches)', edited(SE, (se) => {
        se.spec.resolution = 'STATIC';
        se.spec.endpoints = [{ address: '10.0.0.1', ports: { http_alt: 8080 } }];
      }), '/spec/endpoints/0/ports port name must be valid'],
      ['a DestinationRule timeout under 1ms (duration)', edited(DR, (dr) => dr.spec.trafficPolicy.connectionPool = { tcp: { connectTimeout: '500us' } }),
        '/spec/trafficPolicy/connectionPool/tcp/connectTimeout must be a valid duration greater than 1ms'],
      ['a DestinationRule timeout that is no duration (an evaluation error)', edited(DR, (dr) => dr.spec.trafficPolicy.connectionPool = { http: { idleTimeout: 'soon' } }),
        '/spec/trafficPolicy/connectionPool/http/idleTimeout rule "duration(self) >= duration(\'1ms\')" failed to evaluate: Failed to parse duration: invalid syntax'],
      ['a DestinationRule label key with a wildcard', edited(DR, (dr) => dr.spec.workloadSelector = { matchLabels: { 'app*': 'x' } }),
        '/spec/workloadSelector/matchLabels wildcard not allowed in label key match'],
      ['a DestinationRule label value with a wildcard', edited(DR, (dr) => dr.spec.workloadSelector = { matchLabels: { app: 'sleep-*' } }),
        '/spec/workloadSelector/matchLabels/app wildcard not allowed in label value match'],
      ['a Gateway server with credentialName and credentialNames (+)', edited(gateway('networking.istio.io/v1'), (gw) => {
        gw.spec.servers[0].tls = { mode: 'SIMPLE', credentialName: 'a', credentialNames: ['b'] };
      }), '/spec/servers/0/tls only one of credentialName or credentialNames can be set'],
      ['an AuthorizationPolicy source with service accounts and namespaces (!)', edited(AP, (ap) => {
        ap.spec.rules[0].from[0].source.serviceAccounts = ['mytest/sleep'];
      }), '/spec/rules/0/from/0/source Cannot set serviceAccounts with namespaces or principals'],
      ['an AuthorizationPolicy with a selector and a targetRef', edited(AP, (ap) => {
        ap.spec.targetRef = { kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'egress' };
      }), '/spec only one of targetRefs or selector can be set'],
      ['an AuthorizationPolicy targetRef to another namespace', edited(AP, (ap) => {
        delete ap.spec.selector;
        ap.spec.targetRef = { kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'egress', namespace: 'other' };
      }), '/spec/targetRef/namespace cross namespace referencing is not currently supported'],
    ])('rejects %s', (_name, object, expected) => {
      expect(crdSchemaErrors([object])).toEqual([`${label(object)}: ${expected}`]);
    });

    test('evaluates the rules of the v1beta1 schemas too', () => {
      const object = edited(serviceEntry('networking.istio.io/v1beta1'), (se) => se.spec.ports[0].number = 0);
      expect(crdSchemaErrors([object])).toEqual(['ServiceEntry/httpbin: /spec/ports/0/number port must be between 1-65535']);
    });

    test('does not evaluate a rule on a value of the wrong type, which the OpenAPI check reports', () => {
      const object = edited(SE, (se) => se.spec.ports[0].number = '0');
      expect(crdSchemaErrors([object])).toEqual(['ServiceEntry/httpbin: /spec/ports/0/number must be integer']);
    });
  });

  test('rejects a kind it has no schema for', () => {
    const errors = crdSchemaErrors([{ apiVersion: 'networking.istio.io/v1', kind: 'Telescope', metadata: { name: 'hubble' }, spec: {} }]);
    expect(errors).toEqual([expect.stringMatching(/^Telescope\/hubble: no schema for apiVersion "networking.istio.io\/v1" kind "Telescope"/)]);
  });

  test('rejects a known kind at an apiVersion it has no schema for', () => {
    const errors = crdSchemaErrors([{ ...serviceEntry('networking.istio.io/v1alpha3') }]);
    expect(errors).toEqual([expect.stringMatching(/^ServiceEntry\/httpbin: no schema for apiVersion "networking.istio.io\/v1alpha3"/)]);
  });

  test('rejects something that is not an object', () => {
    expect(crdSchemaErrors([null, 'ServiceEntry'])).toEqual([
      '<no kind>/<no name>: not a Kubernetes object: null',
      '<no kind>/<no name>: not a Kubernetes object: "ServiceEntry"',
    ]);
  });

  test('attributes each error to its object and reports every error of an object', () => {
    const bad = edited(SE, (se) => {
      se.metadata.name = 'Bad';
      se.spec.ports[0].number = '80';
      se.spec.ports[1].protocol = 443;
      se.spec.ports[1].targetPort = 0;
      se.spec.extra = true;
    });
    const errors = crdSchemaErrors([gateway('networking.istio.io/v1'), bad, { kind: 'Mystery', metadata: { name: 'm' } }, sidecar('networking.istio.io/v1beta1')]);
    expect(errors).toEqual([
      'ServiceEntry/Bad: /spec/extra is not a field of the schema: the API server would drop it',
      'ServiceEntry/Bad: /spec/ports/0/number must be integer',
      'ServiceEntry/Bad: /spec/ports/1/protocol must be string',
      expect.stringMatching(/^ServiceEntry\/Bad: \/metadata\/name "Bad" is not a lowercase RFC 1123 subdomain/),
      'ServiceEntry/Bad: /spec/ports/1/targetPort port must be between 1-65535',
      expect.stringMatching(/^Mystery\/m: no schema for apiVersion undefined kind "Mystery"/),
    ]);
  });
});

// How the checker hands values to CEL, on small schemas of its own.
describe('schemaErrors', () => {
  function schemas(spec: Schema): Map<string, Schema> {
    return new Map([['example.com/v1/Thing', { type: 'object', properties: { spec } }]]);
  }
  function thing(spec: unknown): any {
    return { apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 't' }, spec };
  }

  test('hands integers to CEL as ints, and int-or-string values as they are', () => {
    const spec = {
      type: 'object',
      properties: {
        count: { 'type': 'integer', 'x-kubernetes-validations': [{ rule: 'self == 3', message: 'must be 3' }] },
        port: { 'x-kubernetes-int-or-string': true, 'x-kubernetes-validations': [{ rule: 'type(self) == int ? self == 80 : self == "http"', message: 'must be 80 or "http"' }] },
        ratio: { 'type': 'number', 'x-kubernetes-validations': [{ rule: 'self == 0.5', message: 'must be 0.5' }] },
      },
    };
    expect(schemaErrors([thing({ count: 3, port: 80, ratio: 0.5 }), thing({ count: 3, port: 'http', ratio: 0.5 })], schemas(spec))).toEqual([]);
    expect(schemaErrors([thing({ count: 4, port: 'https', ratio: 1 })], schemas(spec))).toEqual([
      'Thing/t: /spec/count must be 3',
      'Thing/t: /spec/port must be 80 or "http"',
      'Thing/t: /spec/ratio must be 0.5',
    ]);
  });

  test('hands CEL the value the API server keeps: without undeclared fields, unless it preserves unknown fields', () => {
    const rule = { 'x-kubernetes-validations': [{ rule: '!has(self.extra)', message: 'has extra' }] };
    const spec = {
      type: 'object',
      properties: {
        pruned: { type: 'object', properties: { a: { type: 'string' } }, ...rule },
        kept: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true, ...rule },
      },
    };
    expect(schemaErrors([thing({ pruned: { extra: 1 }, kept: { extra: 1 } })], schemas(spec))).toEqual([
      'Thing/t: /spec/pruned/extra is not a field of the schema: the API server would drop it',
      'Thing/t: /spec/kept has extra',
    ]);
  });

  test('names the rule when it has no message', () => {
    const spec = { 'type': 'string', 'x-kubernetes-validations': [{ rule: 'self.startsWith("a")' }] };
    expect(schemaErrors([thing('b')], schemas(spec))).toEqual(['Thing/t: /spec failed rule: self.startsWith("a")']);
  });

  test('reports a rule it cannot evaluate, such as one of a Kubernetes CEL library, and never skips it', () => {
    const spec = { 'type': 'array', 'items': { type: 'integer' }, 'x-kubernetes-validations': [{ rule: 'self.isSorted()' }] };
    expect(schemaErrors([thing([1, 2])], schemas(spec))).toEqual(['Thing/t: /spec rule "self.isSorted()" failed to evaluate: unbound function: isSorted']);
  });

  test('reports a rule that reads a date-time, which it cannot type as the API server does', () => {
    const spec = { 'type': 'string', 'format': 'date-time', 'x-kubernetes-validations': [{ rule: 'self != ""' }] };
    expect(schemaErrors([thing('2025-01-01T00:00:00Z')], schemas(spec))).toEqual([
      'Thing/t: /spec cannot evaluate its x-kubernetes-validations: a string of format date-time (a CEL timestamp or duration) is not supported by this checker',
    ]);
  });

  test('throws on a rule that does not parse', () => {
    const spec = { 'type': 'string', 'x-kubernetes-validations': [{ rule: 'self ==' }] };
    expect(() => schemaErrors([thing('a')], schemas(spec))).toThrow();
  });

  test('rejects repeated entries of a list-type set', () => {
    const spec = { 'type': 'array', 'items': { type: 'string' }, 'x-kubernetes-list-type': 'set' };
    expect(schemaErrors([thing(['a', 'b']), thing(['a', 'b', 'a'])], schemas(spec))).toEqual(['Thing/t: /spec/2 repeats an earlier entry "a" (x-kubernetes-list-type set)']);
  });
});

/** The prefix of an object's messages. */
function label(object: any): string {
  return `${object.kind}/${object.metadata.name || '<no name>'}`;
}

describe('the waypoint Gateway of Gateway API v1.5.1 (ambient output)', () => {
  function waypoint(): any {
    return {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'waypoint', namespace: 'istio-egress', labels: { 'istio.io/waypoint-for': 'service' } },
      spec: {
        gatewayClassName: 'istio-waypoint',
        listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE', allowedRoutes: { namespaces: { from: 'Same' } } }],
      },
    };
  }

  test('accepts the waypoint of Istio\'s documentation', () => {
    expect(crdSchemaErrors([waypoint()])).toEqual([]);
  });

  test.each<[string, (o: any) => void]>([
    ['no listeners', (o) => { delete o.spec.listeners; }],
    ['a port out of range', (o) => { o.spec.listeners[0].port = 70000; }],
    ['a port as a string', (o) => { o.spec.listeners[0].port = '15008'; }],
    ['an unknown namespaces policy', (o) => { o.spec.listeners[0].allowedRoutes.namespaces.from = 'Any'; }],
    ['a misspelt field', (o) => { o.spec.listeners[0].allowedRoute = {}; }],
    ['a listener name with capitals', (o) => { o.spec.listeners[0].name = 'Mesh'; }],
    ['two listeners of one name', (o) => { o.spec.listeners.push({ ...o.spec.listeners[0], port: 15009 }); }],
    ['another version', (o) => { o.apiVersion = 'gateway.networking.k8s.io/v1beta1'; }],
  ])('rejects a Gateway with %s', (_, breakIt) => {
    const o = waypoint();
    breakIt(o);
    const errors = crdSchemaErrors([o]);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.filter((e) => !e.startsWith('Gateway/waypoint: '))).toEqual([]);
  });
});
