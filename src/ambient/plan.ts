import { addressCidr, AmbientDestination, destinationObjectName, destinationsOf, WAYPOINT_POD_LABEL } from './names';
import { ambientProtectedPods } from './network-policy';
import type * as gw from '../imports/gateway.networking.k8s.io';
import type * as net from '../imports/networking.istio.io';
import type * as sec from '../imports/security.istio.io';
import { destinationPeers, EgressNetworkPolicySpec, NAMESPACE_NAME_LABEL, podsPeer } from '../istio/kubernetes';
import { labelsPart, objectName } from '../istio/names';
import { exclusionsOf, hasNetworkPolicy, selectedBy } from '../istio/network-policy';
import { labelsKey } from '../istio/sidecar-scopes';
import type { PolicyModel, SourceModel } from '../model/model';
import { includesAmbient } from '../model/output';
import { enumValue } from '../pipeline/ordered-api-object';

// The ambient-mode objects of a policy, as typed L1 props: pure data, built from the (valid) model.
//
//   app ──► ztunnel ══ HBONE (mTLS, port 15008) ══► waypoint ──► external service
//           the host resolves to the       AuthorizationPolicy    passthrough, or TLS
//           ServiceEntry's VIP (DNS        targeting the          originated (HTTP upgraded:
//           capture); the ServiceEntry     ServiceEntry admits     targetPort + DestinationRule)
//           is enrolled to the waypoint    the rule's identities
//
// ServiceEntries and their AuthorizationPolicies live in the policy's namespace (a policy's
// `targetRefs` name objects of its own namespace); the waypoint and the TLS-origination
// DestinationRules in the waypoint's namespace.

/** One object to create. Istio props follow the `v1` L1 classes; `v1beta1` has the same schema. */
export type AmbientObject =
  | { readonly kind: 'Gateway'; readonly props: gw.GatewayProps }
  | { readonly kind: 'ServiceEntry'; readonly props: net.ServiceEntryProps }
  | { readonly kind: 'DestinationRule'; readonly props: net.DestinationRuleProps }
  | { readonly kind: 'AuthorizationPolicy'; readonly props: sec.AuthorizationPolicyProps }
  | { readonly kind: 'NetworkPolicy'; readonly props: { readonly metadata: ObjectMeta; readonly spec: EgressNetworkPolicySpec } }
  | { readonly kind: 'Namespace'; readonly props: { readonly metadata: ObjectMeta } };

interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
}

/** Istio's label that enrols a ServiceEntry (or a namespace) to a waypoint. */
export const USE_WAYPOINT_LABEL = 'istio.io/use-waypoint';
/** The waypoint's namespace, when it is not the ServiceEntry's. */
export const USE_WAYPOINT_NAMESPACE_LABEL = 'istio.io/use-waypoint-namespace';
/** The label that puts a namespace's pods in ambient mode. */
export const DATAPLANE_MODE_LABEL = 'istio.io/dataplane-mode';
/** The HBONE port on which a waypoint receives traffic from ztunnel. */
export const HBONE_PORT = 15008;
const DRY_RUN_ANNOTATION = 'istio.io/dry-run';
/** The label Kubernetes gives every namespace: its name. */

/**
 * Every ambient object of a policy whose output includes them (Namespaces aside: see `planNamespaces`).
 * @param policies every policy of the App, whose gateways and waypoints the NetworkPolicies leave alone
 */
export function planAmbientPolicy(policy: PolicyModel, policies: readonly PolicyModel[]): AmbientObject[] {
  const destinations = destinationsOf(policy);
  return [
    ...(policy.ambient.waypointExists ? [] : [waypoint(policy)]),
    ...destinations.flatMap((d) => [serviceEntry(policy, d), authorizationPolicy(policy, d)]),
    ...originationRules(policy, destinations),
    ...(policy.ambient.networkPolicy ? networkPolicies(policy, policies) : []),
  ];
}

/** The labelled Namespaces of the App, merged across policies, each with the policy whose chart holds it. */
export function planNamespaces(policies: PolicyModel[]): Array<{ readonly home: PolicyModel; readonly object: AmbientObject }> {
  const homes = new Map<string, PolicyModel>();
  const labelling = policies.filter((p) => includesAmbient(p.output) && p.ambient.namespaceLabels)
    .sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0));
  for (const policy of labelling) {
    const namespaces = [policy.ambient.waypointNamespace, ...policy.rules.flatMap((r) => r.sources.map((s) => s.namespace))];
    for (const ns of namespaces) if (ns !== '*' && !homes.has(ns)) homes.set(ns, policy);
  }
  return [...homes.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, home]) => ({
    home,
    object: { kind: 'Namespace', props: { metadata: { name, labels: { [DATAPLANE_MODE_LABEL]: 'ambient' } } } },
  }));
}

/** The waypoint: istiod deploys it from this Gateway; it takes ServiceEntries of the policy's namespace. */
function waypoint(policy: PolicyModel): AmbientObject {
  const a = policy.ambient;
  const from = a.waypointNamespace === policy.namespace
    ? { from: enumValue<gw.GatewaySpecListenersAllowedRoutesNamespacesFrom>('Same') }
    : { from: enumValue<gw.GatewaySpecListenersAllowedRoutesNamespacesFrom>('Selector'), selector: { matchLabels: { [NAMESPACE_NAME_LABEL]: policy.namespace } } };
  return {
    kind: 'Gateway',
    props: {
      metadata: { name: a.waypointName, namespace: a.waypointNamespace, labels: { 'istio.io/waypoint-for': 'service' } },
      spec: {
        gatewayClassName: 'istio-waypoint',
        listeners: [{ name: 'mesh', port: HBONE_PORT, protocol: 'HBONE', allowedRoutes: { namespaces: from } }],
      },
    },
  };
}

function serviceEntry(policy: PolicyModel, d: AmbientDestination): AmbientObject {
  const a = policy.ambient;
  return {
    kind: 'ServiceEntry',
    props: {
      metadata: {
        name: destinationObjectName(policy.gateway, d),
        namespace: policy.namespace,
        labels: {
          [USE_WAYPOINT_LABEL]: a.waypointName,
          ...(a.waypointNamespace !== policy.namespace ? { [USE_WAYPOINT_NAMESPACE_LABEL]: a.waypointNamespace } : {}),
        },
      },
      spec: {
        hosts: [d.host],
        // A name gets its address from Istio's auto-allocation (DNS capture answers with it).
        ...(d.address !== undefined ? { addresses: [addressCidr(d.address)] } : {}),
        ports: d.services.map((s) => ({
          number: s.port,
          name: `${s.protocol.toLowerCase()}-${s.port}`,
          protocol: s.protocol,
          // TLS origination: the app speaks HTTP to the port it knows; the waypoint connects to the HTTPS one.
          ...(s.httpsUpgradePort !== undefined ? { targetPort: s.httpsUpgradePort } : {}),
        })),
        location: enumValue<net.ServiceEntrySpecLocation>('MESH_EXTERNAL'),
        resolution: d.address !== undefined ? enumValue<net.ServiceEntrySpecResolution>('STATIC') : enumValue<net.ServiceEntrySpecResolution>('DNS'),
        ...(d.address !== undefined ? { endpoints: [{ address: d.address }] } : {}),
        // No exportTo: ztunnel and waypoints ignore it (istio#55163); the entry is visible mesh-wide.
      },
    },
  };
}

/**
 * Per ServiceEntry: each rule that has a service on it admits its sources on those services' ports.
 * One policy per ServiceEntry, because a policy's rules apply to every object it targets: a policy
 * targeting two entries would open each rule's ports on both. Ports and identities only, no HTTP
 * field: passthrough (HTTPS, TLS, TCP) ports go through the waypoint's TCP proxy, where Istio
 * ignores an ALLOW rule that names one. The ports are the ServiceEntry's, which the application
 * connects to: the waypoint receives the connection for the entry's address and port (an upgraded
 * port's `targetPort` is only where it connects next).
 */
function authorizationPolicy(policy: PolicyModel, d: AmbientDestination): AmbientObject {
  const a = policy.ambient;
  const names = new Set(d.services.map((s) => s.name));
  const rules = policy.rules.flatMap((rule): sec.AuthorizationPolicySpecRules[] => {
    const ports = [...new Set(rule.services.filter((s) => names.has(s.name)).map((s) => s.port))].sort((x, y) => x - y);
    if (ports.length === 0) return [];
    return [{ from: fromOf(rule.sources, a.trustDomain), to: [{ operation: { ports: ports.map(String) } }] }];
  });
  return {
    kind: 'AuthorizationPolicy',
    props: {
      metadata: {
        name: destinationObjectName(policy.gateway, d),
        namespace: policy.namespace,
        ...(a.authorizationDryRun ? { annotations: { [DRY_RUN_ANNOTATION]: 'true' } } : {}),
      },
      spec: {
        targetRefs: [{ group: 'networking.istio.io', kind: 'ServiceEntry', name: destinationObjectName(policy.gateway, d) }],
        action: enumValue<sec.AuthorizationPolicySpecAction>('ALLOW'),
        rules,
      },
    },
  };
}

/**
 * The waypoint sees identities, not pods: namespaces for sources without a service account (their
 * selector, if any, widened by an override the checks require), principals for those with one.
 */
function fromOf(sources: SourceModel[], trustDomain: string): sec.AuthorizationPolicySpecRulesFrom[] {
  const namespaces = new Set<string>();
  const principals = new Set<string>();
  for (const s of sources) {
    if (s.serviceAccount === undefined) namespaces.add(s.namespace);
    // Principals match exactly or by a leading '*': any namespace is `*/sa/<name>`.
    else principals.add(s.namespace === '*' ? `*/sa/${s.serviceAccount}` : `${trustDomain}/ns/${s.namespace}/sa/${s.serviceAccount}`);
  }
  return [
    ...(namespaces.size > 0 ? [{ source: { namespaces: [...namespaces].sort() } }] : []),
    ...(principals.size > 0 ? [{ source: { principals: [...principals].sort() } }] : []),
  ];
}

/**
 * TLS origination at the waypoint, per upgraded host; in the waypoint's namespace, visible there
 * only. Named literally, never `.`, as every exportTo of the library (istio/names.ts `exportToOf`).
 */
function originationRules(policy: PolicyModel, destinations: AmbientDestination[]): AmbientObject[] {
  return destinations.flatMap((d): AmbientObject[] => {
    const upgraded = d.services.filter((s) => s.httpsUpgradePort !== undefined);
    if (upgraded.length === 0) return [];
    return [{
      kind: 'DestinationRule',
      props: {
        metadata: { name: destinationObjectName(policy.gateway, d), namespace: policy.ambient.waypointNamespace },
        spec: {
          host: d.host,
          exportTo: [policy.ambient.waypointNamespace],
          trafficPolicy: {
            portLevelSettings: upgraded.map((s) => ({
              port: { number: s.port },
              tls: {
                mode: enumValue<net.DestinationRuleSpecTrafficPolicyPortLevelSettingsTlsMode>('SIMPLE'),
                sni: d.host,
                ...s.serverVerification!._toIstioTls(d.host),
              },
            })),
          },
        },
      },
    }];
  });
}

/** Per source selector: its pods may reach the waypoint (HBONE) and DNS, and nothing else another policy does not allow. */
function networkPolicies(policy: PolicyModel, policies: readonly PolicyModel[]): AmbientObject[] {
  const a = policy.ambient;
  const seen = new Set<string>();
  const objects: AmbientObject[] = [];
  for (const source of policy.rules.flatMap((r) => r.sources)) {
    const key = `${source.namespace}|${labelsKey(source.labels)}`;
    // A source known by its service account alone has none (a warning says so): the namespace's pods are not all its own.
    if (!hasNetworkPolicy(source) || seen.has(key)) continue;
    seen.add(key);
    const base = `egress-via-${policy.gateway}`;
    // Never the pods of a gateway, a waypoint or DNS (checked: each is selected by one label).
    const expressions = exclusionsOf(selectedBy(source, ambientProtectedPods(policy, policies)));
    objects.push({
      kind: 'NetworkPolicy',
      props: {
        metadata: { name: source.labels ? objectName(base, labelsPart(source.labels)) : objectName(base), namespace: source.namespace },
        spec: {
          podSelector: {
            ...expressions.length > 0 ? { matchExpressions: expressions } : {},
            ...source.labels ? { matchLabels: { ...source.labels } } : {},
          },
          policyTypes: ['Egress'],
          egress: [
            {
              to: [podsPeer(a.waypointNamespace, { [WAYPOINT_POD_LABEL]: a.waypointName })],
              ports: [{ protocol: 'TCP', port: HBONE_PORT }],
            },
            {
              to: destinationPeers(a.networkPolicyDns),
              ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
            },
          ],
        },
      },
    });
  }
  return objects;
}
