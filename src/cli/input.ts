import { readFileSync } from 'fs';
import { Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, visit, YAMLError } from 'yaml';
import { CliFailure, CliIo, usageError } from './command';
import { Diagnostic } from './output';
import { withoutTabKnockOns } from './yaml-errors';
import type { FieldPath } from '../model/problem';

// Input files as YAML documents that remember where every node came from, so that a problem
// found in a field can be reported at its line.

/** The label of standard input in messages. */
export const STDIN_LABEL = '<stdin>';

/** One YAML document of an input file. */
export interface InputDocument {
  /** The file as named on the command line (`<stdin>` for `-`). */
  readonly file: string;
  readonly fileIndex: number;
  readonly document: Document.Parsed;
  readonly lines: LineCounter;
  /** The document as plain JSON. */
  readonly value: unknown;
}

/** Every document of every input file, in order. */
export interface Inputs {
  readonly files: string[];
  readonly documents: InputDocument[];
  /** What the YAML parser warns about (an unknown tag, say). */
  readonly warnings: Diagnostic[];
}

/**
 * Reads and parses every file (`-` is standard input). Throws a `CliFailure` listing every file
 * that cannot be read and every YAML error, with its position, of all files.
 */
export function readInputs(paths: string[], io: CliIo, command: string): Inputs {
  if (paths.length === 0) throw usageError("no input files (name one or more YAML files, or '-' for standard input)", command);
  if (paths.filter((p) => p === '-').length > 1) throw usageError("'-' (standard input) can be read only once", command);
  const failures: string[] = [];
  const documents: InputDocument[] = [];
  const warnings: Diagnostic[] = [];
  const files = paths.map((p) => (p === '-' ? STDIN_LABEL : p));
  paths.forEach((path, fileIndex) => {
    const file = files[fileIndex];
    let text: string;
    try {
      text = path === '-' ? io.readStdin() : readFileSync(path, 'utf8');
    } catch (e) {
      failures.push(`asm-egress ${command}: cannot read ${file}: ${describeFsError(e)}`);
      return;
    }
    const lines = new LineCounter();
    let parsed: Document.Parsed[];
    try {
      // YAML 1.1, as Kubernetes reads manifests: `yes` is a boolean, `<<` merges.
      parsed = [...parseAllDocuments(text, { lineCounter: lines, version: '1.1', prettyErrors: true })];
    } catch (e) {
      failures.push(`${file}: cannot parse YAML: ${(e as Error).message}`);
      return;
    }
    for (const document of parsed) {
      if (document.errors.length > 0) {
        for (const error of withoutTabKnockOns(document, text, lines)) {
          const pos = error.linePos?.[0] ?? lines.linePos(error.pos[0]);
          failures.push(`${file}:${pos.line}:${pos.col}: ${firstLine(error.message)}${yamlHint(error, text)}`);
        }
        continue;
      }
      const unresolved = unresolvedAliases(document, lines);
      if (unresolved.length > 0) {
        failures.push(...unresolved.map((u) => `${file}:${u}`));
        continue;
      }
      for (const warning of document.warnings) {
        const pos = warning.linePos?.[0] ?? lines.linePos(warning.pos[0]);
        warnings.push({ file, fileIndex, line: pos.line, column: pos.col, message: firstLine(warning.message), severity: 'warning' });
      }
      try {
        documents.push({ file, fileIndex, document, lines, value: document.toJS({ maxAliasCount: 1000 }) });
      } catch (e) {
        const pos = lines.linePos(document.range[0]);
        failures.push(`${file}:${pos.line}:${pos.col}: cannot read the YAML document: ${firstLine((e as Error).message)}`);
      }
    }
  });
  if (failures.length > 0) throw new CliFailure(failures);
  return { files, documents, warnings };
}

/**
 * Where `field` (`['spec', 'egressRules', 0, 'to', 1]`) is in a document: its key's line and
 * column (or the item's, in a list), with `inValue` its value's, or those of its nearest ancestor.
 */
export function positionOf(input: InputDocument, field: FieldPath, inValue = false): { line: number; column: number } {
  const doc = input.document;
  let node: unknown = doc.contents;
  let offset = startOf(node) ?? doc.range[0];
  let found = true;
  for (const segment of field) {
    if (isAlias(node)) node = node.resolve(doc);
    let next: unknown;
    let at: number | undefined;
    if (isMap(node) && typeof segment === 'string') {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === segment);
      next = pair?.value;
      at = pair ? startOf(pair.key) ?? startOf(pair.value) : undefined;
      if (!pair) found = false;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      next = node.items[segment];
      at = startOf(next);
    } else {
      found = false;
    }
    if (!found) break;
    if (at !== undefined) offset = at;
    node = next;
  }
  if (inValue && found) offset = startOf(node) ?? offset;
  const pos = input.lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}

/** How to fix the YAML mistakes that people make most, by the parser's error code and the text at fault. */
function yamlHint(error: YAMLError, text: string): string {
  switch (error.code) {
    case 'TAB_AS_INDENT': return ': indent with spaces, YAML does not allow tabs';
    case 'DUPLICATE_KEY': return ': each key may appear once in a mapping; remove or rename the repeated one';
    case 'MULTILINE_IMPLICIT_KEY':
    case 'BLOCK_AS_IMPLICIT_KEY':
      return ": check the indentation, and that each '-' and ':' is followed by a space";
    case 'BAD_INDENT': return ': check the indentation of this line against the lines above';
    case 'BAD_ALIAS':
      // A bare `*` (the host of every name), which YAML reads as an alias without a name.
      return error.message.startsWith('Alias cannot be an empty string') ? ": quote a value that starts with '*', as in '*'" : '';
    case 'MISSING_CHAR':
      // The code covers other missing characters too (a closing quote, a ',' in a flow list).
      return error.message.startsWith('Implicit map keys need to be followed by map values') ? keyWithoutValueHint(text.slice(...error.pos)) : '';
    default: return '';
  }
}

/**
 * A line that YAML reads as a key without a value: most often a list item without the space after
 * its '-' (`-www.example.com` as a list's last item) or a key without the space after its ':'.
 */
function keyWithoutValueHint(key: string): string {
  if (/^-\S/.test(key)) return ": a '-' needs a space after it to start a list item";
  if (/^[^\s:]+:\S/.test(key)) return ": a ':' needs a space after it to separate a key from its value";
  return ": start a list item with '- ', or follow a key with ': ' and its value";
}

/**
 * Aliases without an anchor, each as `LINE:COLUMN: message`. YAML reads a plain value that starts
 * with `*` as an alias, so an unquoted wildcard host (`- *.example.com`) lands here.
 */
function unresolvedAliases(document: Document.Parsed, lines: LineCounter): string[] {
  const found: string[] = [];
  visit(document, {
    Alias(_, alias) {
      if (alias.resolve(document) !== undefined) return;
      const pos = lines.linePos(alias.range?.[0] ?? document.range[0]);
      found.push(`${pos.line}:${pos.col}: '*${alias.source}' is read as a YAML alias, and no anchor '&${alias.source}' is defined: `
        + `quote a value that starts with '*', as in '*${alias.source}'`);
    },
  });
  return found;
}

function startOf(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return range?.[0];
}

/** The first line of a YAML error, without the position it repeats. */
function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
}

function describeFsError(e: unknown): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ENOENT': return 'no such file';
    case 'EISDIR': return 'it is a directory';
    case 'EACCES': return 'permission denied';
    default: return (e as Error).message;
  }
}
