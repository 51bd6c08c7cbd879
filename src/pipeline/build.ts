import { allocatePorts } from '../allocation/allocate';
import { checkAmbient } from '../ambient/checks';
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
      const how = `add rules to that one, or declare them as EgressRule with gateway '${settings.gateway}' in any chart`;
      problems.push(problem('DUPLICATE_POLICY', ['spec', 'byEgressGateway', 'name'],
        msg`gateway '${settings.gateway}' already has its policy at ${ref(first.settings.subject)}; ASM expects one policy per gateway`,
        { subject: settings.subject, fix: { constructs: how, manifest: how } }));
      continue;
    }
    byGateway.set(settings.gateway, { settings, rules: [] });
  }

  // The policy's own rules in the order they were added, then rules contributed from elsewhere by
  // subject. Rules of a refused duplicate policy stay out: they would only repeat its error.
  const own = rules.filter((r) => r.declaredIn !== undefined && r.declaredIn === byGateway.get(r.gateway)?.settings.subject);
  const ownSet = new Set(own);
  const contributed = rules.filter((r) => !ownSet.has(r) && !(r.declaredIn !== undefined && duplicates.has(r.declaredIn))).sort(bySubject);
  for (const rule of [...own, ...contributed]) {
    const entry = byGateway.get(rule.gateway);
    if (!entry) {
      problems.push(problem('UNKNOWN_GATEWAY', ['gateway'], `no EgressTrafficPolicy in the App declares gateway '${rule.gateway}'`, { subject: rule.subject }));
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
  problems.push(...checkPolicies(models));
  const allocation = allocatePorts(models, pinned);
  problems.push(...allocation.problems);
  problems.push(...checkIstio(models, allocation.ports));
  problems.push(...checkAmbient(models));
  return { policies: models, ...allocation, problems };
}

function bySubject(a: { subject: string }, b: { subject: string }): number {
  return a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0;
}
