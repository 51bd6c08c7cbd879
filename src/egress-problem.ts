/**
 * How bad a problem is.
 *
 * @example
 * // The App's problems as data, before or instead of synthesis (which throws cdk8s's own error).
 * const registry = EgressRegistry.of(app);
 * for (const p of registry.errors.concat(registry.warnings)) {
 *   if (p.severity === ProblemSeverity.ERROR) {
 *     console.log(`error [${p.path}] ${p.field}: ${p.message}`);
 *   }
 * }
 */
export enum ProblemSeverity {
  /** Synthesis fails. */
  ERROR = 'error',
  /** Synthesis goes on; the problem is reported once. */
  WARNING = 'warning',
}

/**
 * One problem of egress input: what is wrong, where, and a stable code to recognise it by.
 *
 * @example
 * for (const p of EgressRegistry.of(app).warnings) {
 *   console.log(`${p.code} [${p.path}] ${p.field}: ${p.message}`);
 * }
 */
export interface EgressProblem {
  /**
   * A stable code: the guardrail that refuses it (`WILDCARD_HOST`) or the check that found it
   * (`RULE_WITHOUT_SOURCE`). See the README for the list.
   */
  readonly code: string;

  /** How bad it is. */
  readonly severity: ProblemSeverity;

  /** The construct path of the input at fault; empty for a value that is not a construct (an `ExternalService`). */
  readonly path: string;

  /** The field at fault, relative to the input (`to[1].hosts[0]`); empty for the input as a whole. */
  readonly field: string;

  /** What is wrong, and how to fix it. */
  readonly message: string;
}
