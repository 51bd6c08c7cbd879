import { AsmVersion } from '../asm-version';
import type { ExternalService } from '../external-service';
import { GatewayPortAllocation } from '../gateway';
import { Protocol } from '../protocol';
import { validateGuardrails } from './guardrails';
import type { PolicyModel } from './model';
import { Problem } from './problem';
import { formatSelector } from './selector';

/** ASM recommends gateway names of at most this many characters. */
const GATEWAY_NAME_RECOMMENDED_MAX = 32;

/**
 * Rules that depend on more than one input: a rule and its policy, a policy and its ASM version,
 * services across every policy of the App.
 * @internal
 */
export function validatePolicies(policies: PolicyModel[]): Problem[] {
  const problems: Problem[] = [];
  for (const policy of policies) problems.push(...validatePolicy(policy));
  problems.push(...protocolConflicts(policies));
  problems.push(...validateGuardrails(policies));
  return problems;
}

function validatePolicy(policy: PolicyModel): Problem[] {
  const problems: Problem[] = [];
  const at = (path: string, field: string, message: string, severity: 'error' | 'warning' = 'error') =>
    problems.push({ path, field, message, severity });

  if (policy.gateway.length > GATEWAY_NAME_RECOMMENDED_MAX) {
    at(policy.path, 'spec.byEgressGateway.name',
      `gateway name '${policy.gateway}' has ${policy.gateway.length} characters; ASM recommends at most ${GATEWAY_NAME_RECOMMENDED_MAX}`, 'warning');
  }
  if (policy.rules.length === 0) {
    at(policy.path, 'spec.egressRules', `gateway '${policy.gateway}' has no rules: add one with addRule() or an EgressRule for this gateway`);
  }
  const asm = policy.portAllocation === GatewayPortAllocation.ASM;
  if (asm && !policy.asmVersion.allocatesGatewayPorts) {
    at(policy.path, 'portAllocation',
      `ASM allocates gateway ports only from version ${AsmVersion.V1_24_6_45}; this policy targets ${policy.asmVersion}`);
  }

  const byName = new Map<string, { service: ExternalService; path: string }>();
  for (const rule of policy.rules) {
    if (rule.sources.length === 0) at(rule.path, 'from', 'the rule has no source: add one with from()');
    if (rule.services.length === 0) at(rule.path, 'to', 'the rule has no destination: add one with to()');
    // The same entry twice in one rule would be written twice into the CRD.
    rule.sources.forEach((source, i) => {
      const text = formatSelector(source.namespace, source.labels);
      const first = rule.sources.findIndex((s) => formatSelector(s.namespace, s.labels) === text && s.serviceAccount === source.serviceAccount);
      if (first < i) at(rule.path, `from[${i}]`, `the same source as from[${first}] (${text}); list each source once`);
    });
    rule.services.forEach((service, i) => {
      const field = `to[${i}]`;
      const twice = rule.services.findIndex((s) => s._sameDefinitionAs(service));
      if (twice < i) at(rule.path, field, `'${service.name}' is already in this rule (to[${twice}]); list each service once`);
      if (service.protocol === Protocol.TCP && !policy.asmVersion.supportsTcp) {
        at(rule.path, `${field}.port.protocol`,
          `'${service.name}' is a TCP service; ASM supports TCP from version ${AsmVersion.V1_24_6_45}, this policy targets ${policy.asmVersion}`);
      }
      if (asm && service.gatewayPort !== undefined) {
        at(rule.path, `${field}.byEgressGateway.port`,
          `'${service.name}' sets gateway port ${service.gatewayPort}, but gateway '${policy.gateway}' leaves ports to ASM, which allocates only when every service of the policy leaves its port empty`);
      }
      const first = byName.get(service.name);
      if (!first) {
        byName.set(service.name, { service, path: rule.path });
      } else if (!first.service._sameDefinitionAs(service)) {
        at(rule.path, `${field}.name`,
          `service name '${service.name}' is already used in policy '${policy.name}' for a different service (at ${first.path}); names must be unique within a policy`);
      }
    });
  }
  return problems;
}

/** The same host and port declared with different protocols anywhere in the App: Istio cannot serve both. */
function protocolConflicts(policies: PolicyModel[]): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, { protocol: Protocol; name: string; path: string }>();
  for (const policy of policies) {
    for (const rule of policy.rules) {
      rule.services.forEach((service, i) => {
        service.hosts.forEach((host, h) => {
          // Only TCP services have IP hosts, so address spellings cannot hide a protocol conflict.
          const key = `${host}:${service.port}`;
          const first = seen.get(key);
          if (!first) {
            seen.set(key, { protocol: service.protocol, name: service.name, path: rule.path });
          } else if (first.protocol !== service.protocol) {
            problems.push({
              path: rule.path,
              field: `to[${i}].hosts[${h}]`,
              message: `${key} is declared as ${service.protocol} by '${service.name}' but as ${first.protocol} by '${first.name}' (at ${first.path}); one host and port can have only one protocol`,
              severity: 'error',
            });
          }
        });
      });
    }
  }
  return problems;
}
