import { exportToOf, gatewayPortHost, gatewayPortServiceName, gatewaySniOf, istioHostsOf, objectName } from './names';
import { Context, DRY_RUN_ANNOTATION, GATEWAY_PORT_SUBSET, GatewayPortUse, IstioObject } from './objects';
import type * as net from '../imports/networking.istio.io';
import type * as sec from '../imports/security.istio.io';
import type { RuleModel, SourceModel } from '../model/model';
import { enumValue } from '../pipeline/ordered-api-object';
import { Protocol } from '../protocol';

// The objects in the gateway's namespace: the Gateway, one Service and DestinationRule per
// gateway port, and the AuthorizationPolicies.
//
// Why a Service per gateway port: a proxy builds a cluster for every subset of a host's
// DestinationRule on every port of the host (pilot/pkg/networking/core/cluster.go
// `buildOutboundClusters`, cluster_builder.go `applyDestinationRule`). One gateway Service with a
// port and a subset per service costs every proxy that sees it ports x subsets clusters (200
// services: 40,000). A single-port Service per gateway port, with one DestinationRule of one
// subset, exported only to the namespaces that use the port, costs a source namespace one subset
// cluster per port it uses, whatever the gateway's total.

/** One server per gateway port: HTTP inside mutual TLS (HTTPS), or TLS for everything else. */
export function gateway(ctx: Context): IstioObject {
  const servers: net.GatewaySpecServers[] = ctx.gatewayPorts.map(({ port, services, http }) => {
    const hosts = new Set(services.flatMap((s) => istioHostsOf(s, ctx.policy.gateway).map((h) => `${ctx.policy.namespace}/${h}`)));
    return {
      port: { number: port, name: `${http ? 'https' : 'tls'}-${port}`, protocol: http ? 'HTTPS' : 'TLS' },
      hosts: [...hosts].sort(),
      tls: { mode: enumValue<net.GatewaySpecServersTlsMode>('ISTIO_MUTUAL') },
    };
  });
  return {
    kind: 'Gateway',
    props: {
      metadata: { name: ctx.policy.gateway, namespace: ctx.gatewayNamespace },
      spec: { selector: { ...ctx.policy.istio.gatewayLabels }, servers },
    },
  };
}

/**
 * Per gateway port: a single-port Service of the gateway's pods (container port = gateway port)
 * and a DestinationRule with one subset, mutual TLS with the SNI of a host of the port. The
 * subset's SNI is what the gateway server matches: a connection through the Service's default
 * cluster carries the auto-mTLS SNI `outbound_.<port>_._.<host>`, which no server accepts, so only
 * the routes of the egress hosts (which the Sidecars show to the selected pods) lead in.
 * Both are exported to the namespaces of the port's sources only.
 */
export function gatewayPortObjects(ctx: Context): IstioObject[] {
  const istio = ctx.policy.istio;
  return ctx.gatewayPorts.flatMap((use): IstioObject[] => {
    const name = gatewayPortServiceName(istio, use.port);
    const exportTo = exportToOf(use.namespaces);
    return [
      {
        kind: 'Service',
        props: {
          metadata: { name, namespace: ctx.gatewayNamespace, annotations: { 'networking.istio.io/exportTo': exportTo.join(',') } },
          spec: {
            type: 'ClusterIP',
            selector: { ...istio.gatewayLabels },
            ports: [{ name: `${use.http ? 'https' : 'tls'}-${use.port}`, port: use.port, targetPort: use.port, protocol: 'TCP' }],
          },
        },
      },
      {
        kind: 'DestinationRule',
        props: {
          metadata: { name, namespace: ctx.gatewayNamespace },
          spec: {
            host: gatewayPortHost(istio, use.port),
            exportTo,
            subsets: [{
              name: GATEWAY_PORT_SUBSET,
              labels: { ...istio.gatewayLabels },
              trafficPolicy: {
                portLevelSettings: [{
                  port: { number: use.port },
                  tls: {
                    mode: enumValue<net.DestinationRuleSpecSubsetsTrafficPolicyPortLevelSettingsTlsMode>('ISTIO_MUTUAL'),
                    // HTTP services share a port and the server accepts any of their hosts; any other port has one service.
                    sni: gatewaySniOf(use.services[0], ctx.policy.gateway),
                  },
                }],
              },
            }],
          },
        },
      },
    ];
  });
}

/**
 * The ALLOW policy: exactly each rule's sources to exactly its services; with an ALLOW policy the
 * gateway denies the rest. And a DENY policy with one rule per gateway port, from everyone but
 * that port's sources: ALLOW policies are OR-ed, so any other ALLOW policy that selects the
 * gateway's pods (one without selector in the root namespace, say) would widen access; a DENY
 * policy is evaluated first and no ALLOW overrides it. It names only fields that a TLS or TCP
 * connection has (`notNamespaces`, `notPrincipals`, `ports`): Istio drops HTTP-only fields from a
 * DENY rule on such a connection, which would widen the rule to every source.
 */
export function authorizationPolicies(ctx: Context): IstioObject[] {
  const istio = ctx.policy.istio;
  const metadata = (name: string) => ({
    name,
    namespace: ctx.gatewayNamespace,
    ...(istio.authorizationDryRun ? { annotations: { [DRY_RUN_ANNOTATION]: 'true' } } : {}),
  });
  const selector = { matchLabels: { ...istio.gatewayLabels } };
  const sourcesOfPort = portSources(ctx);
  const deny = ctx.gatewayPorts.flatMap((use) => denyRuleOf(use, sourcesOfPort(use), istio.trustDomain));
  return [
    {
      kind: 'AuthorizationPolicy',
      props: {
        metadata: metadata(ctx.policy.gateway),
        spec: {
          selector,
          action: enumValue<sec.AuthorizationPolicySpecAction>('ALLOW'),
          // Per rule: one AuthorizationPolicy rule for its HTTP services, one for the others, same sources.
          rules: ctx.policy.rules.flatMap((rule) => toOf(ctx, rule).map((to) => ({ from: fromOf(rule.sources, istio.trustDomain), to }))),
        },
      },
    },
    ...(deny.length > 0 ? [{
      kind: 'AuthorizationPolicy' as const,
      props: {
        metadata: metadata(objectName(ctx.policy.gateway, 'deny-other-sources')),
        spec: { selector, action: enumValue<sec.AuthorizationPolicySpecAction>('DENY'), rules: deny },
      },
    }] : []),
  ];
}

/** The sources of every rule (in the policy's order) that has a service on a gateway port. */
function portSources(ctx: Context): (use: GatewayPortUse) => SourceModel[] {
  // Which rules name each service, worked out once for every port of the policy.
  const rulesOfService = new Map<string, number[]>();
  ctx.policy.rules.forEach((rule, r) => {
    for (const s of rule.services) {
      const rules = rulesOfService.get(s.name);
      if (rules === undefined) rulesOfService.set(s.name, [r]); else if (rules[rules.length - 1] !== r) rules.push(r);
    }
  });
  return (use) => {
    const rules = new Set(use.services.flatMap((s) => rulesOfService.get(s.name) ?? []));
    return [...rules].sort((a, b) => a - b).flatMap((r) => ctx.policy.rules[r].sources);
  };
}

/** DENY on a port from anyone who is none of its sources; none when a source admits every namespace. */
function denyRuleOf(use: GatewayPortUse, sources: SourceModel[], trustDomain: string): sec.AuthorizationPolicySpecRules[] {
  if (sources.some((s) => s.namespace === '*' && s.serviceAccount === undefined)) return [];
  const { namespaces, principals } = identitiesOf(sources, trustDomain);
  return [{
    // The fields of one source must all match: neither an allowed namespace nor an allowed principal.
    from: [{
      source: {
        ...(namespaces.length > 0 ? { notNamespaces: namespaces } : {}),
        ...(principals.length > 0 ? { notPrincipals: principals } : {}),
      },
    }],
    to: [{ operation: { ports: [String(use.port)] } }],
  }];
}

/** Namespaces of sources without a service account, principals of those with one. */
function identitiesOf(sources: SourceModel[], trustDomain: string): { namespaces: string[]; principals: string[] } {
  const namespaces = new Set<string>();
  const principals = new Set<string>();
  for (const s of sources) {
    if (s.serviceAccount === undefined) namespaces.add(s.namespace);
    // Principals match exactly or by a leading/trailing '*': any namespace is `*/sa/<name>`.
    else principals.add(s.namespace === '*' ? `*/sa/${s.serviceAccount}` : `${trustDomain}/ns/${s.namespace}/sa/${s.serviceAccount}`);
  }
  return { namespaces: [...namespaces].sort(), principals: [...principals].sort() };
}

function fromOf(sources: SourceModel[], trustDomain: string): sec.AuthorizationPolicySpecRulesFrom[] {
  const { namespaces, principals } = identitiesOf(sources, trustDomain);
  return [
    ...(namespaces.length > 0 ? [{ source: { namespaces } }] : []),
    ...(principals.length > 0 ? [{ source: { principals } }] : []),
  ];
}

/**
 * The `to` lists of a rule's AuthorizationPolicy rules: one for its HTTP services (gateway port and
 * hosts, as the Host header carries them, with or without the port), then one for its HTTPS, TLS
 * and TCP services (gateway port only); none that would be empty. They must be separate rules: on
 * the gateway's TLS/TCP filter chains Istio ignores a whole ALLOW rule as soon as any of its entries
 * names an HTTP-only field such as `hosts`.
 */
function toOf(ctx: Context, rule: RuleModel): sec.AuthorizationPolicySpecRulesTo[][] {
  const seen = new Set<string>();
  const services = rule.services.filter((s) => !seen.has(s.name) && seen.add(s.name));
  const http = services.filter((s) => s.protocol === Protocol.HTTP).map((s) => ({
    operation: { ports: [String(ctx.ports.get(s)!)], hosts: s.hosts.flatMap((h) => [h, `${h}:${s.port}`]) },
  }));
  const ports = [...new Set(services.filter((s) => s.protocol !== Protocol.HTTP).map((s) => String(ctx.ports.get(s)!)))]
    .map((port) => ({ operation: { ports: [port] } }));
  return [http, ports].filter((to) => to.length > 0);
}
