import { App, Chart } from 'cdk8s';
import { AsmVersion } from '../asm-version';
import { GatewayPortAllocation } from '../gateway';
import { buildFromManifest, isPolicyManifest, ManifestBuild, manifestProblemOf } from '../manifest';
import { Problem } from '../model/problem';
import { EgressRegistry } from '../registry';
import { EgressSettings } from '../settings';
import { CommandOption, usageError } from './command';
import { InputDocument, Inputs, lineOf } from './input';
import { Diagnostic } from './report';

// The input files as one App: every ASMEgressTrafficPolicy built with the library's constructs
// (EgressTrafficPolicy.fromManifest), validated together, and every problem mapped back to the
// file and line it came from, including problems found across policies at synthesis.

/** The chart that holds every policy; policies are `p<n>` in it. */
const CHART_ID = 'asm-egress';
/** Construct paths of policies and rules, as they appear in the library's messages. */
const CONSTRUCT_PATH = new RegExp(`${CHART_ID}/p\\d+(?:/egressRules\\[\\d+\\])?`, 'g');

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
  /** Where the policy is in its document: `''`, or `items[<k>]` in a `List`. */
  readonly at: string;
}

/** A policy of the input and what was built from it. */
export interface LoadedPolicy extends PolicyObject {
  readonly build: ManifestBuild;
}

/**
 * Every ASMEgressTrafficPolicy object of the input, in order (the items of a `List` too), given to
 * `visit`; every other document is skipped with a warning added to `diagnostics`, in the same order.
 * What every command takes from its input.
 */
export function forEachPolicyObject(inputs: Inputs, diagnostics: Diagnostic[], visit: (policy: PolicyObject, value: unknown) => void): void {
  const walk = (document: InputDocument, value: unknown, at: string) => {
    const where = { file: document.file, fileIndex: document.fileIndex, line: lineOf(document, at) };
    if (value === null || value === undefined) return;
    const object = value as Record<string, unknown>;
    if (typeof value !== 'object' || Array.isArray(value)) {
      diagnostics.push({ ...where, message: 'skipped: not a Kubernetes object', severity: 'warning' });
    } else if (object.kind === 'List' && Array.isArray(object.items)) {
      object.items.forEach((item, k) => walk(document, item, at ? `${at}.items[${k}]` : `items[${k}]`));
    } else if (isPolicyManifest(object)) {
      visit({ document, at }, value);
    } else {
      diagnostics.push({ ...where, message: `skipped ${describeObject(object)}: not an ASMEgressTrafficPolicy`, severity: 'warning' });
    }
  };
  for (const document of inputs.documents) walk(document, document.value, '');
}

/** Where a field of a policy object is: its file and line, and its path from the document's root. */
export function locateField(policy: PolicyObject, field: string): { file: string; fileIndex: number; line: number; field: string } {
  const full = policy.at && field ? `${policy.at}.${field}` : policy.at || field;
  return { file: policy.document.file, fileIndex: policy.document.fileIndex, line: lineOf(policy.document, full), field: full };
}

/** The App built from the input, with every problem of the input. */
export interface Loaded {
  readonly app: App;
  readonly chart: Chart;
  readonly policies: LoadedPolicy[];
  readonly diagnostics: Diagnostic[];
  readonly errorCount: number;
}

/** Builds every policy of the input into one App and collects every problem, located. */
export function loadPolicies(inputs: Inputs, options: LoadOptions): Loaded {
  const app = new App();
  EgressRegistry.of(app).configure(options.settings);
  const chart = new Chart(app, CHART_ID);
  const policies: LoadedPolicy[] = [];
  const diagnostics: Diagnostic[] = [...inputs.warnings];
  const byPath = new Map<string, LoadedPolicy>();

  forEachPolicyObject(inputs, diagnostics, (object, value) => {
    const policy: LoadedPolicy = {
      ...object,
      build: buildFromManifest(chart, `p${policies.length}`, value, { portAllocation: options.portAllocation }),
    };
    policies.push(policy);
    for (const path of policy.build.parts.keys()) byPath.set(path, policy);
    for (const p of policy.build.problems) diagnostics.push({ ...locateField(policy, p.field), message: p.message, severity: p.severity });
  });

  // The library names constructs in its messages; the input names files and lines.
  const origin = (path: string) => {
    const policy = byPath.get(path);
    if (!policy) return path;
    const { file, line } = locateField(policy, policy.build.parts.get(path)!.rule?.field ?? '');
    return `${file}:${line}`;
  };
  const located = (message: string) => message.replace(CONSTRUCT_PATH, origin);

  for (const p of appProblems(app)) {
    const policy = byPath.get(p.path);
    if (policy) {
      const mapped = manifestProblemOf(policy.build, p);
      if (mapped) diagnostics.push({ ...locateField(policy, mapped.field), message: located(mapped.message), severity: p.severity });
      continue;
    }
    // Not a policy or rule built from the input (none today): reported at the policy it is in,
    // or at the first file, never dropped.
    const owner = policies.find((x) => x.build.policy && p.path.startsWith(`${x.build.policy.node.path}/`)) ?? policies[0];
    const where = owner ? locateField(owner, '') : { file: inputs.files[0], fileIndex: 0, line: 1, field: '' };
    diagnostics.push({ ...where, field: p.field || undefined, message: located(`[${p.path}] ${p.message}`), severity: p.severity });
  }
  if (policies.length === 0) {
    // Checking nothing is almost always a mistake (a misspelt kind, the wrong folder): a CI gate
    // must not pass on it.
    diagnostics.push({ file: inputs.files[0], fileIndex: 0, line: 1, message: 'no ASMEgressTrafficPolicy in the input', severity: 'error' });
  }
  return { app, chart, policies, diagnostics, errorCount: diagnostics.filter((d) => d.severity === 'error').length };
}

/**
 * The App-wide problems. The registry also prints its warnings for cdk8s users; the command line
 * prints them itself, at their line, so the registry's own printing is silenced meanwhile.
 */
function appProblems(app: App): Problem[] {
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    return EgressRegistry.of(app)._model().problems;
  } finally {
    console.warn = warn;
  }
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
  const rules = policies.flatMap((p) => p.build.parsed.rules);
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
