import { Guardrail, GuardrailOverride } from '../guardrail';
import { Protocol } from '../protocol';
import { hostReach } from './host-reach';
import type { PolicyModel } from './model';
import { Problem, problem } from './problem';
import { classifyHost } from './syntax';

// The guardrails: checks of an input on its own (a service's hosts, a source's namespaces), run
// at construction, and checks that depend on the policy (plain HTTP, strict or not), run with the
// App's model. Every message ends with the override that allows what it refuses.

/** How to allow what a guardrail refuses, as the end of its message. */
function howToAllow(guardrail: Guardrail): string {
  return `or allow it with GuardrailOverride.allow(Guardrail.${guardrail.name}, reason)`;
}

/** What a guardrail refuses in one host, if anything. */
function hostFindings(host: string): Array<{ guardrail: Guardrail; message: string }> {
  const kind = classifyHost(host);
  if ('error' in kind) return [];
  const findings: Array<{ guardrail: Guardrail; message: string }> = [];
  if (kind.kind === 'wildcard') {
    findings.push({
      guardrail: Guardrail.WILDCARD_HOST,
      message: `'${host}' opens every subdomain of ${host.slice(2)}: list the hosts that the workloads need, ${howToAllow(Guardrail.WILDCARD_HOST)}`,
    });
  }
  const reach = hostReach(host);
  if (reach?.scope === 'internal') {
    findings.push({
      guardrail: Guardrail.INTERNAL_ADDRESS,
      message: `'${host}' is ${reach.what}, which reaches inside the cluster or the cloud host: remove it, ${howToAllow(Guardrail.INTERNAL_ADDRESS)}`,
    });
  } else if (reach?.scope === 'private') {
    findings.push({
      guardrail: Guardrail.PRIVATE_ADDRESS,
      message: `'${host}' is ${reach.what}, which reaches a private network: remove it, ${howToAllow(Guardrail.PRIVATE_ADDRESS)}`,
    });
  }
  return findings;
}

/**
 * The overrides by guardrail, with problems for those given to the wrong kind of input or twice.
 */
function indexOverrides(overrides: GuardrailOverride[], forSources: boolean, problems: Problem[]): Map<Guardrail, number> {
  const index = new Map<Guardrail, number>();
  overrides.forEach((override, i) => {
    const field = `guardrailOverrides[${i}]`;
    if (override.guardrail._appliesToSources !== forSources) {
      problems.push(problem(field, forSources
        ? `${override.guardrail.name} guards external services: give the override to the service`
        : `${override.guardrail.name} guards sources: give the override to the source (EgressSource options)`));
    } else if (index.has(override.guardrail)) {
      problems.push(problem(field, `${override.guardrail.name} is overridden twice`));
    } else {
      index.set(override.guardrail, i);
    }
  });
  return index;
}

/** Overrides that nothing needs: an error, so that the exceptions listed in the output stay true. */
function unusedOverrides(index: Map<Guardrail, number>, needed: Set<Guardrail>, what: string): Problem[] {
  return [...index].filter(([guardrail]) => !needed.has(guardrail)).map(([guardrail, i]) =>
    problem(`guardrailOverrides[${i}]`, `${guardrail.name} is overridden, but ${what} does not need it: remove the override`));
}

/** Problems about `guardrailOverrides[i]`, in the order of i. */
function byOverrideIndex(problems: Problem[]): Problem[] {
  const index = (p: Problem) => Number(/\[(\d+)\]/.exec(p.field)![1]);
  return [...problems].sort((a, b) => index(a) - index(b));
}

/**
 * The guardrails of an external service on its own: its hosts, and whether each override is
 * needed. Plain HTTP is judged with the policy (`validateGuardrails`), where strictness is known.
 * @internal
 */
export function serviceGuardrailProblems(hosts: string[], plainHttp: boolean, overrides: GuardrailOverride[]): Problem[] {
  const problems: Problem[] = [];
  const overrideProblems: Problem[] = [];
  const allowed = indexOverrides(overrides, false, overrideProblems);
  const needed = new Set<Guardrail>(plainHttp ? [Guardrail.PLAIN_HTTP] : []);
  hosts.forEach((host, i) => {
    for (const { guardrail, message } of hostFindings(host)) {
      needed.add(guardrail);
      if (!allowed.has(guardrail)) problems.push(problem(`hosts[${i}]`, message));
    }
  });
  overrideProblems.push(...unusedOverrides(allowed, needed, 'the service'));
  return [...problems, ...byOverrideIndex(overrideProblems)];
}

/**
 * The guardrails of a source: a source that selects every namespace of the mesh needs an override.
 * @param meshWide how the source comes to select every namespace, if it does
 * @internal
 */
export function sourceGuardrailProblems(meshWide: string | undefined, overrides: GuardrailOverride[]): Problem[] {
  const problems: Problem[] = [];
  const overrideProblems: Problem[] = [];
  const allowed = indexOverrides(overrides, true, overrideProblems);
  if (meshWide !== undefined && !allowed.has(Guardrail.MESH_WIDE_SOURCE)) {
    problems.push(problem('namespace',
      `${meshWide} selects workloads in every namespace of the mesh: name the namespaces that need this egress, ${howToAllow(Guardrail.MESH_WIDE_SOURCE)}`));
  }
  overrideProblems.push(...unusedOverrides(allowed, new Set(meshWide !== undefined ? [Guardrail.MESH_WIDE_SOURCE] : []), 'the source'));
  return [...problems, ...byOverrideIndex(overrideProblems)];
}

/**
 * Guardrails that depend on the policy: plain HTTP is a warning, or an error in a strict policy.
 * Reported once per service and policy (at its first rule), not once per rule that uses it.
 * @internal
 */
export function validateGuardrails(policies: PolicyModel[]): Problem[] {
  const problems: Problem[] = [];
  const warned = new Set<unknown>();
  for (const policy of policies) {
    const seen = new Set<unknown>();
    for (const rule of policy.rules) {
      rule.services.forEach((service, i) => {
        const plain = service.protocol === Protocol.HTTP && !service.upgradesToHttps
          && !service.guardrailOverrides.some((o) => o.guardrail === Guardrail.PLAIN_HTTP);
        if (!plain || seen.has(service.name)) return;
        seen.add(service.name);
        const severity = policy.strictGuardrails ? 'error' : 'warning';
        // A warning once per service across the App; an error in every strict policy.
        if (severity === 'warning' && warned.has(service)) return;
        warned.add(service);
        problems.push({
          path: rule.path,
          field: `to[${i}].port.protocol`,
          message: `'${service.name}' sends plain HTTP to ${service.hosts.join(', ')}, unencrypted outside the mesh: set httpsUpgrade so that the gateway originates TLS, ${howToAllow(Guardrail.PLAIN_HTTP)}`,
          severity,
        });
      });
    }
  }
  return problems;
}
