import type { IstioApiVersion } from './istio-api-version';
import type { NetworkPolicyDestination } from './network-policy-destination';

/**
 * How a policy is rendered as open-source Istio objects (with `EgressOutput.ISTIO` or
 * `ASM_AND_ISTIO`), and which objects describe its egress gateway. Set App-wide with
 * `EgressRegistry.configure({ istio })`; a policy's own `istio` overrides it field by field.
 *
 * @example
 * EgressRegistry.of(app).configure({
 *   output: EgressOutput.ISTIO,
 *   istio: { gatewayServiceName: 'istio-egressgateway', gatewayLabels: { istio: 'egressgateway' } },
 * });
 */
export interface IstioOptions {
  /**
   * API version of the Istio objects.
   * @default IstioApiVersion.V1
   */
  readonly apiVersion?: IstioApiVersion;

  /**
   * Namespace of the egress gateway's pods and Service. The Gateway, the Service and
   * DestinationRule of each gateway port, the TLS-origination DestinationRules and the
   * AuthorizationPolicies go there; ServiceEntries and VirtualServices go to the policy's own
   * namespace.
   * @default 'istio-system'
   */
  readonly gatewayNamespace?: string;

  /**
   * Name of the egress gateway's Kubernetes Service (see `gatewayService`). Sidecars send egress
   * traffic to a single-port Service per gateway port, named `<gatewayServiceName>-<port>`, which
   * the App emits.
   * @default - the gateway name
   */
  readonly gatewayServiceName?: string;

  /**
   * Labels of the egress gateway's pods (the Gateway's and AuthorizationPolicy's selector).
   * @default - { istio: <gateway name> }
   */
  readonly gatewayLabels?: { [key: string]: string };

  /**
   * Trust domain of the mesh, for the service-account principals of sources that name one.
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;

  /**
   * DNS domain of the cluster, for the gateway Service's host name.
   * @default 'cluster.local'
   */
  readonly clusterDomain?: string;

  /**
   * Emit the gateway's AuthorizationPolicy in dry-run mode (`istio.io/dry-run`): denials are
   * logged, not enforced. For rolling out a policy on a gateway that already carries traffic.
   * @default false
   */
  readonly authorizationDryRun?: boolean;

  /**
   * Enforce `workloadSelector` sources with Sidecar resources (the AuthorizationPolicy can only
   * tell namespaces and service accounts apart). Without it, every workload of a source's
   * namespace may use the source's destinations.
   * @default true
   */
  readonly enforceWorkloadSelectors?: boolean;

  /**
   * What the workloads under the generated Sidecars may still reach inside the mesh, as Sidecar
   * egress hosts (`<namespace>/<host>`). They must not cover the policy's namespace, or every
   * egress host would be visible to every workload.
   * @default ['./*', 'istio-system/*']
   */
  readonly sidecarEgressHosts?: string[];

  /**
   * Emit the gateway's Kubernetes Service with every gateway port in use (open-source Istio; for
   * gateways whose Service this App owns), exported to the gateway's namespace only, so that other
   * proxies build no cluster per port. Needs an output with Istio objects. When it is off, a
   * gateway port that stock gateway Services map to another container port (80, 443) is warned about.
   * @default false
   */
  readonly gatewayService?: boolean;

  /**
   * Emit ASM's `IstioGateway` resource of the gateway with every gateway port in use
   * (`spec.ports`). Needs an output with the ASM object and ports allocated by the library.
   * @default false
   */
  readonly istioGateway?: boolean;

  /**
   * Emit a Kubernetes NetworkPolicy per source that lets its pods reach only the egress gateway
   * (and the App's other gateways that other policies' sources among them use), DNS and the mesh
   * control plane (defence in depth against pods that bypass their sidecar).
   * NetworkPolicies are additive: allow the pods' other traffic with policies of your own. They
   * never select the pods of any egress gateway of the App, the control plane's or the DNS pods,
   * and a source of a whole namespace is refused where the mesh's own pods run (the namespaces of
   * the App's gateways and of the control plane, and the mesh's root namespace): give it a
   * `workloadSelector` there. A source known only by its service account gets none (a
   * NetworkPolicy selects pods by labels), with a warning.
   * @default false
   */
  readonly networkPolicy?: boolean;

  /**
   * Where the NetworkPolicies (`networkPolicy`) let pods send DNS queries (UDP and TCP port 53):
   * the cluster's DNS pods, or the address of a node-local DNS cache (`ipBlocks`). Replaces the
   * default as a whole.
   * @default { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } } (CoreDNS and kube-dns)
   */
  readonly networkPolicyDns?: NetworkPolicyDestination;

  /**
   * Where the NetworkPolicies (`networkPolicy`) let pods reach the mesh control plane for
   * configuration and certificates (TCP port 15012): istiod's pods, or the addresses of a control
   * plane outside the cluster, such as ASM's managed one (`ipBlocks`). Replaces the default as a whole.
   * @default { namespace: 'istio-system', podLabels: { app: 'istiod' } }
   */
  readonly networkPolicyControlPlane?: NetworkPolicyDestination;

  /**
   * The mesh's root namespace (`meshConfig.rootNamespace`), where a Sidecar without a workload
   * selector is the default of every namespace without a Sidecar of its own. A `workloadSelector`
   * source in it cannot be enforced with Sidecars, and is refused (see `enforceWorkloadSelectors`).
   * @default 'istio-system'
   */
  readonly meshRootNamespace?: string;
}
