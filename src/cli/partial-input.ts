import { InputDocument, Inputs } from './input';
import { diagnosticOf, PolicyObject } from './locate';
import { Diagnostic, plural } from './output';
import { SIDECAR_POLICIES_ANNOTATION } from '../istio/plan';
import type { Adoption } from '../manifest/adoption';
import type { FieldPath } from '../model/problem';
import { problem } from '../model/problem';

// Sidecars are merged from every policy with sources in their namespace, and named after the
// namespace and selector only: a render of some of those policies writes a Sidecar of the same
// name without the others' hosts, and whichever is applied last wins. A Sidecar that this library
// rendered records the policies it was merged from; when the input holds one (a previous render
// kept beside the policies, or the cluster's: `kubectl get sidecars -A -o yaml | asm-egress
// render --istio FILE... -`) that names a policy the input lacks, the input looks partial.

/** A Sidecar of the input that this library rendered, and where it is. */
interface RenderedSidecar {
  readonly document: InputDocument;
  readonly at: FieldPath;
  readonly object: Record<string, any>;
  /** The policies it was merged from, `<namespace>/<name>`. */
  readonly policies: string[];
}

/** Every Sidecar of the input (the items of a `List` too) that records the policies it was merged from. */
function renderedSidecars(inputs: Inputs): RenderedSidecar[] {
  const found: RenderedSidecar[] = [];
  const visit = (document: InputDocument, value: unknown, at: FieldPath) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
    const object = value as Record<string, any>;
    if (object.kind === 'List' && Array.isArray(object.items)) {
      object.items.forEach((item: unknown, k: number) => visit(document, item, [...at, 'items', k]));
      return;
    }
    const recorded = object.kind === 'Sidecar' ? object.metadata?.annotations?.[SIDECAR_POLICIES_ANNOTATION] : undefined;
    if (typeof recorded === 'string') found.push({ document, at, object, policies: recorded.split('\n').filter((p) => p !== '') });
  };
  for (const document of inputs.documents) visit(document, document.value, []);
  return found;
}

/** A warning for every rendered Sidecar of the input that was merged from a policy the input lacks. */
export function partialInputWarnings(inputs: Inputs, policies: ReadonlyArray<{ namespace: string; name: string }>): Diagnostic[] {
  const present = new Set(policies.map((p) => `${p.namespace}/${p.name}`));
  const warnings: Diagnostic[] = [];
  for (const { document, at, object, policies: recorded } of renderedSidecars(inputs)) {
    const missing = recorded.filter((p) => !present.has(p));
    if (missing.length === 0) continue;
    const namespace = String(object.metadata?.namespace ?? 'default');
    const field: FieldPath = ['metadata', 'annotations', SIDECAR_POLICIES_ANNOTATION];
    const how = `render every policy with sources in namespace '${namespace}' together`;
    const p = problem('ISTIO_PARTIAL_INPUT', field,
      `Sidecar ${namespace}/${object.metadata?.name} was merged from ${missing.length === 1 ? 'policy' : 'policies'} ${missing.join(', ')}, which the input lacks: `
      + 'a Sidecar rendered from this input has the same name without their hosts, and whichever is applied last wins',
      { severity: 'warning', fix: { constructs: `${how} (one App)`, manifest: `${how} (one asm-egress render of all their files)` } });
    warnings.push(diagnosticOf({ document, at }, p));
  }
  return warnings;
}

/** A policy of the input, as `render` loaded it. */
interface InputPolicy extends PolicyObject {
  readonly adoption: Adoption;
}

/**
 * Whether the input holds every policy with sources in a namespace cannot be known from the
 * policies alone. Unless the input holds Sidecars that this library rendered (which
 * `partialInputWarnings` checks), one warning per namespace of the emitted Sidecars names the
 * policies they were merged from, at the first source there, and how to have it checked: once
 * the cluster's Sidecars are in the input, these give way to the precise warnings.
 * @param emitted the objects that render writes
 */
export function uncheckedSidecarWarnings(inputs: Inputs, emitted: any[], policies: readonly InputPolicy[]): Diagnostic[] {
  if (renderedSidecars(inputs).length > 0) return [];
  const byNamespace = new Map<string, Set<string>>();
  for (const o of emitted) {
    const recorded = o?.kind === 'Sidecar' ? o.metadata?.annotations?.[SIDECAR_POLICIES_ANNOTATION] : undefined;
    if (typeof recorded !== 'string') continue;
    const ns = String(o.metadata.namespace);
    for (const p of recorded.split('\n').filter((x: string) => x !== '')) byNamespace.set(ns, (byNamespace.get(ns) ?? new Set()).add(p));
  }
  const warnings: Diagnostic[] = [];
  for (const [ns, merged] of [...byNamespace].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const names = [...merged].sort();
    // The first source of the namespace in the input (the policies are in input order).
    const at = policies.flatMap((policy) => policy.adoption.spec.rules.flatMap((rule) => rule.sources
      .filter((s) => s.source.namespace === ns || s.source.namespace === '*')
      .map((s) => ({ policy, field: [...rule.field, 'from', s.index, 'namespace'] }))))[0];
    if (at === undefined) continue;
    const how = `render every policy with sources in namespace '${ns}' together; to have this checked, add the cluster's Sidecars to the input `
      + '(kubectl get sidecars -A -o yaml | asm-egress render --istio FILE... -)';
    const p = problem('ISTIO_SIDECAR_UNCHECKED', at.field,
      `the Sidecars of namespace '${ns}' are merged from ${plural(names.length, 'policy', 'policies')} of this input (${names.join(', ')}) only: `
      + 'a policy with sources there that the input lacks is left out of them, and of two such renders the Sidecar applied last wins',
      { severity: 'warning', fix: { constructs: how, manifest: how } });
    warnings.push(diagnosticOf(at.policy, p));
  }
  return warnings;
}
