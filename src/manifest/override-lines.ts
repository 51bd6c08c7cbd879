import type { FieldReader } from './field-reader';
import { guardrailNamed, guardrailNames } from '../checks/guardrails';
import { GuardrailOverride } from '../guardrail-override';
import { GUARDRAIL_OVERRIDE_LINE_FORMAT, GuardrailOverrideLine, OVERRIDES_ANNOTATION, parseGuardrailOverrideLines } from '../model/guardrail-annotation';
import type { FieldPath } from '../model/problem';

/** Where a manifest keeps its guardrail overrides. */
export const OVERRIDES_FIELD: FieldPath = ['metadata', 'annotations', OVERRIDES_ANNOTATION];

/** The guardrail overrides of a manifest's annotation, handed out to the services and sources they name. */
export class OverrideLines {
  /** The lines that name a known guardrail, in the annotation's order. */
  public readonly lines: GuardrailOverrideLine[] = [];
  private readonly bySubject = new Map<string, Array<{ override: GuardrailOverride; used: boolean }>>();

  constructor(private readonly r: FieldReader, text: string | undefined) {
    if (text === undefined) return;
    const lines = parseGuardrailOverrideLines(text);
    if (!Array.isArray(lines)) {
      r.error(OVERRIDES_FIELD, `line ${lines.badLine} is not '${GUARDRAIL_OVERRIDE_LINE_FORMAT}': ${lines.text}`, 'MANIFEST_OVERRIDE_ANNOTATION');
      return;
    }
    for (const line of lines) {
      const guardrail = guardrailNamed(line.guardrail);
      if (!guardrail) {
        r.error(OVERRIDES_FIELD, `'${line.guardrail}' is not a guardrail (one of: ${guardrailNames().join(', ')})`, 'MANIFEST_OVERRIDE_ANNOTATION');
        continue;
      }
      this.lines.push(line);
      const subject = `${line.subject} ${line.name}`;
      const entry = { override: GuardrailOverride.allow(guardrail, line.reason), used: false };
      this.bySubject.set(subject, [...(this.bySubject.get(subject) ?? []), entry]);
    }
  }

  /** The overrides of `service <name>` or `source <selector>`. */
  public take(subject: string): GuardrailOverride[] {
    const entries = this.bySubject.get(subject) ?? [];
    for (const entry of entries) entry.used = true;
    return entries.map((entry) => entry.override);
  }

  /** Lines that name no service or source of the policy: an override of nothing. */
  public reportUnmatched(): void {
    for (const [subject, entries] of this.bySubject) {
      for (const entry of entries.filter((e) => !e.used)) {
        this.r.error(OVERRIDES_FIELD, `'${subject}: ${entry.override.guardrail.name}: ${entry.override.reason}' names no ${subject.split(' ')[0]} of this policy`,
          'MANIFEST_OVERRIDE_ANNOTATION');
      }
    }
  }
}

