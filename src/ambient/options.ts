import type { AmbientOptions } from '../ambient-options';
import { dnsLabelError, dnsSubdomainError } from '../checks/syntax';
import { DEFAULT_NETWORK_POLICY_DNS, destinationProblems } from '../istio/options';
import { IstioApiVersion } from '../istio-api-version';
import { FieldPath, Problem, problem } from '../model/problem';
import type { NetworkPolicyDestination } from '../network-policy-destination';

// The ambient options of a policy: the App's and the policy's merged field by field, defaults
// applied, and checked on their own.

/** Ambient options with every default applied. */
export interface ResolvedAmbientOptions {
  readonly apiVersion: IstioApiVersion;
  readonly waypointName: string;
  readonly waypointNamespace: string;
  readonly waypointExists: boolean;
  readonly trustDomain: string;
  readonly authorizationDryRun: boolean;
  readonly namespaceLabels: boolean;
  readonly networkPolicy: boolean;
  readonly networkPolicyDns: NetworkPolicyDestination;
}

/**
 * The App's options overridden, field by field, by the policy's.
 * @param gateway the policy's gateway, the waypoint's default name
 * @param namespace the policy's namespace, the waypoint's default namespace
 */
export function resolveAmbientOptions(gateway: string, namespace: string, app: AmbientOptions = {},
  policy: AmbientOptions = {}): ResolvedAmbientOptions {
  const pick = <K extends keyof AmbientOptions>(key: K): AmbientOptions[K] => policy[key] ?? app[key];
  const dns = pick('networkPolicyDns') ?? DEFAULT_NETWORK_POLICY_DNS;
  return {
    apiVersion: pick('apiVersion') ?? IstioApiVersion.V1,
    waypointName: pick('waypointName') ?? gateway,
    waypointNamespace: pick('waypointNamespace') ?? namespace,
    waypointExists: pick('waypointExists') ?? false,
    trustDomain: pick('trustDomain') ?? 'cluster.local',
    authorizationDryRun: pick('authorizationDryRun') ?? false,
    namespaceLabels: pick('namespaceLabels') ?? false,
    networkPolicy: pick('networkPolicy') ?? false,
    networkPolicyDns: {
      ...(dns.namespace !== undefined ? { namespace: dns.namespace } : {}),
      ...(dns.podLabels !== undefined ? { podLabels: { ...dns.podLabels } } : {}),
      ...(dns.ipBlocks !== undefined ? { ipBlocks: [...dns.ipBlocks] } : {}),
    },
  };
}

/** Everything wrong with the options on their own, with fields relative to the policy (`ambient...`). */
export function ambientOptionProblems(options: ResolvedAmbientOptions): Problem[] {
  const problems: Problem[] = [];
  const add = (field: FieldPath, message: string | undefined) => message && problems.push(problem('INVALID_OPTION', ['ambient', ...field], message));
  if (!Object.values(IstioApiVersion).includes(options.apiVersion)) {
    add(['apiVersion'], `'${options.apiVersion}' is not one of ${Object.values(IstioApiVersion).join(', ')}`);
  }
  // istiod names the waypoint's Deployment and Service after the Gateway: a Service name is a DNS-1123 label.
  add(['waypointName'], dnsLabelError(options.waypointName));
  add(['waypointNamespace'], dnsLabelError(options.waypointNamespace));
  add(['trustDomain'], dnsSubdomainError(options.trustDomain));
  for (const p of destinationProblems(options.networkPolicyDns)) add(p.field ? ['networkPolicyDns', ...p.field] : ['networkPolicyDns'], p.message);
  return problems;
}
