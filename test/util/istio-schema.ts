import { spawnSync } from 'child_process';
import * as path from 'path';

/**
 * The ES module that does the work: `@kubernetes-models/istio` is ESM-only, and jest runs tests as CommonJS.
 * It must not be called `istio-schema.mjs`: jest's default moduleFileExtensions try `.mjs` before `.ts`,
 * so `import ... from './istio-schema'` would then load the ES module instead of this file, and fail.
 */
const VALIDATOR = path.join(__dirname, 'istio-schema-check.mjs');

/**
 * Validates Kubernetes objects against the schemas of Istio's published CRDs, as packaged by
 * `@kubernetes-models/istio` (networking.istio.io v1/v1beta1 ServiceEntry, Gateway, DestinationRule,
 * VirtualService, Sidecar; security.istio.io v1/v1beta1 AuthorizationPolicy).
 *
 * Returns one message per problem, each prefixed with `<kind>/<metadata.name>:`; an empty array
 * means every object is valid. An object of any other apiVersion/kind is reported as an error.
 *
 * What this does NOT check (the packaged schemas are plain OpenAPI, without Kubernetes extensions):
 * unknown fields are accepted, CEL rules (`x-kubernetes-validations`) are not evaluated, and
 * metadata.name is not checked against DNS-1123 rules.
 *
 * @throws if the validator process could not run or failed internally (its stderr is in the message)
 */
export function istioSchemaErrors(objects: any[]): string[] {
  const result = spawnSync(process.execPath, [VALIDATOR], {
    input: JSON.stringify(objects),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) {
    throw new Error(`istio-schema: could not run ${VALIDATOR}: ${result.error.message}`);
  }
  if (result.status !== 0) {
    const how = result.status === null ? `signal ${result.signal}` : `exit status ${result.status}`;
    throw new Error(`istio-schema: ${VALIDATOR} failed (${how}):\n${result.stderr}`);
  }
  let errors: unknown;
  try {
    errors = JSON.parse(result.stdout);
  } catch {
    throw new Error(`istio-schema: unparsable output ${JSON.stringify(result.stdout)}:\n${result.stderr}`);
  }
  if (!Array.isArray(errors) || !errors.every((e) => typeof e === 'string')) {
    throw new Error(`istio-schema: expected a JSON array of strings, got ${result.stdout}`);
  }
  return errors;
}
