import { CliFailure, Command, EXIT_OK, EXIT_USAGE } from './command';
import { readInputs } from './input';
import { QUIET_OPTION } from './load';
import { Diagnostic, plural, printDiagnostics } from './output';
import { readSides } from './policy-access';
import { EgressQuery } from '../egress-query';
import { drawFlowchart, MERMAID_MAX_EDGES, MERMAID_MAX_TEXT } from '../query/mermaid';

/**
 * `asm-egress graph [--quiet] FILE...`: who may reach what, as a Mermaid flowchart, read from the policies as
 * `diff` reads them.
 */
export const graphCommand: Command = {
  name: 'graph',
  summary: 'Draw who may reach what as a Mermaid flowchart',
  synopsis: 'graph [--quiet] FILE...',
  description: [
    'Writes a Mermaid flowchart of the access that the ASMEgressTrafficPolicy objects of the files',
    'allow (objects of other kinds are skipped with a warning): sources on the left, each egress',
    'gateway as a box with one node per group of sources that reach the same services, and the',
    'external services on the right, each edge labelled with the gateway port. A thick arrow is HTTP',
    'that the gateway upgrades to HTTPS; a plain one passes through as sent. A source reaches a',
    'service exactly when a path joins them. Put it in a ```mermaid block to render it on GitHub.',
    'Each policy is checked field by field as lint checks it, as diff does. In input that holds',
    'ambient output (a ServiceEntry enrolled to a waypoint), a source that its policy widens to its',
    'namespace (UNENFORCED_SELECTOR in the guardrail-overrides annotation) is drawn as that namespace.',
  ],
  exitStatus: [
    'Exit status: 0 success; 2 usage error, unreadable file, YAML that does not parse, input without',
    'an ASMEgressTrafficPolicy, or a policy that cannot be read (FILE:LINE: field: message).',
  ],
  options: { quiet: QUIET_OPTION },
  run(args, io) {
    const inputs = readInputs(args.positionals, io, 'graph');
    const diagnostics: Diagnostic[] = [...inputs.warnings];
    const [{ accesses, policies }] = readSides(inputs, diagnostics, 1, () => 0);
    if (policies === 0) {
      diagnostics.push({ file: inputs.files[0], fileIndex: 0, line: 1, column: 1, message: 'no ASMEgressTrafficPolicy in the input', severity: 'error' });
    }
    printDiagnostics(diagnostics, io, args.values.quiet === true);
    if (policies === 0) return EXIT_USAGE;
    if (diagnostics.some((d) => d.severity === 'error')) throw new CliFailure(['asm-egress graph: the policies cannot be read']);
    const { text, edges } = drawFlowchart(EgressQuery._fromAccesses(accesses).allowedPairs().map((access) => ({ access })));
    io.stdout(text);
    if ((edges > MERMAID_MAX_EDGES || text.length > MERMAID_MAX_TEXT) && args.values.quiet !== true) {
      io.stderr(`asm-egress graph: warning: ${plural(edges, 'edge')} and ${plural(text.length, 'character')}: Mermaid renders at most `
        + `${MERMAID_MAX_EDGES} edges and ${MERMAID_MAX_TEXT.toLocaleString('en-US')} characters unless configured otherwise (GitHub does not), `
        + 'so this graph shows as an error there; graph fewer policies, or review a change with diff --format markdown\n');
    }
    return EXIT_OK;
  },
};
