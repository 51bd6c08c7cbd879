import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { CelInput, celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { ErrorObject, ValidateFunction } from 'ajv';
import { kubernetesAjv } from './kubernetes-ajv';

/**
 * Validates Kubernetes objects as the API server would on `kubectl apply`, against the CRD schemas in
 * test/schemas/ that `npx projen import` writes: those of Istio's published CRDs (networking.istio.io
 * v1/v1beta1 ServiceEntry, Gateway, DestinationRule, VirtualService, Sidecar; security.istio.io v1/v1beta1
 * AuthorizationPolicy) and of Gateway API's (gateway.networking.k8s.io/v1 Gateway, the ambient waypoint).
 * Every file there is read: another CRD file's schemas need no change here.
 *
 * Returns one message per problem, each prefixed with `<kind>/<metadata.name>:`; an empty array means
 * every object is valid. An object of any other apiVersion/kind is reported as an error.
 *
 * Checked, as the API server checks them: the OpenAPI schema (types, enums, required fields, bounds,
 * patterns, formats); fields the schema does not declare, which the API server would silently prune;
 * `metadata` (the name a DNS-1123 subdomain, the namespace a DNS-1123 label, label keys and values,
 * annotation keys and size, no unknown fields); unique keys in lists of `x-kubernetes-list-type` map and set;
 * and every CEL rule (`x-kubernetes-validations`), evaluated with @bufbuild/cel on the value the API server
 * would hand it (pruned, integers as CEL ints). Each schema is compiled once, with its CEL rules.
 *
 * Not checked: CEL rules run with CEL's standard library and its strings extension only. A rule that calls
 * one of the Kubernetes CEL libraries (lists, regex, URLs, quantities, IPs and CIDRs, ...; none of Istio
 * 1.30's rules does), or that reads a string of format date, date-time or duration (which the API server
 * types as timestamps and durations; none does), is reported as an error, never skipped. The CEL cost
 * budget, transition rules (`oldSelf`; there are none) and `messageExpression` are not evaluated. Nor is
 * what only Istio's validating webhook checks.
 */
export function crdSchemaErrors(objects: any[]): string[] {
  return schemaErrors(objects, SCHEMAS);
}

/** The same checks against other schemas, keyed `<apiVersion>/<kind>` (the tests of this checker use small ones). */
export function schemaErrors(objects: any[], schemas: ReadonlyMap<string, Schema>): string[] {
  return objects.flatMap((object) => check(object, schemas));
}

export type Schema = Record<string, any>;

const SCHEMA_DIR = join(__dirname, '..', 'schemas');

/** Every schema of test/schemas/*.json, keyed `<apiVersion>/<kind>`. */
const SCHEMAS: ReadonlyMap<string, Schema> = (() => {
  const schemas = new Map<string, Schema>();
  for (const file of readdirSync(SCHEMA_DIR).filter((name) => name.endsWith('.json')).sort()) {
    for (const [key, schema] of Object.entries(JSON.parse(readFileSync(join(SCHEMA_DIR, file), 'utf8')).schemas)) {
      if (schemas.has(key)) throw new Error(`crd-schema: ${file} defines ${key} again`);
      schemas.set(key, schema as Schema);
    }
  }
  return schemas;
})();

/**
 * What the API server validates `metadata` of a custom resource against: ObjectMeta. It drops the fields
 * that ObjectMeta does not have (and rejects them under strict field validation).
 */
const OBJECT_META: Schema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    generateName: { type: 'string' },
    namespace: { type: 'string' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
    finalizers: { type: 'array', items: { type: 'string' } },
    ownerReferences: { type: 'array', items: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true } },
    managedFields: { type: 'array', items: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true } },
    uid: { type: 'string' },
    resourceVersion: { type: 'string' },
    generation: { type: 'integer' },
    creationTimestamp: { type: 'string', nullable: true },
    deletionTimestamp: { type: 'string', nullable: true },
    deletionGracePeriodSeconds: { type: 'integer' },
    selfLink: { type: 'string' },
  },
};

// verbose: the errors carry their schema, which describes a failed `oneOf`. Every test file compiles the
// schemas it uses again, in its own module registry: unoptimised code compiles in about half the time.
const ajv = kubernetesAjv({ verbose: true, code: { optimize: false } });

/** A schema compiled: its ajv validator, and the schema (of equal text) whose nodes have the compiled CEL rules. */
interface Compiled {
  readonly validate: ValidateFunction;
  readonly schema: Schema;
}

/** Each schema compiled once, by its text: Istio serves the same schema as v1 and v1beta1. */
const compiledByText = new Map<string, Compiled>();
const compiledBySchema = new WeakMap<Schema, Compiled>();

function compiledOf(schema: Schema): Compiled {
  let compiled = compiledBySchema.get(schema);
  if (!compiled) {
    const text = JSON.stringify(schema);
    compiled = compiledByText.get(text);
    if (!compiled) {
      // The API server adds apiVersion, kind and metadata to every CRD's schema; metadata is always
      // ObjectMeta, whatever the CRD declares for it (Gateway API's says `type: object`).
      const validate = ajv.compile(closed({
        ...schema,
        properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, ...schema.properties, metadata: OBJECT_META },
        required: [...new Set(['metadata', ...schema.required ?? []])],
      }));
      compileExtensions(schema);
      compiled = { validate, schema };
      compiledByText.set(text, compiled);
    }
    compiledBySchema.set(schema, compiled);
  }
  return compiled;
}

/**
 * A copy of a structural schema whose objects forbid the fields they do not declare: the API server prunes
 * those (unless `x-kubernetes-preserve-unknown-fields`), so YAML that has them would not do what it says.
 * Junctors (`allOf`, `oneOf`, ...) only constrain fields that are declared outside them: they stay as they are.
 */
function closed(schema: Schema): Schema {
  const copy: Schema = { ...schema };
  if (isMap(schema.properties)) {
    copy.properties = Object.fromEntries(Object.entries(schema.properties).map(([name, sub]) => [name, closed(sub)]));
  }
  if (isMap(schema.items)) copy.items = closed(schema.items);
  if (isMap(schema.additionalProperties)) copy.additionalProperties = closed(schema.additionalProperties);
  const isObject = schema.type === 'object' || isMap(schema.properties);
  if (isObject && schema.additionalProperties === undefined && schema['x-kubernetes-preserve-unknown-fields'] !== true) {
    copy.additionalProperties = false;
  }
  return copy;
}

function check(object: any, schemas: ReadonlyMap<string, Schema>): string[] {
  const prefix = label(object);
  if (!isMap(object)) {
    return [`${prefix}: not a Kubernetes object: ${JSON.stringify(object)}`];
  }
  const key = `${object.apiVersion}/${object.kind}`;
  const schema = schemas.get(key);
  if (schema === undefined) {
    return [`${prefix}: no schema for apiVersion ${JSON.stringify(object.apiVersion)} kind ${JSON.stringify(object.kind)}; known: ${[...schemas.keys()].join(', ')}`];
  }
  const { validate, schema: compiledSchema } = compiledOf(schema);
  const problems = validate(object) ? [] : describeAll(validate.errors ?? []);
  if (isMap(object.metadata)) problems.push(...metadataProblems(object.metadata));
  extensionProblems(object, compiledSchema, '', problems);
  return problems.map((problem) => `${prefix}: ${problem}`);
}

function label(object: any): string {
  const kind = isMap(object) && typeof object.kind === 'string' && object.kind !== '' ? object.kind : '<no kind>';
  const meta = isMap(object) ? object.metadata : undefined;
  const name = isMap(meta) && typeof meta.name === 'string' && meta.name !== '' ? meta.name : '<no name>';
  return `${kind}/${name}`;
}

// ---------------------------------------------------------------------------------------------------------------
// OpenAPI schema (ajv)
// ---------------------------------------------------------------------------------------------------------------

/**
 * One line per ajv error: the instance path (`/` for the object itself), ajv's message, and the useful params.
 * When a junctor (`oneOf`, `anyOf`, `not`) fails, only its own error is kept: the errors of its branches say
 * why each alternative did not match, which is noise.
 */
function describeAll(errors: ErrorObject[]): string[] {
  const junctors = errors.filter((e) => ['oneOf', 'anyOf', 'not'].includes(e.keyword)).map((e) => `${e.schemaPath}/`);
  return errors
    .filter((e) => !junctors.some((path) => e.schemaPath.startsWith(path)))
    .map(describe);
}

function describe(error: ErrorObject): string {
  const where = error.instancePath || '/';
  if (error.keyword === 'additionalProperties') {
    return `${pointer(error.instancePath, error.params.additionalProperty)} is not a field of the schema: the API server would drop it`;
  }
  if (error.keyword === 'enum') {
    return `${where} ${error.message} (${error.params.allowedValues.map((v: unknown) => JSON.stringify(v)).join(', ')})`;
  }
  if (error.keyword === 'oneOf' && Array.isArray(error.params.passingSchemas)) {
    // Istio's "at most one of" pattern: oneOf [{not: {anyOf: [{required: [a]}, ...]}}, {required: [a]}, ...].
    const fields = atMostOneOf((error as any).schema);
    if (fields) return `${where} must set at most one of ${fields.join(', ')}`;
  }
  return `${where} ${error.message ?? error.keyword}`;
}

/** The fields of an "at most one of" `oneOf`, or undefined if it is not of that form. */
function atMostOneOf(branches: unknown): string[] | undefined {
  if (!Array.isArray(branches)) return undefined;
  const fields = branches.slice(1).map((b) => Array.isArray(b?.required) && b.required.length === 1 ? b.required[0] : undefined);
  return fields.length > 0 && fields.every((f) => typeof f === 'string') && isMap(branches[0]?.not) ? fields : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// metadata, as the API server's ObjectMeta validation checks it for a custom resource
// ---------------------------------------------------------------------------------------------------------------

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const SUBDOMAIN = 'a lowercase RFC 1123 subdomain (lower case alphanumeric characters, \'-\' or \'.\', starting and ending with an alphanumeric character, at most 253 characters)';
const LABEL = 'a lowercase RFC 1123 label (lower case alphanumeric characters or \'-\', starting and ending with an alphanumeric character, at most 63 characters)';
const QUALIFIED = 'a qualified name (an optional DNS subdomain prefix and \'/\', then at most 63 alphanumeric characters, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric character)';
const LABEL_VALUE = 'a label value (empty, or at most 63 alphanumeric characters, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric character)';
const ANNOTATIONS_MAX_BYTES = 256 * 1024;

function metadataProblems(meta: Record<string, any>): string[] {
  const problems: string[] = [];
  if (meta.name === undefined && meta.generateName === undefined) {
    problems.push('/metadata must have name or generateName');
  }
  if (typeof meta.name === 'string' && !isSubdomain(meta.name)) {
    problems.push(`/metadata/name ${JSON.stringify(meta.name)} is not ${SUBDOMAIN}`);
  }
  if (typeof meta.namespace === 'string' && !(meta.namespace.length <= 63 && DNS1123_LABEL.test(meta.namespace))) {
    problems.push(`/metadata/namespace ${JSON.stringify(meta.namespace)} is not ${LABEL}`);
  }
  if (isMap(meta.labels)) {
    for (const [key, value] of Object.entries(meta.labels)) {
      if (!isQualifiedName(key)) problems.push(`/metadata/labels key ${JSON.stringify(key)} is not ${QUALIFIED}`);
      if (typeof value === 'string' && !(value === '' || (value.length <= 63 && QUALIFIED_NAME.test(value)))) {
        problems.push(`${pointer('/metadata/labels', key)} ${JSON.stringify(value)} is not ${LABEL_VALUE}`);
      }
    }
  }
  if (isMap(meta.annotations)) {
    let bytes = 0;
    for (const [key, value] of Object.entries(meta.annotations)) {
      // The API server checks annotation keys in lower case.
      if (!isQualifiedName(key.toLowerCase())) problems.push(`/metadata/annotations key ${JSON.stringify(key)} is not ${QUALIFIED}`);
      bytes += Buffer.byteLength(key) + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
    }
    if (bytes > ANNOTATIONS_MAX_BYTES) {
      problems.push(`/metadata/annotations are ${bytes} bytes, more than the ${ANNOTATIONS_MAX_BYTES} the API server allows`);
    }
  }
  return problems;
}

function isSubdomain(name: string): boolean {
  return name.length <= 253 && DNS1123_SUBDOMAIN.test(name);
}

function isQualifiedName(key: string): boolean {
  const parts = key.split('/');
  const name = parts.pop()!;
  if (parts.length > 1) return false;
  if (parts.length === 1 && (parts[0] === '' || !isSubdomain(parts[0]))) return false;
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}

// ---------------------------------------------------------------------------------------------------------------
// CEL rules (x-kubernetes-validations)
// ---------------------------------------------------------------------------------------------------------------

const celEnvironment = celEnv({ funcs: strings });

type CelProgram = ReturnType<typeof plan>;

/** The rules of each schema node, with their messages. */
const celRules = new WeakMap<Schema, Array<{ rule: string; message?: string; program: CelProgram }>>();

/** Each rule parsed and planned once: most are repeated (Istio's duration rule 104 times in 12 schemas). */
const celPrograms = new Map<string, CelProgram>();

/** The schema nodes with rules or a list type at or below them: the others need no walk. */
const withExtensions = new WeakSet<Schema>();

/**
 * Compiles every rule of a schema, and notes where there are any. A rule that does not parse is a defect of
 * this checker: it throws.
 */
function compileExtensions(schema: Schema): boolean {
  const rules = schema['x-kubernetes-validations'];
  if (Array.isArray(rules)) {
    celRules.set(schema, rules.map(({ rule, message }) => {
      let program = celPrograms.get(rule);
      if (!program) {
        program = plan(celEnvironment, parse(rule));
        celPrograms.set(rule, program);
      }
      return { rule, message, program };
    }));
  }
  let found = Array.isArray(rules) || schema['x-kubernetes-list-type'] === 'map' || schema['x-kubernetes-list-type'] === 'set';
  for (const sub of [...Object.values(schema.properties ?? {}), schema.items, schema.additionalProperties]) {
    if (isMap(sub) && compileExtensions(sub)) found = true;
  }
  if (found) withExtensions.add(schema);
  return found;
}

/** A value whose type does not match its schema: the OpenAPI check reports it, and the API server does not run its rules. */
class TypeMismatch extends Error {}

/**
 * What the Kubernetes extensions of the schema ask of every value the object has: unique entries of lists
 * of `x-kubernetes-list-type` map and set, and the CEL rules, which the API server evaluates after it
 * pruned the fields that the schema does not declare.
 */
function extensionProblems(value: unknown, schema: Schema, path: string, problems: string[]): void {
  if (value === undefined || value === null || !withExtensions.has(schema)) return;
  const where = path || '/';
  if (Array.isArray(value)) problems.push(...duplicates(value, schema, path));
  const rules = celRules.get(schema) ?? [];
  if (rules.length > 0) {
    let self: CelInput | undefined;
    try {
      self = toCel(value, schema);
    } catch (e) {
      if (!(e instanceof TypeMismatch)) problems.push(`${where} cannot evaluate its x-kubernetes-validations: ${(e as Error).message}`);
    }
    if (self !== undefined) {
      for (const { rule, message, program } of rules) {
        const result = program({ self });
        if (isCelError(result)) {
          problems.push(`${where} rule ${JSON.stringify(rule)} failed to evaluate: ${result.message}`);
        } else if (result !== true) {
          problems.push(`${where} ${message ?? `failed rule: ${rule}`}`);
        }
      }
    }
  }
  if (isMap(value) && isMap(schema.properties)) {
    for (const [name, sub] of Object.entries(schema.properties)) {
      extensionProblems(value[name], sub, pointer(path, name), problems);
    }
  } else if (isMap(value) && isMap(schema.additionalProperties)) {
    for (const [name, sub] of Object.entries(value)) {
      extensionProblems(sub, schema.additionalProperties, pointer(path, name), problems);
    }
  } else if (Array.isArray(value) && isMap(schema.items)) {
    value.forEach((item, i) => extensionProblems(item, schema.items, pointer(path, String(i)), problems));
  }
}

/** The entries of a list that repeat an earlier one: by its keys in a list-type map, whole in a set. */
function duplicates(list: unknown[], schema: Schema, path: string): string[] {
  const type = schema['x-kubernetes-list-type'];
  if (type !== 'map' && type !== 'set') return [];
  const keys: string[] = type === 'map' ? schema['x-kubernetes-list-map-keys'] ?? [] : [];
  const seen = new Set<string>();
  const problems: string[] = [];
  list.forEach((item, i) => {
    const identity = type === 'map' && isMap(item)
      ? `with ${keys.map((key) => `${key} ${JSON.stringify(item[key])}`).join(', ')}`
      : JSON.stringify(item);
    if (seen.has(identity)) {
      problems.push(`${pointer(path, String(i))} repeats an earlier entry ${identity} (x-kubernetes-list-type ${type})`);
    }
    seen.add(identity);
  });
  return problems;
}

/**
 * A JSON value as the API server hands it to CEL: typed by its schema (integers are CEL ints, objects are
 * maps of their declared fields), without the fields it would prune.
 */
function toCel(value: unknown, schema: Schema): CelInput {
  if (value === null) return null;
  if (schema['x-kubernetes-int-or-string'] === true) {
    if (typeof value === 'string') return value;
    if (Number.isInteger(value)) return BigInt(value as number);
    throw new TypeMismatch();
  }
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') throw new TypeMismatch();
      if (schema.format === 'byte') return Buffer.from(value, 'base64');
      if (['date', 'date-time', 'duration'].includes(schema.format)) {
        throw new Error(`a string of format ${schema.format} (a CEL timestamp or duration) is not supported by this checker`);
      }
      return value;
    case 'integer':
      if (!Number.isInteger(value)) throw new TypeMismatch();
      return BigInt(value as number);
    case 'number':
      if (typeof value !== 'number') throw new TypeMismatch();
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw new TypeMismatch();
      return value;
    case 'array':
      if (!Array.isArray(value)) throw new TypeMismatch();
      return value.map((item) => toCel(item, schema.items ?? {}));
    case 'object': {
      if (!isMap(value)) throw new TypeMismatch();
      const fields = new Map<string, CelInput>();
      for (const [name, field] of Object.entries(value)) {
        const sub = isMap(schema.properties) ? schema.properties[name] : schema.additionalProperties;
        if (isMap(sub)) fields.set(name, toCel(field, sub));
        else if (preserve) fields.set(name, untyped(field));
      }
      return fields;
    }
    default:
      if (preserve) return untyped(value);
      throw new Error(`a schema node of type ${JSON.stringify(schema.type)} is not supported by this checker`);
  }
}

/** A value of a field the schema does not type (x-kubernetes-preserve-unknown-fields), as CEL's dyn. */
function untyped(value: unknown): CelInput {
  if (Number.isInteger(value)) return BigInt(value as number);
  if (Array.isArray(value)) return value.map(untyped);
  if (isMap(value)) return new Map(Object.entries(value).map(([k, v]) => [k, untyped(v)]));
  return value as CelInput;
}

/** A JSON pointer one step down, as ajv writes instance paths. */
function pointer(path: string, key: string): string {
  return `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function isMap(v: any): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
