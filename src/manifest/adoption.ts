import type { PolicySpec, RuleSpec } from './read-policy';
import type { EgressTrafficPolicy } from '../egress-traffic-policy';
import type { Problem } from '../model/problem';

// What adopting a manifest built (`EgressTrafficPolicy.fromManifest`), and how the problems that
// the App finds in those constructs map back to the manifest's fields.

export interface Adoption {
  readonly spec: PolicySpec;
  /** Undefined when the policy could not be built. */
  readonly policy?: EgressTrafficPolicy;
  /** Problems of the manifest on its own; fields from the manifest's root. */
  readonly problems: Problem[];
  /** What each construct built stands for in the manifest, by construct path: the policy, or a rule. */
  readonly parts: Map<string, { readonly rule?: RuleSpec }>;
}

/**
 * An App-wide problem of a construct built from a manifest, with its field in the manifest, or
 * undefined when the manifest's own checks already report it (a rule without sources, a policy
 * without rules).
 */
export function manifestProblemOf(adoption: Adoption, p: Problem): Problem | undefined {
  const part = p.subject !== undefined ? adoption.parts.get(p.subject) : undefined;
  if (part === undefined) return undefined;
  const rule = part.rule;
  const [first, index, ...rest] = p.field;
  if (!rule) {
    if (first === 'spec' && index === 'egressRules' && rest.length === 0) return undefined;
    if (first === 'spec' || first === 'metadata') return p;
    // Library settings with no field in the CRD (port range, excluded ports): the gateway's.
    return { ...p, field: ['spec', 'byEgressGateway', 'name'] };
  }
  if ((first === 'from' || first === 'to') && index === undefined) return undefined;
  if ((first !== 'from' && first !== 'to') || typeof index !== 'number') return { ...p, field: [...rule.field, ...p.field] };
  // The rule holds only the valid sources and services: index i of the rule is the manifest's index.
  const indexed = first === 'from' ? rule.sources[index] : rule.services[index];
  if (!indexed) return { ...p, field: [...rule.field, ...p.field] }; // added to the rule after adoption
  return { ...p, field: [...rule.field, first, indexed.index, ...rest] };
}
