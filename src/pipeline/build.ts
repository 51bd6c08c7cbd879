import { allocatePorts } from '../allocation/allocate';
import { checkAmbient } from '../ambient/checks';
import { ignoredSettings } from '../checks/ignored-settings';
import { checkPolicies } from '../checks/policies';
import { checkIstio } from '../istio/checks';
import type { EgressModel, PolicyModel, PolicySettingsModel, ResolvedSource, RuleModel, ServiceModel } from '../model/model';
import { about, msg, Problem, problem, ref, under } from '../model/problem';

// The App's declarations to its model: one policy per gateway with every rule of the App, in an
// order that does not depend on the order of declaration; then the checks across the App and
// the gateway ports. Pure: the registry hands in what its constructs declare.

/** A rule as declared, with its sources resolved (workload sources are read at synthesis). */
export interface RuleDeclaration {
  readonly subject: string;
  readonly gateway: string;
  readonly name?: string;
  /** The subject of the policy that the rule was declared in, if it was declared in one. */
  readonly declaredIn?: string;
  readonly sources: ResolvedSource[];
  readonly services: ServiceModel[];
}

/**
 * The model of an App.
 * @param pinned ports recorded in the port lock, per gateway and destination key
 */
export function buildModel(policies: PolicySettingsModel[], rules: RuleDeclaration[], pinned: Record<string, Record<string, number>>): EgressModel {
  const problems: Problem[] = [];
  const byGateway = new Map<string, { settings: PolicySettingsModel; rules: RuleModel[] }>();
  const duplicates = new Set<string>();
  for (const settings of [...policies].sort(bySubject)) {
    const first = byGateway.get(settings.gateway);
    if (first) {
      duplicates.add(settings.subject);
      problems.push(problem('DUPLICATE_POLICY', ['spec', 'byEgressGateway', 'name'],
        msg`gateway '${settings.gateway}' already has its policy at ${ref(first.settings.subject)}; ASM expects one policy per gateway`, {
          subject: settings.subject,
          fix: {
            constructs: `add rules to that one, or declare them as EgressRule with gateway '${settings.gateway}' in any chart`,
            manifest: "move this policy's spec.egressRules into that one, and delete this one",
          },
        }));
      continue;
    }
    byGateway.set(settings.gateway, { settings, rules: [] });
  }

  // The policy's own rules in the order they were added, then rules contributed from elsewhere by
  // subject. Rules of a refused duplicate policy stay out: they would only repeat its error.
  const own = rules.filter((r) => r.declaredIn !== undefined && r.declaredIn === byGateway.get(r.gateway)?.settings.subject);
  const ownSet = new Set(own);
  const contributed = rules.filter((r) => !ownSet.has(r) && !(r.declaredIn !== undefined && duplicates.has(r.declaredIn))).sort(bySubject);
  const declared = [...byGateway.keys()].sort();
  let unknownGateways = false;
  for (const rule of [...own, ...contributed]) {
    const entry = byGateway.get(rule.gateway);
    if (!entry) {
      unknownGateways = true;
      problems.push(unknownGateway(rule.subject, rule.gateway, declared, nearestName(rule.gateway, declared)));
      continue;
    }
    rule.sources.forEach(({ problems: sourceProblems }, i) => problems.push(...about(rule.subject, under(['from', i], sourceProblems))));
    entry.rules.push({
      subject: rule.subject,
      ...(rule.name !== undefined ? { name: rule.name } : {}),
      sources: rule.sources.map((s) => s.source),
      services: rule.services,
    });
  }

  const models: PolicyModel[] = [...byGateway.values()]
    .map(({ settings, rules: policyRules }) => ({ ...settings, rules: policyRules }))
    .sort((a, b) => a.gateway.localeCompare(b.gateway));
  // A policy left without rules while a rule names a gateway that no policy declares is most
  // likely that rule's knock-on: reported once the cause is fixed, if it still holds. (cdk8s
  // reports errors in construct order, so a consequence shown too would often come first.)
  const knockOn = (p: Problem) => p.code === 'POLICY_WITHOUT_RULES' && unknownGateways;
  problems.push(...checkPolicies(models).filter((p) => !knockOn(p)));
  problems.push(...ignoredSettings(models));
  const allocation = allocatePorts(models, pinned);
  problems.push(...allocation.problems);
  problems.push(...checkIstio(models, allocation.ports));
  problems.push(...checkAmbient(models));
  return { policies: models, ...allocation, problems: causesFirst(problems) };
}

/** Problems that explain others (a policy twice, a gateway nobody declares) before the rest, each group in its order. */
function causesFirst(problems: Problem[]): Problem[] {
  const cause = (p: Problem) => p.code === 'DUPLICATE_POLICY' || p.code === 'UNKNOWN_GATEWAY';
  return [...problems.filter(cause), ...problems.filter((p) => !cause(p))];
}

/** A rule for a gateway that no policy declares, with the gateways that are declared. */
function unknownGateway(subject: string, gateway: string, declared: string[], nearest: string | undefined): Problem {
  const shown = declared.length > MAX_LISTED ? [...declared.slice(0, MAX_LISTED), `and ${declared.length - MAX_LISTED} more`] : declared;
  const which = declared.length === 0 ? 'the App declares none' : `the App declares ${shown.map((g) => (g.startsWith('and ') ? g : `'${g}'`)).join(', ')}`;
  const how = nearest !== undefined
    ? `did you mean '${nearest}'? Otherwise declare an EgressTrafficPolicy for '${gateway}'`
    : `declare an EgressTrafficPolicy for '${gateway}', or use a declared gateway`;
  return problem('UNKNOWN_GATEWAY', ['gateway'], `no EgressTrafficPolicy in the App declares gateway '${gateway}' (${which})`,
    { subject, fix: { constructs: how, manifest: how } });
}

/** Most gateways a message lists. */
const MAX_LISTED = 5;

/** The declared name closest to a misspelt one (Levenshtein distance, at most a third of its length), if any. */
export function nearestName(name: string, names: string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of names) {
    const distance = editDistance(name, candidate);
    const close = distance <= Math.max(1, Math.floor(name.length / 3));
    if (close && (best === undefined || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

function bySubject(a: { subject: string }, b: { subject: string }): number {
  return a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0;
}
