import { GuardrailOverride } from '../guardrail';
import type { PolicyModel } from '../model/model';
import { formatSelector } from '../model/selector';

// The overrides annotation: every guardrail a policy overrides, with its reason, one line per
// override, sorted, so that a reviewer sees each exception and a diff shows each change. Every
// object rendered from a policy (the ASM object, the Istio objects) carries the same annotation.

/**
 * The annotations that record a policy's guardrail overrides: empty when it overrides none, so
 * that policies without exceptions render exactly as before.
 * @internal
 */
export function guardrailOverrideAnnotations(policy: PolicyModel): { [key: string]: string } {
  const lines = guardrailOverrideLines(policy);
  return lines.length > 0 ? { [GuardrailOverride.ANNOTATION]: lines.join('\n') } : {};
}

/** One line per override, `service <name>: <GUARDRAIL>: <reason>` or `source <ns>{k=v}: ...`, sorted, unique. @internal */
export function guardrailOverrideLines(policy: PolicyModel): string[] {
  const lines = new Set<string>();
  for (const rule of policy.rules) {
    for (const service of rule.services) {
      for (const o of service.guardrailOverrides) lines.add(`service ${service.name}: ${o.guardrail.name}: ${o.reason}`);
    }
    for (const source of rule.sources) {
      for (const o of source.overrides ?? []) lines.add(`source ${formatSelector(source.namespace, source.labels)}: ${o.guardrail.name}: ${o.reason}`);
    }
  }
  return [...lines].sort();
}

/** One override as read back from the annotation. @internal */
export interface GuardrailOverrideLine {
  readonly subject: 'service' | 'source';
  /** The service name, or the source as `<namespace>{k=v,...}`. */
  readonly name: string;
  readonly guardrail: string;
  readonly reason: string;
}

/**
 * Reads the annotation back (for tools that rebuild constructs from manifests). Throws on a line
 * that is not in the annotation's format.
 * @internal
 */
export function parseGuardrailOverrideLines(value: string): GuardrailOverrideLine[] {
  return value.split('\n').filter((line) => line.trim() !== '').map((line, i) => {
    const match = /^(service|source) (\S+): ([A-Z_]+): (.+)$/.exec(line);
    if (!match) throw new Error(`${GuardrailOverride.ANNOTATION}: line ${i + 1} is not '<service|source> <name>: <GUARDRAIL>: <reason>': ${line}`);
    return { subject: match[1] as 'service' | 'source', name: match[2], guardrail: match[3], reason: match[4] };
  });
}
