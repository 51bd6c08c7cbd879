import { authorizationPolicies, gateway, gatewayPortObjects } from './gateway-objects';
import { addressesOf, exportToOf, gatewayPortHost, gatewaySniOf, istioHostsOf, labelsPart, objectName } from './names';
import { Context, GATEWAY_PORT_SUBSET, GatewayPortUse, IstioObject } from './objects';
import type { SidecarScope } from './sidecar-scopes';
import type * as net from '../imports/networking.istio.io';
import { servicesOf, type PolicyModel, type ServiceModel } from '../model/model';
import { enumValue } from '../pipeline/ordered-api-object';
import { Protocol } from '../protocol';

export type { IstioObject } from './objects';

// The Istio objects of a policy, as typed L1 props: pure data, built from the (valid) model.
//
//   app ──► sidecar ══ mTLS (ISTIO_MUTUAL, SNI = a host) ══► gateway port ──► external service
//           mesh leg: VirtualService        Gateway server +          gateway leg: VirtualService,
//           route to the port's Service     AuthorizationPolicies     TLS origination DestinationRule
//
// ServiceEntries and VirtualServices (one per host) live in the policy's namespace; the Gateway,
// the gateway ports' Services and DestinationRules and the AuthorizationPolicies in the gateway's.

/** The annotation on each Sidecar that lists the policies it was merged from (`<namespace>/<name>`, one a line). */
export const SIDECAR_POLICIES_ANNOTATION = 'egress.cdk8s-asm-egress.io/sidecar-policies';

/**
 * Every Istio object of a policy whose output includes them.
 * @param ports the gateway port of each service of the policy
 */
export function planPolicy(policy: PolicyModel, ports: Map<ServiceModel, number>): IstioObject[] {
  const services = new Map<string, ServiceModel>();
  const sourceNamespaces = new Map<string, Set<string>>();
  for (const { service, rule } of servicesOf(policy)) {
    services.set(service.name, services.get(service.name) ?? service);
    const namespaces = sourceNamespaces.get(service.name) ?? new Set<string>();
    rule.sources.forEach((s) => namespaces.add(s.namespace));
    sourceNamespaces.set(service.name, namespaces);
  }
  const sorted = [...services.values()].sort((a, b) => a.name.localeCompare(b.name));
  const byPort = new Map<number, GatewayPortUse>();
  for (const s of sorted) {
    const port = ports.get(s)!;
    const use = byPort.get(port) ?? { port, services: [], http: true, namespaces: new Set<string>() };
    byPort.set(port, { ...use, services: [...use.services, s], http: use.http && s.protocol === Protocol.HTTP });
    sourceNamespaces.get(s.name)!.forEach((ns) => byPort.get(port)!.namespaces.add(ns));
  }
  const ctx: Context = {
    policy,
    ports,
    services: sorted,
    sourceNamespaces,
    gatewayPorts: [...byPort.values()].sort((a, b) => a.port - b.port),
    gatewayNamespace: policy.istio.gatewayNamespace,
    gatewayRef: `${policy.istio.gatewayNamespace}/${policy.gateway}`,
  };
  return [
    gateway(ctx),
    ...gatewayPortObjects(ctx),
    ...authorizationPolicies(ctx),
    ...originationDestinationRules(ctx),
    ...byIstioHost(ctx).flatMap(([host, of]) => [serviceEntry(ctx, host, of), virtualService(ctx, host, of)]),
  ];
}

/** The Sidecars merged across the App, each in its home policy, recording the policies it was merged from. */
export function planSidecar(scope: SidecarScope): IstioObject {
  const contributors = [...new Set(scope.contributors.map((p) => `${p.namespace}/${p.name}`))].sort();
  return {
    kind: 'Sidecar',
    props: {
      metadata: {
        name: scope.labels ? objectName('egress-sidecar', labelsPart(scope.labels)) : 'egress-sidecar',
        namespace: scope.namespace,
        annotations: { [SIDECAR_POLICIES_ANNOTATION]: contributors.join('\n') },
      },
      spec: {
        ...(scope.labels ? { workloadSelector: { labels: { ...scope.labels } } } : {}),
        egress: [{ hosts: scope.hosts }],
        outboundTrafficPolicy: { mode: enumValue<net.SidecarSpecOutboundTrafficPolicyMode>('REGISTRY_ONLY') },
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
  return exportToOf(namespaces);
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
        location: enumValue<net.ServiceEntrySpecLocation>('MESH_EXTERNAL'),
        resolution: ip ? enumValue<net.ServiceEntrySpecResolution>('STATIC') : enumValue<net.ServiceEntrySpecResolution>('DNS'),
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
    const toGateway = [{
      destination: { host: gatewayPortHost(ctx.policy.istio, gatewayPort), subset: GATEWAY_PORT_SUBSET, port: { number: gatewayPort } },
    }];
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
        exportTo: [ctx.gatewayNamespace],
        trafficPolicy: {
          portLevelSettings: of.sort((a, b) => a.port - b.port).map((s) => ({
            port: { number: s.port },
            tls: {
              mode: enumValue<net.DestinationRuleSpecTrafficPolicyPortLevelSettingsTlsMode>('SIMPLE'),
              sni: host,
              ...s.serverVerification!._toIstioTls(host),
            },
          })),
        },
      },
    },
  }));
}
