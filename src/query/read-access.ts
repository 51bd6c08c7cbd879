import { canonicalHost } from '../checks/host-reach';
import type { EgressAccess, EgressGuardrailOverride } from '../egress-access';
import { isPolicyManifest, PolicySpec, readPolicyManifest } from '../manifest/read-policy';
import { formatField, Problem, problemText } from '../model/problem';

// Synthesised manifests to access entries. Queries read the ASM objects, not the constructs, so
// that they answer for exactly what is deployed: patches applied to the L1 object count. Every
// object is read by the reader of `asm-egress lint` and `fromManifest`, with its messages; what a
// query leaves to lint is the library's policy on what may be allowed: the guardrails (a
// hand-written wildcard host, or `namespace: '*'` without an override, is read as it is), ASM's
// rules for gateway ports, and the checks across policies.

/** Something wrong in a manifest: which object (index in the input), and the problem. */
export interface ManifestProblem {
  readonly index: number;
  readonly problem: Problem;
}

/** What one or more policy objects allow, and the guardrails they override. */
export interface PolicyAccess {
  readonly accesses: EgressAccess[];
  /** The lines of the policies' overrides annotations, for review. */
  readonly overrides: EgressGuardrailOverride[];
}

/**
 * Every access that one ASMEgressTrafficPolicy object allows, in order of its rules, and its
 * overrides, or none and the errors that keep it from being read. Warnings of the reader (fields
 * that adoption drops) are left out: they change nothing that a query answers.
 */
export function readPolicyAccess(manifest: unknown): PolicyAccess & { problems: Problem[] } {
  const { spec, problems } = readPolicyManifest(manifest, { query: true });
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) return { accesses: [], overrides: [], problems: errors };
  return { accesses: accessesOf(spec), overrides: overridesOf(spec), problems: errors };
}

/**
 * Every access that the ASM policies among `objects` allow, in order, their sources named by the
 * workloads among `objects` where they can be (see `nameWorkloads`); other kinds are skipped.
 */
export function readManifestAccess(objects: unknown[]): PolicyAccess & { problems: ManifestProblem[] } {
  const accesses: EgressAccess[] = [];
  const overrides: EgressGuardrailOverride[] = [];
  const problems: ManifestProblem[] = [];
  objects.forEach((object, index) => {
    if (!isPolicyManifest(object)) return;
    const read = readPolicyAccess(object);
    accesses.push(...read.accesses);
    overrides.push(...read.overrides);
    problems.push(...read.problems.map((problem) => ({ index, problem })));
  });
  return { accesses: nameWorkloads(accesses, workloadsOf(objects)), overrides, problems };
}

/** The label that cdk8s-plus gives a workload's pods: a hash of its construct path, which says nothing to a reader. */
const CDK8S_ADDRESS_LABEL = 'cdk8s.io/metadata.addr';

/** Where each kind of workload keeps the labels of its pods. */
const POD_LABELS: Record<string, (o: any) => unknown> = {
  Deployment: (o) => o.spec?.template?.metadata?.labels,
  StatefulSet: (o) => o.spec?.template?.metadata?.labels,
  DaemonSet: (o) => o.spec?.template?.metadata?.labels,
  ReplicaSet: (o) => o.spec?.template?.metadata?.labels,
  Job: (o) => o.spec?.template?.metadata?.labels,
  CronJob: (o) => o.spec?.jobTemplate?.spec?.template?.metadata?.labels,
  Pod: (o) => o.metadata?.labels,
};

/** A workload among manifests: its name for people, its namespace and its pods' labels. */
export interface WorkloadObject {
  readonly name: string;
  readonly namespace?: string;
  readonly podLabels: Record<string, string>;
}

/** The workloads among Kubernetes objects (a `List`'s items too). */
export function workloadsOf(objects: unknown[]): WorkloadObject[] {
  return objects.flatMap((object): WorkloadObject[] => {
    const o = object as any;
    if (o?.kind === 'List' && Array.isArray(o.items)) return workloadsOf(o.items);
    const labels = Object.hasOwn(POD_LABELS, o?.kind) ? POD_LABELS[o.kind](o) : undefined;
    if (typeof labels !== 'object' || labels === null || typeof o.metadata?.name !== 'string') return [];
    const namespace = typeof o.metadata.namespace === 'string' ? o.metadata.namespace : undefined;
    return [{ name: `${o.kind} ${namespace ?? 'default'}/${o.metadata.name}`, namespace, podLabels: labels as Record<string, string> }];
  });
}

/**
 * Sources that select by cdk8s-plus's address label, named by the one workload whose pods carry
 * their labels: renaming a construct changes the label, and a diff that names the workload
 * shows a reader what moved.
 */
export function nameWorkloads(accesses: EgressAccess[], workloads: WorkloadObject[]): EgressAccess[] {
  if (workloads.length === 0) return accesses;
  return accesses.map((a) => {
    const selector = a.source.workloadSelector;
    if (!selector || !Object.hasOwn(selector, CDK8S_ADDRESS_LABEL)) return a;
    const matching = workloads.filter((w) => (a.source.namespace === '*' || (w.namespace ?? 'default') === a.source.namespace)
      && Object.entries(selector).every(([k, v]) => w.podLabels[k] === v));
    return matching.length === 1 ? { ...a, source: { ...a.source, workload: matching[0].name } } : a;
  });
}

/** The problems as one message, each with the object it is in. */
export function formatManifestProblems(objects: any[], problems: ManifestProblem[]): string {
  return problems.map(({ index, problem }) => {
    const meta = objects[index]?.metadata;
    const text = (key: string) => (typeof meta?.[key] === 'string' ? meta[key] : '');
    return `  objects[${index}] ASMEgressTrafficPolicy ${text('namespace')}/${text('name')}: ${formatField(problem.field)}: ${problemText(problem, 'manifest')}`;
  }).join('\n');
}

/** The overrides annotation of a policy read without errors, line by line. */
function overridesOf(spec: PolicySpec): EgressGuardrailOverride[] {
  const policy = `${spec.namespace ?? ''}/${spec.name ?? ''}`;
  return spec.overrideLines.map((line) => ({
    gateway: spec.gateway!,
    policy,
    subject: `${line.subject} ${line.name}`,
    guardrail: line.guardrail,
    reason: line.reason,
  }));
}

/** The accesses of a policy read without errors: one per source, service and host of each rule. */
function accessesOf(spec: PolicySpec): EgressAccess[] {
  const policy = `${spec.namespace ?? ''}/${spec.name ?? ''}`;
  return spec.rules.flatMap((rule) => rule.sources.flatMap(({ source }) =>
    rule.services.flatMap(({ service }) => service.hosts.map((host) => ({
      source: { namespace: source.namespace, ...(source.labels ? { workloadSelector: { ...source.labels } } : {}) },
      // IPv6 addresses compare in one spelling.
      destination: { host: canonicalHost(host), port: service.port, protocol: service.protocol },
      gateway: spec.gateway!,
      gatewayPort: service.gatewayPort,
      tlsOrigination: service.httpsUpgradePort !== undefined,
      upstreamPort: service.httpsUpgradePort ?? service.port,
      service: service.name,
      rule: rule.name,
      policy,
    })))));
}
