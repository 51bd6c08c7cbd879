import { exportToOf, labelsPart, objectName } from './names';
import { exclusionsOf, gatewaysReached, hasNetworkPolicy, protectedPodsOf } from './network-policy';
import type { ResolvedIstioOptions } from './options';
import { labelsKey } from './sidecar-scopes';
import type { GatewayServicePort } from '../gateway-service-port';
import type { PolicyModel } from '../model/model';
import type { NetworkPolicyDestination } from '../network-policy-destination';

// The plain Kubernetes objects that Istio output can add (the gateway's Service, NetworkPolicies),
// as manifests of the stable core/v1 and networking.k8s.io/v1 schemas. Not cdk8s-plus classes: a
// user may have any cdk8s-plus, or none, and the library must not pull one in to write two kinds.

interface LabelSelector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: { readonly key: string; readonly operator: 'NotIn'; readonly values: string[] }[];
}

/** A peer of a NetworkPolicy rule (networking.k8s.io/v1). */
export interface NetworkPolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: { readonly cidr: string };
}

/** A port of a NetworkPolicy rule. */
export interface NetworkPolicyPort {
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
}

/** An egress rule of a NetworkPolicy. */
export interface NetworkPolicyEgressRule {
  readonly to: NetworkPolicyPeer[];
  readonly ports?: NetworkPolicyPort[];
}

/** The spec of an egress-only NetworkPolicy. */
export interface EgressNetworkPolicySpec {
  readonly podSelector: LabelSelector;
  readonly policyTypes: ['Egress'];
  readonly egress: NetworkPolicyEgressRule[];
}

/** A Kubernetes object to create, with its construct id. */
export interface KubernetesObject {
  readonly id: string;
  readonly manifest: {
    readonly apiVersion: 'v1' | 'networking.k8s.io/v1';
    readonly kind: 'Service' | 'NetworkPolicy';
    readonly metadata: { readonly name: string; readonly namespace: string; readonly annotations?: Record<string, string> };
    readonly spec: Record<string, unknown>;
  };
}

/** The label that Kubernetes sets on every namespace to its name (1.21+). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * The gateway's Service (ClusterIP), selecting the gateway's pods and exposing every port in use,
 * exported to the gateway's namespace only (by name, never `.`: see `exportToOf`).
 *
 * Nothing in the mesh sends to it: sidecars route to each port's own Service. Visible everywhere,
 * it would cost every proxy of the mesh a cluster per gateway port (O(N) again). The gateway
 * needs no visibility of it: a gateway's listeners come from the Gateway servers that select its
 * pods (push_context.go `mergeGateways`), on the ports that `resolvePorts` (model/gateway.go)
 * finds in the proxy's ServiceTargets, which the Kubernetes registry takes from every Service of
 * the pod's namespace whose selector matches it (kube controller.go `GetProxyServiceTargets`),
 * whatever its exportTo.
 */
export function planGatewayService(istio: ResolvedIstioOptions, ports: GatewayServicePort[]): KubernetesObject {
  return {
    id: 'GatewayService',
    manifest: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: istio.gatewayServiceName,
        namespace: istio.gatewayNamespace,
        annotations: { 'networking.istio.io/exportTo': exportToOf([istio.gatewayNamespace]).join(',') },
      },
      spec: {
        type: 'ClusterIP',
        selector: { ...istio.gatewayLabels },
        ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort, protocol: p.protocol })),
      },
    },
  };
}

/**
 * Per source selector of the policy: its pods may reach the egress gateway's pods (and those of
 * the App's other gateways that other sources among them use), DNS and the control plane, and
 * nothing else that another NetworkPolicy does not allow.
 * @param policies every policy of the App, whose gateways the NetworkPolicies leave alone
 */
export function planNetworkPolicies(policy: PolicyModel, policies: readonly PolicyModel[]): KubernetesObject[] {
  const istio = policy.istio;
  const done = new Set<string>();
  const objects: KubernetesObject[] = [];
  for (const rule of policy.rules) {
    for (const source of rule.sources) {
      const key = `${source.namespace}|${labelsKey(source.labels)}`;
      if (done.has(key) || !hasNetworkPolicy(source)) continue;
      done.add(key);
      // Never select the pods the policy lets the source reach, nor any gateway of the App (checked:
      // each is selected by one label); one expression per label key.
      const expressions = exclusionsOf(protectedPodsOf(source, policy, policies));
      const base = `egress-via-${policy.gateway}`;
      const name = source.labels ? objectName(base, labelsPart(source.labels)) : objectName(base);
      const egress: NetworkPolicyEgressRule[] = [
        { to: gatewaysReached(source, policy, policies).map((pods) => podsPeer(pods.namespace, pods.labels)) },
        // DNS, and the sidecar's xDS and certificates: only to where they are served, so that a
        // pod that bypasses its sidecar cannot reach other hosts (or DNS servers) on these ports.
        ...destinationRules(istio.networkPolicyDns, [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]),
        ...destinationRules(istio.networkPolicyControlPlane, [{ port: 15012, protocol: 'TCP' }]),
      ];
      objects.push({
        id: `NetworkPolicy.${source.namespace}.${name}`,
        manifest: {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name, namespace: source.namespace },
          spec: {
            // Neither labels nor expressions: every pod of the namespace.
            podSelector: {
              ...expressions.length > 0 ? { matchExpressions: expressions } : {},
              ...source.labels ? { matchLabels: { ...source.labels } } : {},
            },
            policyTypes: ['Egress'],
            egress,
          },
        },
      });
    }
  }
  return objects;
}

/** The pods with the labels in the named namespace. */
export function podsPeer(namespace: string, labels: Record<string, string>): NetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } }, podSelector: { matchLabels: { ...labels } } };
}

/** One egress rule per peer of the destination, on the given ports. */
function destinationRules(destination: NetworkPolicyDestination, ports: NetworkPolicyPort[]): NetworkPolicyEgressRule[] {
  return destinationPeers(destination).map((peer) => ({ to: [peer], ports: ports.map((p) => ({ ...p })) }));
}

/** The peers of a destination: its pods in its namespace, and each IP block. */
export function destinationPeers(destination: NetworkPolicyDestination): NetworkPolicyPeer[] {
  const pods = destination.namespace !== undefined && destination.podLabels !== undefined
    ? [podsPeer(destination.namespace, destination.podLabels)]
    : [];
  return [...pods, ...(destination.ipBlocks ?? []).map((cidr) => ({ ipBlock: { cidr } }))];
}
