import { CliFailure, Command, EXIT_OK, EXIT_USAGE, usageError } from './command';
import { readInputs } from './input';
import { QUIET_OPTION } from './load';
import { Diagnostic, plural, printDiagnostics } from './output';
import { readSides } from './policy-access';
import { EgressDiff } from '../egress-diff';
import { EgressQuery } from '../egress-query';
import { diffJson } from '../query/diff-report';

/** Exit status when access changes: what a CI job checks to flag a pull request. */
const EXIT_CHANGED = 1;

const FORMATS = ['text', 'markdown', 'json'];

/** Why a file without policies is refused. */
const NO_POLICY = 'no ASMEgressTrafficPolicy in the input (Istio-only or ambient-only output cannot be diffed from YAML: '
  + 'synthesise with EgressOutput.ASM_AND_ISTIO or ASM_AND_AMBIENT, or compare with EgressDiff in code)';

/**
 * `asm-egress diff OLD NEW`: which sources gain or lose which destinations between two versions
 * of the policies (for example the manifests of a pull request's base and head).
 */
export const diffCommand: Command = {
  name: 'diff',
  summary: 'Show which sources gain or lose which destinations between two versions',
  synopsis: 'diff [--quiet] [--format text|markdown|json] OLD.yaml NEW.yaml',
  description: [
    'Compares the egress access that the ASMEgressTrafficPolicy objects of two files allow (objects',
    'of other kinds, such as Istio objects, are skipped with a warning) and prints one line per',
    'change, sorted:',
    '  + SOURCE -> HOST:PORT/PROTOCOL via GATEWAY:PORT   access gained',
    '  - SOURCE -> HOST:PORT/PROTOCOL via GATEWAY:PORT   access lost',
    '  ~ SOURCE -> HOST:PORT/PROTOCOL: WHAT CHANGED      another gateway, gateway port or TLS origination',
    'SOURCE is NAMESPACE{label=value,...} (NAMESPACE alone for a whole namespace, * for every one),',
    'followed by " as sa/NAME" where Istio or ambient AuthorizationPolicies of the file admit it by',
    'service account NAME: another service account is access lost and gained.',
    'Renamed rules and services change nothing. Each policy is checked field by field as lint checks',
    'it; guardrails, gateway ports as ASM takes them and conflicts between policies are left to lint.',
    'A source gains or loses a destination only if no pair of the other version covers it (its',
    'namespace or *, a subset of its labels, any or its service account, its host or a *. wildcard',
    'above it, its port and protocol): narrowing shows only - lines, widening only + lines.',
    'Each file must hold at least one ASMEgressTrafficPolicy: a file without one (Istio-only or',
    'ambient-only output, an empty file) is an error, never "no change". In a file that holds ambient',
    'output (a ServiceEntry enrolled to a waypoint), a source that its policy widens to its namespace',
    '(UNENFORCED_SELECTOR in the guardrail-overrides annotation) is read as that whole namespace.',
    '--format markdown writes a summary for a pull-request comment instead: by gateway, the access',
    'gained, lost and changed and the guardrail overrides added and removed, with a Mermaid graph of',
    'the changed access; long lists are cut with counts, so that it fits a comment however large the',
    'change. --format json writes every change as JSON. The exit status is the same in every format.',
  ],
  exitStatus: [
    'Exit status: 0 when no access changes; 1 when access changes; 2 usage error, unreadable file,',
    'YAML that does not parse, a file without an ASMEgressTrafficPolicy, or a policy that cannot be',
    'read (FILE:LINE:COLUMN: field: message).',
  ],
  options: {
    quiet: QUIET_OPTION,
    format: { type: 'string', valueName: 'text|markdown|json', description: 'what to write: lines (default), a pull-request comment, or JSON' },
  },
  run(args, io) {
    const format = (args.values.format as string | undefined) ?? 'text';
    if (!FORMATS.includes(format)) throw usageError(`--format must be one of ${FORMATS.join(', ')}, not '${format}'`, 'diff');
    if (args.positionals.length !== 2) {
      throw usageError(`expected two files, OLD and NEW (got ${plural(args.positionals.length, 'file')})`, 'diff');
    }
    // Both files are read before either fails, so that every problem is listed at once.
    const inputs = readInputs(args.positionals, io, 'diff');
    const diagnostics: Diagnostic[] = [...inputs.warnings];
    const sides = readSides(inputs, diagnostics, 2, (fileIndex) => fileIndex);
    printDiagnostics(diagnostics, io, args.values.quiet === true);
    // A file without policies would read as "no access", and two of them as "no change": a CI job
    // would then pass a pull request that widens egress (as Istio-only output does). An error of
    // the file as a whole, at its first line, after the warnings about what it holds.
    const withoutPolicy: Diagnostic[] = inputs.files
      .map((file, fileIndex) => ({ file, fileIndex, line: 1, column: 1, message: NO_POLICY, severity: 'error' as const }))
      .filter((d) => sides[d.fileIndex].policies === 0);
    printDiagnostics(withoutPolicy, io);
    if (diagnostics.some((d) => d.severity === 'error')) throw new CliFailure(['asm-egress diff: the policies cannot be read']);
    if (withoutPolicy.length > 0) return EXIT_USAGE;

    const [before, after] = sides.map((side) => EgressQuery._fromAccesses(side.accesses, side.overrides));
    const diff = EgressDiff.between(before, after);
    const status = diff.isEmpty ? EXIT_OK : EXIT_CHANGED;
    if (format === 'markdown') {
      io.stdout(diff.toMarkdown());
      return status;
    }
    if (format === 'json') {
      io.stdout(`${JSON.stringify(diffJson(diff), null, 2)}\n`);
      return status;
    }
    if (diff.isEmpty) {
      io.stdout('asm-egress diff: no change in egress access\n');
      return EXIT_OK;
    }
    io.stdout(diff.format());
    io.stdout(`asm-egress diff: ${diff.gained.length} gained, ${diff.lost.length} lost, ${diff.changed.length} changed\n`);
    return EXIT_CHANGED;
  },
};
