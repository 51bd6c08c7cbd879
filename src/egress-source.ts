import { IConstruct } from 'constructs';
import { sourceGuardrailProblems } from './checks/guardrails';
import { sourceValueProblems } from './checks/values';
import { GuardrailOverride } from './guardrail-override';
import { inputError, throwIfInvalid } from './model/error';
import type { ResolvedSource, SourceModel } from './model/model';
import { problem, type Problem } from './model/problem';
import { ALL_NAMESPACES, formatSelector } from './model/selector';
import { readWorkload, WorkloadShape } from './model/workload';

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
   * output uses it to allow exactly this principal at the gateway, and the ambient output, whose
   * waypoint cannot see pod labels, admits the source by it. Workloads of one selector that run
   * under several service accounts are several sources, one per service account.
   * @default - any service account of the namespace
   */
  readonly serviceAccountName?: string;

  /**
   * Exceptions to the source guardrails (`Guardrail.MESH_WIDE_SOURCE`, and
   * `Guardrail.UNENFORCED_SELECTOR` to widen a selector without a service account to its
   * namespace in ambient output), each with its reason, which the policy keeps in its
   * `GuardrailOverride.ANNOTATION` annotation.
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
   * Exceptions to the source guardrails (`Guardrail.MESH_WIDE_SOURCE`, for a pod selector with an
   * empty namespace selector; `Guardrail.UNENFORCED_SELECTOR`, for a workload without a service
   * account in ambient output), each with its reason, kept in the policy's annotation.
   * @default - none
   */
  readonly guardrailOverrides?: GuardrailOverride[];
}

/**
 * Where egress traffic starts: the workloads of a namespace, optionally narrowed by labels.
 *
 * @example
 * EgressSource.namespace('mytest', { workloadSelector: { app: 'sleep-a' } });
 * EgressSource.fromWorkload(deployment); // a cdk8s-plus Deployment, StatefulSet, Pod, ...
 */
export class EgressSource {
  /** The workloads of a namespace, optionally narrowed by a label selector. */
  public static namespace(namespace: string, options: EgressSourceOptions = {}): EgressSource {
    return EgressSource.checked(`EgressSource '${namespace}'`, {
      namespace,
      labels: options.workloadSelector,
      serviceAccount: options.serviceAccountName,
      overrides: options.guardrailOverrides,
    });
  }

  /**
   * The workloads of every namespace of the mesh, optionally narrowed by labels. Refused unless
   * allowed with `GuardrailOverride.allow(Guardrail.MESH_WIDE_SOURCE, reason)`. Written as
   * namespace `*`, Istio's notation for any namespace: ASM's reference documents `namespace` as
   * one namespace, so check that your ASM version honours `*` before relying on it.
   */
  public static allNamespaces(options: EgressSourceOptions = {}): EgressSource {
    return EgressSource.checked(`EgressSource '${ALL_NAMESPACES}'`, {
      namespace: ALL_NAMESPACES,
      meshWide: 'EgressSource.allNamespaces()',
      labels: options.workloadSelector,
      serviceAccount: options.serviceAccountName,
      overrides: options.guardrailOverrides,
    });
  }

  /**
   * The pods of a cdk8s-plus workload (Deployment, StatefulSet, DaemonSet, Job, Pod) or pod
   * selector (`Pods.select()`), of any cdk8s-plus from 28 on: its namespace and pod-selector
   * labels, read at synthesis so that labels added later count. A workload with an explicit
   * service account also gives its principal to the Istio output, and is admitted by it in
   * ambient output (a workload without one is refused there, see `Guardrail.UNENFORCED_SELECTOR`).
   *
   * @param workload a cdk8s-plus workload or pod selector (any construct with `toPodSelectorConfig()`)
   */
  public static fromWorkload(workload: IConstruct, options: WorkloadSourceOptions = {}): EgressSource {
    // Read by shape, not by class: every cdk8s-plus release has its own classes.
    const shape = workload as unknown as WorkloadShape;
    if (typeof shape?.toPodSelectorConfig !== 'function') {
      const what = workload?.node?.path !== undefined ? `'${workload.node.path}'` : String(workload);
      const message = `${what} is not a cdk8s-plus workload or pod selector (it has no toPodSelectorConfig())`;
      throw inputError(`EgressSource.fromWorkload(): ${message}`, problem('INVALID_ARGUMENT', [], message));
    }
    return new EgressSource(() => ({ ...readWorkload(shape), overrides: options.guardrailOverrides }));
  }

  /**
   * A source from values that a reader has checked already (adoption of a manifest).
   * @internal
   */
  public static _fromModel(model: SourceModel): EgressSource {
    const meshWide = model.namespace === ALL_NAMESPACES ? { meshWide: 'EgressSource.allNamespaces()' } : {};
    return new EgressSource(() => ({ ...model, ...meshWide }));
  }

  /** A source whose input is known now, checked now, once: its model is the same at every synthesis. */
  private static checked(what: string, input: SourceInput): EgressSource {
    const source = new EgressSource(() => input);
    const resolved = source._resolve();
    throwIfInvalid(what, resolved.problems);
    source.fixed = resolved;
    return source;
  }

  /** The model of a source whose input cannot change. */
  private fixed?: ResolvedSource;

  private constructor(private readonly resolver: () => SourceInput) {}

  /**
   * The source as plain data, with every problem of its input.
   * @internal
   */
  public _resolve(): ResolvedSource {
    if (this.fixed) return this.fixed;
    const input = this.resolver();
    const problems: Problem[] = [...(input.problems ?? [])];
    // A workload without a namespace has said so already, in its own words; `*` is no namespace.
    const checkNamespace = input.meshWide === undefined && !problems.some((p) => p.field[0] === 'namespace');
    problems.push(...sourceValueProblems({
      ...(checkNamespace ? { namespace: input.namespace } : {}),
      labels: input.labels,
      serviceAccount: input.serviceAccount,
    }));
    const overrides = [...(input.overrides ?? [])];
    const labels = input.labels && Object.keys(input.labels).length > 0 ? { ...input.labels } : undefined;
    const namespace = input.namespace ?? '';
    problems.push(...sourceGuardrailProblems(input.meshWide, overrides, `source ${formatSelector(namespace, labels)}`,
      labels !== undefined && input.serviceAccount === undefined));
    const serviceAccount = input.serviceAccount !== undefined ? { serviceAccount: input.serviceAccount } : {};
    const workload = input.workload !== undefined ? { workload: input.workload } : {};
    return { source: { namespace, ...(labels ? { labels } : {}), ...serviceAccount, ...workload, overrides }, problems };
  }
}

/** What a source is made of, before it is checked. */
interface SourceInput {
  readonly namespace?: string;
  /** What makes the source select every namespace, when it does (the namespace is then `*`). */
  readonly meshWide?: string;
  readonly labels?: Record<string, string>;
  readonly serviceAccount?: string;
  /** The cdk8s-plus workload the source is read from. */
  readonly workload?: string;
  readonly overrides?: GuardrailOverride[];
  readonly problems?: Problem[];
}
