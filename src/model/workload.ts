import { problem, Problem } from './problem';
import { ALL_NAMESPACES } from './selector';

// A cdk8s-plus workload or pod selector, read by the shape that every cdk8s-plus release from 28
// on shares (each release has classes of its own, so `instanceof` would accept only one of them).

/** A label selector as cdk8s-plus models it. */
interface LabelSelectorShape {
  isEmpty(): boolean;
  _toKube(): { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
}

/** What this library reads of a cdk8s-plus `IPodSelector` (and of a workload or pod, when it is one). */
export interface WorkloadShape {
  readonly node: { readonly path: string };
  /** A workload's own pod selector (Deployment, StatefulSet, ...); other pod selectors have none. */
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: unknown[];
  /** A pod's or workload's service account. */
  readonly serviceAccount?: { readonly name: string };
  toPodSelectorConfig(): {
    readonly labelSelector: LabelSelectorShape;
    readonly namespaces?: { readonly names?: string[]; readonly labelSelector?: LabelSelectorShape };
  };
}

/** A workload as the values of a source, with what keeps it from being one. */
export interface WorkloadSource {
  readonly namespace?: string;
  /** Why the source selects every namespace, when it does. */
  readonly meshWide?: string;
  readonly labels?: Record<string, string>;
  readonly serviceAccount?: string;
  /** The workload's construct path, for messages. */
  readonly workload: string;
  readonly problems: Problem[];
}

export function readWorkload(selector: WorkloadShape): WorkloadSource {
  const what = `workload ${selector.node.path}`;
  const config = selector.toPodSelectorConfig();
  // A workload selects its pods by its own selector; other pod selectors (a Pod, Pods.select), and
  // workloads that select nothing (a Job, a CronJob, `select: false`), by the pod selector
  // cdk8s-plus gives them, the address label it sets on every pod of the workload. An empty
  // selector would admit the whole namespace.
  const own = { matchLabels: selector.matchLabels ?? {}, matchExpressions: selector.matchExpressions ?? [] };
  const kube = Object.keys(own.matchLabels).length > 0 || own.matchExpressions.length > 0 ? own : config.labelSelector._toKube();
  const problems: Problem[] = [];
  if ((kube.matchExpressions ?? []).length > 0) {
    problems.push(problem('INVALID_WORKLOAD', ['workloadSelector'], `${what} selects its pods with label expressions; an egress source needs exact labels`));
  }
  const names = config.namespaces?.names ?? [];
  // cdk8s-plus gives every namespace selector a label selector, empty unless labels were given.
  const byLabels = config.namespaces?.labelSelector?.isEmpty() === false;
  // An empty namespace selector (Namespaces.all()) selects every namespace of the mesh.
  const everyNamespace = config.namespaces !== undefined && names.length === 0 && !byLabels;
  if (config.namespaces === undefined) {
    problems.push(problem('INVALID_WORKLOAD', ['namespace'],
      `${what} has no namespace: set one on the workload or its chart (a pod selector: select its namespace with Namespaces.select(scope, id, { names: [namespace] }))`));
  } else if (!everyNamespace && (names.length !== 1 || byLabels)) {
    problems.push(problem('INVALID_WORKLOAD', ['namespace'],
      `${what} selects ${byLabels ? 'namespaces by labels' : `${names.length} namespaces`}; an egress source is one namespace: select it by name alone`));
  }
  const serviceAccount = selector.serviceAccount?.name;
  return {
    namespace: everyNamespace ? ALL_NAMESPACES : names[0],
    ...(everyNamespace ? { meshWide: `${what} (an empty namespace selector)` } : {}),
    labels: kube.matchLabels,
    serviceAccount,
    workload: selector.node.path,
    problems,
  };
}
