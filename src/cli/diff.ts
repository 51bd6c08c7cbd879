import { CliFailure, Command, EXIT_OK, usageError } from './command';
import { readInputs } from './input';
import { forEachPolicyObject, locateField } from './load';
import { Diagnostic, plural, printDiagnostics } from './report';
import { EgressAccess } from '../query/egress-access';
import { EgressDiff } from '../query/egress-diff';
import { EgressQuery } from '../query/egress-query';
import { readPolicyAccess } from '../query/read-manifests';

/** Exit status when access changes: what a CI job checks to flag a pull request. */
const EXIT_CHANGED = 1;

/**
 * `asm-egress diff OLD NEW`: which sources gain or lose which destinations between two versions
 * of the policies (for example the manifests of a pull request's base and head).
 */
export const diffCommand: Command = {
  name: 'diff',
  summary: 'Show which sources gain or lose which destinations between two versions',
  synopsis: 'diff OLD.yaml NEW.yaml',
  description: [
    'Compares the egress access that the ASMEgressTrafficPolicy objects of two files allow (objects',
    'of other kinds, such as Istio objects, are skipped with a warning) and prints one line per',
    'change, sorted:',
    '  + SOURCE -> HOST:PORT/PROTOCOL via GATEWAY:PORT   access gained',
    '  - SOURCE -> HOST:PORT/PROTOCOL via GATEWAY:PORT   access lost',
    '  ~ SOURCE -> HOST:PORT/PROTOCOL: WHAT CHANGED      another gateway, gateway port or TLS origination',
    'SOURCE is NAMESPACE{label=value,...} (NAMESPACE alone for a whole namespace, * for every one).',
    'Renamed rules and services change nothing. Each policy is checked field by field as lint checks',
    'it; guardrails, gateway ports as ASM takes them and conflicts between policies are left to lint.',
  ],
  exitStatus: [
    'Exit status: 0 when no access changes; 1 when access changes; 2 usage error, unreadable file,',
    'YAML that does not parse, or a policy that cannot be read (FILE:LINE: field: message).',
  ],
  options: {},
  run(args, io) {
    if (args.positionals.length !== 2) {
      throw usageError(`expected two files, OLD and NEW (got ${plural(args.positionals.length, 'file')})`, 'diff');
    }
    // Both files are read before either fails, so that every problem is listed at once.
    const inputs = readInputs(args.positionals, io, 'diff');
    const diagnostics: Diagnostic[] = [...inputs.warnings];
    const sides: [EgressAccess[], EgressAccess[]] = [[], []];
    forEachPolicyObject(inputs, diagnostics, (policy, value) => {
      const { accesses, problems } = readPolicyAccess(value);
      for (const p of problems) diagnostics.push({ ...locateField(policy, p.field), message: p.message, severity: p.severity });
      sides[policy.document.fileIndex].push(...accesses);
    });
    printDiagnostics(diagnostics, io);
    if (diagnostics.some((d) => d.severity === 'error')) throw new CliFailure(['asm-egress diff: the policies cannot be read']);

    const diff = EgressDiff.between(EgressQuery._fromAccesses(sides[0]), EgressQuery._fromAccesses(sides[1]));
    if (diff.isEmpty) {
      io.stdout('asm-egress diff: no change in egress access\n');
      return EXIT_OK;
    }
    io.stdout(diff.format());
    io.stdout(`asm-egress diff: ${diff.gained.length} gained, ${diff.lost.length} lost, ${diff.changed.length} changed\n`);
    return EXIT_CHANGED;
  },
};
