import { Command, EXIT_INVALID, EXIT_OK } from './command';
import { readInputs } from './input';
import { ASM_VERSION_OPTION, countOf, loadPolicies, parseAsmVersion, STRICT_OPTION, QUIET_OPTION } from './load';
import { countText, plural, printDiagnostics } from './output';

/**
 * `asm-egress lint`: the policies as written, checked as ASM would take them (gateway ports too:
 * ASM allocates them only from 1.24.6.45, and only when every service leaves its port empty).
 */
export const lintCommand: Command = {
  name: 'lint',
  summary: 'Check every ASMEgressTrafficPolicy in the files',
  synopsis: 'lint [--quiet] [--asm-version VERSION] [--strict] FILE...',
  description: [
    'Checks every ASMEgressTrafficPolicy (v1beta1 or v1) in the files, all files together as one',
    'App: the same rules as the cdk8s-asm-egress constructs, and what ASM would reject as written',
    '(gateway ports missing or set for only some services, TCP before ASM 1.24.6.45). Objects of',
    'other kinds are skipped with a warning. Prints one line on success; otherwise every problem',
    'to standard error as FILE:LINE:COLUMN: field: message.',
  ],
  options: {
    'quiet': QUIET_OPTION,
    'asm-version': ASM_VERSION_OPTION,
    'strict': STRICT_OPTION,
  },
  run(args, io) {
    const asmVersion = parseAsmVersion(args.values['asm-version'] as string | undefined, 'lint');
    const inputs = readInputs(args.positionals, io, 'lint');
    const loaded = loadPolicies(inputs, { settings: { asmVersion, strictGuardrails: args.values.strict === true } });
    printDiagnostics(loaded.diagnostics, io, args.values.quiet === true);
    if (loaded.errorCount > 0) {
      io.stderr(`asm-egress lint: ${countText(loaded.diagnostics)} in ${plural(inputs.files.length, 'file')}\n`);
      return EXIT_INVALID;
    }
    const { rules, services } = countOf(loaded.policies);
    const warnings = loaded.diagnostics.length > 0 ? ` (${plural(loaded.diagnostics.length, 'warning')})` : '';
    io.stdout(`asm-egress lint: OK: ${plural(loaded.policies.length, 'policy', 'policies')}, ${plural(rules, 'rule')}, `
      + `${plural(services, 'service')} in ${plural(inputs.files.length, 'file')}${warnings}\n`);
    return EXIT_OK;
  },
};
