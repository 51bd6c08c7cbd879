/**
 * A problem found in the egress model: where (construct path and field), what, and how bad.
 *
 * Fields are written as in the CRD, relative to the construct that holds them (a rule's
 * `to[1].hosts[0]`), so the command line can map them back to a line of the input YAML.
 * @internal
 */
export interface Problem {
  /** Construct path; empty while the problem is not attached to a construct. */
  readonly path: string;
  /** Field path, e.g. `to[1].hosts[0]`; empty for the construct as a whole. */
  readonly field: string;
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

/** @internal */
export function problem(field: string, message: string, severity: 'error' | 'warning' = 'error'): Problem {
  return { path: '', field, message, severity };
}

/** `field: message`, the form every error of this library takes. @internal */
export function formatProblem(p: Problem): string {
  return p.field ? `${p.field}: ${p.message}` : p.message;
}

/** Prefixes the field of each problem, e.g. with `to[2].` when a service's problems surface in a rule. @internal */
export function withFieldPrefix(problems: Problem[], prefix: string): Problem[] {
  return problems.map((p) => ({ ...p, field: p.field ? `${prefix}.${p.field}` : prefix }));
}

/**
 * Thrown when input is wrong on its own, at construction; carries every problem found in it, not
 * just the first.
 * @internal
 */
export class EgressInputError extends Error {
  constructor(public readonly subject: string, public readonly problems: Problem[]) {
    super(`${subject} is invalid:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
    this.name = 'EgressInputError';
  }
}

/** Throws an `EgressInputError` when any of the problems is an error. @internal */
export function throwIfErrors(subject: string, problems: Problem[]): void {
  if (problems.some((p) => p.severity === 'error')) {
    throw new EgressInputError(subject, problems.filter((p) => p.severity === 'error'));
  }
}
