/**
 * What a policy synthesises.
 *
 * @example
 * new EgressTrafficPolicy(chart, 'Egress', { gateway: 'egressgateway-a', output: EgressOutput.ASM_AND_ISTIO });
 */
export enum EgressOutput {
  /** The `ASMEgressTrafficPolicy` only (ASM generates the Istio objects from it). */
  ASM = 'ASM',
  /** The open-source Istio objects that implement the policy, in place of the ASM object. */
  ISTIO = 'ISTIO',
  /** Both: the ASM object, and the Istio objects it stands for (to review or to run on Istio). */
  ASM_AND_ISTIO = 'ASM_AND_ISTIO',
}
