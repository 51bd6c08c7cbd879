import { gatewayPods, meshNamespaces, ProtectedPods, selectedBy } from '../istio/network-policy';
import type { AmbientCode } from '../model/codes';
import type { PolicyModel } from '../model/model';
import { Message, msg, Problem, problem, ref } from '../model/problem';

// The ambient output's client NetworkPolicies (ambient.networkPolicy) must never select the pods
// they let a source reach, nor any gateway or waypoint of the App: restricted to a waypoint and
// DNS, a waypoint could not reach the internet, another gateway its upstreams. As in sidecar mode.

/** What a policy's ambient NetworkPolicies must leave alone: every gateway and waypoint of the App, and its DNS pods. */
export function ambientProtectedPods(policy: PolicyModel, policies: readonly PolicyModel[]): ProtectedPods[] {
  const dns = policy.ambient.networkPolicyDns;
  return [
    ...gatewayPods(policies),
    ...(dns.namespace !== undefined && dns.podLabels !== undefined
      ? [{ what: 'DNS', option: 'ambient.networkPolicyDns', policy, namespace: dns.namespace, labels: dns.podLabels }]
      : []),
  ];
}

/**
 * Sources whose NetworkPolicy cannot leave those pods alone: a whole namespace that holds them (or
 * the control plane, or is the mesh's root namespace, with pods the App does not know of), or a
 * selector that could select pods that only several labels select, or selects only such pods.
 */
export function ambientNetworkPolicyProblems(policy: PolicyModel, policies: readonly PolicyModel[]): Problem[] {
  const problems: Problem[] = [];
  const mesh = meshNamespaces(policies);
  const at = (subject: string, field: Array<string | number>, message: string | Message, fix: string) =>
    problems.push(problem('AMBIENT_NETWORK_POLICY' satisfies AmbientCode, field, message,
      { subject, fix: { constructs: `${fix}, or set ambient.networkPolicy to false`, manifest: fix } }));
  for (const rule of policy.rules) {
    rule.sources.forEach((source, i) => {
      if (source.namespace === '*' || (source.labels === undefined && source.serviceAccount !== undefined)) return;
      const holds = mesh.get(source.namespace);
      if (source.labels === undefined && holds !== undefined) {
        at(rule.subject, ['from', i, 'namespace'],
          `namespace '${source.namespace}' ${holds}: the NetworkPolicy of a source of the whole namespace (ambient.networkPolicy) would select every pod there, `
          + 'including those the App does not know of, and cut them off from everything but the waypoint and DNS',
          "select the source's own pods with a workloadSelector");
        return;
      }
      for (const pods of selectedBy(source, ambientProtectedPods(policy, policies))) {
        const owner = pods.policy === policy ? '' : msg` of ${ref(pods.policy.subject)}`;
        if (Object.entries(pods.labels).every(([k, v]) => source.labels?.[k] === v)) {
          at(rule.subject, ['from', i, 'workloadSelector'],
            msg`the workloadSelector of this source selects only pods of the ${pods.what} (${pods.option}${owner}), which its NetworkPolicy must leave alone: it would select no pod at all`,
            "select the source's own pods with labels that those pods do not carry");
        } else if (Object.keys(pods.labels).length > 1) {
          at(rule.subject, source.labels ? ['from', i, 'workloadSelector'] : ['from', i, 'namespace'],
            msg`the NetworkPolicy of this source would select the pods of the ${pods.what} in namespace '${pods.namespace}' (${pods.option}${owner}) and cut them off; they are selected by several labels, which a NetworkPolicy selector cannot leave out exactly`,
            'give the source a workloadSelector with a label that those pods carry with another value');
        }
      }
    });
  }
  return problems;
}
