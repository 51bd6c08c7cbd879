// Problems are data until an edge turns them into text (the error a synthesis throws, the CLI's
// `FILE:LINE:COLUMN: field: message`, a validation report, a test): a stable code, a severity,
// the field as segments, a message whose references to other inputs stay data, and how to fix it
// said to each kind of author. Who the problem is about is attached by whoever knows it.

import type { ProblemCode } from './codes';

/** A field as segments, like ajv's `instancePath`: `['to', 1, 'hosts', 0]`. */
export type FieldPath = ReadonlyArray<string | number>;

export type Severity = 'error' | 'warning';

/** Another input that a message names (`... declared at <ref>`): located by the edge that renders it. */
export interface Ref {
  /** The subject of that input (a construct path). */
  readonly ref: string;
}

/** Text with references kept as data. */
export type Message = ReadonlyArray<string | Ref>;

/** How to fix a problem, said to each kind of author. */
export interface Fix {
  /** To someone who writes constructs (TypeScript or another jsii language). */
  readonly constructs: string;
  /** To someone who writes the ASMEgressTrafficPolicy YAML. */
  readonly manifest: string;
}

/** Who reads a problem: the author of constructs, or of manifests. */
export type Audience = keyof Fix;

export interface Problem {
  readonly code: ProblemCode;
  readonly severity: Severity;
  /** The input the problem is about (a construct path); undefined until an adapter attaches it. */
  readonly subject?: string;
  /** The field, relative to the subject; empty for the subject as a whole. */
  readonly field: FieldPath;
  /** What is wrong. */
  readonly message: Message;
  /** How to fix it, when the fix depends on who reads it; rendered after the message. */
  readonly fix?: Fix;
  /**
   * The fault is in the field's value, not its name (a slip such as `name:x` for `name: x`): an
   * edge that points at a line of the input points at the value.
   */
  readonly inValue?: boolean;
}

/** A problem of the field `field`; `message` may be plain text. */
export function problem(code: ProblemCode, field: FieldPath, message: string | Message,
  options: { readonly severity?: Severity; readonly fix?: Fix; readonly subject?: string; readonly inValue?: boolean } = {}): Problem {
  return {
    code,
    severity: options.severity ?? 'error',
    ...(options.subject !== undefined ? { subject: options.subject } : {}),
    field,
    message: typeof message === 'string' ? [message] : message,
    ...(options.fix ? { fix: options.fix } : {}),
    ...(options.inValue ? { inValue: true } : {}),
  };
}

/** A reference to another input, for messages. */
export function ref(subject: string): Ref {
  return { ref: subject };
}

function isRef(value: unknown): value is Ref {
  return typeof value === 'object' && value !== null && typeof (value as Ref).ref === 'string' && !Array.isArray(value);
}

/**
 * A message from a template: references (`ref()`) and nested messages stay data, every other
 * value becomes text.
 */
export function msg(strings: TemplateStringsArray, ...values: unknown[]): Message {
  const parts: Array<string | Ref> = [];
  const text = (s: string) => {
    if (s === '') return;
    const last = parts[parts.length - 1];
    if (typeof last === 'string') parts[parts.length - 1] = last + s;
    else parts.push(s);
  };
  strings.forEach((s, i) => {
    text(s);
    if (i >= values.length) return;
    const value = values[i];
    if (isRef(value)) parts.push(value);
    else if (Array.isArray(value)) value.forEach((v) => (isRef(v) ? parts.push(v) : text(String(v))));
    else text(String(value));
  });
  return parts;
}

/** The problems with the subject they are about. */
export function about(subject: string, problems: Problem[]): Problem[] {
  return problems.map((p) => ({ ...p, subject }));
}

/** The problems with `prefix` before their fields: a service's problems surfacing in a rule's `to[2]`. */
export function under(prefix: FieldPath, problems: Problem[]): Problem[] {
  return problems.map((p) => ({ ...p, field: [...prefix, ...p.field] }));
}

export function errorsOf(problems: Problem[]): Problem[] {
  return problems.filter((p) => p.severity === 'error');
}

export function hasErrors(problems: Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

// --- Text, for the edges -------------------------------------------------------------------------

/** Maps whose keys are label (or annotation) keys, written after a dot as they are. */
const LABEL_MAPS = new Set(['workloadSelector', 'labels', 'annotations', 'gatewayLabels', 'podLabels']);
const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;
/** A label key after a dot, unless it would break the field up (spaces, colons, brackets, quotes). */
const LABEL_KEY = /^[^\s:[\]"]+$/;

/**
 * A field as text: `to[1].hosts[0]`, `workloadSelector.app.kubernetes.io/name`. For manifests,
 * keys that are not plain names are quoted (`labels["bad\u0020key"]`), without spaces or colons,
 * so that `FILE:LINE: field: message` stays one field; errors in code write label keys as given.
 */
export function formatField(field: FieldPath, audience: Audience = 'manifest'): string {
  let text = '';
  field.forEach((segment, i) => {
    const previous = field[i - 1];
    const labelKey = typeof previous === 'string' && LABEL_MAPS.has(previous);
    if (typeof segment === 'number') text += `[${segment}]`;
    else if ((labelKey && audience === 'constructs') || (labelKey ? LABEL_KEY : PLAIN_KEY).test(segment)) text += i === 0 ? segment : `.${segment}`;
    else text += `[${quoteKey(segment)}]`;
  });
  return text;
}

function quoteKey(key: string): string {
  return JSON.stringify(key).replace(/[\s:]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A message as text, each reference located by `locate` (by default: the subject itself). */
export function messageText(message: Message, locate: (subject: string) => string = (s) => s): string {
  return message.map((part) => (typeof part === 'string' ? part : locate(part.ref))).join('');
}

/** The message and its fix for `audience`, as one text. */
export function problemText(p: Problem, audience: Audience, locate?: (subject: string) => string): string {
  const text = messageText(p.message, locate);
  return p.fix ? `${text}: ${p.fix[audience]}` : text;
}

/** `field: message`, the form every problem of this library takes in errors. */
export function fieldAndMessage(p: Problem, audience: Audience, locate?: (subject: string) => string): string {
  const field = formatField(p.field, audience);
  const text = problemText(p, audience, locate);
  return field ? `${field}: ${text}` : text;
}
