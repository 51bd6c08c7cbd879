import { App, Chart } from 'cdk8s';
import { CommandOption, usageError } from './command';
import { InputDocument, Inputs, lineOf } from './input';
import { Diagnostic } from './output';
import { AsmVersion } from '../asm-version';
import { EgressRegistry } from '../egress-registry';
import { EgressSettings } from '../egress-settings';
import { EgressTrafficPolicy } from '../egress-traffic-policy';
import { GatewayPortAllocation } from '../gateway-port-allocation';
import { Adoption, manifestProblemOf } from '../manifest/adoption';
import { isPolicyManifest } from '../manifest/read-policy';
import { FieldPath, formatField, messageText, Problem, problemText } from '../model/problem';

// The input files as one App: every ASMEgressTrafficPolicy built with the library's constructs
// (EgressTrafficPolicy.fromManifest), validated together, and every problem mapped back to the
// file and line it came from, including problems found across policies at synthesis.

/** The chart that holds every policy; policies are `p<n>` in it. */
const CHART_ID = 'asm-egress';

/** How the policies are built. */
export interface LoadOptions {
  /** App-wide settings (ASM version, output, Istio options). */
  readonly settings: EgressSettings;
  /**
   * Who allocates missing gateway ports: undefined to take the policies as written for ASM (lint),
   * `LIBRARY` to fill every port in (render).
   */
  readonly portAllocation?: GatewayPortAllocation;
}

/** An ASMEgressTrafficPolicy object of the input, and where it is. */
export interface PolicyObject {
  readonly document: InputDocument;
  /** Where the policy is in its document: `[]`, or `['items', k]` in a `List`. */
  readonly at: FieldPath;
}

/** A policy of the input and what was built from it. */
export interface LoadedPolicy extends PolicyObject {
  readonly adoption: Adoption;
}

/**
 * Every ASMEgressTrafficPolicy object of the input, in order (the items of a `List` too), given to
 * `visit`; every other document is skipped with a warning added to `diagnostics`, in the same order.
 * What every command takes from its input.
 */
export function forEachPolicyObject(inputs: Inputs, diagnostics: Diagnostic[], visit: (policy: PolicyObject, value: unknown) => void): void {
  const walk = (document: InputDocument, value: unknown, at: FieldPath) => {
    const where = { file: document.file, fileIndex: document.fileIndex, line: lineOf(document, at) };
    if (value === null || value === undefined) return;
    const object = value as Record<string, unknown>;
    if (typeof value !== 'object' || Array.isArray(value)) {
      diagnostics.push({ ...where, message: 'skipped: not a Kubernetes object', severity: 'warning' });
    } else if (object.kind === 'List' && Array.isArray(object.items)) {
      object.items.forEach((item, k) => walk(document, item, [...at, 'items', k]));
    } else if (isPolicyManifest(object)) {
      visit({ document, at }, value);
    } else {
      diagnostics.push({ ...where, message: `skipped ${describeObject(object)}: not an ASMEgressTrafficPolicy`, severity: 'warning' });
    }
  };
  for (const document of inputs.documents) walk(document, document.value, []);
}

/** Where a field of a policy object is: its file and line, and its path from the document's root. */
export function locateField(policy: PolicyObject, field: FieldPath): { file: string; fileIndex: number; line: number; field: string } {
  const full = [...policy.at, ...field];
  return { file: policy.document.file, fileIndex: policy.document.fileIndex, line: lineOf(policy.document, full), field: formatField(full) };
}

/** A problem of a policy object as a diagnostic, its references located by `locate`. */
export function diagnosticOf(policy: PolicyObject, p: Problem, locate?: (subject: string) => string): Diagnostic {
  return { ...locateField(policy, p.field), message: problemText(p, 'manifest', locate), severity: p.severity };
}

/** A problem of a policy object as a finding, its references located by `locate`. */
function findingOf(policy: PolicyObject, p: Problem, locate?: (subject: string) => string): Finding {
  return {
    code: p.code,
    severity: p.severity,
    policy,
    field: formatField([...policy.at, ...p.field]),
    line: locateField(policy, p.field).line,
    message: messageText(p.message, locate),
    ...(p.fix ? { fix: p.fix.manifest } : {}),
  };
}

/**
 * A problem of a policy of the input, as data: what the command line prints as a diagnostic, and
 * what other edges (the cdk8s validation plugin) report in their own form.
 */
export interface Finding {
  readonly code: Problem['code'];
  readonly severity: Problem['severity'];
  /** The policy it is in; undefined only when the input holds no policy at all. */
  readonly policy?: PolicyObject;
  /** The field from the document's root (`spec.egressRules[0].to[1].hosts[0]`); empty for the object as a whole. */
  readonly field: string;
  /** The line of the field in its file. */
  readonly line: number;
  /** What is wrong, other inputs named by file and line. */
  readonly message: string;
  /** How to fix it, to the author of the YAML, when the message does not say it already. */
  readonly fix?: string;
}

/** The App built from the input, with every problem of the input. */
export interface Loaded {
  readonly app: App;
  readonly chart: Chart;
  readonly policies: LoadedPolicy[];
  readonly diagnostics: Diagnostic[];
  /** The diagnostics that are problems of the policies (not YAML warnings, skipped objects or an input without policies), as data. */
  readonly findings: Finding[];
  readonly errorCount: number;
}

/** Builds every policy of the input into one App and collects every problem, located. */
export function loadPolicies(inputs: Inputs, options: LoadOptions): Loaded {
  const app = new App();
  // The command line prints each warning itself, at its line.
  EgressRegistry.of(app).configure({ ...options.settings, printWarnings: false });
  const chart = new Chart(app, CHART_ID);
  const policies: LoadedPolicy[] = [];
  const diagnostics: Diagnostic[] = [...inputs.warnings];
  const findings: Finding[] = [];
  const byPath = new Map<string, LoadedPolicy>();
  const report = (finding: Finding, diagnostic: Diagnostic) => {
    findings.push(finding);
    diagnostics.push(diagnostic);
  };

  forEachPolicyObject(inputs, diagnostics, (object, value) => {
    const policy: LoadedPolicy = {
      ...object,
      adoption: EgressTrafficPolicy._adopt(chart, `p${policies.length}`, value, { portAllocation: options.portAllocation }),
    };
    policies.push(policy);
    for (const path of policy.adoption.parts.keys()) byPath.set(path, policy);
    for (const p of policy.adoption.problems) report(findingOf(policy, p), diagnosticOf(policy, p));
  });

  // The library names constructs in its messages; the input names files and lines.
  const locate = (subject: string) => {
    const policy = byPath.get(subject);
    if (!policy) return subject;
    const { file, line } = locateField(policy, policy.adoption.parts.get(subject)!.rule?.field ?? []);
    return `${file}:${line}`;
  };

  for (const p of EgressRegistry.of(app)._model().problems) {
    const policy = p.subject !== undefined ? byPath.get(p.subject) : undefined;
    if (policy) {
      const mapped = manifestProblemOf(policy.adoption, p);
      if (mapped) report(findingOf(policy, mapped, locate), diagnosticOf(policy, mapped, locate));
      continue;
    }
    // Not a policy or rule built from the input (none today): reported at the policy it is in,
    // or at the first file, never dropped.
    const owner = policies.find((x) => x.adoption.policy && p.subject?.startsWith(`${x.adoption.policy.node.path}/`)) ?? policies[0];
    const where = owner ? locateField(owner, []) : { file: inputs.files[0], fileIndex: 0, line: 1, field: '' };
    const field = formatField(p.field);
    const message = `[${p.subject}] ${messageText(p.message, locate)}`;
    report({ code: p.code, severity: p.severity, policy: owner, field, line: where.line, message, ...(p.fix ? { fix: p.fix.manifest } : {}) },
      { ...where, field: field || undefined, message: `[${p.subject}] ${problemText(p, 'manifest', locate)}`, severity: p.severity });
  }
  if (policies.length === 0) {
    // Checking nothing is almost always a mistake (a misspelt kind, the wrong folder): a CI gate
    // must not pass on it.
    diagnostics.push({ file: inputs.files[0], fileIndex: 0, line: 1, message: 'no ASMEgressTrafficPolicy in the input', severity: 'error' });
  }
  return { app, chart, policies, diagnostics, findings, errorCount: diagnostics.filter((d) => d.severity === 'error').length };
}

/** `apps/v1 Deployment 'web'`. */
function describeObject(object: Record<string, unknown>): string {
  const metadata = object.metadata as Record<string, unknown> | undefined;
  const name = typeof metadata?.name === 'string' ? ` '${metadata.name}'` : '';
  if (typeof object.kind !== 'string') return `an object without kind${name}`;
  const apiVersion = typeof object.apiVersion === 'string' ? `${object.apiVersion} ` : '';
  return `${apiVersion}${object.kind}${name}`;
}

/** The number of rules and services (to[] entries) of the policies, for summaries. */
export function countOf(policies: LoadedPolicy[]): { rules: number; services: number } {
  const rules = policies.flatMap((p) => p.adoption.spec.rules);
  return { rules: rules.length, services: rules.reduce((n, r) => n + r.services.length, 0) };
}

/** `--asm-version`, as lint and render take it. */
export const ASM_VERSION_OPTION: CommandOption = {
  type: 'string', valueName: 'VERSION', description: 'ASM version the policies must work on (default: the newest documented, 1.24.6.45)',
};

/** `--strict`: guardrails that only warn (plain HTTP without an HTTPS upgrade) fail instead. */
export const STRICT_OPTION: CommandOption = {
  type: 'boolean', description: 'make guardrail warnings errors (plain HTTP without httpsUpgrade, unless overridden)',
};

/** The ASM version given on the command line. */
export function parseAsmVersion(text: string | undefined, command: string): AsmVersion | undefined {
  if (text === undefined) return undefined;
  try {
    return AsmVersion.of(text);
  } catch (e) {
    throw usageError(`--asm-version: ${(e as Error).message}`, command);
  }
}
