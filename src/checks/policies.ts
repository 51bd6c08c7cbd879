import { policyGuardrailProblems } from './guardrails';
import { AsmVersion } from '../asm-version';
import { GatewayPortAllocation } from '../gateway-port-allocation';
import type { PolicyModel, ServiceModel } from '../model/model';
import { sameService } from '../model/model';
import { Fix, msg, Problem, problem, ref } from '../model/problem';
import { formatSelector } from '../model/selector';
import { Protocol } from '../protocol';

/** ASM recommends gateway names of at most this many characters. */
const GATEWAY_NAME_RECOMMENDED_MAX = 32;

/**
 * Rules that depend on more than one input: a rule and its policy, a policy and its ASM version,
 * services across every policy of the App.
 */
export function checkPolicies(policies: PolicyModel[]): Problem[] {
  const problems: Problem[] = [];
  for (const policy of policies) problems.push(...checkPolicy(policy));
  problems.push(...protocolConflicts(policies));
  problems.push(...policyGuardrailProblems(policies));
  return problems;
}

function checkPolicy(policy: PolicyModel): Problem[] {
  const problems: Problem[] = [];
  const at = (subject: string, ...args: Parameters<typeof problem>) => problems.push({ ...problem(...args), subject });

  if (policy.gateway.length > GATEWAY_NAME_RECOMMENDED_MAX) {
    at(policy.subject, 'LONG_GATEWAY_NAME', ['spec', 'byEgressGateway', 'name'],
      `gateway name '${policy.gateway}' has ${policy.gateway.length} characters; ASM recommends at most ${GATEWAY_NAME_RECOMMENDED_MAX}`, { severity: 'warning' });
  }
  if (policy.rules.length === 0) {
    at(policy.subject, 'POLICY_WITHOUT_RULES', ['spec', 'egressRules'], `gateway '${policy.gateway}' has no rules`, {
      fix: { constructs: 'add one with addRule() or an EgressRule for this gateway', manifest: 'add one to spec.egressRules' },
    });
  }
  const asm = policy.portAllocation === GatewayPortAllocation.ASM;
  if (asm && !policy.asmVersion.allocatesGatewayPorts) {
    at(policy.subject, 'ASM_VERSION_TOO_OLD', ['portAllocation'],
      `ASM allocates gateway ports only from version ${AsmVersion.V1_24_6_45}; this policy targets ${policy.asmVersion}`,
      { fix: newerAsm(policy, 'use GatewayPortAllocation.LIBRARY', 'write every gateway port') });
  }

  const byName = new Map<string, { service: ServiceModel; subject: string }>();
  for (const rule of policy.rules) {
    if (rule.sources.length === 0) {
      at(rule.subject, 'RULE_WITHOUT_SOURCE', ['from'], 'the rule has no source', { fix: { constructs: 'add one with allowFrom()', manifest: 'add a source under from' } });
    }
    if (rule.services.length === 0) {
      at(rule.subject, 'RULE_WITHOUT_DESTINATION', ['to'], 'the rule has no destination', { fix: { constructs: 'add one with allowTo()', manifest: 'add a service under to' } });
    }
    // The same entry twice in one rule would be written twice into the CRD.
    rule.sources.forEach((source, i) => {
      const text = formatSelector(source.namespace, source.labels);
      const first = rule.sources.findIndex((s) => formatSelector(s.namespace, s.labels) === text && s.serviceAccount === source.serviceAccount);
      if (first < i) at(rule.subject, 'DUPLICATE_SOURCE', ['from', i], `the same source as from[${first}] (${text}); list each source once`);
    });
    rule.services.forEach((service, i) => {
      const field = ['to', i];
      const twice = rule.services.findIndex((s) => sameService(s, service));
      if (twice < i) at(rule.subject, 'DUPLICATE_SERVICE', field, `'${service.name}' is already in this rule (to[${twice}]); list each service once`);
      if (service.protocol === Protocol.TCP && !policy.asmVersion.supportsTcp) {
        at(rule.subject, 'ASM_VERSION_TOO_OLD', [...field, 'port', 'protocol'],
          `'${service.name}' is a TCP service; ASM supports TCP from version ${AsmVersion.V1_24_6_45}, this policy targets ${policy.asmVersion}`,
          { fix: newerAsm(policy, 'remove the service', 'remove the service') });
      }
      if (asm && service.gatewayPort !== undefined) {
        at(rule.subject, 'ASM_ALLOCATION_PORT_SET', [...field, 'byEgressGateway', 'port'],
          `'${service.name}' sets gateway port ${service.gatewayPort}, but gateway '${policy.gateway}' leaves ports to ASM, which allocates only when every service of the policy leaves its port empty`);
      }
      const first = byName.get(service.name);
      if (!first) {
        byName.set(service.name, { service, subject: rule.subject });
      } else if (!sameService(first.service, service)) {
        at(rule.subject, 'SERVICE_NAME_CONFLICT', [...field, 'name'],
          msg`service name '${service.name}' is already used in policy '${policy.name}' for a different service (at ${ref(first.subject)}); names must be unique within a policy`);
      }
    });
  }
  return problems;
}

/**
 * Target a newer ASM, where the version was chosen, or do without the feature: said to an author
 * of constructs (the policy's prop or the App's settings) and of manifests (the command line's
 * `--asm-version`, or the validation plugin's `asmVersion` property).
 */
function newerAsm(policy: PolicyModel, otherwise: string, otherwiseInManifest: string): Fix {
  const where = {
    policy: "raise this policy's asmVersion",
    app: "raise asmVersion in EgressRegistry.configure() (or set the policy's own asmVersion)",
    default: 'set asmVersion',
  }[policy.asmVersionFrom];
  return {
    constructs: `${where} to ${AsmVersion.V1_24_6_45} or later if the mesh runs it, or ${otherwise}`,
    manifest: `target ASM ${AsmVersion.V1_24_6_45} or later (asm-egress --asm-version, or asmVersion in the validation plugin's properties) `
      + `if the mesh runs it, or ${otherwiseInManifest}`,
  };
}

const PROTOCOL_FIX = 'declare the host and port with one protocol everywhere, or give one of the services another port';

/** The same host and port declared with different protocols anywhere in the App: Istio cannot serve both. */
function protocolConflicts(policies: PolicyModel[]): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, { protocol: Protocol; name: string; subject: string }>();
  for (const policy of policies) {
    for (const rule of policy.rules) {
      rule.services.forEach((service, i) => {
        service.hosts.forEach((host, h) => {
          // Only TCP services have IP hosts, so address spellings cannot hide a protocol conflict.
          const key = `${host}:${service.port}`;
          const first = seen.get(key);
          if (!first) {
            seen.set(key, { protocol: service.protocol, name: service.name, subject: rule.subject });
          } else if (first.protocol !== service.protocol) {
            problems.push(problem('PROTOCOL_CONFLICT', ['to', i, 'hosts', h],
              msg`${key} is declared as ${service.protocol} by '${service.name}' but as ${first.protocol} by '${first.name}' (at ${ref(first.subject)}); one host and port can have only one protocol`,
              { subject: rule.subject, fix: { constructs: PROTOCOL_FIX, manifest: PROTOCOL_FIX } }));
          }
        });
      });
    }
  }
  return problems;
}
