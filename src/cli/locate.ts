import { InputDocument, positionOf } from './input';
import type { Diagnostic } from './output';
import { FieldPath, formatField, messageText, Problem } from '../model/problem';

// Where problems are in the input: a field of an object of a document, as a file, line, column and
// field path, and a problem there as a diagnostic.

/** An object of the input (an ASMEgressTrafficPolicy, mostly), and where it is. */
export interface PolicyObject {
  readonly document: InputDocument;
  /** Where the policy is in its document: `[]`, or `['items', k]` in a `List`. */
  readonly at: FieldPath;
}

/**
 * Where a field of a policy object is: its file, line and column (of its key, or with `inValue` of
 * its value), and its path from the document's root.
 */
export function locateField(policy: PolicyObject, field: FieldPath, inValue = false): Omit<Diagnostic, 'message' | 'severity'> & { field: string } {
  const full = [...policy.at, ...field];
  const { file, fileIndex } = policy.document;
  return { file, fileIndex, ...positionOf(policy.document, full, inValue), field: formatField(full) };
}

/** A problem of a policy object as a diagnostic, its references located by `locate`. */
export function diagnosticOf(policy: PolicyObject, p: Problem, locate?: (subject: string) => string): Diagnostic {
  return {
    ...locateField(policy, p.field, p.inValue === true),
    message: messageText(p.message, locate),
    ...(p.fix ? { fix: p.fix.manifest } : {}),
    severity: p.severity,
    code: p.code,
    policy,
  };
}

