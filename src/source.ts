import * as kplus from 'cdk8s-plus-28';
import { GuardrailOverride } from './guardrail';
import { sourceGuardrailProblems } from './model/guardrails';
import { Problem, problem, throwIfErrors } from './model/problem';
import { dnsLabelError, labelErrors } from './model/syntax';

/**
 * Options of a namespace source.
 *
 * @example
 * EgressSource.namespace('mytest', { workloadSelector: { app: 'sleep-a' }, serviceAccountName: 'sleep-a' });
 */
export interface EgressSourceOptions {
  /**
   * Labels that select the source workloads within the namespace (ASM `workloadSelector`).
   * @default - every workload of the namespace
   */
  readonly workloadSelector?: { [key: string]: string };

  /**
   * Service account of the source workloads. ASM's CRD cannot express it; the open-source Istio
   * output uses it to allow exactly this principal at the gateway.
   * @default - any service account of the namespace
   */
  readonly serviceAccountName?: string;

  /**
   * Exceptions to the source guardrail (`Guardrail.MESH_WIDE_SOURCE`), each with its reason,
   * which the policy keeps in its `GuardrailOverride.ANNOTATION` annotation.
   * @default - none
   */
  readonly guardrailOverrides?: GuardrailOverride[];
}

/**
 * Options of a workload source.
 *
 * @example
 * EgressSource.fromWorkload(collector, {
 *   guardrailOverrides: [GuardrailOverride.allow(Guardrail.MESH_WIDE_SOURCE, 'telemetry agents run in every namespace')],
 * });
 */
export interface WorkloadSourceOptions {
  /**
   * Exceptions to the source guardrail (`Guardrail.MESH_WIDE_SOURCE`, for a pod selector with an
   * empty namespace selector), each with its reason, kept in the policy's annotation.
   * @default - none
   */
  readonly guardrailOverrides?: GuardrailOverride[];
}

/** How a source that selects every namespace is written in the policy (Istio's notation for any namespace). @internal */
export const ALL_NAMESPACES = '*';

/**
 * Where egress traffic starts: the workloads of a namespace, optionally narrowed by labels.
 *
 * @example
 * EgressSource.namespace('mytest', { workloadSelector: { app: 'sleep-a' } });
 * EgressSource.fromWorkload(deployment); // a cdk8s-plus-28 Deployment, StatefulSet, Pod, ...
 */
export class EgressSource {
  /** The workloads of a namespace, optionally narrowed by a label selector. */
  public static namespace(namespace: string, options: EgressSourceOptions = {}): EgressSource {
    const source = new EgressSource(() => ({
      namespace,
      labels: options.workloadSelector,
      serviceAccount: options.serviceAccountName,
      overrides: options.guardrailOverrides,
    }));
    throwIfErrors(`EgressSource '${namespace}'`, source._resolve().problems);
    return source;
  }

  /**
   * The workloads of every namespace of the mesh, optionally narrowed by labels. Refused unless
   * allowed with `GuardrailOverride.allow(Guardrail.MESH_WIDE_SOURCE, reason)`. Written as
   * namespace `*`, Istio's notation for any namespace: ASM's reference documents `namespace` as
   * one namespace, so check that your ASM version honours `*` before relying on it.
   */
  public static allNamespaces(options: EgressSourceOptions = {}): EgressSource {
    const source = new EgressSource(() => ({
      namespace: ALL_NAMESPACES,
      meshWide: 'EgressSource.allNamespaces()',
      labels: options.workloadSelector,
      serviceAccount: options.serviceAccountName,
      overrides: options.guardrailOverrides,
    }));
    throwIfErrors(`EgressSource '${ALL_NAMESPACES}'`, source._resolve().problems);
    return source;
  }

  /**
   * The pods of a cdk8s-plus-28 workload (Deployment, StatefulSet, DaemonSet, Job, Pod) or pod
   * selector: its namespace and pod-selector labels, read at synthesis so that labels added later
   * count. A workload with an explicit service account also gives its principal to the Istio output.
   */
  public static fromWorkload(workload: kplus.IPodSelector, options: WorkloadSourceOptions = {}): EgressSource {
    return new EgressSource(() => ({ ...fromPodSelector(workload), overrides: options.guardrailOverrides }));
  }

  private constructor(private readonly resolver: () => SourceInput) {}

  /**
   * The source as plain data, with every problem of its input.
   * @internal
   */
  public _resolve(): ResolvedSource {
    const input = this.resolver();
    const problems: Problem[] = [...(input.problems ?? [])];
    if (input.meshWide === undefined) {
      // A workload without a namespace has said so already, in its own words.
      const nsError = input.namespace === undefined ? 'is required' : dnsLabelError(input.namespace);
      if (nsError && !problems.some((p) => p.field === 'namespace')) problems.push(problem('namespace', nsError));
    }
    for (const { key, message } of labelErrors(input.labels ?? {})) {
      problems.push(problem(`workloadSelector.${key}`, message));
    }
    if (input.serviceAccount !== undefined) {
      const saError = dnsLabelError(input.serviceAccount);
      if (saError) problems.push(problem('serviceAccountName', saError));
    }
    const overrides = [...(input.overrides ?? [])];
    problems.push(...sourceGuardrailProblems(input.meshWide, overrides));
    const labels = input.labels && Object.keys(input.labels).length > 0 ? { ...input.labels } : undefined;
    return { namespace: input.namespace ?? '', labels, serviceAccount: input.serviceAccount, overrides, problems };
  }
}

/** A source as plain data. @internal */
export interface ResolvedSource {
  readonly namespace: string;
  readonly labels?: Record<string, string>;
  readonly serviceAccount?: string;
  readonly overrides: GuardrailOverride[];
  readonly problems: Problem[];
}

interface SourceInput {
  readonly namespace?: string;
  /** What makes the source select every namespace, when it does (the namespace is then `*`). */
  readonly meshWide?: string;
  readonly labels?: Record<string, string>;
  readonly serviceAccount?: string;
  readonly overrides?: GuardrailOverride[];
  readonly problems?: Problem[];
}

function fromPodSelector(selector: kplus.IPodSelector): SourceInput {
  const what = `workload ${selector.node.path}`;
  const config = selector.toPodSelectorConfig();
  // A workload selects its pods by its own selector; other pod selectors (a Pod, Pods.select) by theirs.
  const kube = selector instanceof kplus.Workload
    ? { matchLabels: selector.matchLabels, matchExpressions: selector.matchExpressions }
    : config.labelSelector._toKube();
  const problems: Problem[] = [];
  if ((kube.matchExpressions ?? []).length > 0) {
    problems.push(problem('workloadSelector', `${what} selects its pods with label expressions; an egress source needs exact labels`));
  }
  const names = config.namespaces?.names ?? [];
  // An empty namespace selector (kplus.Namespaces.all()) selects every namespace of the mesh.
  const everyNamespace = names.length === 0 && config.namespaces?.labelSelector?.isEmpty() === true;
  if (!everyNamespace && (names.length !== 1 || config.namespaces?.labelSelector)) {
    problems.push(problem('namespace', `${what} has no namespace: set one on the workload or its chart`));
  }
  const serviceAccount = selector instanceof kplus.AbstractPod ? selector.serviceAccount?.name : undefined;
  const meshWide = everyNamespace ? `${what} (an empty namespace selector)` : undefined;
  return { namespace: everyNamespace ? ALL_NAMESPACES : names[0], meshWide, labels: kube.matchLabels, serviceAccount, problems };
}
