// Follows egress requests through synthesised Istio objects the way Istio resolves them, to check
// that the objects agree with each other: sidecar scope, ServiceEntry, mesh-leg VirtualService,
// gateway DestinationRule subset, gateway Service, Gateway server, gateway-leg VirtualService,
// TLS origination and AuthorizationPolicy. Written from Istio's documented behaviour and code
// (visibility and DestinationRule lookup: ./istiod-model.ts) and on purpose WITHOUT any code of
// the renderer (src/), so that a renderer bug cannot hide itself here.

import { AuthorizationConnection, authorizationOf } from './authorization-model';
import { destinationRulesFor as istiodDestinationRules, exportedTo, kubernetesServiceOf, selects } from './istiod-model';

/** The egress gateway, as deployed. */
export interface GatewayUnderTest {
  readonly name: string;
  readonly namespace: string;
  readonly serviceName: string;
  readonly labels: Record<string, string>;
  readonly clusterDomain?: string;
  readonly trustDomain?: string;
  /** Istio's root namespace (meshConfig.rootNamespace), where mesh-wide defaults live. Default: istio-system. */
  readonly rootNamespace?: string;
  /** The ports of the gateway's own Service as deployed, when the App does not emit it (the stock one maps 80 to 8080). */
  readonly servicePorts?: Array<{ readonly port: number; readonly targetPort: number }>;
  /** That Service carries the label `experimental.istio.io/disable-gateway-port-translation`. */
  readonly servicePortTranslationDisabled?: boolean;
}

/** A pod that sends the request. */
export interface Client {
  readonly namespace: string;
  readonly labels?: Record<string, string>;
  readonly serviceAccount?: string;
}

/** What the application asks for. `host` is a name, or for TCP an IP address. */
export interface Request {
  readonly protocol: 'HTTP' | 'HTTPS' | 'TLS' | 'TCP';
  readonly host: string;
  readonly port: number;
}

/** What must happen at the gateway's side. */
export interface Expectation {
  /** Hosts of the same site: the gateway may send the request to any of them. Default: the request's host. */
  readonly siteHosts?: string[];
  /** The port the gateway connects to, when it originates TLS (HTTP upgraded to HTTPS). */
  readonly upgradePort?: number;
  /** With an upgrade: whether the server's certificate must be verified (default true). */
  readonly verifyServer?: boolean;
}

export type Trace =
  | { readonly ok: true; readonly gatewayPort: number; readonly sni: string; readonly upstream: string; readonly dryRun: boolean }
  | { readonly ok: false; readonly stage: string; readonly reason: string };

type Obj = any;

/** The Service label that `resolvePorts` honours (model/gateway.go `DisableGatewayPortTranslationLabel`). */
const DISABLE_PORT_TRANSLATION = 'experimental.istio.io/disable-gateway-port-translation';

const kindOf = (objects: Obj[], kind: string) => objects.filter((o) => o.kind === kind);
const nsOf = (o: Obj): string => o.metadata?.namespace ?? 'default';

/** Whether a ServiceEntry or VirtualService is visible from a namespace. */
function visibleFrom(o: Obj, namespace: string): boolean {
  return exportedTo(o.spec?.exportTo ?? [], nsOf(o), namespace);
}

function hostMatches(pattern: string, host: string): boolean {
  return pattern === '*' || pattern === host || (pattern.startsWith('*.') && host.endsWith(pattern.slice(1)));
}

function subsetOf(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

/** A Sidecar `egress.hosts` entry admits a host of a namespace. */
function sidecarAdmits(sidecar: Obj | undefined, podNamespace: string, namespace: string, host: string): boolean {
  if (!sidecar) return true;
  const entries: string[] = (sidecar.spec.egress ?? []).flatMap((e: Obj) => e.hosts ?? []);
  return entries.some((entry) => {
    const [n, h] = entry.split('/');
    const nsOk = n === '*' || n === namespace || (n === '.' && namespace === podNamespace);
    return nsOk && hostMatches(h, host);
  });
}

/** The Sidecar that applies to a pod: the one whose selector matches it, else the namespace's default. */
function sidecarOf(objects: Obj[], client: Client): { sidecar?: Obj; error?: string } {
  const inNs = kindOf(objects, 'Sidecar').filter((s) => nsOf(s) === client.namespace);
  const selecting = inNs.filter((s) => s.spec.workloadSelector && subsetOf(s.spec.workloadSelector.labels, client.labels ?? {}));
  if (selecting.length > 1) return { error: `pod ${JSON.stringify(client.labels)} is selected by ${selecting.length} Sidecars (${selecting.map((s) => s.metadata.name).join(', ')})` };
  if (selecting.length === 1) return { sidecar: selecting[0] };
  const defaults = inNs.filter((s) => !s.spec.workloadSelector);
  if (defaults.length > 1) return { error: `namespace ${client.namespace} has ${defaults.length} Sidecars without selector` };
  return { sidecar: defaults[0] };
}

const PROTOCOLS: Record<Request['protocol'], string[]> = { HTTP: ['HTTP'], HTTPS: ['HTTPS', 'TLS'], TLS: ['TLS', 'HTTPS'], TCP: ['TCP'] };
const isIp = (host: string) => /^[0-9.]+$/.test(host) || host.includes(':');

/** DestinationRules for a host as a proxy in `namespace` finds them (push_context.go `destinationRule`). */
function destinationRulesFor(objects: Obj[], host: string, namespace: string, serviceNamespace: string, rootNamespace: string): Obj[] {
  return istiodDestinationRules(objects, namespace, host, serviceNamespace, { rootNamespace });
}

/** The TLS settings a DestinationRule applies to a port (port-level first, then the rule's). */
function tlsFor(trafficPolicy: Obj | undefined, port: number): Obj | undefined {
  const level = (trafficPolicy?.portLevelSettings ?? []).find((s: Obj) => s.port?.number === port);
  return level ? level.tls : trafficPolicy?.tls;
}

/** The Kubernetes Services among the objects that select the gateway's pods. */
function meshServicesOfGateway(objects: Obj[], gw: GatewayUnderTest) {
  return objects.filter((o) => o.apiVersion === 'v1' && o.kind === 'Service')
    .map((o) => kubernetesServiceOf(objects, `${o.metadata.name}.${nsOf(o)}.svc.${gw.clusterDomain ?? 'cluster.local'}`, { clusterDomain: gw.clusterDomain })!)
    .filter((svc) => selects(svc, gw.namespace, gw.labels));
}

/** Follows one request from a pod through the mesh to the external service. */
export function traceRoute(objects: Obj[], gw: GatewayUnderTest, client: Client, request: Request, expect: Expectation = {}): Trace {
  const fail = (stage: string, reason: string): Trace => ({ ok: false, stage, reason });
  const cls = request.protocol === 'HTTPS' ? 'TLS' : request.protocol;
  const gatewayHost = `${gw.serviceName}.${gw.namespace}.svc.${gw.clusterDomain ?? 'cluster.local'}`;
  const root = gw.rootNamespace ?? 'istio-system';

  // 1. The sidecar's scope, and the ServiceEntry that makes the destination known.
  const { sidecar, error } = sidecarOf(objects, client);
  if (error) return fail('sidecar', error);
  const entries = kindOf(objects, 'ServiceEntry').filter((se) => {
    // A sidecar listens on address and port for an addressed service, so only that pair has to be unique.
    const known = isIp(request.host)
      ? (se.spec.addresses ?? []).some((a: string) => a === request.host || a === `${request.host}/32` || a === `${request.host}/128`)
        && (se.spec.ports ?? []).some((p: Obj) => p.number === request.port)
      : se.spec.hosts.includes(request.host);
    return known && visibleFrom(se, client.namespace) && sidecarAdmits(sidecar, client.namespace, nsOf(se), se.spec.hosts[0]);
  });
  if (entries.length === 0) return fail('service-entry', `${request.host} is unknown to namespace ${client.namespace}${sidecar ? ` (Sidecar ${sidecar.metadata.name})` : ''}`);
  if (entries.length > 1) return fail('service-entry', `${request.host} is defined by ${entries.length} ServiceEntries`);
  const se = entries[0];
  const sePort = (se.spec.ports ?? []).find((p: Obj) => p.number === request.port);
  if (!sePort) return fail('service-entry', `ServiceEntry ${se.metadata.name} has no port ${request.port}`);
  if (!PROTOCOLS[request.protocol].includes(sePort.protocol)) return fail('service-entry', `port ${request.port} of ${se.metadata.name} is ${sePort.protocol}, the app speaks ${request.protocol}`);
  const seHost: string = se.spec.hosts[0];

  // 2. Mesh leg: the one VirtualService of the host, its first matching route, to a gateway subset.
  const meshServices = kindOf(objects, 'VirtualService').filter((vs) => vs.spec.hosts.includes(seHost)
    && (vs.spec.gateways ?? ['mesh']).includes('mesh') && visibleFrom(vs, client.namespace)
    && sidecarAdmits(sidecar, client.namespace, nsOf(vs), seHost));
  if (meshServices.length !== 1) return fail('mesh-leg', `${meshServices.length} VirtualServices for ${seHost} apply to namespace ${client.namespace}; a sidecar follows exactly one`);
  const vs = meshServices[0];
  const meshMatch = (m: Obj) => (m.gateways ?? vs.spec.gateways ?? ['mesh']).includes('mesh')
    && (m.port === undefined || m.port === request.port)
    && subsetOf(m.sourceLabels, client.labels ?? {}) && (m.sourceNamespace === undefined || m.sourceNamespace === client.namespace);
  const routes: Obj[] = (cls === 'HTTP' ? vs.spec.http : cls === 'TLS' ? vs.spec.tls : vs.spec.tcp) ?? [];
  const meshRoute = routes.find((r) => !r.match || r.match.some((m: Obj) => meshMatch(m)
    && (cls !== 'TLS' || (m.sniHosts ?? []).some((h: string) => hostMatches(h, request.host)))
    && (cls !== 'TCP' || m.destinationSubnets === undefined || (isIp(request.host) && m.destinationSubnets.some((s: string) => s.split('/')[0] === request.host)))));
  if (!meshRoute) return fail('mesh-leg', `VirtualService ${vs.metadata.name} has no ${cls.toLowerCase()} route for ${request.host}:${request.port} from the mesh`);
  if (meshRoute.route?.length !== 1) return fail('mesh-leg', `route of ${vs.metadata.name} has ${meshRoute.route?.length} destinations`);
  const toGateway = meshRoute.route[0].destination;
  const gatewayPort: number | undefined = toGateway.port?.number;
  if (gatewayPort === undefined) return fail('mesh-leg', `${vs.metadata.name} routes to the gateway without a port`);

  // The destination: a Service of the gateway's pods. The gateway's own Service (gw.serviceName)
  // is the user's and not among the objects unless the App emits it; any other must be emitted.
  const destination = kubernetesServiceOf(objects, toGateway.host, { clusterDomain: gw.clusterDomain });
  let containerPort: number;
  if (destination) {
    if (!selects(destination, gw.namespace, gw.labels)) return fail('mesh-leg', `${vs.metadata.name} routes to ${toGateway.host}, which does not select the gateway's pods`);
    // A proxy has a cluster only for a service visible to its namespace: else 503 NC (no cluster).
    if (!exportedTo(destination.exportTo, destination.namespace, client.namespace)) return fail('gateway-service', `${toGateway.host} is not exported to namespace ${client.namespace} (503 NC)`);
    const servicePort = destination.ports.find((p) => p.number === gatewayPort);
    if (!servicePort) return fail('gateway-service', `Service ${toGateway.host} has no port ${gatewayPort} (503 NC)`);
    // The gateway's proxy sees connections on the container port: what AuthorizationPolicy ports match.
    containerPort = servicePort.targetPort ?? gatewayPort;
  } else if (toGateway.host === gatewayHost) {
    containerPort = gatewayPort;
  } else {
    return fail('gateway-service', `no Service ${toGateway.host} selects the gateway's pods (503 NC)`);
  }
  if (!sidecarAdmits(sidecar, client.namespace, gw.namespace, toGateway.host)) return fail('sidecar', `Sidecar ${sidecar.metadata.name} does not admit ${gw.namespace}/${toGateway.host}`);

  // 3. The subset: mutual TLS to the gateway port, with the SNI the gateway server matches.
  const drs = destinationRulesFor(objects, toGateway.host, client.namespace, gw.namespace, root);
  if (drs.length !== 1) return fail('gateway-subset', `${drs.length} DestinationRules for ${toGateway.host} apply to namespace ${client.namespace}`);
  const subset = (drs[0].spec.subsets ?? []).find((s: Obj) => s.name === toGateway.subset);
  if (!subset) return fail('gateway-subset', `DestinationRule ${drs[0].metadata.name} has no subset '${toGateway.subset}'`);
  if (!subsetOf(subset.labels, gw.labels)) return fail('gateway-subset', `subset '${subset.name}' selects ${JSON.stringify(subset.labels)}, not the gateway's pods`);
  const mtls = tlsFor(subset.trafficPolicy, gatewayPort) ?? tlsFor(drs[0].spec.trafficPolicy, gatewayPort);
  if (mtls?.mode !== 'ISTIO_MUTUAL') return fail('gateway-subset', `subset '${subset.name}' does not use ISTIO_MUTUAL on port ${gatewayPort}`);
  const sni: string | undefined = mtls.sni;
  if (!sni) return fail('gateway-subset', `subset '${subset.name}' sends no SNI on port ${gatewayPort}`);

  // 4. The gateway listens on the container port that the Services selecting its pods map the
  // server port to (model/gateway.go `resolvePorts`: the first Service with that port; the port
  // itself when none has it), leaving out, for a Gateway with a selector, the Services labelled
  // `experimental.istio.io/disable-gateway-port-translation`. Every other Service with the port must agree.
  const translating = (labels: Record<string, string> | undefined) => !(DISABLE_PORT_TRANSLATION in (labels ?? {}));
  const translations = [
    ...meshServicesOfGateway(objects, gw).filter((svc) => translating(svc.object.metadata.labels))
      .flatMap((svc) => svc.ports.filter((p) => p.number === gatewayPort).map((p) => p.targetPort ?? p.number)),
    ...(gw.servicePortTranslationDisabled ? [] : gw.servicePorts ?? []).filter((p) => p.port === gatewayPort).map((p) => p.targetPort),
  ];
  if (new Set([containerPort, ...translations]).size > 1) return fail('gateway-service', `Services of the gateway map port ${gatewayPort} to container ports ${[...new Set([containerPort, ...translations])].join(' and ')}: the gateway listens on one of them`);

  // 5. The gateway server on that port.
  const gateways = kindOf(objects, 'Gateway').filter((g) => subsetOf(g.spec.selector, gw.labels));
  const servers = gateways.flatMap((g) => (g.spec.servers ?? []).filter((s: Obj) => s.port.number === gatewayPort).map((s: Obj) => ({ g, s })));
  if (servers.length !== 1) return fail('gateway-server', `${servers.length} Gateway servers on port ${gatewayPort} of the gateway's pods`);
  const { g, s: server } = servers[0];
  if (server.tls?.mode !== 'ISTIO_MUTUAL') return fail('gateway-server', `server ${gatewayPort} of ${g.metadata.name} does not terminate ISTIO_MUTUAL`);
  if (server.port.protocol !== (cls === 'HTTP' ? 'HTTPS' : 'TLS')) return fail('gateway-server', `server ${gatewayPort} speaks ${server.port.protocol}; ${cls} inside mutual TLS needs ${cls === 'HTTP' ? 'HTTPS' : 'TLS'}`);
  const serverHosts: Array<{ ns: string; host: string }> = server.hosts.map((h: string) => {
    const [a, b] = h.includes('/') ? h.split('/') : ['*', h];
    return { ns: a === '.' ? nsOf(g) : a, host: b };
  });
  if (!serverHosts.some((h) => hostMatches(h.host, sni))) return fail('gateway-server', `server ${gatewayPort} of ${g.metadata.name} does not accept SNI ${sni}`);
  if (cls === 'HTTP' && !serverHosts.some((h) => hostMatches(h.host, request.host))) return fail('gateway-server', `server ${gatewayPort} does not serve host ${request.host}`);

  // 6. Gateway leg: routes bound to this Gateway, visible to the gateway's namespace, on the gateway port.
  const gwRef = `${nsOf(g)}/${g.metadata.name}`;
  const bound = kindOf(objects, 'VirtualService').filter((v) => (v.spec.gateways ?? []).some((r: string) => r === gwRef || (r === g.metadata.name && nsOf(v) === nsOf(g)))
    && visibleFrom(v, gw.namespace) && serverHosts.some((h) => (h.ns === '*' || h.ns === nsOf(v)) && v.spec.hosts.some((vh: string) => hostMatches(h.host, vh))));
  const gatewayMatch = (m: Obj) => (m.gateways ?? []).some((r: string) => r === gwRef || r === g.metadata.name)
    && (m.port === undefined || m.port === gatewayPort);
  const candidates = bound.flatMap((v) => {
    const applies = cls === 'HTTP' ? v.spec.hosts.some((h: string) => hostMatches(h, request.host)) : v.spec.hosts.some((h: string) => serverHosts.some((sh) => hostMatches(sh.host, h)));
    if (!applies) return [];
    const list: Obj[] = (cls === 'HTTP' ? v.spec.http : v.spec.tcp) ?? [];
    return list.filter((r) => r.match?.some(gatewayMatch)).map((r) => ({ v, r }));
  });
  if (candidates.length !== 1) return fail('gateway-leg', `${candidates.length} gateway routes for ${cls === 'HTTP' ? `host ${request.host}` : `SNI ${sni}`} on port ${gatewayPort}; exactly one must apply`);
  const upstream = candidates[0].r.route?.[0]?.destination;
  const siteHosts = [...(expect.siteHosts ?? [request.host]), ...(isIp(request.host) ? [seHost] : [])];
  if (!upstream || !siteHosts.includes(upstream.host)) return fail('gateway-leg', `gateway routes to ${upstream?.host}, not to ${siteHosts.join(' or ')}`);
  if (upstream.port?.number !== request.port) return fail('gateway-leg', `gateway routes to port ${upstream.port?.number}, not ${request.port}`);

  // 7. At the gateway: the upstream's ServiceEntry port, and TLS origination exactly when upgraded.
  const upstreamEntries = kindOf(objects, 'ServiceEntry').filter((x) => x.spec.hosts.includes(upstream.host) && visibleFrom(x, gw.namespace));
  if (upstreamEntries.length !== 1) return fail('upstream', `${upstreamEntries.length} ServiceEntries for ${upstream.host} visible to the gateway`);
  const upstreamPort = upstreamEntries[0].spec.ports.find((p: Obj) => p.number === upstream.port.number);
  if (!upstreamPort) return fail('upstream', `ServiceEntry of ${upstream.host} has no port ${upstream.port.number}`);
  const wirePort = upstreamPort.targetPort ?? upstreamPort.number;
  if (wirePort !== (expect.upgradePort ?? request.port)) return fail('upstream', `gateway connects to port ${wirePort}, expected ${expect.upgradePort ?? request.port}`);
  const origination = destinationRulesFor(objects, upstream.host, gw.namespace, nsOf(upstreamEntries[0]), root)
    .map((d) => tlsFor(d.spec.trafficPolicy, upstream.port.number)).find((t) => t);
  if (expect.upgradePort !== undefined) {
    if (origination?.mode !== 'SIMPLE') return fail('tls-origination', `the gateway does not originate TLS to ${upstream.host}:${wirePort}`);
    if (origination.sni !== upstream.host) return fail('tls-origination', `TLS to ${upstream.host} sends SNI ${origination.sni}`);
    const verifies = !origination.insecureSkipVerify && (origination.caCertificates || origination.credentialName)
      && (origination.subjectAltNames ?? []).includes(upstream.host);
    if ((expect.verifyServer ?? true) !== Boolean(verifies)) return fail('tls-origination', `server verification of ${upstream.host} is ${verifies ? 'on' : 'off'}`);
  } else if (origination && origination.mode !== 'DISABLE') {
    return fail('tls-origination', `the gateway originates TLS (${origination.mode}) to ${upstream.host}:${upstream.port.number}, which is not upgraded`);
  }

  // 8. The gateway's AuthorizationPolicies: with any ALLOW policy, only what one allows passes.
  // Istio builds them per filter chain: the server's HTTP filters see HTTP attributes (hosts, ...),
  // a TLS or TCP chain sees only the connection (see authorizationOf).
  // A policy applies to the pods that its selector (none: every pod) selects in its namespace, or
  // in every namespace when it is in the root namespace (pilot/pkg/model/authorization.go `ListAuthorizationPolicies`).
  const policies = kindOf(objects, 'AuthorizationPolicy').filter((p) => (nsOf(p) === gw.namespace || nsOf(p) === root)
    && subsetOf(p.spec.selector?.matchLabels, gw.labels));
  const enforced = policies.filter((p) => p.metadata.annotations?.['istio.io/dry-run'] !== 'true');
  const principal = `${gw.trustDomain ?? 'cluster.local'}/ns/${client.namespace}/sa/${client.serviceAccount ?? 'default'}`;
  const http = httpFilterChain(server);
  const connection: AuthorizationConnection = { http, namespace: client.namespace, principal, port: containerPort, host: request.host, sni };
  const denied = authorizationOf(enforced, connection);
  if (denied) return fail('authorization', denied);
  const dryRun = policies.some((p) => p.metadata.annotations?.['istio.io/dry-run'] === 'true');
  return { ok: true, gatewayPort, sni, upstream: `${upstream.host}:${wirePort}`, dryRun };
}

/**
 * A server's connections go through the gateway's HTTP filters when it speaks HTTP, or HTTPS that
 * the gateway terminates (mode other than PASSTHROUGH / AUTO_PASSTHROUGH); TLS servers and HTTPS
 * passthrough go through its TCP filters.
 */
function httpFilterChain(server: Obj): boolean {
  const protocol = String(server.port.protocol).toUpperCase();
  if (['HTTP', 'HTTP2', 'GRPC'].includes(protocol)) return true;
  return protocol === 'HTTPS' && !['PASSTHROUGH', 'AUTO_PASSTHROUGH'].includes(server.tls?.mode);
}

/**
 * Checks the objects as a whole: on every gateway server each host (HTTP) or the port (TLS/TCP)
 * has exactly one gateway route, no two VirtualServices for the mesh share a host, ServiceEntry
 * ports are unique, addresses only with STATIC resolution, and every Gateway server port is a
 * port of the gateway Service when one is emitted.
 */
export function meshConsistencyErrors(objects: Obj[]): string[] {
  const errors: string[] = [];
  const vss = kindOf(objects, 'VirtualService');
  const meshHosts = new Map<string, string>();
  for (const vs of vss.filter((v) => (v.spec.gateways ?? ['mesh']).includes('mesh'))) {
    for (const h of vs.spec.hosts) {
      if (meshHosts.has(h)) errors.push(`host ${h} is in VirtualServices ${meshHosts.get(h)} and ${vs.metadata.name}`);
      meshHosts.set(h, vs.metadata.name);
    }
  }
  for (const se of kindOf(objects, 'ServiceEntry')) {
    const numbers = (se.spec.ports ?? []).map((p: Obj) => p.number);
    if (new Set(numbers).size !== numbers.length) errors.push(`ServiceEntry ${se.metadata.name} repeats a port number`);
    if ((se.spec.addresses ?? []).length > 0 && !['STATIC', 'NONE'].includes(se.spec.resolution)) errors.push(`ServiceEntry ${se.metadata.name} has addresses with ${se.spec.resolution} resolution`);
  }
  for (const g of kindOf(objects, 'Gateway')) {
    const gwRef = `${nsOf(g)}/${g.metadata.name}`;
    const bound = vss.filter((v) => (v.spec.gateways ?? []).includes(gwRef));
    for (const server of g.spec.servers ?? []) {
      const port = server.port.number;
      const hosts: string[] = server.hosts.map((h: string) => h.split('/').pop());
      const routesOf = (vsHosts: (h: string) => boolean, list: (v: Obj) => Obj[]) => bound.filter((v) => v.spec.hosts.some(vsHosts))
        .flatMap((v) => list(v).filter((r: Obj) => r.match?.some((m: Obj) => (m.gateways ?? []).includes(gwRef) && m.port === port)));
      if (server.port.protocol === 'HTTPS') {
        for (const h of hosts) {
          const n = routesOf((vh) => vh === h, (v) => v.spec.http ?? []).length;
          if (n !== 1) errors.push(`gateway ${gwRef} port ${port}: host ${h} has ${n} HTTP routes`);
        }
      } else {
        const n = routesOf((vh) => hosts.includes(vh), (v) => v.spec.tcp ?? []).length;
        if (n !== 1) errors.push(`gateway ${gwRef} port ${port}: ${n} TCP routes (a TLS/TCP port must lead to one destination)`);
      }
    }
  }
  return errors;
}
