import type { IstioApiVersion } from './istio-api-version';
import type { NetworkPolicyDestination } from './network-policy-destination';

/**
 * How a policy is rendered for Istio's ambient mode (`EgressOutput.AMBIENT` or `ASM_AND_AMBIENT`):
 * a waypoint (a Gateway API `Gateway` of class `istio-waypoint`) serves as the egress gateway,
 * each external host is a ServiceEntry enrolled to it, and AuthorizationPolicies that target the
 * ServiceEntries admit the rules' sources. Set App-wide with `EgressRegistry.configure({ ambient })`;
 * a policy's own `ambient` overrides it field by field.
 *
 * Everything the ambient output reads is here: the sidecar-mode `IstioOptions` (gateway Service,
 * pod labels, Sidecars) do not apply to it.
 *
 * @example
 * EgressRegistry.of(app).configure({
 *   output: EgressOutput.AMBIENT,
 *   ambient: { waypointNamespace: 'istio-egress', networkPolicy: true },
 * });
 */
export interface AmbientOptions {
  /**
   * API version of the Istio objects (ServiceEntry, DestinationRule, AuthorizationPolicy). The
   * waypoint is always `gateway.networking.k8s.io/v1`.
   * @default IstioApiVersion.V1
   */
  readonly apiVersion?: IstioApiVersion;

  /**
   * Name of the waypoint's `Gateway`; istiod names its Deployment, Service and ServiceAccount after it.
   * @default - the gateway name of the policy
   */
  readonly waypointName?: string;

  /**
   * Namespace of the waypoint, where its TLS-origination DestinationRules go too. The
   * ServiceEntries and AuthorizationPolicies go to the policy's namespace; when it differs, the
   * ServiceEntries name the waypoint's namespace (`istio.io/use-waypoint-namespace`) and the
   * waypoint accepts them from the policy's namespace.
   * @default - the policy's namespace
   */
  readonly waypointNamespace?: string;

  /**
   * The waypoint exists already (deployed by someone else): do not emit its `Gateway`. Its listener
   * must then accept ServiceEntries from the policy's namespace (`allowedRoutes`).
   * @default false
   */
  readonly waypointExists?: boolean;

  /**
   * Trust domain of the mesh, for the service-account principals of sources that name one.
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;

  /**
   * Emit the AuthorizationPolicies in dry-run mode (`istio.io/dry-run`): denials are logged by the
   * waypoint, not enforced. For rolling out a policy on hosts that already carry traffic.
   * @default false
   */
  readonly authorizationDryRun?: boolean;

  /**
   * Emit a `Namespace` for each source namespace and for the waypoint's namespace, labelled
   * `istio.io/dataplane-mode: ambient`, merged across the App. Only for Apps that own those
   * namespaces: applying the chart sets the label, and pruning it deletes the namespace.
   * @default false
   */
  readonly namespaceLabels?: boolean;

  /**
   * Emit a Kubernetes NetworkPolicy per source that lets its pods reach only the waypoint (TCP
   * 15008, HBONE) and DNS. Ambient has no `REGISTRY_ONLY`: without it, a host that no
   * ServiceEntry names, or any host when DNS capture is off, is reached directly, bypassing the
   * waypoint. NetworkPolicies are additive: allow the pods' other traffic (in-mesh traffic goes to
   * port 15008 of the destination pods) with policies of your own. A source known only by its
   * service account gets none (a NetworkPolicy selects pods by labels), with a warning. None
   * selects a waypoint, gateway or DNS pod; a whole-namespace source where such pods or the
   * control plane run is refused.
   * @default false
   */
  readonly networkPolicy?: boolean;

  /**
   * Where the NetworkPolicies (`networkPolicy`) let pods send DNS queries (UDP and TCP port 53).
   * Replaces the default as a whole.
   * @default { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } } (CoreDNS and kube-dns)
   */
  readonly networkPolicyDns?: NetworkPolicyDestination;
}
