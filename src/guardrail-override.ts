import { Guardrail } from './guardrail';
import { inputError } from './model/error';
import { OVERRIDES_ANNOTATION } from './model/guardrail-annotation';
import { problem } from './model/problem';

/**
 * An explicit exception to a guardrail, with the reason for it. Pass it in the options of the
 * service (or, for `Guardrail.MESH_WIDE_SOURCE`, the source) that needs it. An override that the
 * service or source does not need is an error, so that the listed exceptions stay true.
 *
 * @example
 * ExternalService.tcp('billing-db', {
 *   hosts: ['10.20.0.15'],
 *   port: 5432,
 *   guardrailOverrides: [GuardrailOverride.allow(Guardrail.PRIVATE_ADDRESS, 'billing DB in the peered VPC, INFRA-412')],
 * });
 */
export class GuardrailOverride {
  /**
   * The annotation that lists a policy's overrides: one line per override,
   * `service <name>: <GUARDRAIL>: <reason>` or `source <namespace>{<selector>}: <GUARDRAIL>: <reason>`, sorted.
   */
  public static readonly ANNOTATION = OVERRIDES_ANNOTATION;

  /**
   * Allows what `guardrail` refuses, for one service or source.
   * @param guardrail the guardrail to override
   * @param reason why the exception is needed, for reviewers (kept in the output); must not be empty
   */
  public static allow(guardrail: Guardrail, reason: string): GuardrailOverride {
    // One line in the annotation per override: whitespace runs, newlines included, become one space.
    const normalised = (reason ?? '').trim().replace(/\s+/g, ' ');
    if (normalised === '') {
      throw inputError(`GuardrailOverride.allow(${guardrail.name}): a reason is required: say why the exception is needed`,
        problem('REQUIRED', ['reason'], 'a reason is required: say why the exception is needed'));
    }
    return new GuardrailOverride(guardrail, normalised);
  }

  private constructor(
    /** The guardrail overridden. */
    public readonly guardrail: Guardrail,
    /** Why, as it appears in the annotation. */
    public readonly reason: string,
  ) {}
}
