import type { EgressAccess } from '../egress-access';
import { Guardrail } from '../guardrail';
import { OVERRIDES_ANNOTATION, parseGuardrailOverrideLines } from '../model/guardrail-annotation';
import { formatSelector } from '../model/selector';

// Access as ambient-mode objects behave. Their waypoint admits identities, never pod labels: a
// selector source without a service account is admitted as its whole namespace, which the
// UNENFORCED_SELECTOR override records in the policy's annotation (`source <ns>{<selector>}`).
// A source with a service account keeps its selector: the service account is taken to identify
// the workload, as in the sidecar output. Selectors are matched by their text, so a selector that
// a policy widens in one rule reads as widened in every rule of that policy (wider, never narrower).

/** Istio's label that enrols a ServiceEntry to a waypoint: what marks the ambient output among manifests. */
export const USE_WAYPOINT_LABEL = 'istio.io/use-waypoint';

/** Whether manifests hold ambient output: a ServiceEntry enrolled to a waypoint. */
export function holdsAmbientOutput(objects: unknown[]): boolean {
  const isEnrolled = (o: any): boolean => o !== null && typeof o === 'object'
    && (o.kind === 'List' && Array.isArray(o.items) ? o.items.some(isEnrolled)
      : o.kind === 'ServiceEntry' && typeof o.apiVersion === 'string' && o.apiVersion.startsWith('networking.istio.io/')
        && typeof o.metadata?.labels?.[USE_WAYPOINT_LABEL] === 'string');
  return objects.some(isEnrolled);
}

/** The selectors (as `formatSelector` writes them) that a policy manifest's overrides annotation widens. */
export function widenedSelectorsOf(manifest: unknown): Set<string> {
  const text = (manifest as any)?.metadata?.annotations?.[OVERRIDES_ANNOTATION];
  const lines = typeof text === 'string' ? parseGuardrailOverrideLines(text) : [];
  if (!Array.isArray(lines)) return new Set();
  return new Set(lines.filter((l) => l.subject === 'source' && l.guardrail === Guardrail.UNENFORCED_SELECTOR.name).map((l) => l.name));
}

/**
 * The accesses, with every workload of its namespace as source for those whose source is among the
 * selectors that its policy widens.
 * @param widened per policy (`<namespace>/<name>`), the selectors it widens
 */
export function widenSelectors(accesses: EgressAccess[], widened: Map<string, Set<string>>): EgressAccess[] {
  return accesses.map((a) => (widened.get(a.policy)?.has(formatSelector(a.source.namespace, a.source.workloadSelector)) ? withoutSelector(a) : a));
}

/** Per policy manifest among `objects` (`<namespace>/<name>`), the selectors its overrides annotation widens. */
export function widenedSelectorsByPolicy(objects: unknown[]): Map<string, Set<string>> {
  const widened = new Map<string, Set<string>>();
  for (const o of objects as any[]) {
    const selectors = widenedSelectorsOf(o);
    if (selectors.size > 0) widened.set(`${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`, selectors);
  }
  return widened;
}

/** The access with every workload of the source's namespace as its source. */
export function withoutSelector(a: EgressAccess): EgressAccess {
  const { workloadSelector: _, workload: __, ...source } = a.source;
  return { ...a, source };
}
