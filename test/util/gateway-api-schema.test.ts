import { celRulesOf, crdSchemaValidator, GATEWAY_SCHEMA, gatewayApiSchemaErrors } from './gateway-api-schema';

// The validator itself: it must accept a waypoint as Istio documents it, and reject what the API
// server would reject, or the ambient schema tests prove nothing.

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

test('the schema is the v1 Gateway of Gateway API v1.5.1, as the import task wrote it', () => {
  expect(GATEWAY_SCHEMA).toMatchObject({ group: 'gateway.networking.k8s.io', version: 'v1', kind: 'Gateway', bundleVersion: 'v1.5.1', channel: 'standard' });
  expect(GATEWAY_SCHEMA.openAPIV3Schema.properties.spec.required).toEqual(['gatewayClassName', 'listeners']);
});

test('accepts the waypoint of Istio\'s documentation', () => {
  expect(gatewayApiSchemaErrors([waypoint()])).toEqual([]);
});

test.each<[string, (o: any) => void, string]>([
  ['no listeners', (o) => { delete o.spec.listeners; }, "Gateway/waypoint: /spec must have required property 'listeners'"],
  ['a port out of range', (o) => { o.spec.listeners[0].port = 70000; }, 'Gateway/waypoint: /spec/listeners/0/port must be <= 65535'],
  ['a port as a string', (o) => { o.spec.listeners[0].port = '15008'; }, 'Gateway/waypoint: /spec/listeners/0/port must be integer'],
  ['an unknown namespaces policy', (o) => { o.spec.listeners[0].allowedRoutes.namespaces.from = 'Any'; },
    'Gateway/waypoint: /spec/listeners/0/allowedRoutes/namespaces/from must be equal to one of the allowed values ("All", "Selector", "Same")'],
  ['a misspelt field', (o) => { o.spec.listeners[0].allowedRoute = {}; }, 'Gateway/waypoint: /spec/listeners/0 must NOT have additional properties ("allowedRoute")'],
  ['a listener name with capitals', (o) => { o.spec.listeners[0].name = 'Mesh'; }, expect.stringMatching(/^Gateway\/waypoint: \/spec\/listeners\/0\/name must match pattern/) as any],
  ['a bad object name', (o) => { o.metadata.name = 'Way_point'; }, 'Gateway/Way_point: /metadata/name "Way_point" is not a DNS-1123 subdomain'],
  ['another version', (o) => { o.apiVersion = 'gateway.networking.k8s.io/v1beta1'; },
    'Gateway/waypoint: no schema for apiVersion "gateway.networking.k8s.io/v1beta1" kind "Gateway"'],
])('rejects a Gateway with %s', (_, breakIt, message) => {
  const o = waypoint();
  breakIt(o);
  expect(gatewayApiSchemaErrors([o])).toEqual([message]);
});

test('int-or-string, nullable and preserved unknown fields mean what Kubernetes says', () => {
  const validate = crdSchemaValidator([{
    group: 'example.com',
    version: 'v1',
    kind: 'Thing',
    openAPIV3Schema: {
      type: 'object',
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { type: 'object' },
        spec: {
          type: 'object',
          properties: {
            port: { 'x-kubernetes-int-or-string': true },
            note: { type: 'string', nullable: true },
            free: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true, 'properties': { known: { type: 'string' } } },
          },
        },
      },
    },
  }]);
  const thing = (spec: any) => ({ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 't' }, spec });
  expect(validate([thing({ port: 80 }), thing({ port: 'http' }), thing({ note: null }), thing({ free: { known: 'a', other: 1 } })])).toEqual([]);
  expect(validate([thing({ port: true })])).toEqual(expect.arrayContaining(['Thing/t: /spec/port must be integer']));
  expect(validate([thing({ extra: 1 })])).toEqual(['Thing/t: /spec must NOT have additional properties ("extra")']);
});

test('the CEL rules of the listeners, which the validator does not evaluate, are listed for tests to check', () => {
  const messages = celRulesOf(GATEWAY_SCHEMA.openAPIV3Schema).filter((r) => r.path === '.spec.listeners').map((r) => r.message);
  expect(messages).toEqual(expect.arrayContaining(['Listener name must be unique within the Gateway', "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']"]));
});
