/**
 * A port that the egress gateway's Service must expose, in the shape of a Kubernetes ServicePort
 * (and of the `service.ports` values of Istio's gateway Helm chart, and of ASM's
 * `IstioGateway.spec.ports`). Every gateway port in use needs one, or traffic to it fails (404 NR).
 *
 * @example
 * // The ports to expose on the egress gateway's Service (e.g. in the gateway chart's Helm values):
 * for (const p of EgressRegistry.of(app).gatewayServicePorts('egressgateway-a')) {
 *   console.log(`${p.name}: ${p.port} -> ${p.targetPort}/${p.protocol}`);
 * }
 */
export interface GatewayServicePort {
  /** Port name: `https-<port>` for HTTP services (HTTP inside mutual TLS), `tls-<port>` for the others. */
  readonly name: string;
  /** The gateway port. */
  readonly port: number;
  /** The container port: the same number, because the gateway's AuthorizationPolicy matches the port its pods receive on. */
  readonly targetPort: number;
  /** Always `TCP`. */
  readonly protocol: string;
}
