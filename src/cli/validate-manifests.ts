import { CliFailure } from './command';
import { InputDocument, Inputs, readInputs } from './input';
import { loadPolicies } from './load';
import type { PolicyObject } from './locate';
import { Diagnostic, sortDiagnostics } from './output';
import type { AsmVersion } from '../asm-version';
import type { EgressValidationViolation } from '../egress-validation';
import type { ProblemCode } from '../model/codes';
import { GUARDRAIL_OVERRIDE_LINE_FORMAT } from '../model/guardrail-annotation';
import type { FieldPath } from '../model/problem';

// What the validation plugin (EgressValidation) does with the synthesised manifests: the checks of
// `asm-egress lint`, as cdk8s-cli's violations. Loaded when the plugin runs.

/** The report of a validation: its violations, status and summary. */
export interface ValidationResult {
  readonly violations: EgressValidationViolation[];
  readonly status: 'success' | 'failure';
  readonly metadata: { readonly [key: string]: string };
}

/** Checks the manifests: `failure` when any policy has an error (warnings are listed in either case). */
export function validateManifests(paths: readonly string[], settings: { asmVersion?: AsmVersion; strictGuardrails: boolean }): ValidationResult {
  const { inputs, unreadable } = readManifests(paths);
  const loaded = loadPolicies(inputs, { settings });
  // The problems of the policies (not YAML warnings or skipped objects), in the order lint prints them.
  const problems = sortDiagnostics(loaded.diagnostics.filter((d) => d.code !== undefined));
  const errors = problems.filter((d) => d.severity === 'error').length + unreadable.length;
  const warnings = problems.length - (errors - unreadable.length);
  return {
    violations: [...unreadable, ...problems.map((d) => violationOf(d, paths[0] ?? ''))],
    status: errors > 0 ? 'failure' : 'success',
    metadata: { policies: String(loaded.policies.length), errors: String(errors), warnings: String(warnings) },
  };
}

/** Every manifest as YAML documents that remember their lines; a file that cannot be read or parsed is a violation of its own. */
function readManifests(paths: readonly string[]): { inputs: Inputs; unreadable: EgressValidationViolation[] } {
  const files: string[] = [];
  const documents: InputDocument[] = [];
  const unreadable: EgressValidationViolation[] = [];
  const io = { stdout: () => {}, stderr: () => {}, readStdin: () => '' };
  for (const path of paths) {
    try {
      // A path '-' would be standard input to the command line: './-' is the file.
      const read = readInputs([path === '-' ? './-' : path], io, 'validation');
      documents.push(...read.documents.map((d) => ({ ...d, file: path, fileIndex: files.length })));
      files.push(path);
    } catch (e) {
      if (!(e instanceof CliFailure)) throw e;
      unreadable.push({
        ruleName: 'MANIFEST_UNREADABLE' satisfies ProblemCode,
        recommendation: e.lines.join('; '),
        fix: 'synthesise valid YAML (cdk8s writes it; an object added to the output by other means may not be)',
        violatingResources: [{ resourceName: '', manifestPath: path, locations: ['(the file)'] }],
      });
    }
  }
  return { inputs: { files, documents, warnings: [] }, unreadable };
}

function violationOf(finding: Diagnostic, fallbackManifest: string): EgressValidationViolation {
  const field = finding.field || '(the object)';
  return {
    ruleName: finding.code!,
    recommendation: finding.severity === 'warning' ? `warning: ${finding.message}` : finding.message,
    fix: finding.fix ?? SHAPE_FIXES[finding.code!] ?? `correct ${field}`,
    violatingResources: [{
      resourceName: finding.policy ? nameOf(finding.policy) : '',
      manifestPath: finding.policy?.document.file ?? fallbackManifest,
      locations: [field],
    }],
  };
}

/**
 * How to fix a problem of a manifest's shape, whose message says what is wrong (and, for a YAML
 * slip, the hint) without a fix of its own: cdk8s-cli's report has a line for each.
 */
const SHAPE_FIXES: Partial<Record<ProblemCode, string>> = {
  MANIFEST_UNKNOWN_FIELD: 'remove the field, or give it the name of a field that the CRD defines (listed in the recommendation)',
  MANIFEST_MISSING_FIELD: 'add the field',
  MANIFEST_WRONG_TYPE: 'give the field a value of the type that the CRD defines',
  MANIFEST_INVALID_VALUE: 'give the field one of the values that the recommendation names',
  MANIFEST_UNSUPPORTED: 'use a value that cdk8s-asm-egress supports (listed in the recommendation)',
  MANIFEST_GATEWAY_PORTS: 'set the gateway port of every service of the policy, or of none (then ASM allocates them)',
  MANIFEST_OVERRIDE_ANNOTATION: `write each line of the annotation as '${GUARDRAIL_OVERRIDE_LINE_FORMAT}'`,
};

/** The policy's `metadata.name`, which cdk8s-cli maps to the construct that made it. */
function nameOf(policy: PolicyObject): string {
  const object = valueAt(policy.document.value, policy.at) as { metadata?: { name?: unknown } } | undefined;
  return typeof object?.metadata?.name === 'string' ? object.metadata.name : '';
}

function valueAt(value: unknown, at: FieldPath): unknown {
  return at.reduce<unknown>((v, segment) => (v as Record<string | number, unknown> | undefined)?.[segment], value);
}
