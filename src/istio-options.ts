import { Problem, problem } from './model/problem';
import { dnsLabelError, dnsSubdomainError, labelErrors } from './model/syntax';

/**
 * API versions of the emitted Istio objects.
 *
 * @example
 * EgressRegistry.of(app).configure({
 *   output: EgressOutput.ISTIO,
 *   istio: { apiVersion: IstioApiVersion.V1BETA1 }, // for Istio releases before 1.22
 * });
 */
export enum IstioApiVersion {
  /** `networking.istio.io/v1` and `security.istio.io/v1`: Istio 1.22 or later (and ASM 1.22 or later). */
  V1 = 'v1',
  /** `networking.istio.io/v1beta1` and `security.istio.io/v1beta1`: every Istio and ASM release in use. */
  V1BETA1 = 'v1beta1',
}

/**
 * How a policy is rendered as open-source Istio objects (with `EgressOutput.ISTIO` or
 * `ASM_AND_ISTIO`), and which objects describe its egress gateway. Set App-wide with
 * `EgressRegistry.configure({ istio })`; a policy's own `istio` overrides it field by field.
 *
 * @example
 * EgressRegistry.of(app).configure({
 *   output: EgressOutput.ISTIO,
 *   istio: { gatewayServiceName: 'istio-egressgateway', gatewayLabels: { istio: 'egressgateway' } },
 * });
 */
export interface IstioOptions {
  /**
   * API version of the Istio objects.
   * @default IstioApiVersion.V1
   */
  readonly apiVersion?: IstioApiVersion;

  /**
   * Namespace of the egress gateway's pods and Service. The Gateway, the gateway's
   * DestinationRules and the AuthorizationPolicy go there; ServiceEntries and VirtualServices go
   * to the policy's own namespace.
   * @default 'istio-system'
   */
  readonly gatewayNamespace?: string;

  /**
   * Name of the egress gateway's Kubernetes Service, which sidecars send egress traffic to.
   * @default - the gateway name
   */
  readonly gatewayServiceName?: string;

  /**
   * Labels of the egress gateway's pods (the Gateway's and AuthorizationPolicy's selector).
   * @default - { istio: <gateway name> }
   */
  readonly gatewayLabels?: { [key: string]: string };

  /**
   * Trust domain of the mesh, for the service-account principals of sources that name one.
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;

  /**
   * DNS domain of the cluster, for the gateway Service's host name.
   * @default 'cluster.local'
   */
  readonly clusterDomain?: string;

  /**
   * Emit the gateway's AuthorizationPolicy in dry-run mode (`istio.io/dry-run`): denials are
   * logged, not enforced. For rolling out a policy on a gateway that already carries traffic.
   * @default false
   */
  readonly authorizationDryRun?: boolean;

  /**
   * Enforce `workloadSelector` sources with Sidecar resources (the AuthorizationPolicy can only
   * tell namespaces and service accounts apart). Without it, every workload of a source's
   * namespace may use the source's destinations.
   * @default true
   */
  readonly enforceWorkloadSelectors?: boolean;

  /**
   * What the workloads under the generated Sidecars may still reach inside the mesh, as Sidecar
   * egress hosts (`<namespace>/<host>`). They must not cover the policy's namespace, or every
   * egress host would be visible to every workload.
   * @default ['./*', 'istio-system/*']
   */
  readonly sidecarEgressHosts?: string[];

  /**
   * Emit the gateway's Kubernetes Service with every gateway port in use (open-source Istio; for
   * gateways whose Service this App owns). Needs an output with Istio objects.
   * @default false
   */
  readonly gatewayService?: boolean;

  /**
   * Emit ASM's `IstioGateway` resource of the gateway with every gateway port in use
   * (`spec.ports`). Needs an output with the ASM object and ports allocated by the library.
   * @default false
   */
  readonly istioGateway?: boolean;

  /**
   * Emit a Kubernetes NetworkPolicy per source that lets its pods reach only the egress gateway,
   * DNS and the mesh control plane (defence in depth against pods that bypass their sidecar).
   * NetworkPolicies are additive: allow the pods' other traffic with policies of your own.
   * @default false
   */
  readonly networkPolicy?: boolean;
}

/** Istio options with every default applied. @internal */
export interface ResolvedIstioOptions {
  readonly apiVersion: IstioApiVersion;
  readonly gatewayNamespace: string;
  readonly gatewayServiceName: string;
  readonly gatewayLabels: Record<string, string>;
  readonly trustDomain: string;
  readonly clusterDomain: string;
  readonly authorizationDryRun: boolean;
  readonly enforceWorkloadSelectors: boolean;
  readonly sidecarEgressHosts: string[];
  readonly gatewayService: boolean;
  readonly istioGateway: boolean;
  readonly networkPolicy: boolean;
}

/** The App's options overridden, field by field, by the policy's. @internal */
export function resolveIstioOptions(gateway: string, app: IstioOptions = {}, policy: IstioOptions = {}): ResolvedIstioOptions {
  const pick = <K extends keyof IstioOptions>(key: K): IstioOptions[K] => policy[key] ?? app[key];
  return {
    apiVersion: pick('apiVersion') ?? IstioApiVersion.V1,
    gatewayNamespace: pick('gatewayNamespace') ?? 'istio-system',
    gatewayServiceName: pick('gatewayServiceName') ?? gateway,
    gatewayLabels: { ...(pick('gatewayLabels') ?? { istio: gateway }) },
    trustDomain: pick('trustDomain') ?? 'cluster.local',
    clusterDomain: pick('clusterDomain') ?? 'cluster.local',
    authorizationDryRun: pick('authorizationDryRun') ?? false,
    enforceWorkloadSelectors: pick('enforceWorkloadSelectors') ?? true,
    sidecarEgressHosts: [...(pick('sidecarEgressHosts') ?? ['./*', 'istio-system/*'])],
    gatewayService: pick('gatewayService') ?? false,
    istioGateway: pick('istioGateway') ?? false,
    networkPolicy: pick('networkPolicy') ?? false,
  };
}

/** Everything wrong with the options on their own, with fields relative to `istio`. @internal */
export function istioOptionProblems(options: ResolvedIstioOptions): Problem[] {
  const problems: Problem[] = [];
  const add = (field: string, message: string | undefined) => message && problems.push(problem(`istio.${field}`, message));
  if (!Object.values(IstioApiVersion).includes(options.apiVersion)) {
    add('apiVersion', `'${options.apiVersion}' is not one of ${Object.values(IstioApiVersion).join(', ')}`);
  }
  add('gatewayNamespace', dnsLabelError(options.gatewayNamespace));
  add('gatewayServiceName', dnsLabelError(options.gatewayServiceName));
  if (Object.keys(options.gatewayLabels).length === 0) {
    add('gatewayLabels', 'must select the gateway\'s pods: give at least one label');
  }
  for (const { key, message } of labelErrors(options.gatewayLabels)) add(`gatewayLabels.${key}`, message);
  add('trustDomain', dnsSubdomainError(options.trustDomain));
  add('clusterDomain', dnsSubdomainError(options.clusterDomain));
  options.sidecarEgressHosts.forEach((host, i) => add(`sidecarEgressHosts[${i}]`, sidecarHostError(host)));
  return problems;
}

/** A Sidecar egress host: `<namespace>/<host>`, namespace `.`, `*`, `~` or a name; host `*`, `*.<domain>` or a name. */
function sidecarHostError(entry: string): string | undefined {
  const parts = entry.split('/');
  if (parts.length !== 2) return `'${entry}' is not of the form <namespace>/<host>, e.g. './*' or 'istio-system/*'`;
  const [ns, host] = parts;
  if (!['.', '*', '~'].includes(ns) && dnsLabelError(ns)) return `'${entry}': '${ns}' is not '.', '*', '~' or a namespace name`;
  const name = host.startsWith('*.') ? host.slice(2) : host;
  if (host !== '*' && dnsSubdomainError(name)) return `'${entry}': '${host}' is not '*', '*.<domain>' or a host name`;
  return undefined;
}
