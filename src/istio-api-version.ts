/**
 * API versions of the emitted Istio objects.
 *
 * @example
 * EgressRegistry.of(app).configure({
 *   output: EgressOutput.ISTIO,
 *   istio: { apiVersion: IstioApiVersion.V1BETA1 }, // for Istio releases before 1.22
 * });
 */
export enum IstioApiVersion {
  /** `networking.istio.io/v1` and `security.istio.io/v1`: Istio 1.22 or later (and ASM 1.22 or later). */
  V1 = 'v1',
  /** `networking.istio.io/v1beta1` and `security.istio.io/v1beta1`: every Istio and ASM release in use. */
  V1BETA1 = 'v1beta1',
}
