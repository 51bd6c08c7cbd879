import { labelKeyError, labelValueError } from '../checks/syntax';
import type { ManifestCode, ProblemCode } from '../model/codes';
import { FieldPath, Problem, problem } from '../model/problem';

// Reads fields of plain JSON (a parsed YAML document), recording every problem with its field as
// segments, and never throwing: a manifest is checked as a whole.

export class FieldReader {
  public readonly problems: Problem[] = [];

  /** Errors so far (warnings left out). */
  public errorCount = 0;

  public add(p: Problem): void {
    this.problems.push(p);
    if (p.severity === 'error') this.errorCount++;
  }

  public error(field: FieldPath, message: string, code: ProblemCode = 'MANIFEST_INVALID_VALUE'): void {
    this.add(problem(code, field, message));
  }

  /** A warning; no default code, so that each says what it is about (a field dropped, or defaulted). */
  public warn(field: FieldPath, message: string, code: ManifestCode): void {
    this.add(problem(code, field, message, { severity: 'warning' }));
  }

  public missing(field: FieldPath): undefined {
    this.error(field, 'missing (required)', 'MANIFEST_MISSING_FIELD');
    return undefined;
  }

  /** A mapping; each field not in `known` is an error. */
  public mapping(value: unknown, field: FieldPath, known: string[],
    unknown?: (key: string) => { message: string; code: ManifestCode }): Record<string, unknown> | undefined {
    if (!isMapping(value)) {
      const text = field.length === 0 ? `the document must be a mapping, not ${describe(value)}` : `must be a mapping, not ${describe(value)}`;
      this.wrongType(field, text, value, 'a mapping');
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const found = unknown?.(key) ?? { message: `unknown field (expected one of: ${known.join(', ')})`, code: 'MANIFEST_UNKNOWN_FIELD' };
      this.error([...field, key], found.message + keySlipHint(key), found.code);
    }
    return value;
  }

  public string(obj: Record<string, unknown>, key: string, parent: FieldPath, required = false): string | undefined {
    return this.typed(obj, key, parent, required, 'a string', (v): v is string => typeof v === 'string');
  }

  public number(obj: Record<string, unknown>, key: string, parent: FieldPath, required = false): number | undefined {
    return this.typed(obj, key, parent, required, 'an integer', (v): v is number => typeof v === 'number');
  }

  public boolean(obj: Record<string, unknown>, key: string, parent: FieldPath, required = false): boolean | undefined {
    return this.typed(obj, key, parent, required, 'true or false', (v): v is boolean => typeof v === 'boolean');
  }

  /** A list; `undefined` when it is missing, not a list, or empty while required (each reported). */
  public list(obj: Record<string, unknown>, key: string, parent: FieldPath, required = false): unknown[] | undefined {
    const items = this.typed(obj, key, parent, required, 'a list', (v): v is unknown[] => Array.isArray(v));
    if (items && items.length === 0 && required) {
      this.error([...parent, key], 'must not be empty (at least one item is required)', 'MANIFEST_MISSING_FIELD');
      return undefined;
    }
    return items;
  }

  /**
   * A map of strings (labels, annotations, a workload selector). With `check`, keys (and values)
   * are checked as Kubernetes checks labels or annotations; a workload selector's are checked with
   * the source.
   */
  public stringMap(obj: Record<string, unknown>, key: string, parent: FieldPath, check?: 'labels' | 'annotations'): Record<string, string> {
    const value = obj[key];
    const field = [...parent, key];
    if (value == null) return {};
    if (!isMapping(value)) {
      this.error(field, `must be a mapping of strings, not ${describe(value)}`, 'MANIFEST_WRONG_TYPE');
      return {};
    }
    const result: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== 'string') {
        this.error([...field, k], `must be a string, not ${describe(v)}: quote the value`, 'MANIFEST_WRONG_TYPE');
        continue;
      }
      const message = check === 'labels' ? labelKeyError(k) ?? labelValueError(k, v) : check === 'annotations' ? labelKeyError(k, 'annotation key') : undefined;
      if (message) this.error([...field, k], message, 'INVALID_LABEL');
      // Defined, not assigned: a key `__proto__` must stay a key (and be refused as one), not vanish.
      else Object.defineProperty(result, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
    return result;
  }

  private typed<T>(obj: Record<string, unknown>, key: string, parent: FieldPath, required: boolean, what: string,
    test: (v: unknown) => v is T): T | undefined {
    const field = [...parent, key];
    // Kubernetes takes null (`field:` with no value) as a field left out.
    if (obj[key] == null) {
      if (required) this.missing(field);
      return undefined;
    }
    const value = obj[key];
    if (!test(value)) {
      this.wrongType(field, `must be ${what}, not ${describe(value)}`, value, what);
      return undefined;
    }
    return value;
  }

  /** A value of the wrong type; one that a slip explains is reported at the value, where the slip is. */
  private wrongType(field: FieldPath, text: string, value: unknown, expected: string): void {
    const hint = slipHint(value, expected);
    this.add(problem('MANIFEST_WRONG_TYPE', field, text + hint, hint ? { inValue: true } : {}));
  }
}

/**
 * How a value of the wrong type most likely came about in YAML: a `-` or `:` without the space
 * after it (so the line is read as one string), or a `-` that makes a list of a mapping.
 */
function slipHint(value: unknown, expected: string): string {
  if (typeof value === 'string' && expected === 'a list' && /^-\S/.test(value)) {
    return ": a '-' needs a space after it to start a list item";
  }
  if (typeof value === 'string' && expected === 'a mapping' && /^[^\s:]+:\S/.test(value)) {
    return ": a ':' needs a space after it to separate a key from its value";
  }
  if (Array.isArray(value) && expected === 'a mapping') return ": remove the '-' in front of it (a '-' starts a list item)";
  return '';
}

/**
 * How an unknown key most likely came about: `-namespace: team` is a list item without the space
 * after its '-', read as a key of the mapping around the list.
 */
function keySlipHint(key: string): string {
  return /^-\S/.test(key) ? ": a '-' needs a space after it to start a list item" : '';
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !ArrayBuffer.isView(value);
}

/** A value as a message names it. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return `a timestamp (${value.toISOString()})`;
  // `!!binary` reads as bytes, an object that is no mapping.
  if (ArrayBuffer.isView(value)) return `binary data (${value.byteLength} byte${value.byteLength === 1 ? '' : 's'})`;
  switch (typeof value) {
    case 'string': return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)})`;
    case 'number': return `a number (${value})`;
    case 'boolean': return `a boolean (${value})`;
    case 'bigint': return `a number (${value})`;
    case 'object': return 'a mapping';
    default: return typeof value;
  }
}
