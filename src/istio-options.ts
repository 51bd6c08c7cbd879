import { isIP } from 'net';
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
 * Where the NetworkPolicies of `IstioOptions.networkPolicy` let a source's pods connect for one
 * purpose (DNS, or the mesh control plane): pods selected by namespace and labels, IP blocks, or
 * both. Give at least one of the two.
 *
 * @example
 * // Node-local DNS on its link-local address, and ASM's managed control plane outside the cluster.
 * EgressRegistry.of(app).configure({
 *   output: EgressOutput.ISTIO,
 *   istio: {
 *     networkPolicy: true,
 *     networkPolicyDns: { ipBlocks: ['169.254.20.10/32'] },
 *     networkPolicyControlPlane: { ipBlocks: ['192.168.0.10/32'] },
 *   },
 * });
 */
export interface NetworkPolicyDestination {
  /**
   * Namespace of the destination pods. Needs `podLabels`.
   * @default - no pods: only `ipBlocks`
   */
  readonly namespace?: string;

  /**
   * Labels of the destination pods in `namespace` (at least one). Needs `namespace`.
   * @default - no pods: only `ipBlocks`
   */
  readonly podLabels?: { [key: string]: string };

  /**
   * Destination addresses as CIDR blocks (`10.0.0.10/32`, `fd00::/64`), for destinations that are
   * not pods of the cluster: a node-local DNS cache, or ASM's managed control plane. A block of
   * every address (`/0`) is refused: it would let pods that bypass their sidecar reach any host.
   * @default - no addresses: only the pods
   */
  readonly ipBlocks?: string[];
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

  /**
   * Where the NetworkPolicies (`networkPolicy`) let pods send DNS queries (UDP and TCP port 53):
   * the cluster's DNS pods, or the address of a node-local DNS cache (`ipBlocks`). Replaces the
   * default as a whole.
   * @default { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } } (CoreDNS and kube-dns)
   */
  readonly networkPolicyDns?: NetworkPolicyDestination;

  /**
   * Where the NetworkPolicies (`networkPolicy`) let pods reach the mesh control plane for
   * configuration and certificates (TCP port 15012): istiod's pods, or the addresses of a control
   * plane outside the cluster, such as ASM's managed one (`ipBlocks`). Replaces the default as a whole.
   * @default { namespace: 'istio-system', podLabels: { app: 'istiod' } }
   */
  readonly networkPolicyControlPlane?: NetworkPolicyDestination;

  /**
   * The mesh's root namespace (`meshConfig.rootNamespace`), where a Sidecar without a workload
   * selector is the default of every namespace without a Sidecar of its own. A `workloadSelector`
   * source in it cannot be enforced with Sidecars, and is refused (see `enforceWorkloadSelectors`).
   * @default 'istio-system'
   */
  readonly meshRootNamespace?: string;
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
  readonly networkPolicyDns: NetworkPolicyDestination;
  readonly networkPolicyControlPlane: NetworkPolicyDestination;
  readonly meshRootNamespace: string;
}

/** The cluster's DNS pods: CoreDNS and kube-dns both carry `k8s-app: kube-dns` in `kube-system`. @internal */
export const DEFAULT_NETWORK_POLICY_DNS: NetworkPolicyDestination = { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } };

/** istiod's pods, as Istio's Helm charts and istioctl label them. @internal */
export const DEFAULT_NETWORK_POLICY_CONTROL_PLANE: NetworkPolicyDestination = { namespace: 'istio-system', podLabels: { app: 'istiod' } };

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
    networkPolicyDns: copyDestination(pick('networkPolicyDns') ?? DEFAULT_NETWORK_POLICY_DNS),
    networkPolicyControlPlane: copyDestination(pick('networkPolicyControlPlane') ?? DEFAULT_NETWORK_POLICY_CONTROL_PLANE),
    meshRootNamespace: pick('meshRootNamespace') ?? 'istio-system',
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
  for (const field of ['networkPolicyDns', 'networkPolicyControlPlane'] as const) {
    for (const p of destinationProblems(options[field])) add(p.field ? `${field}.${p.field}` : field, p.message);
  }
  add('meshRootNamespace', dnsLabelError(options.meshRootNamespace));
  return problems;
}

function copyDestination(d: NetworkPolicyDestination): NetworkPolicyDestination {
  return {
    ...(d.namespace !== undefined ? { namespace: d.namespace } : {}),
    ...(d.podLabels !== undefined ? { podLabels: { ...d.podLabels } } : {}),
    ...(d.ipBlocks !== undefined ? { ipBlocks: [...d.ipBlocks] } : {}),
  };
}

/** Pods (namespace and labels, both) or IP blocks, or both; each valid. Fields relative to the destination. */
function destinationProblems(d: NetworkPolicyDestination): Array<{ field?: string; message: string }> {
  const problems: Array<{ field?: string; message: string }> = [];
  const pods = d.namespace !== undefined || d.podLabels !== undefined;
  if (!pods && (d.ipBlocks ?? []).length === 0) {
    problems.push({ message: 'give the destination pods (namespace and podLabels), ipBlocks, or both' });
  }
  if (d.podLabels !== undefined && d.namespace === undefined) {
    problems.push({ field: 'namespace', message: 'podLabels select pods in a namespace: give it' });
  }
  if (d.namespace !== undefined) {
    const nsError = dnsLabelError(d.namespace);
    if (nsError) problems.push({ field: 'namespace', message: nsError });
    if (d.podLabels === undefined || Object.keys(d.podLabels).length === 0) {
      problems.push({ field: 'podLabels', message: `select the destination pods in namespace '${d.namespace}': give at least one label` });
    }
  }
  for (const { key, message } of labelErrors(d.podLabels ?? {})) problems.push({ field: `podLabels.${key}`, message });
  (d.ipBlocks ?? []).forEach((cidr, i) => {
    const message = cidrError(cidr);
    if (message) problems.push({ field: `ipBlocks[${i}]`, message });
  });
  return problems;
}

/** An IPv4 or IPv6 CIDR block, narrower than every address. */
function cidrError(cidr: string): string | undefined {
  const [address, prefix, ...rest] = typeof cidr === 'string' ? cidr.split('/') : [];
  const version = address === undefined ? 0 : isIP(address);
  const max = version === 6 ? 128 : 32;
  if (version === 0 || prefix === undefined || rest.length > 0 || !/^\d{1,3}$/.test(prefix) || Number(prefix) > max) {
    return `'${cidr}' is not a CIDR block (an IP address and a prefix length, e.g. '10.0.0.10/32' or 'fd00::a/128')`;
  }
  if (Number(prefix) === 0) {
    return `'${cidr}' is every address, which would let pods that bypass their sidecar reach any host on this port: name the destination's addresses`;
  }
  return undefined;
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
