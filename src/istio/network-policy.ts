import { selectorsOverlap } from './sidecar-scopes';
import { WAYPOINT_POD_LABEL } from '../ambient/names';
import type { ProblemCode } from '../model/codes';
import type { PolicyModel, SourceModel } from '../model/model';
import { includesAmbient, includesAsm, includesIstio } from '../model/output';
import { problem, Problem } from '../model/problem';

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
 * The gateways that the pods of a source's NetworkPolicy must reach: its policy's, and that of
 * every other policy of the App with a source that may be some of the same pods (same namespace,
 * or every namespace, and a selector that does not rule them out). A pod under any egress
 * NetworkPolicy may connect only where one of those that select it allows, so without them a
 * service-account source of another policy there, or one of a policy without NetworkPolicies,
 * would be cut off from its own gateway. The gateways still admit only their sources.
 */
export function gatewaysReached(source: SourceModel, policy: PolicyModel, policies: readonly PolicyModel[]): ProtectedPods[] {
  const sidecarGateway = (p: PolicyModel) => includesAsm(p.output) || includesIstio(p.output);
  const shares = (p: PolicyModel) => p.rules.some((r) => r.sources.some((t) => (t.namespace === source.namespace || t.namespace === '*')
    && selectorsOverlap(t.labels ?? {}, source.labels ?? {})));
  const others = policies.filter((p) => p !== policy && sidecarGateway(p) && shares(p)).sort((a, b) => (a.gateway < b.gateway ? -1 : 1));
  return gatewayPods([policy, ...others]).filter((pods) => pods.option === 'istio.gatewayLabels');
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
  return selectedBy(source, protectedPods(policy, policies));
}

/** Those of the pods that a source's selector could select. */
export function selectedBy(source: SourceModel, pods: readonly ProtectedPods[]): ProtectedPods[] {
  return pods.filter((p) => p.namespace === source.namespace && selectorsOverlap(source.labels ?? {}, p.labels));
}

/**
 * The expressions that keep pods out of a NetworkPolicy's pod selector, one per label key (exact
 * for pods selected by one label; the checks refuse the others).
 */
export function exclusionsOf(pods: readonly ProtectedPods[]): Array<{ readonly key: string; readonly operator: 'NotIn'; readonly values: string[] }> {
  const excluded = new Map<string, Set<string>>();
  for (const p of pods) {
    for (const [k, v] of Object.entries(p.labels)) excluded.set(k, (excluded.get(k) ?? new Set()).add(v));
  }
  return [...excluded].map(([key, values]) => ({ key, operator: 'NotIn' as const, values: [...values].sort() }));
}

/**
 * Namespaces where a NetworkPolicy for every pod would restrict pods that the App does not know
 * of, each with what it is, for messages (`is the mesh's root namespace and holds the control
 * plane`): the namespaces of the App's gateways and of the control plane, and the mesh's root
 * namespace, which commonly hold ingress gateways, webhooks and controllers. Every value that a
 * policy gives counts (the mesh has one root namespace and one control plane).
 */
export function meshNamespaces(policies: readonly PolicyModel[]): Map<string, string> {
  const holds = new Map<string, Set<string>>();
  const add = (ns: string | undefined, what: string) => ns !== undefined && holds.set(ns, (holds.get(ns) ?? new Set()).add(what));
  for (const pods of gatewayPods(policies)) add(pods.namespace, pods.what);
  for (const policy of policies) add(policy.istio.networkPolicyControlPlane.namespace, 'the control plane');
  const roots = new Set(policies.map((p) => p.istio.meshRootNamespace));
  const described = new Map<string, string>();
  for (const ns of new Set([...holds.keys(), ...roots])) {
    const what = [...holds.get(ns) ?? []];
    const list = what.length < 2 ? what.join('') : `${what.slice(0, -1).join(', ')} and ${what[what.length - 1]}`;
    described.set(ns, [roots.has(ns) ? 'is the mesh\'s root namespace' : '', list ? `holds ${list}` : ''].filter((x) => x).join(' and '));
  }
  return described;
}

/** Whether a source gets a NetworkPolicy: a NetworkPolicy selects pods by labels, never by service account. */
export function hasNetworkPolicy(source: SourceModel): boolean {
  return source.namespace !== '*' && (source.labels !== undefined || source.serviceAccount === undefined);
}

/**
 * The warning for a source known by its service account alone, which no NetworkPolicy can select.
 * @param output what the output's NetworkPolicies and the gateway that admits the account are called
 */
export function unselectableSourceWarning(code: ProblemCode, subject: string, index: number, source: SourceModel,
  output: { readonly option: string; readonly admits: string; readonly bypass: string }): Problem {
  return problem(code, ['from', index, 'serviceAccountName'],
    `a NetworkPolicy selects pods by labels, not by service account, so no NetworkPolicy restricts the pods of service account '${source.serviceAccount}' `
    + `in namespace '${source.namespace}' (${output.option}): ${output.admits} still admits only that service account, but its pods can bypass ${output.bypass}`,
    {
      severity: 'warning',
      subject,
      fix: {
        constructs: 'add a workloadSelector to the source (EgressSource.namespace(ns, { serviceAccountName, workloadSelector }), or EgressSource.fromWorkload) to have its pods restricted',
        manifest: 'add a workloadSelector to the source to have its pods restricted',
      },
    });
}
