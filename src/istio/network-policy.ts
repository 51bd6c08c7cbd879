import type { ResolvedIstioOptions } from './options';
import { selectorsOverlap } from './sidecar-scopes';
import type { SourceModel } from '../model/model';

// Which pods a source's egress NetworkPolicy must never select: those it lets the source reach
// (the egress gateway, the control plane, DNS). A policy that selected them would restrict their
// own egress to each other and cut the mesh off (istiod from the API server, the gateway from
// the internet).

/** Pods the NetworkPolicies must leave alone: a namespace and the labels that select them. */
export interface ProtectedPods {
  /** `gateway`, `control plane` or `DNS`, for messages. */
  readonly what: string;
  /** The option that names them. */
  readonly option: 'gatewayLabels' | 'networkPolicyControlPlane' | 'networkPolicyDns';
  readonly namespace: string;
  readonly labels: Record<string, string>;
}

/** The egress gateway's pods, and the control plane's and DNS pods when they are given as pods. */
export function protectedPods(istio: ResolvedIstioOptions): ProtectedPods[] {
  const pods: ProtectedPods[] = [{ what: 'egress gateway', option: 'gatewayLabels', namespace: istio.gatewayNamespace, labels: istio.gatewayLabels }];
  for (const [what, option] of [['control plane', 'networkPolicyControlPlane'], ['DNS', 'networkPolicyDns']] as const) {
    const d = istio[option];
    if (d.namespace !== undefined && d.podLabels !== undefined) pods.push({ what, option, namespace: d.namespace, labels: d.podLabels });
  }
  return pods;
}

/** The protected pods that a source's selector could select: in its namespace, with labels that do not rule them out. */
export function protectedPodsOf(source: SourceModel, istio: ResolvedIstioOptions): ProtectedPods[] {
  return protectedPods(istio).filter((p) => p.namespace === source.namespace && selectorsOverlap(source.labels ?? {}, p.labels));
}

/** Whether a source gets a NetworkPolicy: a NetworkPolicy selects pods by labels, never by service account. */
export function hasNetworkPolicy(source: SourceModel): boolean {
  return source.namespace !== '*' && (source.labels !== undefined || source.serviceAccount === undefined);
}
