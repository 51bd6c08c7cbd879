// Validates Istio objects against the schemas that @kubernetes-models/istio generated from
// Istio's published CRDs. An ES module run as a child process, because the package is ESM-only
// and jest runs the tests as CommonJS (see istio-schema.ts, which runs this file; the file is not
// named istio-schema.mjs, because jest would then resolve `./istio-schema` to it instead of the .ts).
//
// stdin:  a JSON array of Kubernetes objects.
// stdout: a JSON array of error strings, each `<kind>/<metadata.name>: <message>`.
// Exit status 0 whenever the objects could be checked (even if some are invalid); non-zero only
// when the input is not a JSON array or the validator itself failed (the reason is on stderr).
import { readFileSync } from 'node:fs';

import { DestinationRule as DestinationRuleV1 } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import { Gateway as GatewayV1 } from '@kubernetes-models/istio/networking.istio.io/v1/Gateway';
import { ServiceEntry as ServiceEntryV1 } from '@kubernetes-models/istio/networking.istio.io/v1/ServiceEntry';
import { Sidecar as SidecarV1 } from '@kubernetes-models/istio/networking.istio.io/v1/Sidecar';
import { VirtualService as VirtualServiceV1 } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import { DestinationRule as DestinationRuleV1beta1 } from '@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule';
import { Gateway as GatewayV1beta1 } from '@kubernetes-models/istio/networking.istio.io/v1beta1/Gateway';
import { ServiceEntry as ServiceEntryV1beta1 } from '@kubernetes-models/istio/networking.istio.io/v1beta1/ServiceEntry';
import { Sidecar as SidecarV1beta1 } from '@kubernetes-models/istio/networking.istio.io/v1beta1/Sidecar';
import { VirtualService as VirtualServiceV1beta1 } from '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService';
import { AuthorizationPolicy as AuthorizationPolicyV1 } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { AuthorizationPolicy as AuthorizationPolicyV1beta1 } from '@kubernetes-models/istio/security.istio.io/v1beta1/AuthorizationPolicy';

/** The model classes, keyed by `<apiVersion>/<kind>` (each class knows its own apiVersion and kind). */
const MODELS = new Map(
  [
    ServiceEntryV1, GatewayV1, DestinationRuleV1, VirtualServiceV1, SidecarV1,
    ServiceEntryV1beta1, GatewayV1beta1, DestinationRuleV1beta1, VirtualServiceV1beta1, SidecarV1beta1,
    AuthorizationPolicyV1, AuthorizationPolicyV1beta1,
  ].map((model) => [`${model.apiVersion}/${model.kind}`, model]),
);

/** One line per ajv error: the instance path (`/` for the object itself), ajv's message, and the useful params. */
function describe(error) {
  const where = error.instancePath || '/';
  let detail = '';
  if (error.keyword === 'enum' && Array.isArray(error.params?.allowedValues)) {
    detail = ` (${error.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')})`;
  } else if (error.keyword === 'additionalProperties' && error.params?.additionalProperty !== undefined) {
    detail = ` (${JSON.stringify(error.params.additionalProperty)})`;
  }
  return `${where} ${error.message ?? error.keyword}${detail}`;
}

function label(object) {
  const isObject = object !== null && typeof object === 'object' && !Array.isArray(object);
  const kind = isObject && typeof object.kind === 'string' && object.kind !== '' ? object.kind : '<no kind>';
  const meta = isObject ? object.metadata : undefined;
  const name = meta && typeof meta.name === 'string' && meta.name !== '' ? meta.name : '<no name>';
  return `${kind}/${name}`;
}

function check(object) {
  const prefix = label(object);
  if (object === null || typeof object !== 'object' || Array.isArray(object)) {
    return [`${prefix}: not a Kubernetes object: ${JSON.stringify(object)}`];
  }
  const key = `${object.apiVersion}/${object.kind}`;
  const Model = MODELS.get(key);
  if (Model === undefined) {
    return [`${prefix}: no schema for apiVersion ${JSON.stringify(object.apiVersion)} kind ${JSON.stringify(object.kind)}; known: ${[...MODELS.keys()].join(', ')}`];
  }
  try {
    new Model(object).validate();
    return [];
  } catch (e) {
    // validate() throws ajv's ValidationError (marked `ajv: true`, with ajv's error objects; its class
    // lives in a transitive dependency, so it is recognised by shape). Anything else is a bug: rethrow.
    if (e instanceof Error && e.ajv === true && Array.isArray(e.errors)) {
      return e.errors.map((error) => `${prefix}: ${describe(error)}`);
    }
    throw e;
  }
}

function main() {
  const input = readFileSync(0, 'utf8');
  let objects;
  try {
    objects = JSON.parse(input);
  } catch (e) {
    throw new Error(`stdin is not JSON: ${e.message}`);
  }
  if (!Array.isArray(objects)) {
    throw new Error('stdin must be a JSON array of Kubernetes objects');
  }
  process.stdout.write(JSON.stringify(objects.flatMap(check)));
}

try {
  main();
} catch (e) {
  process.stderr.write(`istio-schema: ${e && e.stack ? e.stack : e}\n`);
  process.exitCode = 1;
}
