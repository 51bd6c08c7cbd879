/**
 * Who decides the egress-gateway ports of a policy's services.
 *
 * @example
 * new EgressTrafficPolicy(chart, 'Egress', { gateway: 'egressgateway-a', portAllocation: GatewayPortAllocation.ASM });
 */
export enum GatewayPortAllocation {
  /**
   * This library allocates every port that is not set explicitly and writes all of them into the
   * CRD: any ASM version works and every port is reviewable in Git.
   */
  LIBRARY = 'LIBRARY',
  /**
   * Ports are left empty for ASM's own allocator (ASM 1.24.6.45 or later). ASM allocates only when
   * every service of the policy leaves its port empty, so no service may set one.
   */
  ASM = 'ASM',
}
