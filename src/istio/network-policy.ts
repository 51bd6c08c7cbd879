import { selectorsOverlap } from './sidecar-scopes';
import { WAYPOINT_POD_LABEL } from '../ambient/names';
import type { PolicyModel, SourceModel } from '../model/model';
import { includesAmbient, includesAsm, includesIstio } from '../model/output';

// Which pods a source's egress NetworkPolicy must never select: those it lets the source reach
// (the egress gateway, the control plane, DNS), and every other egress gateway of the App. A
// policy that selected them would restrict their own egress to each other and cut the mesh off
// (istiod from the API server, a gateway from the internet); the gateways of the other policies
// are as much at risk as the policy's own, since they may share its namespace.

/** Pods the NetworkPolicies must leave alone: a namespace and the labels that select them. */
export interface ProtectedPods {
  /** `egress gateway 'gw-a'`, `control plane` or `DNS`, for messages. */
  readonly what: string;
  /** The option that names them, as a field of the policy that sets it (`istio.gatewayLabels`). */
  readonly option: string;
  /** The policy whose option it is. */
  readonly policy: PolicyModel;
  readonly namespace: string;
  readonly labels: Record<string, string>;
}

/**
 * The pods of every egress gateway of the App: a sidecar-mode gateway for the ASM and Istio
 * outputs (ASM's is one too), a waypoint for the ambient output.
 */
export function gatewayPods(policies: readonly PolicyModel[]): ProtectedPods[] {
  return policies.flatMap((policy): ProtectedPods[] => [
    ...(includesAsm(policy.output) || includesIstio(policy.output)
      ? [{ what: `egress gateway '${policy.gateway}'`, option: 'istio.gatewayLabels', policy, namespace: policy.istio.gatewayNamespace, labels: policy.istio.gatewayLabels }]
      : []),
    ...(includesAmbient(policy.output)
      ? [{
        what: `waypoint '${policy.ambient.waypointName}'`,
        option: 'ambient.waypointName',
        policy,
        namespace: policy.ambient.waypointNamespace,
        labels: { [WAYPOINT_POD_LABEL]: policy.ambient.waypointName },
      }]
      : []),
  ]);
}

/**
 * What a policy's NetworkPolicies must leave alone: every gateway of the App, and the policy's
 * control plane and DNS pods when they are given as pods.
 * @param policies every policy of the App
 */
export function protectedPods(policy: PolicyModel, policies: readonly PolicyModel[]): ProtectedPods[] {
  const pods = gatewayPods(policies);
  for (const [what, option] of [['control plane', 'networkPolicyControlPlane'], ['DNS', 'networkPolicyDns']] as const) {
    const d = policy.istio[option];
    if (d.namespace !== undefined && d.podLabels !== undefined) pods.push({ what, option: `istio.${option}`, policy, namespace: d.namespace, labels: d.podLabels });
  }
  return pods;
}

/** The protected pods that a source's selector could select: in its namespace, with labels that do not rule them out. */
export function protectedPodsOf(source: SourceModel, policy: PolicyModel, policies: readonly PolicyModel[]): ProtectedPods[] {
  return protectedPods(policy, policies).filter((p) => p.namespace === source.namespace && selectorsOverlap(source.labels ?? {}, p.labels));
}

/** Whether a source gets a NetworkPolicy: a NetworkPolicy selects pods by labels, never by service account. */
export function hasNetworkPolicy(source: SourceModel): boolean {
  return source.namespace !== '*' && (source.labels !== undefined || source.serviceAccount === undefined);
}
