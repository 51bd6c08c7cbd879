import { isIP } from 'net';
import Ajv, { Options } from 'ajv';

/**
 * An ajv that reads CRD OpenAPI v3 schemas as the API server does, as far as validation goes: strict (so a
 * keyword or format ajv does not know fails the compilation), with the Kubernetes extensions known as
 * annotations and the formats of the schemas we use checked. It does not prune unknown fields (the API
 * server drops them; neither rejects them): see crd-schema.ts for a check that reports them.
 */
export function kubernetesAjv(options: Options = {}): Ajv {
  // strictRequired would reject the usual Kubernetes `oneOf: [{required: [a]}, ...]`, whose properties are
  // declared outside the junctor (the API server requires exactly that: see structural-schema.ts).
  // strictTypes would reject a format without a type inside anyOf (Gateway API's `addresses`), which a
  // structural schema allows: the type is declared at the junctor's level.
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, strictTypes: false, ...options });
  for (const keyword of [
    'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource', 'x-kubernetes-int-or-string',
    'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type', 'x-kubernetes-validations',
  ]) {
    ajv.addKeyword(keyword);
  }
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('double', { type: 'number', validate: () => true });
  // As the API server parses them: RFC 3339 date-times, and standard padded base64.
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:?\d{2})$/);
  ajv.addFormat('byte', /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
  // As the API server checks them (net.ParseIP of the right family).
  ajv.addFormat('ipv4', { type: 'string', validate: (ip: string) => isIP(ip) === 4 });
  ajv.addFormat('ipv6', { type: 'string', validate: (ip: string) => isIP(ip) === 6 });
  return ajv;
}
