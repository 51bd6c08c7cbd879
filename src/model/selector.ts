// Sources as text, one form everywhere: messages, the guardrail-override annotation, queries.

/** How a source that selects every namespace is written in the policy (Istio's notation for any namespace). */
export const ALL_NAMESPACES = '*';

/** A source as text: `mytest{app=sleep-a}`, `mytest` for a whole namespace, `*` for every namespace. */
export function formatSelector(namespace: string, labels: { [key: string]: string } | undefined): string {
  const entries = Object.entries(labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length > 0 ? `${namespace}{${entries.map(([k, v]) => `${k}=${v}`).join(',')}}` : namespace;
}
