import { readFileSync } from 'fs';
import { CliIo } from './command';
import type { PolicyObject } from './locate';
import type { ProblemCode } from '../model/codes';

// Where the command line writes: the process's streams, and problems as it prints them:
// `FILE:LINE:COLUMN: path.to.field: message`, one per line, in the order of the files and
// positions they concern.

/**
 * A problem or warning at a position of an input file: what the command line prints, and what
 * other edges (the cdk8s validation plugin) report in their own form.
 */
export interface Diagnostic {
  readonly file: string;
  readonly fileIndex: number;
  readonly line: number;
  /** From 1. */
  readonly column: number;
  /** The field, e.g. `spec.egressRules[0].to[1].hosts[0]`; none for the document as a whole. */
  readonly field?: string;
  /** What is wrong, other inputs named by file and position. */
  readonly message: string;
  /** How to fix it, to the author of the YAML, when the message does not say it already. */
  readonly fix?: string;
  readonly severity: 'error' | 'warning';
  /** The problem's stable code, for a problem of a policy (not for YAML warnings or skipped objects). */
  readonly code?: ProblemCode;
  /** The policy object the problem is in, if any. */
  readonly policy?: PolicyObject;
}

/** `FILE:LINE:COLUMN: field: message`, with `warning: ` before the message of a warning; always one line. */
export function formatDiagnostic(d: Diagnostic): string {
  const field = d.field ? `${oneLine(d.field)}: ` : '';
  const text = d.fix ? `${d.message}: ${d.fix}` : d.message;
  return `${d.file}:${d.line}:${d.column}: ${field}${d.severity === 'warning' ? 'warning: ' : ''}${oneLine(text)}`;
}

/** Diagnostics in file and position order (stable for problems at the same position). */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.map((d, i) => ({ d, i }))
    .sort((a, b) => a.d.fileIndex - b.d.fileIndex || a.d.line - b.d.line || a.d.column - b.d.column || a.i - b.i)
    .map(({ d }) => d);
}

/** Prints every diagnostic (only the errors, `quiet`) to standard error. */
export function printDiagnostics(diagnostics: Diagnostic[], io: CliIo, quiet = false): void {
  const shown = quiet ? diagnostics.filter((d) => d.severity === 'error') : diagnostics;
  if (shown.length > 0) io.stderr(sortDiagnostics(shown).map(formatDiagnostic).join('\n') + '\n');
}

/** `2 errors, 1 warning`. */
export function countText(diagnostics: Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}

/** `1 file`, `2 files`. */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}

/**
 * Line breaks in user input (newlines, and the Unicode line and paragraph separators that tools
 * also break at) and other control characters must not split a problem over lines.
 */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\r?\n/g, '\\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f\u0085\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The process's own streams. */
export function processIo(): CliIo {
  // A closed pipe (`asm-egress render x.yaml | head`) ends the program quietly.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin: () => readFileSync(0, 'utf8'),
  };
}
