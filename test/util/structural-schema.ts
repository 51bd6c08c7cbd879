/**
 * A static check that a CustomResourceDefinition's `openAPIV3Schema` is one the Kubernetes API server
 * accepts in apiextensions.k8s.io/v1: a *structural* schema ("Specifying a structural schema" in the
 * Kubernetes docs), without the OpenAPI features CRDs forbid, and with well-formed Kubernetes extensions.
 *
 * The rules follow the API server's own checks (k8s.io/apiextensions-apiserver, pkg/apiserver/schema
 * validation.go and complete.go, and pkg/apis/apiextensions/validation/validation.go); each message names
 * the offending node the way the API server does, e.g.
 * `openAPIV3Schema.properties[spec].properties[port].type: Required value: must not be empty for specified object fields`.
 *
 * Not checked (they need a real API server or a CEL/Go-regexp implementation): that CEL rules in
 * `x-kubernetes-validations` compile and fit the cost budget; that a `default` validates against its
 * schema and survives pruning; Go RE2 regexp syntax (patterns are compiled as JavaScript regexps,
 * and look-around and back-references, which RE2 lacks, are reported); unknown `format`s (the API
 * server only warns about them).
 */

/** Options of {@link structuralSchemaViolations}. */
export interface StructuralSchemaOptions {
  /**
   * The CRD version enables the status subresource. The API server then allows only some keywords at the root
   * of the schema (those that remain meaningful when the status schema is cut out as `properties[status]`).
   * @default false
   */
  readonly statusSubresource?: boolean;
}

type Schema = Record<string, any>;

/** Where a node sits in the structural part of the schema (root, array item or object field). */
type Level = 'root' | 'item' | 'field';

/** The fields of apiextensions.k8s.io/v1 JSONSchemaProps. Any other keyword is an unknown field. */
const JSON_SCHEMA_PROPS = new Set([
  'id', '$schema', '$ref', 'description', 'type', 'format', 'title', 'default',
  'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern',
  'maxItems', 'minItems', 'uniqueItems', 'multipleOf', 'enum', 'maxProperties', 'minProperties', 'required',
  'items', 'allOf', 'oneOf', 'anyOf', 'not', 'properties', 'additionalProperties', 'patternProperties',
  'dependencies', 'additionalItems', 'definitions', 'externalDocs', 'example', 'nullable',
  'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource', 'x-kubernetes-int-or-string',
  'x-kubernetes-list-map-keys', 'x-kubernetes-list-type', 'x-kubernetes-map-type', 'x-kubernetes-validations',
]);

/** OpenAPI keywords the Kubernetes docs name as not settable in a CRD schema, with the API server's reason. */
const FORBIDDEN_KEYWORDS: Record<string, string> = {
  id: 'id is not supported',
  $ref: '$ref is not supported',
  definitions: 'definitions is not supported',
  dependencies: 'dependencies is not supported',
  patternProperties: 'patternProperties is not supported',
  additionalItems: 'additionalItems is not supported',
  // Not fields of JSONSchemaProps at all: dropped with a warning, or rejected by strict field validation.
  deprecated: 'deprecated cannot be set in a CRD schema',
  discriminator: 'discriminator cannot be set in a CRD schema',
  readOnly: 'readOnly cannot be set in a CRD schema',
  writeOnly: 'writeOnly cannot be set in a CRD schema',
  xml: 'xml cannot be set in a CRD schema',
};

/** The types a CRD schema may name. */
const TYPES = new Set(['array', 'boolean', 'integer', 'number', 'object', 'string']);

/** Keywords allowed at the root when the status subresource is enabled (validation.go, allowedFieldsAtRootSchema). */
const ROOT_KEYWORDS_WITH_STATUS = new Set([
  'description', 'type', 'format', 'title', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum',
  'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'multipleOf', 'required',
  'items', 'properties', 'externalDocs', 'example', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-validations',
]);

/** The logical junctors, whose subschemas are value validations only. */
const JUNCTORS = ['allOf', 'anyOf', 'oneOf', 'not'] as const;

/** Keywords that must not appear inside a junctor (they shape the structure, or are not validation). */
const FORBIDDEN_IN_JUNCTORS: Array<[keyword: string, requirement: string]> = [
  ['type', 'must be empty to be structural'],
  ['additionalProperties', 'must be undefined to be structural'],
  ['default', 'must be undefined to be structural'],
  ['title', 'must be empty to be structural'],
  ['description', 'must be empty to be structural'],
  ['nullable', 'must be false to be structural'],
  ['externalDocs', 'must be undefined to be structural'],
  ['x-kubernetes-preserve-unknown-fields', 'must be false to be structural'],
  ['x-kubernetes-embedded-resource', 'must be false to be structural'],
  ['x-kubernetes-int-or-string', 'must be false to be structural'],
  ['x-kubernetes-list-map-keys', 'must be empty to be structural'],
  ['x-kubernetes-list-type', 'must be undefined to be structural'],
  ['x-kubernetes-map-type', 'must be undefined to be structural'],
  ['x-kubernetes-validations', 'must be empty to be structural'],
];

const CEL_RULE_FIELDS = new Set(['rule', 'message', 'messageExpression', 'reason', 'fieldPath', 'optionalOldSelf']);
const CEL_REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

/**
 * Checks a CRD version's `openAPIV3Schema` against the rules the Kubernetes API server applies to
 * apiextensions.k8s.io/v1 CustomResourceDefinitions (see the module documentation for what is not checked).
 *
 * @param schema the `openAPIV3Schema` of one version
 * @param path the field path of `schema`, prefixed to every message (default `openAPIV3Schema`)
 * @returns one message per violation, `<path>: <problem>`; empty if the schema is acceptable
 */
export function structuralSchemaViolations(schema: any, path: string = 'openAPIV3Schema', options: StructuralSchemaOptions = {}): string[] {
  const out: string[] = [];
  if (!isSchema(schema)) {
    return [`${path}: Invalid value: must be a schema object, got ${describe(schema)}`];
  }

  // 1. What the API server checks on every JSONSchemaProps node, wherever it sits.
  checkOpenAPI(schema, path, { isRoot: true, insideResourceMeta: false }, out);
  if (options.statusSubresource) {
    checkRootWithStatus(schema, path, out);
  }
  if (schema.nullable === true) {
    out.push(`${path}.nullable: Forbidden: nullable cannot be true at the root`);
  }

  // 2. Structurality: types everywhere, junctors that only validate, metadata left alone.
  checkStructural(schema, 'root', path, out);

  // 3. Completeness: whatever a junctor mentions is also specified outside of it.
  checkCompleteness(schema, path, out);

  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// 1. JSONSchemaProps validation (validation.go: ValidateCustomResourceDefinitionOpenAPISchema and specStandardValidatorV3)
// ---------------------------------------------------------------------------------------------------------------

interface OpenAPIContext {
  /** The node is the root of the schema. */
  readonly isRoot: boolean;
  /** The node applies to apiVersion, kind or metadata of a resource (the top level or an embedded one). */
  readonly insideResourceMeta: boolean;
  /** Set when a `default` is not allowed here, with the reason. */
  readonly defaultForbidden?: string;
}

function checkOpenAPI(s: Schema, path: string, ctx: OpenAPIContext, out: string[]): void {
  checkKeywords(s, path, out);

  if (s.default !== undefined && ctx.defaultForbidden) {
    out.push(`${path}.default: Forbidden: must not be set ${ctx.defaultForbidden}`);
  }
  if (s.type === 'null') {
    out.push(`${path}.type: Forbidden: type cannot be set to null, use nullable as an alternative`);
  } else if (s.type !== undefined && !(typeof s.type === 'string' && TYPES.has(s.type))) {
    out.push(`${path}.type: Unsupported value: ${describe(s.type)}: supported values: ${[...TYPES].map((t) => `"${t}"`).join(', ')}`);
  }
  if (Array.isArray(s.items)) {
    out.push(`${path}.items: Forbidden: items must be a schema object and not an array`);
  }
  if (s.uniqueItems === true) {
    out.push(`${path}.uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`);
  }
  if (s.additionalProperties === false) {
    out.push(`${path}.additionalProperties: Forbidden: additionalProperties cannot be set to false`);
  }
  if (s.additionalProperties !== undefined && s.additionalProperties !== true && isNonEmptyMap(s.properties)) {
    // `additionalProperties: true` next to properties is tolerated by the API server (it means nothing).
    out.push(`${path}.additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`);
  }
  if (s['x-kubernetes-preserve-unknown-fields'] === false) {
    out.push(`${path}.x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined`);
  }
  if (ctx.insideResourceMeta && s['x-kubernetes-embedded-resource'] === true) {
    out.push(`${path}.x-kubernetes-embedded-resource: Forbidden: must not be used inside of resource meta`);
  }
  if (typeof s.pattern === 'string') {
    checkPattern(s.pattern, `${path}.pattern`, out);
  }
  checkMapAndListTypes(s, path, out);
  checkCelRules(s['x-kubernetes-validations'], `${path}.x-kubernetes-validations`, out);

  // Recurse into every subschema.
  if (isSchema(s.additionalProperties)) {
    checkOpenAPI(s.additionalProperties, `${path}.additionalProperties`, {
      isRoot: false,
      insideResourceMeta: ctx.insideResourceMeta,
      defaultForbidden: ctx.insideResourceMeta ? 'inside additionalProperties applying to object metadata' : ctx.defaultForbidden,
    }, out);
  } else if (s.additionalProperties !== undefined && typeof s.additionalProperties !== 'boolean') {
    out.push(`${path}.additionalProperties: Invalid value: must be a schema or a boolean, got ${describe(s.additionalProperties)}`);
  }
  if (s.properties !== undefined) {
    if (!isMap(s.properties)) {
      out.push(`${path}.properties: Invalid value: must be a map of schemas, got ${describe(s.properties)}`);
    } else {
      for (const [name, sub] of Object.entries(s.properties)) {
        const subPath = `${path}.properties[${name}]`;
        if (!isSchema(sub)) {
          out.push(`${subPath}: Invalid value: must be a schema object, got ${describe(sub)}`);
          continue;
        }
        let subCtx: OpenAPIContext = { isRoot: false, insideResourceMeta: ctx.insideResourceMeta, defaultForbidden: ctx.defaultForbidden };
        if ((ctx.isRoot || s['x-kubernetes-embedded-resource'] === true) && META_FIELDS.has(name)) {
          subCtx = { ...subCtx, insideResourceMeta: true };
          if (ctx.isRoot) {
            subCtx = { ...subCtx, defaultForbidden: `in top-level ${name}` };
          }
        }
        checkOpenAPI(sub, subPath, subCtx, out);
      }
    }
  }
  const inherited: OpenAPIContext = { isRoot: false, insideResourceMeta: ctx.insideResourceMeta, defaultForbidden: ctx.defaultForbidden };
  if (isSchema(s.items)) {
    checkOpenAPI(s.items, `${path}.items`, inherited, out);
  } else if (Array.isArray(s.items)) {
    s.items.forEach((sub: any, i: number) => isSchema(sub) && checkOpenAPI(sub, `${path}.items[${i}]`, inherited, out));
  } else if (s.items !== undefined) {
    out.push(`${path}.items: Invalid value: must be a schema object, got ${describe(s.items)}`);
  }
  if (s.not !== undefined) {
    if (isSchema(s.not)) {
      checkOpenAPI(s.not, `${path}.not`, inherited, out);
    } else {
      out.push(`${path}.not: Invalid value: must be a schema object, got ${describe(s.not)}`);
    }
  }
  for (const junctor of ['allOf', 'oneOf', 'anyOf']) {
    if (s[junctor] === undefined) continue;
    if (!Array.isArray(s[junctor])) {
      out.push(`${path}.${junctor}: Invalid value: must be a list of schemas, got ${describe(s[junctor])}`);
      continue;
    }
    s[junctor].forEach((sub: any, i: number) => {
      if (isSchema(sub)) {
        checkOpenAPI(sub, `${path}.${junctor}[${i}]`, inherited, out);
      } else {
        out.push(`${path}.${junctor}[${i}]: Invalid value: must be a schema object, got ${describe(sub)}`);
      }
    });
  }
}

/** Unknown and forbidden keywords, and keywords whose value has the wrong JSON type (a decoding error). */
function checkKeywords(s: Schema, path: string, out: string[]): void {
  for (const key of Object.keys(s)) {
    if (FORBIDDEN_KEYWORDS[key] !== undefined) {
      out.push(`${path}.${key}: Forbidden: ${FORBIDDEN_KEYWORDS[key]}`);
    } else if (!JSON_SCHEMA_PROPS.has(key)) {
      out.push(`${path}.${key}: Forbidden: unknown field: not a field of JSONSchemaProps in apiextensions.k8s.io/v1`);
    }
  }
  const expect = (keys: string[], ok: (v: any) => boolean, what: string) => {
    for (const key of keys) {
      if (s[key] !== undefined && !ok(s[key])) {
        out.push(`${path}.${key}: Invalid value: ${describe(s[key])}: must be ${what}`);
      }
    }
  };
  const isCount = (v: any) => Number.isInteger(v) && v >= 0;
  expect(['description', 'title', 'format', 'pattern', '$schema'], (v) => typeof v === 'string', 'a string');
  expect(['maximum', 'minimum'], (v) => typeof v === 'number', 'a number');
  expect(['multipleOf'], (v) => typeof v === 'number' && v > 0, 'a number greater than 0');
  expect(['maxLength', 'minLength', 'maxItems', 'minItems', 'maxProperties', 'minProperties'], isCount, 'a non-negative integer');
  // OpenAPI v3.0 (not JSON Schema 2019+): exclusiveMaximum/exclusiveMinimum are booleans modifying maximum/minimum.
  expect(['exclusiveMaximum', 'exclusiveMinimum', 'uniqueItems', 'nullable'], (v) => typeof v === 'boolean', 'a boolean');
  expect(['x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource', 'x-kubernetes-int-or-string'],
    (v) => typeof v === 'boolean', 'a boolean');
  expect(['enum'], Array.isArray, 'a list');
  expect(['required', 'x-kubernetes-list-map-keys'], (v) => Array.isArray(v) && v.every((e) => typeof e === 'string'), 'a list of strings');
  expect(['x-kubernetes-list-type', 'x-kubernetes-map-type'], (v) => typeof v === 'string', 'a string');
  expect(['externalDocs'], isMap, 'an object');
}

/** `x-kubernetes-list-type`, `x-kubernetes-list-map-keys` and `x-kubernetes-map-type`. */
function checkMapAndListTypes(s: Schema, path: string, out: string[]): void {
  const mapType = s['x-kubernetes-map-type'];
  if (mapType !== undefined) {
    if (s.type !== 'object') {
      out.push(s.type === undefined
        ? `${path}.type: Required value: must be object if x-kubernetes-map-type is specified`
        : `${path}.type: Invalid value: ${describe(s.type)}: must be object if x-kubernetes-map-type is specified`);
    }
    if (mapType !== 'atomic' && mapType !== 'granular') {
      out.push(`${path}.x-kubernetes-map-type: Unsupported value: ${describe(mapType)}: supported values: "atomic", "granular"`);
    }
  }

  const listType = s['x-kubernetes-list-type'];
  const items = isSchema(s.items) ? s.items : undefined;
  if (listType !== undefined) {
    if (s.type !== 'array') {
      out.push(s.type === undefined
        ? `${path}.type: Required value: must be array if x-kubernetes-list-type is specified`
        : `${path}.type: Invalid value: ${describe(s.type)}: must be array if x-kubernetes-list-type is specified`);
    } else if (listType === 'set' && items) {
      if (items.type === 'array' && items['x-kubernetes-list-type'] !== undefined && items['x-kubernetes-list-type'] !== 'atomic') {
        out.push(`${path}.items.x-kubernetes-list-type: Invalid value: must be atomic as item of a list with x-kubernetes-list-type=set`);
      }
      if (items.type === 'object' && items['x-kubernetes-map-type'] !== 'atomic') {
        out.push(`${path}.items.x-kubernetes-map-type: Invalid value: must be atomic as item of a list with x-kubernetes-list-type=set`);
      }
    }
    if (listType !== 'atomic' && listType !== 'set' && listType !== 'map') {
      out.push(`${path}.x-kubernetes-list-type: Unsupported value: ${describe(listType)}: supported values: "atomic", "set", "map"`);
    }
    if ((listType === 'set' || listType === 'map') && items?.nullable === true) {
      out.push(`${path}.items.nullable: Forbidden: cannot be nullable when x-kubernetes-list-type is ${listType}`);
    }
  }

  const keys = s['x-kubernetes-list-map-keys'];
  const hasKeys = Array.isArray(keys) && keys.length > 0;
  if (hasKeys && listType !== 'map') {
    out.push(listType === undefined
      ? `${path}.x-kubernetes-list-type: Required value: must be map if x-kubernetes-list-map-keys is non-empty`
      : `${path}.x-kubernetes-list-type: Invalid value: ${describe(listType)}: must be map if x-kubernetes-list-map-keys is non-empty`);
  }
  if (listType === 'map') {
    if (!hasKeys) {
      out.push(`${path}.x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map`);
    }
    if (s.items === undefined) {
      out.push(`${path}.items: Required value: must have a schema if x-kubernetes-list-type is map`);
    } else if (!items) {
      out.push(`${path}.items: Invalid value: must only have a single schema if x-kubernetes-list-type is map`);
    } else if (items.type !== 'object') {
      out.push(`${path}.items.type: Invalid value: ${describe(items.type)}: must be object if parent array's x-kubernetes-list-type is map`);
    } else if (hasKeys) {
      const seen = new Set<string>();
      const required = new Set(Array.isArray(items.required) ? items.required : []);
      for (const key of keys as string[]) {
        const prop = isMap(items.properties) ? items.properties[key] : undefined;
        if (!isSchema(prop)) {
          out.push(`${path}.x-kubernetes-list-map-keys: Invalid value: ${describe(keys)}: entries must all be names of item properties (${describe(key)} is not)`);
        } else {
          if (prop.type === 'array' || prop.type === 'object') {
            out.push(`${path}.items.properties[${key}].type: Invalid value: ${describe(prop.type)}: must be a scalar type if parent array's x-kubernetes-list-type is map`);
          }
          if (!required.has(key) && prop.default === undefined) {
            out.push(`${path}.items.properties[${key}].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property`);
          }
          if (prop.nullable === true) {
            out.push(`${path}.items.properties[${key}].nullable: Forbidden: this property is in x-kubernetes-list-map-keys, so it cannot be nullable`);
          }
        }
        if (seen.has(key)) {
          out.push(`${path}.x-kubernetes-list-map-keys: Invalid value: ${describe(keys)}: must not contain duplicate entries`);
        }
        seen.add(key);
      }
    }
  }
}

/** The shape of `x-kubernetes-validations` (the CEL expressions themselves are not compiled). */
function checkCelRules(rules: any, path: string, out: string[]): void {
  if (rules === undefined) return;
  if (!Array.isArray(rules)) {
    out.push(`${path}: Invalid value: ${describe(rules)}: must be a list of validation rules`);
    return;
  }
  rules.forEach((rule: any, i: number) => {
    const rulePath = `${path}[${i}]`;
    if (!isMap(rule)) {
      out.push(`${rulePath}: Invalid value: ${describe(rule)}: must be an object`);
      return;
    }
    for (const key of Object.keys(rule)) {
      if (!CEL_RULE_FIELDS.has(key)) {
        out.push(`${rulePath}.${key}: Forbidden: unknown field: not a field of ValidationRule`);
      }
    }
    if (typeof rule.rule !== 'string' || rule.rule.trim() === '') {
      out.push(`${rulePath}.rule: Required value: rule is not specified`);
    }
    if (rule.message !== undefined && (typeof rule.message !== 'string' || rule.message.trim() === '')) {
      out.push(`${rulePath}.message: Invalid value: ${describe(rule.message)}: message must be a non-empty string without only whitespace`);
    }
    if (rule.reason !== undefined && !CEL_REASONS.includes(rule.reason)) {
      out.push(`${rulePath}.reason: Unsupported value: ${describe(rule.reason)}: supported values: ${CEL_REASONS.map((r) => `"${r}"`).join(', ')}`);
    }
  });
}

/**
 * A pattern must be a regular expression the API server (Go's RE2) can compile. It is compiled as a JavaScript
 * regexp after translating the RE2-only syntax that is common in CRDs (`(?P<name>`, leading flag groups such as
 * `(?i)`, `\A`, `\z`, POSIX classes); look-around and back-references, which only JavaScript has, are reported.
 */
function checkPattern(pattern: string, path: string, out: string[]): void {
  const js = pattern
    .replace(/\(\?P<(?=[A-Za-z_])/g, '(?<')
    .replace(/\(\?[imsU]+\)/g, '')
    .replace(/\(\?[imsU]+:/g, '(?:')
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '$')
    .replace(/\[:\^?[a-z]+:\]/g, 'a');
  try {
    new RegExp(js);
  } catch (e) {
    out.push(`${path}: Invalid value: ${describe(pattern)}: must be a valid regular expression, but isn't: ${(e as Error).message}`);
    return;
  }
  // Outside of escapes and character classes, look for look-around groups and back-references.
  const bare = pattern.replace(/\\[^1-9]/g, '').replace(/\[(?:\\.|[^\]\\])*\]/g, '');
  if (/\(\?<?[=!]/.test(bare) || /\\[1-9]/.test(bare)) {
    out.push(`${path}: Invalid value: ${describe(pattern)}: must be a valid regular expression, but isn't: RE2 has no look-around and no back-references`);
  }
}

/** With the status subresource, only some keywords may be set at the root (validation.go, allowedFieldsAtRootSchema). */
function checkRootWithStatus(s: Schema, path: string, out: string[]): void {
  if (s.type !== undefined && s.type !== 'object') {
    out.push(`${path}.type: Invalid value: ${describe(s.type)}: only "object" is allowed as the type at the root of the schema if the status subresource is enabled`);
  }
  const extra = Object.keys(s).filter((key) => !ROOT_KEYWORDS_WITH_STATUS.has(key) && !isZero(s[key]));
  if (extra.length > 0) {
    out.push(`${path}: Invalid value: ${extra.join(', ')}: only ${[...ROOT_KEYWORDS_WITH_STATUS].join(', ')} are allowed at the root of the schema if the status subresource is enabled`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Structurality (apiserver/schema/validation.go: validateStructuralInvariants and validateNestedValueValidation)
// ---------------------------------------------------------------------------------------------------------------

function checkStructural(s: Schema, level: Level, path: string, out: string[]): void {
  const items = isSchema(s.items) ? s.items : undefined;
  const props: Record<string, Schema> = isMap(s.properties)
    ? Object.fromEntries(Object.entries(s.properties).filter(([, v]) => isSchema(v))) as Record<string, Schema>
    : {};
  const additional = isSchema(s.additionalProperties) ? s.additionalProperties : undefined;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserveUnknown = s['x-kubernetes-preserve-unknown-fields'] === true;
  const type = typeof s.type === 'string' ? s.type : '';

  if (type === 'array' && s.items === undefined) {
    out.push(`${path}.items: Required value: must be specified`);
  }
  if (items) {
    checkStructural(items, 'item', `${path}.items`, out);
  }
  for (const [name, sub] of Object.entries(props)) {
    checkStructural(sub, 'field', `${path}.properties[${name}]`, out);
  }
  if (s.additionalProperties !== undefined && level === 'root') {
    out.push(`${path}.additionalProperties: Forbidden: must not be used at the root`);
  }
  if (additional) {
    checkStructural(additional, 'field', `${path}.additionalProperties`, out);
  }

  if (intOrString && preserveUnknown) {
    out.push(`${path}.x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true`);
  }
  if (intOrString && embedded) {
    out.push(`${path}.x-kubernetes-embedded-resource: Invalid value: true: must be false if x-kubernetes-int-or-string is true`);
  }

  checkJunctors(s, isIntOrStringAnyOf(s), isIntOrStringAllOf(s), path, out);

  if (embedded && type !== 'object') {
    out.push(type === ''
      ? `${path}.type: Required value: must be object if x-kubernetes-embedded-resource is true`
      : `${path}.type: Invalid value: ${describe(s.type)}: must be object if x-kubernetes-embedded-resource is true`);
  } else if (type === '' && !intOrString && !preserveUnknown) {
    const where = { root: 'at the root', item: 'for specified array items', field: 'for specified object fields' }[level];
    out.push(`${path}.type: Required value: must not be empty ${where}`);
  }
  if (embedded && s.additionalProperties !== undefined) {
    out.push(`${path}.additionalProperties: Forbidden: must not be used if x-kubernetes-embedded-resource is set`);
  }
  if (level === 'root' && type !== '' && type !== 'object') {
    out.push(`${path}.type: Invalid value: ${describe(s.type)}: must be object at the root`);
  }

  const checkMetadata = level === 'root' || embedded;
  for (const field of ['kind', 'apiVersion']) {
    if (checkMetadata && props[field] && props[field].type !== 'string') {
      out.push(`${path}.properties[${field}].type: Invalid value: ${describe(props[field].type)}: must be string`);
    }
  }
  if (props.metadata) {
    checkMetadataSchema(props.metadata, checkMetadata, level, `${path}.properties[metadata]`, out);
  }

  if (embedded && !preserveUnknown && Object.keys(props).length === 0) {
    out.push(`${path}.properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields`);
  }
}

/** `metadata` of a resource is an ObjectMeta: it must be an object, and the top-level one may only restrict name and generateName. */
function checkMetadataSchema(m: Schema, checkMetadata: boolean, level: Level, path: string, out: string[]): void {
  if (checkMetadata && m.type !== 'object') {
    out.push(`${path}.type: Invalid value: ${describe(m.type)}: must be object`);
  }
  if (level !== 'root') return;
  const props = isMap(m.properties) ? Object.keys(m.properties) : [];
  const onlyNames = props.every((p) => p === 'name' || p === 'generateName');
  // `type` is checked above and `default` by the OpenAPI checks (defaults are forbidden in top-level metadata).
  const others = Object.keys(m).filter((key) => key !== 'type' && key !== 'default' && !(key === 'properties' && onlyNames));
  if (others.length > 0) {
    const what = others.map((key) => key === 'properties' ? `properties other than name and generateName (${props.join(', ')})` : key);
    out.push(`${path}: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified (found ${what.join('; ')})`);
  }
}

/** The two `x-kubernetes-int-or-string` patterns that may set `type` inside a junctor: `anyOf: [{type: integer}, {type: string}]` ... */
function isIntOrStringAnyOf(s: Schema | undefined): boolean {
  const anyOf = s?.anyOf;
  return Array.isArray(anyOf) && anyOf.length === 2 && isOnlyType(anyOf[0], 'integer') && isOnlyType(anyOf[1], 'string');
}

/** ... and `allOf: [{anyOf: [{type: integer}, {type: string}]}, ...]`. */
function isIntOrStringAllOf(s: Schema): boolean {
  return Array.isArray(s.allOf) && s.allOf.length >= 1 && isSchema(s.allOf[0]) && isIntOrStringAnyOf(s.allOf[0]);
}

function isOnlyType(s: any, type: string): boolean {
  return isSchema(s) && Object.keys(s).length === 1 && s.type === type;
}

/** The junctors of a node (structural or nested) hold value validations only (validateValueValidation). */
function checkJunctors(v: Schema, skipAnyOf: boolean, skipFirstAllOfAnyOf: boolean, path: string, out: string[]): void {
  if (!skipAnyOf && Array.isArray(v.anyOf)) {
    v.anyOf.forEach((sub: any, i: number) => isSchema(sub) && checkNested(sub, false, `${path}.anyOf[${i}]`, out));
  }
  if (Array.isArray(v.allOf)) {
    v.allOf.forEach((sub: any, i: number) => isSchema(sub) && checkNested(sub, skipFirstAllOfAnyOf && i === 0, `${path}.allOf[${i}]`, out));
  }
  if (Array.isArray(v.oneOf)) {
    v.oneOf.forEach((sub: any, i: number) => isSchema(sub) && checkNested(sub, false, `${path}.oneOf[${i}]`, out));
  }
  if (isSchema(v.not)) {
    checkNested(v.not, false, `${path}.not`, out);
  }
}

/** A schema under a junctor (validateNestedValueValidation). */
function checkNested(v: Schema, skipAnyOf: boolean, path: string, out: string[]): void {
  checkJunctors(v, skipAnyOf, false, path, out);
  if (isSchema(v.items)) {
    checkNested(v.items, false, `${path}.items`, out);
  }
  if (isMap(v.properties)) {
    for (const [name, sub] of Object.entries(v.properties)) {
      if (isSchema(sub)) checkNested(sub, false, `${path}.properties[${name}]`, out);
    }
    if (v.properties.metadata !== undefined) {
      out.push(`${path}.properties[metadata]: Forbidden: must not be specified in a nested context`);
    }
  }
  for (const [keyword, requirement] of FORBIDDEN_IN_JUNCTORS) {
    const value = v[keyword];
    if (value !== undefined && !isZero(value)) {
      out.push(`${path}.${keyword}: Forbidden: ${requirement}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Completeness (apiserver/schema/complete.go): fields and items named in a junctor are specified outside of it.
//    The API server checks this for the junctors of the root; the documented rule applies to every node, and so
//    does this check.
// ---------------------------------------------------------------------------------------------------------------

function checkCompleteness(s: Schema, path: string, out: string[]): void {
  forEachJunctor(s, path, (sub, subPath) => checkNestedCompleteness(sub, s, path, subPath, out));
  if (isSchema(s.items)) checkCompleteness(s.items, `${path}.items`, out);
  if (isMap(s.properties)) {
    for (const [name, sub] of Object.entries(s.properties)) {
      if (isSchema(sub)) checkCompleteness(sub, `${path}.properties[${name}]`, out);
    }
  }
  if (isSchema(s.additionalProperties)) checkCompleteness(s.additionalProperties, `${path}.additionalProperties`, out);
}

function checkNestedCompleteness(v: Schema, s: Schema | undefined, sPath: string, vPath: string, out: string[]): void {
  if (s === undefined) {
    out.push(`${sPath}: Required value: because it is defined in ${vPath}`);
    return;
  }
  forEachJunctor(v, vPath, (sub, subPath) => checkNestedCompleteness(sub, s, sPath, subPath, out));
  if (isSchema(v.items)) {
    checkNestedCompleteness(v.items, isSchema(s.items) ? s.items : undefined, `${sPath}.items`, `${vPath}.items`, out);
  }
  if (isMap(v.properties)) {
    for (const [name, sub] of Object.entries(v.properties)) {
      if (!isSchema(sub)) continue;
      const structural = isMap(s.properties) && isSchema(s.properties[name]) ? s.properties[name] : undefined;
      checkNestedCompleteness(sub, structural, `${sPath}.properties[${name}]`, `${vPath}.properties[${name}]`, out);
    }
  }
}

function forEachJunctor(s: Schema, path: string, visit: (sub: Schema, subPath: string) => void): void {
  for (const junctor of JUNCTORS) {
    const value = s[junctor];
    if (junctor === 'not') {
      if (isSchema(value)) visit(value, `${path}.not`);
    } else if (Array.isArray(value)) {
      value.forEach((sub: any, i: number) => isSchema(sub) && visit(sub, `${path}.${junctor}[${i}]`));
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------

function isMap(v: any): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isSchema(v: any): v is Schema {
  return isMap(v);
}

function isNonEmptyMap(v: any): boolean {
  return isMap(v) && Object.keys(v).length > 0;
}

/** The Go zero value: such a keyword is as good as absent to the API server. */
function isZero(v: any): boolean {
  return v === undefined || v === null || v === false || v === '' || (Array.isArray(v) && v.length === 0);
}

function describe(v: any): string {
  return v === undefined ? 'undefined' : JSON.stringify(v);
}
