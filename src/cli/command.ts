// What every command of the command line shares: where it reads and writes, how it fails.

/** Where a command reads and writes: the process's streams, or a test's buffers. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** All of standard input, for the file `-`. */
  readonly readStdin: () => string;
}

/** Exit statuses: the contract that scripts depend on. */
export const EXIT_OK = 0;
/** The input is valid YAML but breaks a rule. */
export const EXIT_INVALID = 1;
/** A usage error, an unreadable file, or YAML that does not parse. */
export const EXIT_USAGE = 2;

/**
 * A failure that ends the command with lines for standard error, without a stack trace: a usage
 * error (with the command whose help to point at) or input that cannot be read.
 */
export class CliFailure extends Error {
  constructor(public readonly lines: string[], public readonly usageOf?: string, public readonly exitCode: number = EXIT_USAGE) {
    super(lines.join('\n'));
    this.name = 'CliFailure';
  }
}

/** A usage error of `command` (or of the program when undefined). */
export function usageError(message: string, command?: string): CliFailure {
  return new CliFailure([`asm-egress${command ? ` ${command}` : ''}: ${message}`], command ?? '');
}

/** An option of a command, as `util.parseArgs` takes it, with its help. */
export interface CommandOption {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** The value's name in help, e.g. `VERSION`. */
  readonly valueName?: string;
  readonly description: string;
}

/** Options and positional arguments as parsed. */
export interface CommandArgs {
  readonly values: { readonly [name: string]: string | boolean | undefined };
  readonly positionals: string[];
}

/** One command of `asm-egress`: its help, options and behaviour. */
export interface Command {
  readonly name: string;
  /** One line for the list of commands. */
  readonly summary: string;
  /** The synopsis after `asm-egress`, e.g. `lint [--asm-version VERSION] FILE...`. */
  readonly synopsis: string;
  /** What it does, for `--help` (wrapped lines). */
  readonly description: string[];
  readonly options: { readonly [name: string]: CommandOption };
  /** What its exit statuses mean, for `--help`, when they differ from lint's and render's. */
  readonly exitStatus?: string[];
  /** Runs the command; returns the exit status. Throws `CliFailure` for usage errors. */
  run(args: CommandArgs, io: CliIo): number;
}
