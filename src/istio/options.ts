import { isIP } from 'net';
import { dnsLabelError, dnsSubdomainError, labelErrors } from '../checks/syntax';
import { IstioApiVersion } from '../istio-api-version';
import type { IstioOptions } from '../istio-options';
import { FieldPath, Problem, problem } from '../model/problem';
import type { NetworkPolicyDestination } from '../network-policy-destination';

// The Istio options of a policy: the App's and the policy's merged field by field, defaults
// applied, and checked on their own.

/** Istio options with every default applied.*/
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

/** The cluster's DNS pods: CoreDNS and kube-dns both carry `k8s-app: kube-dns` in `kube-system`.*/
export const DEFAULT_NETWORK_POLICY_DNS: NetworkPolicyDestination = { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } };

/** istiod's pods, as Istio's Helm charts and istioctl label them.*/
export const DEFAULT_NETWORK_POLICY_CONTROL_PLANE: NetworkPolicyDestination = { namespace: 'istio-system', podLabels: { app: 'istiod' } };

/** The App's options overridden, field by field, by the policy's.*/
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

/** Everything wrong with the options on their own, with fields relative to the policy (`istio...`). */
export function istioOptionProblems(options: ResolvedIstioOptions): Problem[] {
  const problems: Problem[] = [];
  const add = (field: FieldPath, message: string | undefined) => message && problems.push(problem('INVALID_OPTION', ['istio', ...field], message));
  if (!Object.values(IstioApiVersion).includes(options.apiVersion)) {
    add(['apiVersion'], `'${options.apiVersion}' is not one of ${Object.values(IstioApiVersion).join(', ')}`);
  }
  add(['gatewayNamespace'], dnsLabelError(options.gatewayNamespace));
  add(['gatewayServiceName'], dnsLabelError(options.gatewayServiceName));
  if (Object.keys(options.gatewayLabels).length === 0) {
    add(['gatewayLabels'], 'must select the gateway\'s pods: give at least one label');
  }
  for (const { key, message } of labelErrors(options.gatewayLabels)) add(['gatewayLabels', key], message);
  add(['trustDomain'], dnsSubdomainError(options.trustDomain));
  add(['clusterDomain'], dnsSubdomainError(options.clusterDomain));
  options.sidecarEgressHosts.forEach((host, i) => add(['sidecarEgressHosts', i], sidecarHostError(host)));
  for (const field of ['networkPolicyDns', 'networkPolicyControlPlane'] as const) {
    for (const p of destinationProblems(options[field])) add(p.field ? [field, ...p.field] : [field], p.message);
  }
  add(['meshRootNamespace'], dnsLabelError(options.meshRootNamespace));
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
export function destinationProblems(d: NetworkPolicyDestination): Array<{ field?: FieldPath; message: string }> {
  const problems: Array<{ field?: FieldPath; message: string }> = [];
  const pods = d.namespace !== undefined || d.podLabels !== undefined;
  if (!pods && (d.ipBlocks ?? []).length === 0) {
    problems.push({ message: 'give the destination pods (namespace and podLabels), ipBlocks, or both' });
  }
  if (d.podLabels !== undefined && d.namespace === undefined) {
    problems.push({ field: ['namespace'], message: 'podLabels select pods in a namespace: give it' });
  }
  if (d.namespace !== undefined) {
    const nsError = dnsLabelError(d.namespace);
    if (nsError) problems.push({ field: ['namespace'], message: nsError });
    if (d.podLabels === undefined || Object.keys(d.podLabels).length === 0) {
      problems.push({ field: ['podLabels'], message: `select the destination pods in namespace '${d.namespace}': give at least one label` });
    }
  }
  for (const { key, message } of labelErrors(d.podLabels ?? {})) problems.push({ field: ['podLabels', key], message });
  (d.ipBlocks ?? []).forEach((cidr, i) => {
    const message = cidrError(cidr);
    if (message) problems.push({ field: ['ipBlocks', i], message });
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
