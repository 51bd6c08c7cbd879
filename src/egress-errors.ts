import type { EgressProblem } from './egress-problem';
import { EgressError, publicProblem } from './model/error';

/**
 * Recognises the errors this library throws for invalid input, by code rather than by message.
 *
 * @example
 * // `error`: what was thrown, say, by ExternalService.https('web', { hosts: ['*.example.com'] })
 * if (EgressErrors.isEgressError(error)) {
 *   for (const problem of EgressErrors.problemsOf(error)) {
 *     console.log(`${problem.code} ${problem.field}: ${problem.message}`); // WILDCARD_HOST hosts[0]: ...
 *   }
 * }
 */
export class EgressErrors {
  /** Whether `x` is an error thrown by this library for invalid input. */
  public static isEgressError(x: any): boolean {
    return EgressError.is(x);
  }

  /** Every problem that an error of this library reports; empty for any other value. */
  public static problemsOf(x: any): EgressProblem[] {
    if (!EgressError.is(x)) return [];
    return x.problems.map((p) => publicProblem(p, x.audience));
  }

  private constructor() {}
}
