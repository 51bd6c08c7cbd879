import { CliFailure, CliIo, Command, EXIT_OK, usageError } from './command';
import { InputDocument, lineOf, readInputs } from './input';
import { Diagnostic, plural, printDiagnostics } from './report';
import { EgressDiff } from '../query/egress-diff';
import { EgressQuery } from '../query/egress-query';
import { readManifestAccess } from '../query/read-manifests';

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
    'of other kinds, such as Istio objects, are ignored) and prints one line per change, sorted:',
    '  + SOURCE -> HOST:PORT/PROTOCOL via GATEWAY:PORT   access gained',
    '  - SOURCE -> HOST:PORT/PROTOCOL via GATEWAY:PORT   access lost',
    '  ~ SOURCE -> HOST:PORT/PROTOCOL: WHAT CHANGED      another gateway, gateway port or TLS origination',
    'SOURCE is NAMESPACE{label=value,...} (NAMESPACE alone for a whole namespace, * for every one).',
    'Renamed rules and services change nothing. The policies are read as written: check them with lint.',
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
    if (args.positionals.every((p) => p === '-')) throw usageError("'-' (standard input) can be read only once", 'diff');
    // Both sides are read before either fails, so that every problem is listed at once.
    const failures: string[] = [];
    const sides = args.positionals.map((path, side) => {
      try {
        return readSide(path, side, io);
      } catch (e) {
        if (!(e instanceof CliFailure)) throw e;
        failures.push(...e.lines);
        return { objects: [], diagnostics: [] };
      }
    });
    if (failures.length > 0) throw new CliFailure(failures);
    const diagnostics = sides.flatMap((s) => s.diagnostics);
    printDiagnostics(diagnostics, io);
    if (diagnostics.some((d) => d.severity === 'error')) throw new CliFailure(['asm-egress diff: the policies cannot be read']);

    const diff = EgressDiff.between(EgressQuery.fromManifests(sides[0].objects), EgressQuery.fromManifests(sides[1].objects));
    if (diff.isEmpty) {
      io.stdout('asm-egress diff: no change in egress access\n');
      return EXIT_OK;
    }
    io.stdout(diff.format());
    io.stdout(`asm-egress diff: ${diff.gained.length} gained, ${diff.lost.length} lost, ${diff.changed.length} changed\n`);
    return EXIT_CHANGED;
  },
};

/**
 * The objects of one file (items of a `List` included), and its problems at their lines. Throws a
 * `CliFailure` when the file cannot be read or parsed.
 */
function readSide(path: string, side: number, io: CliIo): { objects: unknown[]; diagnostics: Diagnostic[] } {
  const inputs = readInputs([path], io, 'diff');
  const objects: Array<{ value: unknown; document: InputDocument; at: string }> = [];
  const visit = (document: InputDocument, value: any, at: string) => {
    if (value?.kind === 'List' && Array.isArray(value.items)) {
      value.items.forEach((item: unknown, k: number) => visit(document, item, at ? `${at}.items[${k}]` : `items[${k}]`));
    } else if (value !== null && value !== undefined) {
      objects.push({ value, document, at });
    }
  };
  for (const document of inputs.documents) visit(document, document.value, '');

  const values = objects.map((o) => o.value);
  // Diagnostics sort by file: OLD's first, then NEW's.
  const diagnostics: Diagnostic[] = inputs.warnings.map((w) => ({ ...w, fileIndex: side }));
  for (const p of readManifestAccess(values).problems) {
    const { document, at } = objects[p.index];
    const field = at ? `${at}.${p.field}` : p.field;
    diagnostics.push({ file: document.file, fileIndex: side, line: lineOf(document, field), field, message: p.message, severity: 'error' });
  }
  return { objects: values, diagnostics };
}
