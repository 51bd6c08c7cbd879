/**
 * API version of the emitted `ASMEgressTrafficPolicy`.
 *
 * @example
 * new EgressTrafficPolicy(chart, 'Egress', { gateway: 'egressgateway-a', apiVersion: AsmApiVersion.V1 });
 */
export enum AsmApiVersion {
  /** `istio.alibabacloud.com/v1beta1`, the version of every documented example. */
  V1BETA1 = 'istio.alibabacloud.com/v1beta1',
  /** `istio.alibabacloud.com/v1`, the storage version of newer ASM releases. */
  V1 = 'istio.alibabacloud.com/v1',
}
