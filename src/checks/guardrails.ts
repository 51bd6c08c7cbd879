import { Guardrail } from '../guardrail';
import type { GuardrailOverride } from '../guardrail-override';
import type { GuardrailCode } from '../model/codes';
import { OVERRIDES_ANNOTATION } from '../model/guardrail-annotation';
import type { PolicyModel } from '../model/model';
import { includesAmbient } from '../model/output';
import { Fix, Problem, problem } from '../model/problem';
import { formatSelector } from '../model/selector';
import { Protocol } from '../protocol';
import { hostFacts } from './host-facts';

// The guardrails: checks of an input on its own (a service's hosts, a source's namespaces), run
// at construction and by the manifest reader, and checks that depend on the policy (plain HTTP,
// strict or not), run with the App's model. Each finding says how to allow what it refuses, in
// the words of whoever reads it: an override in code, or a line of the policy's annotation.

/** Every guardrail, by name. */
const GUARDRAILS = new Map<string, Guardrail>(
  [Guardrail.INTERNAL_ADDRESS, Guardrail.PRIVATE_ADDRESS, Guardrail.WILDCARD_HOST, Guardrail.PLAIN_HTTP, Guardrail.MESH_WIDE_SOURCE,
    Guardrail.UNENFORCED_SELECTOR].map((g) => [g.name, g]));

/** The guardrail called `name`, if there is one. */
export function guardrailNamed(name: string): Guardrail | undefined {
  return GUARDRAILS.get(name);
}

/** Names of every guardrail, for messages. */
export function guardrailNames(): string[] {
  return [...GUARDRAILS.keys()];
}

/**
 * How a manifest names a service or source in the overrides annotation: `service <name>`,
 * `source <namespace>{k=v}`.
 */
export type OverrideSubject = string;

/** `<remedy>, or allow it with <the override>`, in each author's words. */
function allowFix(remedy: string, guardrail: Guardrail, subject: OverrideSubject): Fix {
  return {
    constructs: `${remedy}, or allow it with GuardrailOverride.allow(Guardrail.${guardrail.name}, reason)`,
    manifest: `${remedy}, or allow it with the line '${subject}: ${guardrail.name}: <reason>' in annotation ${OVERRIDES_ANNOTATION}`,
  };
}

function finding(guardrail: Guardrail, field: Array<string | number>, message: string, remedy: string, subject: OverrideSubject,
  severity: 'error' | 'warning' = 'error'): Problem {
  return problem(guardrail.name as GuardrailCode, field, message, { severity, fix: allowFix(remedy, guardrail, subject) });
}

/** What a guardrail refuses in the host at `hosts[i]`, if anything. */
function hostFindings(host: string, i: number, subject: OverrideSubject): Problem[] {
  const { classified: kind, reach } = hostFacts(host);
  if ('error' in kind) return [];
  const findings: Problem[] = [];
  const field = ['hosts', i];
  if (kind.kind === 'wildcard') {
    findings.push(finding(Guardrail.WILDCARD_HOST, field, `'${host}' opens every subdomain of ${host.slice(2)}`,
      'list the hosts that the workloads need', subject));
  }
  if (reach?.scope === 'internal') {
    findings.push(finding(Guardrail.INTERNAL_ADDRESS, field, `'${host}' is ${reach.what}, which reaches inside the cluster or the cloud host`,
      'remove it', subject));
  } else if (reach?.scope === 'private') {
    findings.push(finding(Guardrail.PRIVATE_ADDRESS, field, `'${host}' is ${reach.what}, which reaches a private network`, 'remove it', subject));
  }
  return findings;
}

/** The overrides by guardrail, with problems for those given to the wrong kind of input or twice. */
function indexOverrides(overrides: GuardrailOverride[], forSources: boolean, problems: Problem[]): Map<Guardrail, number> {
  const index = new Map<Guardrail, number>();
  overrides.forEach((override, i) => {
    const field = ['guardrailOverrides', i];
    if (override.guardrail._appliesToSources !== forSources) {
      problems.push(problem('OVERRIDE_MISPLACED', field, forSources
        ? `${override.guardrail.name} guards external services: give the override to the service`
        : `${override.guardrail.name} guards sources: give the override to the source (EgressSource options)`));
    } else if (index.has(override.guardrail)) {
      problems.push(problem('OVERRIDE_DUPLICATE', field, `${override.guardrail.name} is overridden twice`));
    } else {
      index.set(override.guardrail, i);
    }
  });
  return index;
}

/** Overrides that nothing needs: an error, so that the exceptions listed in the output stay true. */
function unusedOverrides(index: Map<Guardrail, number>, needed: Set<Guardrail>, what: string): Problem[] {
  return [...index].filter(([guardrail]) => !needed.has(guardrail)).map(([guardrail, i]) =>
    problem('OVERRIDE_UNUSED', ['guardrailOverrides', i], `${guardrail.name} is overridden, but ${what} does not need it: remove the override`));
}

/** Problems about `guardrailOverrides[i]`, in the order of i. */
function byOverrideIndex(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => Number(a.field[1]) - Number(b.field[1]));
}

/**
 * The guardrails of an external service on its own: its hosts, and whether each override is
 * needed. Plain HTTP is judged with the policy (`policyGuardrailProblems`), where strictness is known.
 */
export function serviceGuardrailProblems(name: string, hosts: string[], plainHttp: boolean, overrides: GuardrailOverride[]): Problem[] {
  const findings = hosts.flatMap((host, i) => hostFindings(host, i, `service ${name}`));
  // Without overrides, every finding stands and no override can be unused.
  if (overrides.length === 0) return findings;
  const overrideProblems: Problem[] = [];
  const allowed = indexOverrides(overrides, false, overrideProblems);
  const needed = new Set<Guardrail>(plainHttp ? [Guardrail.PLAIN_HTTP] : []);
  const problems = findings.filter((p) => {
    const guardrail = GUARDRAILS.get(p.code)!;
    needed.add(guardrail);
    return !allowed.has(guardrail);
  });
  overrideProblems.push(...unusedOverrides(allowed, needed, 'the service'));
  return [...problems, ...byOverrideIndex(overrideProblems)];
}

/**
 * The guardrails of a source: a source that selects every namespace of the mesh needs an override.
 * Whether its selector can be enforced depends on the policy's output (`policyGuardrailProblems`);
 * here only whether an override of it is needed at all.
 * @param meshWide how the source comes to select every namespace, if it does
 * @param subject the source as the overrides annotation names it
 * @param selectorOnly whether the source narrows by labels without a service account, which an
 * output that sees only identities cannot enforce (`Guardrail.UNENFORCED_SELECTOR`)
 */
export function sourceGuardrailProblems(meshWide: string | undefined, overrides: GuardrailOverride[], subject: OverrideSubject,
  selectorOnly = false): Problem[] {
  const problems: Problem[] = [];
  const overrideProblems: Problem[] = [];
  const allowed = indexOverrides(overrides, true, overrideProblems);
  if (meshWide !== undefined && !allowed.has(Guardrail.MESH_WIDE_SOURCE)) {
    problems.push(finding(Guardrail.MESH_WIDE_SOURCE, ['namespace'], `${meshWide} selects workloads in every namespace of the mesh`,
      'name the namespaces that need this egress', subject));
  }
  const needed = new Set<Guardrail>([
    ...(meshWide !== undefined ? [Guardrail.MESH_WIDE_SOURCE] : []),
    ...(selectorOnly ? [Guardrail.UNENFORCED_SELECTOR] : []),
  ]);
  overrideProblems.push(...unusedOverrides(allowed, needed, 'the source'));
  return [...problems, ...byOverrideIndex(overrideProblems)];
}

/**
 * Guardrails that depend on the policy: plain HTTP is a warning, or an error in a strict policy
 * (reported once per service and policy, at its first rule, not once per rule that uses it); a
 * selector source without a service account is an error in ambient output.
 */
export function policyGuardrailProblems(policies: PolicyModel[]): Problem[] {
  const problems: Problem[] = [];
  const warned = new Set<unknown>();
  for (const policy of policies) {
    if (includesAmbient(policy.output)) problems.push(...unenforcedSelectors(policy));
    const seen = new Set<string>();
    for (const rule of policy.rules) {
      rule.services.forEach((service, i) => {
        const plain = service.protocol === Protocol.HTTP && service.httpsUpgradePort === undefined
          && !service.overrides.some((o) => o.guardrail === Guardrail.PLAIN_HTTP);
        if (!plain || seen.has(service.name)) return;
        seen.add(service.name);
        const severity = policy.strictGuardrails ? 'error' : 'warning';
        // A warning once per service across the App; an error in every strict policy.
        if (severity === 'warning' && warned.has(service)) return;
        warned.add(service);
        problems.push({
          ...finding(Guardrail.PLAIN_HTTP, ['to', i, 'port', 'protocol'],
            `'${service.name}' sends plain HTTP to ${service.hosts.join(', ')}, unencrypted outside the mesh`,
            'set httpsUpgrade so that the gateway originates TLS', `service ${service.name}`, severity),
          subject: rule.subject,
        });
      });
    }
  }
  return problems;
}

/**
 * In ambient output the waypoint admits identities (service accounts, namespaces), never pod labels:
 * a selector source without a service account would silently admit its whole namespace, so it is
 * refused unless the override makes that choice visible.
 */
function unenforcedSelectors(policy: PolicyModel): Problem[] {
  const problems: Problem[] = [];
  for (const rule of policy.rules) {
    rule.sources.forEach((source, i) => {
      if (source.labels === undefined || source.serviceAccount !== undefined) return;
      if ((source.overrides ?? []).some((o) => o.guardrail === Guardrail.UNENFORCED_SELECTOR)) return;
      const text = formatSelector(source.namespace, source.labels);
      const scope = source.namespace === '*' ? 'every namespace' : `namespace '${source.namespace}'`;
      const line = `'source ${text}: ${Guardrail.UNENFORCED_SELECTOR.name}: <reason>'`;
      const what = source.workload !== undefined ? `source ${text} (workload ${source.workload})` : `source ${text}`;
      const map = source.workload !== undefined
        ? `give workload ${source.workload} a serviceAccount, which it is then admitted by`
        : 'map it to the service account of its workloads (EgressSource.namespace() with serviceAccountName, or a cdk8s-plus workload with a serviceAccount)';
      problems.push(problem(Guardrail.UNENFORCED_SELECTOR.name as GuardrailCode, ['from', i, 'workloadSelector'],
        `${what} selects pods by labels, which a waypoint cannot see: in ambient output (${policy.output}) it would admit every workload of ${scope}`, {
          subject: rule.subject,
          fix: {
            constructs: `${map}, or widen it to ${scope} with GuardrailOverride.allow(Guardrail.${Guardrail.UNENFORCED_SELECTOR.name}, reason)`,
            manifest: `the policy cannot name a service account: widen the source to ${scope} with the line ${line} in annotation ${OVERRIDES_ANNOTATION}, `
              + 'or declare the rule in code with a service account',
          },
        }));
    });
  }
  return problems;
}
