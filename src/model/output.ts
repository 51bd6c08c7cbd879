import { EgressOutput } from '../egress-output';
import { Protocol } from '../protocol';

/** Whether an output includes the ASM object. */
export function includesAsm(output: EgressOutput): boolean {
  return output === EgressOutput.ASM || output === EgressOutput.ASM_AND_ISTIO || output === EgressOutput.ASM_AND_AMBIENT;
}

/** Whether an output includes the (sidecar-mode) Istio objects. */
export function includesIstio(output: EgressOutput): boolean {
  return output === EgressOutput.ISTIO || output === EgressOutput.ASM_AND_ISTIO;
}

/** Whether an output includes the ambient-mode Istio objects (waypoint egress gateway). */
export function includesAmbient(output: EgressOutput): boolean {
  return output === EgressOutput.AMBIENT || output === EgressOutput.ASM_AND_AMBIENT;
}

/** Protocols that may share one gateway port (routed by Host header). */
export function isSharedProtocol(protocol: Protocol): boolean {
  return protocol === Protocol.HTTP;
}
