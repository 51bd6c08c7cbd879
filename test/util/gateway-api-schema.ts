import { readFileSync } from 'fs';
import { join } from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';

// Validates Kubernetes objects, in process, against the openAPIV3Schema of a CRD version, as the
// API server would: the schema's types, patterns, enums, bounds and required fields, and unknown
// fields (the API server prunes them, or rejects them under strict field validation; here they are
// errors, so that a misspelt field cannot pass). The Gateway API schema is the one the import task
// writes to test/schemas/gateway-api/ (`npx projen import`); tests never read the CRD file itself.
//
// What this does NOT check: CEL rules (`x-kubernetes-validations`, listed by `celRulesOf` so that a
// test can check the ones that matter by hand), list-type and map-type semantics, defaults.
// (Kept apart from the Istio validator, test/util/istio-schema.ts, so that the two can be merged.)

/** A CRD version's schema, as test/schemas records it. */
export interface CrdSchema {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly openAPIV3Schema: Record<string, any>;
}

const SCHEMA_DIR = join(__dirname, '..', 'schemas');

/** A schema file of test/schemas/. */
export function loadCrdSchema(relativePath: string): CrdSchema {
  return JSON.parse(readFileSync(join(SCHEMA_DIR, relativePath), 'utf8'));
}

/** The Gateway API v1 Gateway (the waypoint), of the release that the import task pins. */
export const GATEWAY_SCHEMA = loadCrdSchema('gateway-api/gateway.networking.k8s.io_v1_Gateway.json');

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Formats the API server checks; others are accepted as any value (as the API server does). */
const FORMATS = {
  'int32': { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 },
  'int64': { type: 'number', validate: (n: number) => Number.isInteger(n) },
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
  'ipv4': /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/,
  'ipv6': /^[0-9a-fA-F:.]+$/,
  // Formats that the API server does not check.
  'double': true,
  'float': true,
  'byte': true,
} as const;

/**
 * A validator of objects of the given CRD versions: one message per problem, each
 * `<kind>/<metadata.name>: <instance path> <message>`; an empty array means every object is valid.
 * An object of any other apiVersion and kind is an error.
 */
export function crdSchemaValidator(schemas: CrdSchema[]): (objects: any[]) => string[] {
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false, formats: FORMATS });
  const validators = new Map<string, ValidateFunction>();
  for (const s of schemas) {
    const root = toJsonSchema(s.openAPIV3Schema);
    // Every object has these, whether or not the CRD's schema lists them (Istio's do not).
    root.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...root.properties };
    validators.set(`${s.group}/${s.version}/${s.kind}`, ajv.compile(root));
  }
  return (objects) => objects.flatMap((object) => {
    const prefix = `${object?.kind ?? '<no kind>'}/${object?.metadata?.name ?? '<no name>'}`;
    const validate = validators.get(`${object?.apiVersion}/${object?.kind}`);
    if (!validate) return [`${prefix}: no schema for apiVersion ${JSON.stringify(object?.apiVersion)} kind ${JSON.stringify(object?.kind)}`];
    const errors = validate(object) ? [] : (validate.errors ?? []).map((e) => `${prefix}: ${describe(e)}`);
    return [...errors, ...metadataErrors(object).map((e) => `${prefix}: ${e}`)];
  });
}

let gatewayValidator: ((objects: any[]) => string[]) | undefined;

/** Problems of objects against the Gateway API schema (see `crdSchemaValidator`); empty when all are valid. */
export function gatewayApiSchemaErrors(objects: any[]): string[] {
  gatewayValidator ??= crdSchemaValidator([GATEWAY_SCHEMA]);
  return gatewayValidator(objects);
}

/** The CEL rules of a schema, by the path of the node that carries them (`.spec.listeners`). */
export function celRulesOf(schema: Record<string, any>, path = ''): Array<{ path: string; rule: string; message?: string }> {
  const rules = (schema['x-kubernetes-validations'] ?? []).map((v: any) => ({ path, rule: v.rule, message: v.message }));
  const children = Object.entries(schema.properties ?? {}).flatMap(([k, s]) => celRulesOf(s as any, `${path}.${k}`));
  const items = schema.items ? celRulesOf(schema.items, `${path}[]`) : [];
  return [...rules, ...children, ...items];
}

/**
 * The structural schema as a JSON schema for ajv: Kubernetes extensions turned into what they mean
 * (int-or-string, nullable, preserve-unknown-fields), and `additionalProperties: false` on every
 * object with properties that does not preserve unknown fields.
 */
function toJsonSchema(node: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-kubernetes-') || key === 'nullable') continue;
    if (key === 'properties') out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSchema(v as any)]));
    else if (key === 'items' || key === 'not' || (key === 'additionalProperties' && typeof value === 'object')) out[key] = toJsonSchema(value);
    else if (key === 'anyOf' || key === 'oneOf' || key === 'allOf') out[key] = (value as any[]).map(toJsonSchema);
    else out[key] = value;
  }
  if (node['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.anyOf = [...(out.anyOf ?? []), { type: 'integer' }, { type: 'string' }];
  }
  if (node.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  if (node.properties && node.additionalProperties === undefined && node['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  return out;
}

/** What the API server checks of any object's metadata: a name (DNS-1123 subdomain) and a namespace (DNS-1123 label). */
function metadataErrors(object: any): string[] {
  const errors: string[] = [];
  const name = object?.metadata?.name;
  if (typeof name !== 'string' || name.length === 0 || name.length > 253 || !name.split('.').every((l: string) => DNS_LABEL.test(l))) {
    errors.push(`/metadata/name ${JSON.stringify(name)} is not a DNS-1123 subdomain`);
  }
  const namespace = object?.metadata?.namespace;
  if (namespace !== undefined && (typeof namespace !== 'string' || namespace.length > 63 || !DNS_LABEL.test(namespace))) {
    errors.push(`/metadata/namespace ${JSON.stringify(namespace)} is not a DNS-1123 label`);
  }
  return errors;
}

/** One line per ajv error: the instance path (`/` for the object itself), ajv's message, and the useful params. */
function describe(error: ErrorObject): string {
  const where = error.instancePath || '/';
  let detail = '';
  if (error.keyword === 'enum' && Array.isArray((error.params as any)?.allowedValues)) {
    detail = ` (${(error.params as any).allowedValues.map((v: unknown) => JSON.stringify(v)).join(', ')})`;
  } else if (error.keyword === 'additionalProperties') {
    detail = ` (${JSON.stringify((error.params as any).additionalProperty)})`;
  }
  return `${where} ${error.message ?? error.keyword}${detail}`;
}
