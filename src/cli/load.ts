import { App, Chart } from 'cdk8s';
import { CommandOption, usageError } from './command';
import { InputDocument, Inputs, positionOf } from './input';
import { diagnosticOf, locateField, PolicyObject } from './locate';
import { Diagnostic, plural } from './output';
import { partialInputWarnings } from './partial-input';
import { AsmVersion } from '../asm-version';
import { EgressRegistry } from '../egress-registry';
import { EgressSettings } from '../egress-settings';
import { EgressTrafficPolicy } from '../egress-traffic-policy';
import { GatewayPortAllocation } from '../gateway-port-allocation';
import { Adoption, manifestProblemOf } from '../manifest/adoption';
import { isPolicyManifest } from '../manifest/read-policy';
import { FieldPath, formatField, messageText } from '../model/problem';

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

/** A policy of the input and what was built from it. */
export interface LoadedPolicy extends PolicyObject {
  readonly adoption: Adoption;
}

/**
 * Every ASMEgressTrafficPolicy object of the input, in order (the items of a `List` too), given to
 * `visit`. Other objects are skipped (given to `other`, if any): one warning per file names their
 * kinds and counts (a chart of Deployments and Istio objects is not worth one line each), at the
 * first one skipped.
 * What every command takes from its input.
 */
export function forEachPolicyObject(inputs: Inputs, diagnostics: Diagnostic[], visit: (policy: PolicyObject, value: unknown) => void,
  other?: (object: PolicyObject, value: unknown) => void): void {
  const skipped = new Map<number, { where: Diagnostic; kinds: Map<SkippedKind, number>; count: number }>();
  const skip = (document: InputDocument, at: FieldPath, kind: SkippedKind) => {
    const entry = skipped.get(document.fileIndex) ?? {
      where: { file: document.file, fileIndex: document.fileIndex, ...positionOf(document, at), message: '', severity: 'warning' },
      kinds: new Map<SkippedKind, number>(),
      count: 0,
    };
    entry.kinds.set(kind, (entry.kinds.get(kind) ?? 0) + 1);
    entry.count++;
    skipped.set(document.fileIndex, entry);
  };
  const walk = (document: InputDocument, value: unknown, at: FieldPath) => {
    if (value === null || value === undefined) return;
    const object = value as Record<string, unknown>;
    if (typeof value !== 'object' || Array.isArray(value)) {
      skip(document, at, NOT_AN_OBJECT);
    } else if (object.kind === 'List' && Array.isArray(object.items)) {
      object.items.forEach((item, k) => walk(document, item, [...at, 'items', k]));
    } else if (isPolicyManifest(object)) {
      visit({ document, at }, value);
    } else {
      skip(document, at, typeof object.kind === 'string' ? object.kind : WITHOUT_KIND);
      other?.({ document, at }, value);
    }
  };
  for (const document of inputs.documents) walk(document, document.value, []);
  for (const { where, kinds, count } of skipped.values()) {
    const list = [...kinds].map(([kind, n]) => ({ n, text: skippedText(kind, n) }))
      .sort((a, b) => b.n - a.n || (a.text < b.text ? -1 : 1)).map((k) => k.text).join(', ');
    diagnostics.push({ ...where, message: `skipped ${plural(count, 'object')} that ${count === 1 ? 'is' : 'are'} not ASMEgressTrafficPolicy: ${list}` });
  }
}

/** What a skipped object is: its kind, or one of the objects that have none (kept apart from any kind a manifest can name). */
type SkippedKind = string | typeof NOT_AN_OBJECT | typeof WITHOUT_KIND;
const NOT_AN_OBJECT = Symbol('not a Kubernetes object');
const WITHOUT_KIND = Symbol('without kind');

/** `2 Deployment`, `1 that is not a Kubernetes object`, `2 that are not Kubernetes objects`. */
function skippedText(kind: SkippedKind, n: number): string {
  if (kind === NOT_AN_OBJECT) return n === 1 ? '1 that is not a Kubernetes object' : `${n} that are not Kubernetes objects`;
  return `${n} ${kind === WITHOUT_KIND ? 'without kind' : kind}`;
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
  // The command line prints each warning itself, at its line.
  EgressRegistry.of(app).configure({ ...options.settings, printWarnings: false });
  const chart = new Chart(app, CHART_ID);
  const policies: LoadedPolicy[] = [];
  const diagnostics: Diagnostic[] = [...inputs.warnings];
  const byPath = new Map<string, LoadedPolicy>();

  forEachPolicyObject(inputs, diagnostics, (object, value) => {
    const policy: LoadedPolicy = {
      ...object,
      adoption: EgressTrafficPolicy._adopt(chart, `p${policies.length}`, value, { portAllocation: options.portAllocation }),
    };
    policies.push(policy);
    for (const path of policy.adoption.parts.keys()) byPath.set(path, policy);
    for (const p of policy.adoption.problems) diagnostics.push(diagnosticOf(policy, p));
  });

  // The library names constructs in its messages; the input names files and lines.
  const locate = (subject: string) => {
    const policy = byPath.get(subject);
    if (!policy) return subject;
    const { file, line, column } = locateField(policy, policy.adoption.parts.get(subject)!.rule?.field ?? []);
    return `${file}:${line}:${column}`;
  };

  for (const p of EgressRegistry.of(app)._model().problems) {
    const policy = p.subject !== undefined ? byPath.get(p.subject) : undefined;
    if (policy) {
      const mapped = manifestProblemOf(policy.adoption, p);
      if (mapped) diagnostics.push(diagnosticOf(policy, mapped, locate));
      continue;
    }
    // Not a policy or rule built from the input (none today): reported at the policy it is in,
    // or at the first file, never dropped.
    const owner = policies.find((x) => x.adoption.policy && p.subject?.startsWith(`${x.adoption.policy.node.path}/`)) ?? policies[0];
    const where = owner ? locateField(owner, []) : { file: inputs.files[0], fileIndex: 0, line: 1, column: 1, field: '' };
    const field = formatField(p.field);
    diagnostics.push({
      ...where,
      field: field || undefined,
      message: `[${p.subject}] ${messageText(p.message, locate)}`,
      ...(p.fix ? { fix: p.fix.manifest } : {}),
      severity: p.severity,
      code: p.code,
      ...(owner ? { policy: owner } : {}),
    });
  }
  const built = policies.flatMap((p) => (p.adoption.policy ? [p.adoption.policy] : []));
  diagnostics.push(...partialInputWarnings(inputs, built));
  if (policies.length === 0) {
    // Checking nothing is almost always a mistake (a misspelt kind, the wrong folder): a CI gate
    // must not pass on it.
    diagnostics.push({ file: inputs.files[0], fileIndex: 0, line: 1, column: 1, message: 'no ASMEgressTrafficPolicy in the input', severity: 'error' });
  }
  return { app, chart, policies, diagnostics, errorCount: diagnostics.filter((d) => d.severity === 'error').length };
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

/** `--quiet`: for CI logs, errors only. */
export const QUIET_OPTION: CommandOption = {
  type: 'boolean', short: 'q', description: 'print errors only, no warnings',
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
