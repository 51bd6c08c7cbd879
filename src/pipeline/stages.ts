import type * as AmbientStage from '../ambient/create';
import type * as IstioStage from '../istio/create';
import type { PolicyModel } from '../model/model';
import { includesAmbient, includesIstio } from '../model/output';

// The output stages of Istio's sidecar and ambient modes load when an App first needs them, so
// that an App of ASM objects alone never loads their code. A static import would load them with
// the library, and `import()` is asynchronous where synthesis is not: hence `require`.

/** Whether the Istio stage creates objects for the policy: Istio output, or ASM's IstioGateway or NetworkPolicies. */
export function needsIstioStage(policy: PolicyModel): boolean {
  return includesIstio(policy.output) || policy.istio.istioGateway || policy.istio.networkPolicy;
}

/** Whether the ambient stage creates objects for the policy. */
export function needsAmbientStage(policy: PolicyModel): boolean {
  return includesAmbient(policy.output);
}

/** The Istio (sidecar mode) stage, loaded on first use. */
export function istioStage(): typeof IstioStage {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../istio/create');
}

/** The ambient stage, loaded on first use. */
export function ambientStage(): typeof AmbientStage {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../ambient/create');
}
