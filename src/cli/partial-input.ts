import { InputDocument, Inputs } from './input';
import { diagnosticOf } from './locate';
import type { Diagnostic } from './output';
import { SIDECAR_POLICIES_ANNOTATION } from '../istio/plan';
import type { FieldPath } from '../model/problem';
import { problem } from '../model/problem';

// Sidecars are merged from every policy with sources in their namespace, and named after the
// namespace and selector only: a render of some of those policies writes a Sidecar of the same
// name without the others' hosts, and whichever is applied last wins. A Sidecar that this library
// rendered records the policies it was merged from; when the input holds one (a previous render
// kept beside the policies) that names a policy the input lacks, the input looks partial.

/** A warning for every rendered Sidecar of the input that was merged from a policy the input lacks. */
export function partialInputWarnings(inputs: Inputs, policies: ReadonlyArray<{ namespace: string; name: string }>): Diagnostic[] {
  const present = new Set(policies.map((p) => `${p.namespace}/${p.name}`));
  const warnings: Diagnostic[] = [];
  const visit = (document: InputDocument, value: unknown, at: FieldPath) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
    const object = value as Record<string, any>;
    if (object.kind === 'List' && Array.isArray(object.items)) {
      object.items.forEach((item: unknown, k: number) => visit(document, item, [...at, 'items', k]));
      return;
    }
    const recorded = object.kind === 'Sidecar' ? object.metadata?.annotations?.[SIDECAR_POLICIES_ANNOTATION] : undefined;
    if (typeof recorded !== 'string') return;
    const missing = recorded.split('\n').filter((p) => p !== '' && !present.has(p));
    if (missing.length === 0) return;
    const namespace = String(object.metadata?.namespace ?? 'default');
    const field: FieldPath = ['metadata', 'annotations', SIDECAR_POLICIES_ANNOTATION];
    const how = `render every policy with sources in namespace '${namespace}' together`;
    const p = problem('ISTIO_PARTIAL_INPUT', field,
      `Sidecar ${namespace}/${object.metadata?.name} was merged from ${missing.length === 1 ? 'policy' : 'policies'} ${missing.join(', ')}, which the input lacks: `
      + 'a Sidecar rendered from this input has the same name without their hosts, and whichever is applied last wins',
      { severity: 'warning', fix: { constructs: `${how} (one App)`, manifest: `${how} (one asm-egress render of all their files)` } });
    warnings.push(diagnosticOf({ document, at }, p));
  };
  for (const document of inputs.documents) visit(document, document.value, []);
  return warnings;
}
