import { writeFileSync } from 'fs';
import { generateTypeScript } from './codegen';
import { CliFailure, Command, EXIT_INVALID, EXIT_OK } from './command';
import { positionOf, readInputs } from './input';
import { countOf, loadPolicies, parseAsmVersion, QUIET_OPTION } from './load';
import { countText, plural, printDiagnostics } from './output';

/**
 * `asm-egress import`: TypeScript that builds the same policies with the library's constructs.
 * The input must pass lint: the program must synthesise exactly the objects it came from.
 */
export const importCommand: Command = {
  name: 'import',
  summary: 'Write TypeScript that builds the policies with cdk8s-asm-egress',
  synopsis: 'import [--quiet] [-o OUT.ts] [--asm-version VERSION] FILE...',
  description: [
    'Checks the policies like lint, then writes a cdk8s program (a Chart class and its App) that',
    'builds the same ASMEgressTrafficPolicy objects with the cdk8s-asm-egress constructs:',
    '`cdk8s synth` gives back the input policies. Writes to standard output unless -o is given.',
  ],
  options: {
    'quiet': QUIET_OPTION,
    'output': { type: 'string', short: 'o', valueName: 'OUT.ts', description: 'write the program to this file' },
    'asm-version': { type: 'string', valueName: 'VERSION', description: 'ASM version the policies must work on, also written into the program (default: the newest documented)' },
  },
  run(args, io) {
    const asmVersionText = args.values['asm-version'] as string | undefined;
    const asmVersion = parseAsmVersion(asmVersionText, 'import');
    const output = args.values.output as string | undefined;
    const inputs = readInputs(args.positionals, io, 'import');
    const loaded = loadPolicies(inputs, { settings: { asmVersion } });
    printDiagnostics(loaded.diagnostics, io, args.values.quiet === true);
    if (loaded.errorCount > 0) {
      io.stderr(`asm-egress import: ${countText(loaded.diagnostics)} in ${plural(inputs.files.length, 'file')}\n`);
      return EXIT_INVALID;
    }
    const code = generateTypeScript(
      loaded.policies.map((p) => ({ parsed: p.adoption.spec, origin: `${p.document.file}:${positionOf(p.document, p.at).line}` })),
      { files: inputs.files, asmVersion: asmVersionText },
    );
    if (output === undefined) {
      io.stdout(code);
      return EXIT_OK;
    }
    try {
      writeFileSync(output, code);
    } catch (e) {
      throw new CliFailure([`asm-egress import: cannot write ${output}: ${(e as Error).message}`]);
    }
    const { rules, services } = countOf(loaded.policies);
    io.stdout(`asm-egress import: wrote ${output}: ${plural(loaded.policies.length, 'policy', 'policies')}, ${plural(rules, 'rule')}, `
      + `${plural(services, 'service')}\n`);
    return EXIT_OK;
  },
};
