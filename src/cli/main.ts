import { readFileSync } from 'fs';
import { join } from 'path';
import { parseArgs } from 'util';
import { CliFailure, CliIo, Command, CommandOption, EXIT_OK, EXIT_USAGE, usageError } from './command';
import { diffCommand } from './diff';
import { graphCommand } from './graph';
import { importCommand } from './import';
import { lintCommand } from './lint';
import { processIo } from './output';
import { renderCommand } from './render';

// `asm-egress`: a thin shell over the library for teams that keep their policies as YAML.

/** The commands, in the order help lists them. A new command is one module and one entry here. */
const COMMANDS: Command[] = [lintCommand, renderCommand, importCommand, diffCommand, graphCommand];

/** Exit status of a failure that is a bug of this program, not of the input (EX_SOFTWARE). */
const EXIT_INTERNAL = 70;

const HELP_OPTION: CommandOption = { type: 'boolean', short: 'h', description: 'show this help' };

/**
 * Runs the command line `argv` (without `node` and the script) and returns its exit status:
 * 0 success, 1 input that breaks a rule, 2 usage error or unreadable input.
 */
export function main(argv: string[], io: CliIo = processIo()): number {
  try {
    return dispatch(argv, io);
  } catch (e) {
    if (e instanceof CliFailure) {
      io.stderr(e.lines.join('\n') + '\n');
      if (e.usageOf !== undefined) io.stderr(`Try 'asm-egress${e.usageOf ? ` ${e.usageOf}` : ''} --help'.\n`);
      return e.exitCode;
    }
    // Not the input's fault: say so, without a stack trace unless asked for.
    io.stderr(`asm-egress: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    io.stderr(process.env.ASM_EGRESS_DEBUG ? `${(e as Error)?.stack}\n` : 'Please report it, with the input; ASM_EGRESS_DEBUG=1 shows where it happened.\n');
    return EXIT_INTERNAL;
  }
}

function dispatch(argv: string[], io: CliIo): number {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr(programHelp());
    return EXIT_USAGE;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    io.stdout(programHelp());
    return EXIT_OK;
  }
  if (first === '--version') {
    io.stdout(`${version()}\n`);
    return EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    throw usageError(first.startsWith('-') ? `unknown option '${first}'` : `unknown command '${first}' (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...command.options, help: HELP_OPTION }, allowPositionals: true, strict: true });
  } catch (e) {
    // Node's messages suggest '--' for file names that start with '-': keep the first sentence.
    throw usageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''), command.name);
  }
  if (parsed.values.help) {
    io.stdout(commandHelp(command));
    return EXIT_OK;
  }
  return command.run({ values: parsed.values, positionals: parsed.positionals }, io);
}

function programHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: asm-egress <command> [options] FILE...',
    '',
    'Lint, render, import, diff and graph Alibaba Cloud ASM ASMEgressTrafficPolicy YAML with the cdk8s-asm-egress',
    'constructs, so that YAML and TypeScript policies go through the same checks and port allocator.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  -h, --help     show help (asm-egress <command> --help for a command)',
    '      --version  show the version',
    '',
    ...FOOTER,
  ].join('\n') + '\n';
}

function commandHelp(command: Command): string {
  const options = Object.entries({ ...command.options, help: HELP_OPTION }).map(([name, o]) =>
    [`${o.short ? `-${o.short}, ` : '    '}--${name}${o.valueName ? ` ${o.valueName}` : ''}`, o.description]);
  const width = Math.max(...options.map(([flags]) => flags.length));
  return [
    `Usage: asm-egress ${command.synopsis}`,
    '',
    ...command.description,
    '',
    'Options:',
    ...options.map(([flags, description]) => `  ${flags.padEnd(width)}  ${description}`),
    '',
    FILE_LINE,
    ...(command.exitStatus ?? EXIT_STATUS),
  ].join('\n') + '\n';
}

const FILE_LINE = "FILE is a YAML file of one or more documents; '-' reads standard input.";
const EXIT_STATUS = [
  'Exit status: 0 success; 1 the input breaks a rule (each problem on standard error as',
  'FILE:LINE:COLUMN: field: message); 2 usage error, unreadable file or YAML that does not parse.',
];
const FOOTER = [FILE_LINE, ...EXIT_STATUS];

/** The package's version, from its package.json (two levels up from lib/cli/ or src/cli/). */
function version(): string {
  try {
    return JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}
