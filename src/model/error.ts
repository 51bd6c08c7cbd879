import { dirname, join, sep } from 'path';
import { EgressProblem, ProblemSeverity } from '../egress-problem';
import { Audience, fieldAndMessage, formatField, Problem, problemText } from './problem';

// The error this library throws for invalid input. It carries its problems as data (read them with
// `EgressErrors.problemsOf()`), is recognised by a symbol rather than by class or message (so two
// copies of the library agree, as cdk8s-core brands ApiObject), and starts its stack at the
// caller's line rather than inside the library.

const BRAND = Symbol.for('cdk8s-asm-egress.EgressError');

/**
 * This package's own code, whose frames a stack trace leaves out: `lib/`, and `src/` where source
 * maps (ts-node, `--enable-source-maps`) name the TypeScript files.
 */
const PACKAGE = dirname(dirname(__dirname));
const OWN_CODE = [join(PACKAGE, 'lib') + sep, join(PACKAGE, 'src') + sep];

export class EgressError extends Error {
  public static is(x: unknown): x is EgressError {
    return typeof x === 'object' && x !== null && BRAND in x;
  }

  /** Every problem, errors first in the order found. */
  public readonly problems!: Problem[];
  /** Who reads the problems: authors of constructs, or of manifests. */
  public readonly audience!: Audience;

  constructor(message: string, problems: Problem[], audience: Audience) {
    super(message);
    // Not enumerable: Node prints an uncaught error's enumerable fields after its stack.
    Object.defineProperties(this, {
      name: { value: 'EgressError', enumerable: false },
      problems: { value: problems, enumerable: false },
      audience: { value: audience, enumerable: false },
      [BRAND]: { value: true, enumerable: false },
    });
    this.stack = withoutOwnFrames(this.stack);
  }
}

/** A stack whose first frame is the caller's: this library's own frames are no use to its users. */
function withoutOwnFrames(stack: string | undefined): string | undefined {
  if (!stack) return stack;
  const lines = stack.split('\n');
  const first = lines.findIndex((l) => /^\s+at /.test(l));
  if (first < 0) return stack;
  const frames = lines.slice(first);
  const firstForeign = frames.findIndex((l) => !OWN_CODE.some((own) => l.includes(own)));
  return firstForeign <= 0 ? stack : [...lines.slice(0, first), ...frames.slice(firstForeign)].join('\n');
}

/** Throws an `EgressError` listing every error among `problems` of `what` (`ExternalService 'web'`). */
export function throwIfInvalid(what: string, problems: Problem[], audience: Audience = 'constructs'): void {
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length === 0) return;
  const error = new EgressError(`${what} is invalid:\n${errors.map((p) => `  ${fieldAndMessage(p, audience)}`).join('\n')}`, errors, audience);
  // Node shows this line above an uncaught error: let it point the reader to the right place.
  throw error; // Invalid input: the message below says what and how to fix it; the first frame, where.
}

/** An error with a message of its own, for input that fails a check outside the usual lists. */
export function inputError(message: string, ...problems: Problem[]): EgressError {
  return new EgressError(message, problems, 'constructs');
}

/** A problem as the public API reports it, for `audience`. */
export function publicProblem(p: Problem, audience: Audience): EgressProblem {
  return {
    code: p.code,
    severity: p.severity === 'error' ? ProblemSeverity.ERROR : ProblemSeverity.WARNING,
    path: p.subject ?? '',
    field: formatField(p.field, audience),
    message: problemText(p, audience),
  };
}
