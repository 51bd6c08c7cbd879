import { destinationKeysOf } from './names';
import { ambientNetworkPolicyProblems } from './network-policy';
import { isWildcardHost } from '../checks/syntax';
import { hasNetworkPolicy, unselectableSourceWarning } from '../istio/network-policy';
import { rendersIstio } from '../istio/sidecar-scopes';
import type { AmbientCode } from '../model/codes';
import { servicesOf, type PolicyModel } from '../model/model';
import { includesAmbient } from '../model/output';
import { FieldPath, Message, msg, Problem, problem, ref } from '../model/problem';
import { Protocol } from '../protocol';

// What the ambient output (a waypoint as egress gateway) cannot express, or would silently get
// wrong. Each problem names the construct and the field to change; the other outputs are not
// affected. (A workload selector without a service account is a guardrail,
// UNENFORCED_SELECTOR, judged with the policy's other guardrails.)

function ambientProblem(code: AmbientCode, subject: string, field: FieldPath, message: string | Message, severity: 'error' | 'warning' = 'error'): Problem {
  return problem(code, field, message, { subject, severity });
}

/** The ambient output's own checks, over every policy of the App. */
export function checkAmbient(policies: PolicyModel[]): Problem[] {
  const ambient = policies.filter((p) => includesAmbient(p.output));
  return [
    ...ambient.flatMap((p) => optionProblems(p, policies)),
    ...waypointConflicts(ambient),
    ...hostProblems(policies),
    ...ambient.flatMap(tcpWarnings),
  ];
}

function optionProblems(policy: PolicyModel, policies: PolicyModel[]): Problem[] {
  const problems: Problem[] = [];
  if (policy.istio.networkPolicy) {
    problems.push(ambientProblem('AMBIENT_OUTPUT_MISMATCH', policy.subject, ['istio', 'networkPolicy'],
      `istio.networkPolicy emits the sidecar output's NetworkPolicies (to the gateway's pods and istiod), which would cut this policy's ambient sources off from their waypoint; its output is ${policy.output}: use ambient.networkPolicy`));
  }
  if (policy.ambient.networkPolicy) problems.push(...serviceAccountNetworkPolicies(policy), ...ambientNetworkPolicyProblems(policy, policies));
  const perNamespace = [
    ...(policy.ambient.networkPolicy ? ['a NetworkPolicy (ambient.networkPolicy)'] : []),
    ...(policy.ambient.namespaceLabels ? ['a namespace label (ambient.namespaceLabels)'] : []),
  ];
  if (perNamespace.length === 0) return problems;
  for (const rule of policy.rules) {
    rule.sources.forEach((source, i) => {
      if (source.namespace !== '*') return;
      problems.push(ambientProblem('AMBIENT_MESH_WIDE_SOURCE', rule.subject, ['from', i, 'namespace'],
        `a source of every namespace cannot have ${perNamespace.join(' or ')}: both belong to one namespace. Name its namespaces, or turn the option off`));
    });
  }
  return problems;
}

/** Each policy needs a waypoint of its own: two policies would both emit it, and their ServiceEntries would share it. */
function waypointConflicts(policies: PolicyModel[]): Problem[] {
  const problems: Problem[] = [];
  const first = new Map<string, PolicyModel>();
  for (const policy of policies) {
    const a = policy.ambient;
    const key = `${a.waypointNamespace}/${a.waypointName}`;
    const other = first.get(key);
    if (!other) {
      first.set(key, policy);
      continue;
    }
    problems.push(ambientProblem('AMBIENT_WAYPOINT_CONFLICT', policy.subject, ['ambient', 'waypointName'],
      msg`gateway '${policy.gateway}' and gateway '${other.gateway}' (at ${ref(other.subject)}) both use waypoint ${key}; each policy needs a waypoint of its own: set ambient.waypointName`));
  }
  return problems;
}

/**
 * Wildcard hosts; one host and port in two services; one host (or address) in two policies. In
 * ambient mode a ServiceEntry is visible mesh-wide (ztunnel and waypoints ignore exportTo,
 * istio#55163) and a host name resolves to one ServiceEntry (istio#58860), so a host belongs to
 * one policy, whatever its ports. Hosts that a sidecar-mode policy routes count too: its
 * ServiceEntries are visible to the same proxies.
 */
function hostProblems(policies: PolicyModel[]): Problem[] {
  const problems: Problem[] = [];
  const owners = new Map<string, { gateway: string; port: number; subject: string; sidecar: boolean }>();
  const hostPorts = new Map<string, { name: string; gateway: string; subject: string }>();
  for (const policy of policies) {
    const isAmbient = includesAmbient(policy.output);
    if (!isAmbient && !rendersIstio(policy)) continue;
    for (const { service, rule, index } of servicesOf(policy)) {
      destinationKeysOf(service).forEach(({ key }, h) => {
        const host = service.hosts[h];
        const at = (code: AmbientCode, message: Message) => problems.push(ambientProblem(code, rule.subject, ['to', index, 'hosts', h], message));
        if (isAmbient && isWildcardHost(host)) {
          at('AMBIENT_WILDCARD_HOST', [`'${host}' is a wildcard host, which ambient mode cannot send through a waypoint: ztunnel captures traffic to a ServiceEntry's address, `
            + 'and a wildcard has none (only resolution DYNAMIC_DNS, Istio 1.28+, takes one, which this output does not emit): list the host names']);
          return;
        }
        const owner = owners.get(key);
        if (!owner) {
          owners.set(key, { gateway: policy.gateway, port: service.port, subject: rule.subject, sidecar: !isAmbient });
        } else if (owner.gateway !== policy.gateway && (isAmbient || !owner.sidecar)) {
          const where = owner.sidecar ? `the sidecar-mode Istio output of gateway '${owner.gateway}'` : `gateway '${owner.gateway}'`;
          at('AMBIENT_HOST_CONFLICT', owner.port === service.port
            ? msg`${host}:${service.port} is also claimed by ${where} (at ${ref(owner.subject)}); in ambient mode a ServiceEntry is visible mesh-wide (ztunnel and waypoints ignore exportTo, istio#55163), so one host and port can go through one waypoint only: declare it in one policy`
            : msg`'${host}' is also routed through ${where} (port ${owner.port}, at ${ref(owner.subject)}); ambient mode resolves a host name to one ServiceEntry mesh-wide (istio#58860), so every port of a host must go through one policy`);
          return;
        }
        if (!isAmbient) return;
        const hostPort = `${key}:${service.port}`;
        const first = hostPorts.get(hostPort);
        if (!first) {
          hostPorts.set(hostPort, { name: service.name, gateway: policy.gateway, subject: rule.subject });
        } else if (first.name !== service.name && first.gateway === policy.gateway) {
          at('AMBIENT_HOST_CONFLICT', msg`${host}:${service.port} is also declared by service '${first.name}' (at ${ref(first.subject)}); a ServiceEntry port belongs to one service: declare it once`);
        }
      });
    }
  }
  return problems;
}

/** Sources known by their service account alone: no NetworkPolicy can select their pods, unless the namespace's does. */
function serviceAccountNetworkPolicies(policy: PolicyModel): Problem[] {
  const sources = policy.rules.flatMap((r) => r.sources);
  const namespaceWide = (ns: string) => sources.some((s) => s.namespace === ns && s.labels === undefined && s.serviceAccount === undefined);
  const problems: Problem[] = [];
  for (const rule of policy.rules) {
    rule.sources.forEach((source, i) => {
      if (source.namespace === '*' || hasNetworkPolicy(source) || namespaceWide(source.namespace)) return;
      problems.push(unselectableSourceWarning('AMBIENT_NETWORK_POLICY_SERVICE_ACCOUNT', rule.subject, i, source,
        { option: 'ambient.networkPolicy', admits: 'the waypoint', bypass: 'the waypoint' }));
    });
  }
  return problems;
}

/** Plain TCP through a waypoint is reported not to traverse it in some setups: a warning once per service and policy. */
function tcpWarnings(policy: PolicyModel): Problem[] {
  const seen = new Set<string>();
  return servicesOf(policy).flatMap(({ service, rule, index }) => {
    if (service.protocol !== Protocol.TCP || seen.has(service.name)) return [];
    seen.add(service.name);
    return [ambientProblem('AMBIENT_TCP_WAYPOINT', rule.subject, ['to', index, 'port', 'protocol'],
      `'${service.name}' is plain TCP, which ambient mode is reported not to send through the waypoint in some setups (istio#59576, open; TLS is not affected), `
      + 'so that the waypoint\'s authorization would not apply: check that the waypoint carries its traffic (its access log) before relying on it, or use TLS', 'warning')];
  });
}
