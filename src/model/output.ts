import { EgressOutput } from '../egress-output';
import { Protocol } from '../protocol';

/** Whether an output includes the ASM object. */
export function includesAsm(output: EgressOutput): boolean {
  return output !== EgressOutput.ISTIO;
}

/** Whether an output includes the Istio objects. */
export function includesIstio(output: EgressOutput): boolean {
  return output !== EgressOutput.ASM;
}

/** Protocols that may share one gateway port (routed by Host header). */
export function isSharedProtocol(protocol: Protocol): boolean {
  return protocol === Protocol.HTTP;
}
