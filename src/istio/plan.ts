import {
  addressesOf, exportToOf, gatewayServiceHost, gatewaySniOf, istioHostsOf, labelsPart, objectName,
} from './names';
import type { SidecarScope } from './sidecar-scopes';
import * as net from '../imports/networking.istio.io';
import * as sec from '../imports/security.istio.io';
import { servicesOf, type PolicyModel, type RuleModel, type ServiceModel, type SourceModel } from '../model/model';
import { Protocol } from '../protocol';

// The Istio objects of a policy, as typed L1 props: pure data, built from the (valid) model.
//
//   app ──► sidecar ══ mTLS (ISTIO_MUTUAL, SNI = first host) ══► gateway port ──► external service
//           mesh leg: VirtualService        Gateway server +          gateway leg: VirtualService,
//           route to the gateway subset     AuthorizationPolicy       TLS origination DestinationRule
//
// ServiceEntries and VirtualServices (one per host) live in the policy's namespace; the Gateway,
// the gateway's DestinationRules and the AuthorizationPolicy in the gateway's namespace.

/** One Istio object to create. Props follow the `v1` L1 classes; `v1beta1` has the same schema. */
export type IstioObject =
  | { readonly kind: 'ServiceEntry'; readonly props: net.ServiceEntryProps }
  | { readonly kind: 'VirtualService'; readonly props: net.VirtualServiceProps }
  | { readonly kind: 'DestinationRule'; readonly props: net.DestinationRuleProps }
  | { readonly kind: 'Gateway'; readonly props: net.GatewayProps }
  | { readonly kind: 'Sidecar'; readonly props: net.SidecarProps }
  | { readonly kind: 'AuthorizationPolicy'; readonly props: sec.AuthorizationPolicyProps };

/** The annotation that makes an AuthorizationPolicy log instead of enforce. */
const DRY_RUN_ANNOTATION = 'istio.io/dry-run';

/** What the Istio objects of one policy are built from. */
interface Context {
  readonly policy: PolicyModel;
  readonly ports: Map<ServiceModel, number>;
  /** Distinct services of the policy, by name. */
  readonly services: ServiceModel[];
  /** Namespaces of the sources that may reach each service (by name). */
  readonly sourceNamespaces: Map<string, Set<string>>;
  readonly gatewayNamespace: string;
  readonly gatewayHost: string;
  /** The Gateway as VirtualServices name it: `<namespace>/<name>`. */
  readonly gatewayRef: string;
}

/**
 * Every Istio object of a policy whose output includes them.
 * @param ports the gateway port of each service of the policy
 */
export function planPolicy(policy: PolicyModel, ports: Map<ServiceModel, number>): IstioObject[] {
  const istio = policy.istio;
  const services = new Map<string, ServiceModel>();
  const sourceNamespaces = new Map<string, Set<string>>();
  for (const { service, rule } of servicesOf(policy)) {
    services.set(service.name, services.get(service.name) ?? service);
    const namespaces = sourceNamespaces.get(service.name) ?? new Set<string>();
    rule.sources.forEach((s) => namespaces.add(s.namespace));
    sourceNamespaces.set(service.name, namespaces);
  }
  const ctx: Context = {
    policy,
    ports,
    services: [...services.values()].sort((a, b) => a.name.localeCompare(b.name)),
    sourceNamespaces,
    gatewayNamespace: istio.gatewayNamespace,
    gatewayHost: gatewayServiceHost(istio),
    gatewayRef: `${istio.gatewayNamespace}/${policy.gateway}`,
  };
  return [
    gateway(ctx),
    gatewayDestinationRule(ctx),
    authorizationPolicy(ctx),
    ...originationDestinationRules(ctx),
    ...byIstioHost(ctx).flatMap(([host, of]) => [serviceEntry(ctx, host, of), virtualService(ctx, host, of)]),
  ];
}

/** The Sidecars merged across the App, each in its home policy. */
export function planSidecar(scope: SidecarScope): IstioObject {
  return {
    kind: 'Sidecar',
    props: {
      metadata: {
        name: scope.labels ? objectName('egress-sidecar', labelsPart(scope.labels)) : 'egress-sidecar',
        namespace: scope.namespace,
      },
      spec: {
        ...(scope.labels ? { workloadSelector: { labels: { ...scope.labels } } } : {}),
        egress: [{ hosts: scope.hosts }],
        outboundTrafficPolicy: { mode: net.SidecarSpecOutboundTrafficPolicyMode.REGISTRY_UNDERSCORE_ONLY },
      },
    },
  };
}

/** Services by the Istio host they are known by (a DNS host may carry several services, each on its own port). */
function byIstioHost(ctx: Context): Array<[string, ServiceModel[]]> {
  const hosts = new Map<string, ServiceModel[]>();
  for (const service of ctx.services) {
    for (const host of istioHostsOf(service, ctx.policy.gateway)) hosts.set(host, [...(hosts.get(host) ?? []), service]);
  }
  return [...hosts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([h, of]) => [h, of.sort((a, b) => a.port - b.port)]);
}

/** Object name of the per-host objects: an IP-addressed service is named after itself. */
function hostObjectName(ctx: Context, host: string, of: ServiceModel[]): string {
  return objectName(ctx.policy.gateway, of[0].ipAddressed ? of[0].name : host);
}

/** Namespaces that must see a host's ServiceEntry and VirtualService: its sources' and the gateway's. */
function hostExportTo(ctx: Context, of: ServiceModel[]): string[] {
  const namespaces = [ctx.gatewayNamespace, ...of.flatMap((s) => [...ctx.sourceNamespaces.get(s.name)!])];
  return exportToOf(namespaces, ctx.policy.namespace);
}

function serviceEntry(ctx: Context, host: string, of: ServiceModel[]): IstioObject {
  const ip = of[0].ipAddressed;
  return {
    kind: 'ServiceEntry',
    props: {
      metadata: { name: hostObjectName(ctx, host, of), namespace: ctx.policy.namespace },
      spec: {
        hosts: [host],
        ...(ip ? { addresses: addressesOf(of[0]) } : {}),
        ports: of.map((s) => ({
          number: s.port,
          name: `${s.protocol.toLowerCase()}-${s.port}`,
          protocol: s.protocol,
          // TLS origination: the app and the sidecars see the HTTP port; only the gateway connects to the HTTPS one.
          ...(s.httpsUpgradePort !== undefined ? { targetPort: s.httpsUpgradePort } : {}),
        })),
        location: net.ServiceEntrySpecLocation.MESH_UNDERSCORE_EXTERNAL,
        resolution: ip ? net.ServiceEntrySpecResolution.STATIC : net.ServiceEntrySpecResolution.DNS,
        ...(ip ? { endpoints: of[0].hosts.map((address) => ({ address })) } : {}),
        exportTo: hostExportTo(ctx, of),
      },
    },
  };
}

function virtualService(ctx: Context, host: string, of: ServiceModel[]): IstioObject {
  const http: net.VirtualServiceSpecHttp[] = [];
  const tls: net.VirtualServiceSpecTls[] = [];
  const tcp: net.VirtualServiceSpecTcp[] = [];
  for (const s of of) {
    const gatewayPort = ctx.ports.get(s)!;
    const toGateway = [{ destination: { host: ctx.gatewayHost, subset: s.name, port: { number: gatewayPort } } }];
    const toService = [{ destination: { host, port: { number: s.port } } }];
    // The gateway leg of a TLS or TCP service is routed once, from its first host: the SNI that the sidecar sends.
    const firstHost = host === gatewaySniOf(s, ctx.policy.gateway);
    switch (s.protocol) {
      case Protocol.HTTP:
        http.push(
          { match: [{ gateways: ['mesh'], port: s.port }], route: toGateway },
          { match: [{ gateways: [ctx.gatewayRef], port: gatewayPort }], route: toService },
        );
        break;
      case Protocol.HTTPS:
      case Protocol.TLS:
        tls.push({ match: [{ gateways: ['mesh'], port: s.port, sniHosts: [host] }], route: toGateway });
        if (firstHost) tcp.push({ match: [{ gateways: [ctx.gatewayRef], port: gatewayPort }], route: toService });
        break;
      case Protocol.TCP:
        tcp.push({
          match: [{ gateways: ['mesh'], port: s.port, ...(s.ipAddressed ? { destinationSubnets: addressesOf(s) } : {}) }],
          route: toGateway,
        });
        if (firstHost) tcp.push({ match: [{ gateways: [ctx.gatewayRef], port: gatewayPort }], route: toService });
        break;
    }
  }
  return {
    kind: 'VirtualService',
    props: {
      metadata: { name: hostObjectName(ctx, host, of), namespace: ctx.policy.namespace },
      spec: {
        hosts: [host],
        gateways: ['mesh', ctx.gatewayRef],
        exportTo: hostExportTo(ctx, of),
        ...(http.length > 0 ? { http } : {}),
        ...(tls.length > 0 ? { tls } : {}),
        ...(tcp.length > 0 ? { tcp } : {}),
      },
    },
  };
}

/** One server per gateway port: HTTP inside mutual TLS (HTTPS), or TLS for everything else. */
function gateway(ctx: Context): IstioObject {
  const byPort = new Map<number, ServiceModel[]>();
  for (const s of ctx.services) {
    const port = ctx.ports.get(s)!;
    byPort.set(port, [...(byPort.get(port) ?? []), s]);
  }
  const servers: net.GatewaySpecServers[] = [...byPort.entries()].sort(([a], [b]) => a - b).map(([port, of]) => {
    const http = of.every((s) => s.protocol === Protocol.HTTP);
    const hosts = new Set(of.flatMap((s) => istioHostsOf(s, ctx.policy.gateway).map((h) => `${ctx.policy.namespace}/${h}`)));
    return {
      port: { number: port, name: `${http ? 'https' : 'tls'}-${port}`, protocol: http ? 'HTTPS' : 'TLS' },
      hosts: [...hosts].sort(),
      tls: { mode: net.GatewaySpecServersTlsMode.ISTIO_UNDERSCORE_MUTUAL },
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

/** Mutual TLS from sidecars to the gateway: one subset per service, each with its gateway port and SNI. */
function gatewayDestinationRule(ctx: Context): IstioObject {
  const namespaces = ctx.services.flatMap((s) => [...ctx.sourceNamespaces.get(s.name)!]);
  return {
    kind: 'DestinationRule',
    props: {
      metadata: { name: ctx.policy.gateway, namespace: ctx.gatewayNamespace },
      spec: {
        host: ctx.gatewayHost,
        // In the gateway Service's namespace, where the clients of every namespace look it up.
        exportTo: exportToOf([ctx.gatewayNamespace, ...namespaces], ctx.gatewayNamespace),
        subsets: ctx.services.map((s) => ({
          name: s.name,
          labels: { ...ctx.policy.istio.gatewayLabels },
          trafficPolicy: {
            portLevelSettings: [{
              port: { number: ctx.ports.get(s)! },
              tls: {
                mode: net.DestinationRuleSpecSubsetsTrafficPolicyPortLevelSettingsTlsMode.ISTIO_UNDERSCORE_MUTUAL,
                sni: gatewaySniOf(s, ctx.policy.gateway),
              },
            }],
          },
        })),
      },
    },
  };
}

/** TLS origination at the gateway, per upgraded host; visible to the gateway's namespace only. */
function originationDestinationRules(ctx: Context): IstioObject[] {
  const byHost = new Map<string, ServiceModel[]>();
  for (const s of ctx.services.filter((x) => x.httpsUpgradePort !== undefined)) {
    for (const host of s.hosts) byHost.set(host, [...(byHost.get(host) ?? []), s]);
  }
  return [...byHost.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([host, of]): IstioObject => ({
    kind: 'DestinationRule',
    props: {
      metadata: { name: objectName(ctx.policy.gateway, host), namespace: ctx.gatewayNamespace },
      spec: {
        host,
        exportTo: ['.'],
        trafficPolicy: {
          portLevelSettings: of.sort((a, b) => a.port - b.port).map((s) => ({
            port: { number: s.port },
            tls: {
              mode: net.DestinationRuleSpecTrafficPolicyPortLevelSettingsTlsMode.SIMPLE,
              sni: host,
              ...s.serverVerification!._toIstioTls(host),
            },
          })),
        },
      },
    },
  }));
}

/** Allows exactly each rule's sources to exactly its services; with an ALLOW policy, the gateway denies the rest. */
function authorizationPolicy(ctx: Context): IstioObject {
  const istio = ctx.policy.istio;
  return {
    kind: 'AuthorizationPolicy',
    props: {
      metadata: {
        name: ctx.policy.gateway,
        namespace: ctx.gatewayNamespace,
        ...(istio.authorizationDryRun ? { annotations: { [DRY_RUN_ANNOTATION]: 'true' } } : {}),
      },
      spec: {
        selector: { matchLabels: { ...istio.gatewayLabels } },
        action: sec.AuthorizationPolicySpecAction.ALLOW,
        // Per rule: one AuthorizationPolicy rule for its HTTP services, one for the others, same sources.
        rules: ctx.policy.rules.flatMap((rule) => toOf(ctx, rule).map((to) => ({ from: fromOf(rule.sources, istio.trustDomain), to }))),
      },
    },
  };
}

/** Namespaces for sources without a service account, principals for those with one. */
function fromOf(sources: SourceModel[], trustDomain: string): sec.AuthorizationPolicySpecRulesFrom[] {
  const namespaces = new Set<string>();
  const principals = new Set<string>();
  for (const s of sources) {
    if (s.serviceAccount === undefined) namespaces.add(s.namespace);
    // Principals match exactly or by a leading/trailing '*': any namespace is `*/sa/<name>`.
    else principals.add(s.namespace === '*' ? `*/sa/${s.serviceAccount}` : `${trustDomain}/ns/${s.namespace}/sa/${s.serviceAccount}`);
  }
  return [
    ...(namespaces.size > 0 ? [{ source: { namespaces: [...namespaces].sort() } }] : []),
    ...(principals.size > 0 ? [{ source: { principals: [...principals].sort() } }] : []),
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
