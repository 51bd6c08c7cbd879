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
  /**
   * The Istio ambient-mode objects that implement the policy through a waypoint used as egress
   * gateway (see `AmbientOptions`), in place of the ASM object.
   */
  AMBIENT = 'AMBIENT',
  /** Both: the ASM object, and the ambient-mode objects (to review, or to run on ambient Istio). */
  ASM_AND_AMBIENT = 'ASM_AND_AMBIENT',
}
