import type { PolicyModel } from './model';
import { formatSelector } from './selector';

// The overrides annotation, written and read here only: every guardrail a policy overrides, with
// its reason, one line per override, sorted, so that a reviewer sees each exception and a diff
// shows each change. Every object rendered from a policy (the ASM object, the Istio objects)
// carries the same annotation; the manifest reader gives each line back to its service or source.

/** The annotation's key (`GuardrailOverride.ANNOTATION`). */
export const OVERRIDES_ANNOTATION = 'egress.cdk8s-asm-egress.io/guardrail-overrides';

/** The annotations that record a policy's guardrail overrides: none when it overrides none. */
export function guardrailOverrideAnnotations(policy: PolicyModel): { [key: string]: string } {
  const lines = new Set<string>();
  for (const rule of policy.rules) {
    for (const service of rule.services) {
      for (const o of service.overrides) lines.add(formatLine({ subject: 'service', name: service.name, guardrail: o.guardrail.name, reason: o.reason }));
    }
    for (const source of rule.sources) {
      const name = formatSelector(source.namespace, source.labels);
      for (const o of source.overrides ?? []) lines.add(formatLine({ subject: 'source', name, guardrail: o.guardrail.name, reason: o.reason }));
    }
  }
  return lines.size > 0 ? { [OVERRIDES_ANNOTATION]: [...lines].sort().join('\n') } : {};
}

/** One override as a line of the annotation. */
export interface GuardrailOverrideLine {
  readonly subject: 'service' | 'source';
  /** The service name, or the source as `<namespace>{k=v,...}`. */
  readonly name: string;
  readonly guardrail: string;
  readonly reason: string;
}

const LINE = /^(service|source) (\S+): ([A-Z_]+): (.+)$/;

function formatLine(line: GuardrailOverrideLine): string {
  return `${line.subject} ${line.name}: ${line.guardrail}: ${line.reason}`;
}

/** The lines of the annotation, or, for the first line not in its format, its number (from 1) and text. */
export function parseGuardrailOverrideLines(value: string): GuardrailOverrideLine[] | { readonly badLine: number; readonly text: string } {
  const lines: GuardrailOverrideLine[] = [];
  const texts = value.split('\n');
  for (let i = 0, n = 0; i < texts.length; i++) {
    if (texts[i].trim() === '') continue;
    n++;
    const match = LINE.exec(texts[i]);
    if (!match) return { badLine: n, text: texts[i] };
    lines.push({ subject: match[1] as 'service' | 'source', name: match[2], guardrail: match[3], reason: match[4] });
  }
  return lines;
}

/** The format of a line, for messages. */
export const GUARDRAIL_OVERRIDE_LINE_FORMAT = '<service|source> <name>: <GUARDRAIL>: <reason>';
