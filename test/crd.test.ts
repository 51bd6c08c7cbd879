import * as fs from 'fs';
import * as path from 'path';
import { ErrorObject, ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { kubernetesAjv } from './util/kubernetes-ajv';
import { structuralSchemaViolations } from './util/structural-schema';
import { fixture } from './util/synth';

const CRD_FILE = path.join(__dirname, '..', 'imports', 'asm-egress-traffic-policy.yaml');
const GROUP = 'istio.alibabacloud.com';
const VERSIONS = ['v1beta1', 'v1'];

const crd = parse(fs.readFileSync(CRD_FILE, 'utf8'));

function version(name: string): any {
  const found = crd.spec.versions.find((v: any) => v.name === name);
  if (!found) throw new Error(`the CRD has no version ${name}`);
  return found;
}

function schemaOf(name: string): any {
  return version(name).schema.openAPIV3Schema;
}

function example(n: number): any {
  return fixture(`example-${n}.yaml`);
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

/** The same object as served by another version of the CRD. */
function atVersion(object: any, v: string): any {
  return { ...clone(object), apiVersion: `${GROUP}/${v}` };
}

const ajv = kubernetesAjv();
const validators = new Map<string, ValidateFunction>(VERSIONS.map((v) => [v, ajv.compile(schemaOf(v))]));

/** Validates a custom resource against the schema of the version its apiVersion names. */
function validate(object: any): ErrorObject[] {
  const [group, v] = String(object.apiVersion).split('/');
  expect(group).toBe(GROUP);
  expect(object.kind).toBe('ASMEgressTrafficPolicy');
  const validator = validators.get(v);
  if (!validator) throw new Error(`no served version ${v}`);
  return validator(object) ? [] : [...validator.errors!];
}

/** The schema node a simple JSON path such as `.spec.byEgressGateway.name` selects, or undefined. */
function schemaAt(schema: any, jsonPath: string): any {
  return jsonPath.split('.').slice(1).reduce((node, field) => node?.properties?.[field], schema);
}

describe('the ASMEgressTrafficPolicy CRD manifest', () => {
  test('is an apiextensions.k8s.io/v1 CustomResourceDefinition named <plural>.<group>', () => {
    expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
    expect(crd.kind).toBe('CustomResourceDefinition');
    expect(crd.metadata.name).toBe(`${crd.spec.names.plural}.${crd.spec.group}`);
  });

  test('defines a namespaced istio.alibabacloud.com ASMEgressTrafficPolicy', () => {
    expect(crd.spec.group).toBe(GROUP);
    expect(crd.spec.names).toEqual({
      kind: 'ASMEgressTrafficPolicy',
      listKind: 'ASMEgressTrafficPolicyList',
      plural: 'asmegresstrafficpolicies',
      singular: 'asmegresstrafficpolicy',
    });
    expect(crd.spec.scope).toBe('Namespaced');
  });

  test('serves v1beta1 and v1, and stores exactly one of them (v1)', () => {
    expect(crd.spec.versions.map((v: any) => v.name)).toEqual(VERSIONS);
    for (const v of crd.spec.versions) {
      expect(v.served).toBe(true);
    }
    expect(crd.spec.versions.filter((v: any) => v.storage === true).map((v: any) => v.name)).toEqual(['v1']);
  });

  test('gives both versions the same schema, so that no conversion webhook is needed', () => {
    expect(crd.spec.conversion?.strategy ?? 'None').toBe('None');
    expect(schemaOf('v1')).toEqual(schemaOf('v1beta1'));
  });

  describe.each(VERSIONS)('version %s', (v) => {
    test('has the status subresource (and no scale subresource)', () => {
      expect(version(v).subresources).toEqual({ status: {} });
    });

    test('prints ByEgressGateway, Status and Age', () => {
      expect(version(v).additionalPrinterColumns).toEqual([
        { name: 'ByEgressGateway', type: 'string', jsonPath: '.spec.byEgressGateway.name' },
        { name: 'Status', type: 'string', jsonPath: '.status.message' },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ]);
    });

    test('prints fields that its schema defines, with the column type', () => {
      for (const column of version(v).additionalPrinterColumns) {
        if (column.jsonPath.startsWith('.metadata.')) continue;
        expect(schemaAt(schemaOf(v), column.jsonPath)).toEqual(expect.objectContaining({ type: column.type }));
      }
    });

    test('has a structural schema that the API server accepts', () => {
      const i = crd.spec.versions.indexOf(version(v));
      expect(structuralSchemaViolations(schemaOf(v), `spec.versions[${i}].schema.openAPIV3Schema`, { statusSubresource: true })).toEqual([]);
    });
  });
});

describe('structuralSchemaViolations', () => {
  const P = 'openAPIV3Schema';

  test.each<[string, any]>([
    ['a typed object tree', {
      type: 'object',
      properties: {
        metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 63 } } },
        spec: { type: 'object', required: ['a'], properties: { a: { type: 'array', items: { type: 'string' } } } },
      },
    }],
    ['the int-or-string anyOf pattern', {
      type: 'object',
      properties: { port: { 'x-kubernetes-int-or-string': true, 'anyOf': [{ type: 'integer' }, { type: 'string' }] } },
    }],
    ['the int-or-string allOf pattern', {
      type: 'object',
      properties: { port: { 'x-kubernetes-int-or-string': true, 'allOf': [{ anyOf: [{ type: 'integer' }, { type: 'string' }] }, { pattern: '^[0-9]+$' }] } },
    }],
    ['an untyped node that preserves unknown fields', { type: 'object', properties: { raw: { 'x-kubernetes-preserve-unknown-fields': true } } }],
    ['a junctor that only restricts specified fields', {
      type: 'object',
      properties: { spec: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, oneOf: [{ required: ['a'] }, { required: ['b'] }] } },
    }],
    ['a map', { type: 'object', properties: { labels: { type: 'object', additionalProperties: { type: 'string' } } } }],
    ['a list-type map with a required key', {
      type: 'object',
      properties: {
        ports: {
          'type': 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['port'],
          'items': { type: 'object', required: ['port'], properties: { port: { type: 'integer' } } },
        },
      },
    }],
  ])('accepts %s', (_name, schema) => {
    expect(structuralSchemaViolations(schema)).toEqual([]);
  });

  // The three violations the brief names, checked exactly.
  test('reports a field without a type', () => {
    const schema = { type: 'object', properties: { spec: { type: 'object', properties: { name: { description: 'no type' } } } } };
    expect(structuralSchemaViolations(schema)).toEqual([
      `${P}.properties[spec].properties[name].type: Required value: must not be empty for specified object fields`,
    ]);
  });

  test('reports properties and additionalProperties on one node', () => {
    const schema = { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } } } };
    expect(structuralSchemaViolations(schema)).toEqual([
      `${P}.properties[spec].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`,
    ]);
  });

  test('reports $ref', () => {
    const schema = { type: 'object', properties: { spec: { $ref: '#/definitions/Spec' } } };
    expect(structuralSchemaViolations(schema)).toEqual([
      `${P}.properties[spec].$ref: Forbidden: $ref is not supported`,
      `${P}.properties[spec].type: Required value: must not be empty for specified object fields`,
    ]);
  });

  test('names the path it is given', () => {
    expect(structuralSchemaViolations({ properties: {} }, 'spec.versions[1].schema.openAPIV3Schema')).toEqual([
      'spec.versions[1].schema.openAPIV3Schema.type: Required value: must not be empty at the root',
    ]);
  });

  // Each row: [what, schema, one expected message, whether the status subresource is enabled (default: no)].
  const reports: Array<[string, any, string, boolean?]> = [
    ['a root without a type', { properties: { spec: { type: 'object' } } }, `${P}.type: Required value: must not be empty at the root`],
    ['a root that is not an object', { type: 'string' }, `${P}.type: Invalid value: "string": must be object at the root`],
    ['array items without a type', { type: 'object', properties: { a: { type: 'array', items: { minLength: 1 } } } },
      `${P}.properties[a].items.type: Required value: must not be empty for specified array items`],
    ['an array without items', { type: 'object', properties: { a: { type: 'array' } } }, `${P}.properties[a].items: Required value: must be specified`],
    ['additionalProperties: false', { type: 'object', properties: { a: { type: 'object', additionalProperties: false } } },
      `${P}.properties[a].additionalProperties: Forbidden: additionalProperties cannot be set to false`],
    ['additionalProperties at the root', { type: 'object', additionalProperties: { type: 'string' } },
      `${P}.additionalProperties: Forbidden: must not be used at the root`],
    ['uniqueItems: true', { type: 'object', properties: { a: { type: 'array', uniqueItems: true, items: { type: 'string' } } } },
      `${P}.properties[a].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`],
    ['definitions', { type: 'object', definitions: { x: { type: 'string' } } }, `${P}.definitions: Forbidden: definitions is not supported`],
    ['dependencies', { type: 'object', properties: { a: { type: 'string' } }, dependencies: { a: ['b'] } },
      `${P}.dependencies: Forbidden: dependencies is not supported`],
    ['id', { type: 'object', id: 'x' }, `${P}.id: Forbidden: id is not supported`],
    ['patternProperties', { type: 'object', properties: { a: { type: 'object', patternProperties: { '^x': { type: 'string' } } } } },
      `${P}.properties[a].patternProperties: Forbidden: patternProperties is not supported`],
    ['additionalItems', { type: 'object', properties: { a: { type: 'array', items: { type: 'string' }, additionalItems: false } } },
      `${P}.properties[a].additionalItems: Forbidden: additionalItems is not supported`],
    ['readOnly', { type: 'object', properties: { a: { type: 'string', readOnly: true } } }, `${P}.properties[a].readOnly: Forbidden: readOnly cannot be set in a CRD schema`],
    ['a keyword that is not a JSONSchemaProps field', { type: 'object', properties: { a: { type: 'string', const: 'x' } } },
      `${P}.properties[a].const: Forbidden: unknown field: not a field of JSONSchemaProps in apiextensions.k8s.io/v1`],
    ['a numeric exclusiveMinimum (JSON Schema 2019, not OpenAPI 3.0)', { type: 'object', properties: { a: { type: 'integer', exclusiveMinimum: 0 } } },
      `${P}.properties[a].exclusiveMinimum: Invalid value: 0: must be a boolean`],
    ['type: null', { type: 'object', properties: { a: { type: 'null' } } }, `${P}.properties[a].type: Forbidden: type cannot be set to null, use nullable as an alternative`],
    ['a list of types', { type: 'object', properties: { a: { type: ['string', 'integer'] } } }, `${P}.properties[a].type: Required value: must not be empty for specified object fields`],
    ['nullable at the root', { type: 'object', nullable: true }, `${P}.nullable: Forbidden: nullable cannot be true at the root`],
    ['x-kubernetes-preserve-unknown-fields: false', { type: 'object', properties: { a: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': false } } },
      `${P}.properties[a].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined`],
    ['int-or-string that also preserves unknown fields', { type: 'object', properties: { a: { 'x-kubernetes-int-or-string': true, 'x-kubernetes-preserve-unknown-fields': true } } },
      `${P}.properties[a].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true`],
    ['an embedded resource that is not an object', { type: 'object', properties: { a: { 'type': 'string', 'x-kubernetes-embedded-resource': true } } },
      `${P}.properties[a].type: Invalid value: "string": must be object if x-kubernetes-embedded-resource is true`],
    ['type inside anyOf (other than the int-or-string pattern)', { type: 'object', properties: { a: { anyOf: [{ type: 'string' }, { type: 'boolean' }], type: 'string' } } },
      `${P}.properties[a].anyOf[0].type: Forbidden: must be empty to be structural`],
    ['description inside allOf', { type: 'object', properties: { a: { type: 'string', allOf: [{ description: 'x', minLength: 1 }] } } },
      `${P}.properties[a].allOf[0].description: Forbidden: must be empty to be structural`],
    ['default inside oneOf', { type: 'object', properties: { a: { type: 'string', oneOf: [{ default: 'x' }] } } },
      `${P}.properties[a].oneOf[0].default: Forbidden: must be undefined to be structural`],
    ['additionalProperties inside not', { type: 'object', properties: { a: { type: 'object', not: { additionalProperties: { type: 'string' } } } } },
      `${P}.properties[a].not.additionalProperties: Forbidden: must be undefined to be structural`],
    ['a field that only a junctor specifies', { type: 'object', properties: { spec: { type: 'object', anyOf: [{ properties: { a: { minLength: 1 } } }] } } },
      `${P}.properties[spec].properties[a]: Required value: because it is defined in ${P}.properties[spec].anyOf[0].properties[a]`],
    ['metadata restricting labels', { type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object', additionalProperties: { type: 'string' } } } } } },
      `${P}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified (found properties other than name and generateName (labels))`],
    ['a description of metadata', { type: 'object', properties: { metadata: { type: 'object', description: 'x' } } },
      `${P}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified (found description)`],
    ['metadata that is not an object', { type: 'object', properties: { metadata: { type: 'string' } } },
      `${P}.properties[metadata].type: Invalid value: "string": must be object`],
    ['a default in top-level metadata', { type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string', default: 'x' } } } } },
      `${P}.properties[metadata].properties[name].default: Forbidden: must not be set in top-level metadata`],
    ['metadata inside a junctor', { type: 'object', properties: { metadata: { type: 'object' } }, allOf: [{ properties: { metadata: { required: ['name'] } } }] },
      `${P}.allOf[0].properties[metadata]: Forbidden: must not be specified in a nested context`],
    ['a kind that is not a string', { type: 'object', properties: { kind: { type: 'integer' } } }, `${P}.properties[kind].type: Invalid value: "integer": must be string`],
    ['a list-type map without keys', { type: 'object', properties: { a: { 'type': 'array', 'x-kubernetes-list-type': 'map', 'items': { type: 'object' } } } },
      `${P}.properties[a].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map`],
    ['a list-map key that is neither required nor defaulted', {
      type: 'object',
      properties: { a: { 'type': 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k'], 'items': { type: 'object', properties: { k: { type: 'string' } } } } },
    }, `${P}.properties[a].items.properties[k].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property`],
    ['x-kubernetes-list-type on an object', { type: 'object', properties: { a: { 'type': 'object', 'x-kubernetes-list-type': 'atomic' } } },
      `${P}.properties[a].type: Invalid value: "object": must be array if x-kubernetes-list-type is specified`],
    ['a CEL rule without a rule', { type: 'object', properties: { a: { 'type': 'string', 'x-kubernetes-validations': [{ message: 'm' }] } } },
      `${P}.properties[a].x-kubernetes-validations[0].rule: Required value: rule is not specified`],
    ['a look-ahead pattern (not RE2)', { type: 'object', properties: { a: { type: 'string', pattern: '^(?!x)' } } },
      `${P}.properties[a].pattern: Invalid value: "^(?!x)": must be a valid regular expression, but isn't: RE2 has no look-around and no back-references`],
    ['a root keyword the status subresource does not allow', { type: 'object', properties: { a: { type: 'string' } }, minProperties: 1 },
      `${P}: Invalid value: minProperties: only description, type, format, title, maximum, exclusiveMaximum, minimum, exclusiveMinimum, maxLength, minLength, pattern, maxItems, minItems, uniqueItems, multipleOf, required, items, properties, externalDocs, example, x-kubernetes-preserve-unknown-fields, x-kubernetes-validations are allowed at the root of the schema if the status subresource is enabled`,
      true],
  ];
  // Every row has four elements: jest takes a test function with more parameters than the row for one taking `done`.
  test.each(reports.map(([name, schema, expected, status]): [string, any, string, boolean] => [name, schema, expected, status ?? false]))(
    'reports %s', (_name, schema, expected, statusSubresource) => {
      expect(structuralSchemaViolations(schema, P, { statusSubresource })).toContain(expected);
    });

  test('reports every violation of the manifest\'s schema after breaking it in several places', () => {
    const broken = clone(schemaOf('v1'));
    delete broken.properties.spec.properties.byEgressGateway.type;
    broken.properties.spec.properties.egressRules.items.properties.to.items.properties.hosts.uniqueItems = true;
    broken.properties.status.additionalProperties = { type: 'string' };
    expect(structuralSchemaViolations(broken).sort()).toEqual([
      `${P}.properties[spec].properties[byEgressGateway].type: Required value: must not be empty for specified object fields`,
      `${P}.properties[spec].properties[egressRules].items.properties[to].items.properties[hosts].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`,
      `${P}.properties[status].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`,
    ]);
  });
});

describe('custom resources validated against the CRD schema', () => {
  test('the fixtures are the v1beta1 examples', () => {
    for (const n of [1, 2, 3]) {
      expect(example(n).apiVersion).toBe(`${GROUP}/v1beta1`);
    }
  });

  describe.each(VERSIONS)('apiVersion %s', (v) => {
    test.each([1, 2, 3])('accepts documented example %i', (n) => {
      expect(validate(atVersion(example(n), v))).toEqual([]);
    });

    test('accepts example 3, whose to[] entries omit byEgressGateway', () => {
      const policy = atVersion(example(3), v);
      const destinations = policy.spec.egressRules.flatMap((rule: any) => rule.to);
      expect(destinations).toHaveLength(5);
      expect(destinations.filter((to: any) => 'byEgressGateway' in to)).toEqual([]);
      expect(validate(policy)).toEqual([]);
    });

    const R = '/spec/egressRules/0';
    const T = `${R}/to/0`;
    test.each<{ name: string; mutate: (p: any) => void; instancePath: string; keyword: string; params?: object }>([
      { name: 'no spec', mutate: (p) => delete p.spec, instancePath: '', keyword: 'required', params: { missingProperty: 'spec' } },
      { name: 'no spec.byEgressGateway', mutate: (p) => delete p.spec.byEgressGateway, instancePath: '/spec', keyword: 'required', params: { missingProperty: 'byEgressGateway' } },
      { name: 'no spec.byEgressGateway.name', mutate: (p) => delete p.spec.byEgressGateway.name, instancePath: '/spec/byEgressGateway', keyword: 'required', params: { missingProperty: 'name' } },
      { name: 'egressRules: []', mutate: (p) => p.spec.egressRules = [], instancePath: '/spec/egressRules', keyword: 'minItems', params: { limit: 1 } },
      { name: 'a rule without from', mutate: (p) => delete p.spec.egressRules[0].from, instancePath: R, keyword: 'required', params: { missingProperty: 'from' } },
      { name: 'a rule without to', mutate: (p) => delete p.spec.egressRules[0].to, instancePath: R, keyword: 'required', params: { missingProperty: 'to' } },
      { name: 'from: []', mutate: (p) => p.spec.egressRules[0].from = [], instancePath: `${R}/from`, keyword: 'minItems', params: { limit: 1 } },
      { name: 'to: []', mutate: (p) => p.spec.egressRules[0].to = [], instancePath: `${R}/to`, keyword: 'minItems', params: { limit: 1 } },
      { name: 'a from entry without namespace', mutate: (p) => delete p.spec.egressRules[0].from[0].namespace, instancePath: `${R}/from/0`, keyword: 'required', params: { missingProperty: 'namespace' } },
      { name: 'a workloadSelector label value that is a number', mutate: (p) => p.spec.egressRules[0].from[0].workloadSelector.app = 1, instancePath: `${R}/from/0/workloadSelector/app`, keyword: 'type', params: { type: 'string' } },
      { name: 'a to entry without name', mutate: (p) => delete p.spec.egressRules[0].to[0].name, instancePath: T, keyword: 'required', params: { missingProperty: 'name' } },
      { name: 'a to entry without hosts', mutate: (p) => delete p.spec.egressRules[0].to[0].hosts, instancePath: T, keyword: 'required', params: { missingProperty: 'hosts' } },
      { name: 'a to entry without port', mutate: (p) => delete p.spec.egressRules[0].to[0].port, instancePath: T, keyword: 'required', params: { missingProperty: 'port' } },
      { name: 'hosts: []', mutate: (p) => p.spec.egressRules[0].to[0].hosts = [], instancePath: `${T}/hosts`, keyword: 'minItems', params: { limit: 1 } },
      {
        name: '51 hosts',
        mutate: (p) => p.spec.egressRules[0].to[0].hosts = Array.from({ length: 51 }, (_, i) => `host-${i}.example.com`),
        instancePath: `${T}/hosts`,
        keyword: 'maxItems',
        params: { limit: 50 },
      },
      { name: 'port.number 0', mutate: (p) => p.spec.egressRules[0].to[0].port.number = 0, instancePath: `${T}/port/number`, keyword: 'minimum', params: { limit: 1 } },
      { name: 'port.number 65536', mutate: (p) => p.spec.egressRules[0].to[0].port.number = 65536, instancePath: `${T}/port/number`, keyword: 'maximum', params: { limit: 65535 } },
      { name: 'port.protocol FOO', mutate: (p) => p.spec.egressRules[0].to[0].port.protocol = 'FOO', instancePath: `${T}/port/protocol`, keyword: 'enum' },
      { name: 'a port without name', mutate: (p) => delete p.spec.egressRules[0].to[0].port.name, instancePath: `${T}/port`, keyword: 'required', params: { missingProperty: 'name' } },
      { name: 'spec.byEgressGateway.port 70000', mutate: (p) => p.spec.byEgressGateway.port = 70000, instancePath: '/spec/byEgressGateway/port', keyword: 'maximum', params: { limit: 65535 } },
      { name: 'to[].byEgressGateway.port 70000', mutate: (p) => p.spec.egressRules[0].to[0].byEgressGateway.port = 70000, instancePath: `${T}/byEgressGateway/port`, keyword: 'maximum', params: { limit: 65535 } },
      { name: 'httpsUpgrade without enabled', mutate: (p) => p.spec.egressRules[0].to[0].httpsUpgrade = { port: 443 }, instancePath: `${T}/httpsUpgrade`, keyword: 'required', params: { missingProperty: 'enabled' } },
      { name: 'httpsUpgrade.port 0', mutate: (p) => p.spec.egressRules[0].to[0].httpsUpgrade = { enabled: true, port: 0 }, instancePath: `${T}/httpsUpgrade/port`, keyword: 'minimum', params: { limit: 1 } },
    ])('rejects example 1 with $name', ({ mutate, instancePath, keyword, params }) => {
      const policy = atVersion(example(1), v);
      mutate(policy);
      expect(validate(policy)).toEqual([
        expect.objectContaining({ instancePath, keyword, ...(params ? { params: expect.objectContaining(params) } : {}) }),
      ]);
    });
  });
});
