// Follows egress requests through synthesised ambient-mode objects the way Istio's ambient data
// plane resolves them: the client namespace in ambient mode, the host (or address) captured as a
// ServiceEntry's, the ServiceEntry enrolled to the waypoint under test, the waypoint's Gateway
// accepting it, the AuthorizationPolicies that target it admitting the client's identity on that
// port, and TLS origination exactly where HTTP is upgraded. Written from Istio's documented
// behaviour (docs: ambient egress gateways, waypoints, AuthorizationPolicy targetRefs; issues
// istio#55163 exportTo ignored, istio#58860 one ServiceEntry per host name) and on purpose WITHOUT
// any code of the renderer (src/ambient), so that a renderer bug cannot hide itself here.

import { AuthorizationConnection, authorizationOf } from './authorization-model';

type Obj = any;

/** The waypoint that the policy under test must use. */
export interface WaypointUnderTest {
  readonly name: string;
  readonly namespace: string;
  readonly trustDomain?: string;
  /** Istio's root namespace (meshConfig.rootNamespace). Default: istio-system. */
  readonly rootNamespace?: string;
  /** The waypoint runs already: its Gateway is not among the objects. */
  readonly external?: boolean;
}

/** A pod that sends the request. */
export interface AmbientClient {
  readonly namespace: string;
  readonly labels?: Record<string, string>;
  /** The pod's service account; `default` when unset, as Kubernetes assigns it. */
  readonly serviceAccount?: string;
}

/** What the application asks for. `host` is a name, or for TCP an IP address. */
export interface AmbientRequest {
  readonly protocol: 'HTTP' | 'HTTPS' | 'TLS' | 'TCP';
  readonly host: string;
  readonly port: number;
}

/** What must happen at the waypoint. */
export interface AmbientExpectation {
  /** With an upgrade: the HTTPS port the waypoint connects to (TLS origination). */
  readonly upgradePort?: number;
  /** With an upgrade: whether the server's certificate must be verified (default true). */
  readonly verifyServer?: boolean;
}

export type AmbientTrace =
  | {
    readonly ok: true;
    /** `<namespace>/<name>` of the ServiceEntry the traffic is captured as. */
    readonly serviceEntry: string;
    /** Where the waypoint connects: `<host or address>:<port>`. */
    readonly upstream: string;
    readonly tlsOrigination: boolean;
    /** Whether the waypoint handles the connection as HTTP (else as a TCP proxy: passthrough). */
    readonly http: boolean;
    /** Whether an AuthorizationPolicy that would decide is in dry-run mode. */
    readonly dryRun: boolean;
  }
  | { readonly ok: false; readonly stage: string; readonly reason: string };

const kindOf = (objects: Obj[], kind: string) => objects.filter((o) => o.kind === kind);
const nsOf = (o: Obj): string => o.metadata?.namespace ?? 'default';
const nonEmpty = (list: Obj[] | undefined): Obj[] => (list !== undefined && list.length > 0 ? list : [{}]);
const isIp = (host: string) => /^[0-9.]+$/.test(host) || host.includes(':');
const subsetOf = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);

/** The protocols a ServiceEntry port may declare for what the application speaks. */
const PROTOCOLS: Record<AmbientRequest['protocol'], string[]> = { HTTP: ['HTTP'], HTTPS: ['HTTPS', 'TLS'], TLS: ['TLS', 'HTTPS'], TCP: ['TCP'] };
/** Protocols the waypoint handles with its HTTP filters; every other one goes through its TCP proxy. */
const HTTP_PROTOCOLS = ['HTTP', 'HTTP2', 'GRPC'];

/** Labels of a namespace: those of its Namespace object among the objects, plus the name label Kubernetes sets. */
function namespaceLabels(objects: Obj[], namespace: string): Record<string, string> | undefined {
  const ns = kindOf(objects, 'Namespace').find((n) => n.metadata?.name === namespace);
  return ns ? { ...(ns.metadata.labels ?? {}), 'kubernetes.io/metadata.name': namespace } : undefined;
}

/** Whether an address (or CIDR) list of a ServiceEntry holds an IP. */
function holdsAddress(addresses: string[] | undefined, ip: string): boolean {
  return (addresses ?? []).some((a) => a === ip || a === `${ip}/32` || a === `${ip}/128`);
}

/** Follows one request from an ambient pod through ztunnel and the waypoint to the external service. */
export function traceAmbient(objects: Obj[], wp: WaypointUnderTest, client: AmbientClient, request: AmbientRequest,
  expect: AmbientExpectation = {}): AmbientTrace {
  const fail = (stage: string, reason: string): AmbientTrace => ({ ok: false, stage, reason });
  const root = wp.rootNamespace ?? 'istio-system';

  // 1. The client's traffic is captured by ztunnel only in an ambient namespace. Without a Namespace
  //    object among the objects, that is the deployment's business (a prerequisite).
  const clientNs = namespaceLabels(objects, client.namespace);
  if (clientNs && clientNs['istio.io/dataplane-mode'] !== 'ambient') {
    return fail('dataplane', `namespace ${client.namespace} is not in ambient mode: its traffic leaves without ztunnel`);
  }

  // 2. Capture: the ServiceEntry that the host (DNS capture answers with its address) or the address
  //    belongs to. ztunnel and waypoints ignore exportTo: every ServiceEntry of the mesh counts.
  const entries = kindOf(objects, 'ServiceEntry').filter((se) => (isIp(request.host)
    ? holdsAddress(se.spec.addresses, request.host)
    : (se.spec.hosts ?? []).includes(request.host)));
  if (entries.length === 0) return fail('service-entry', `${request.host} is in no ServiceEntry: ztunnel sends it out directly, past any waypoint`);
  if (entries.length > 1) {
    return fail('service-entry', `${request.host} is in ${entries.length} ServiceEntries (${entries.map((e) => `${nsOf(e)}/${e.metadata.name}`).join(', ')}); `
      + 'ambient takes one by namespace and age (istio#58860)');
  }
  const se = entries[0];
  const seRef = `${nsOf(se)}/${se.metadata.name}`;
  if (!isIp(request.host) && (se.spec.addresses ?? []).length === 0 && !['DNS', 'DNS_ROUND_ROBIN'].includes(se.spec.resolution)) {
    return fail('service-entry', `ServiceEntry ${seRef} resolves ${se.spec.resolution}: without an address to allocate, DNS capture cannot send ${request.host} to the waypoint`);
  }
  const sePort = (se.spec.ports ?? []).find((p: Obj) => p.number === request.port);
  if (!sePort) return fail('service-entry', `ServiceEntry ${seRef} has no port ${request.port}`);
  if (!PROTOCOLS[request.protocol].includes(sePort.protocol)) return fail('service-entry', `port ${request.port} of ${seRef} is ${sePort.protocol}, the app speaks ${request.protocol}`);

  // 3. Enrolment: the ServiceEntry's own label, else its namespace's, names the waypoint.
  const seNsLabels = namespaceLabels(objects, nsOf(se)) ?? {};
  const useWaypoint = se.metadata.labels?.['istio.io/use-waypoint'] ?? seNsLabels['istio.io/use-waypoint'];
  if (useWaypoint === undefined || useWaypoint === 'none') return fail('waypoint', `ServiceEntry ${seRef} uses no waypoint: ztunnel sends its traffic directly`);
  const waypointNs = se.metadata.labels?.['istio.io/use-waypoint-namespace'] ?? seNsLabels['istio.io/use-waypoint-namespace'] ?? nsOf(se);
  if (useWaypoint !== wp.name || waypointNs !== wp.namespace) {
    return fail('waypoint', `ServiceEntry ${seRef} uses waypoint ${waypointNs}/${useWaypoint}, not ${wp.namespace}/${wp.name}`);
  }
  const gateways = kindOf(objects, 'Gateway').filter((g) => g.apiVersion?.startsWith('gateway.networking.k8s.io/')
    && g.metadata.name === wp.name && nsOf(g) === wp.namespace);
  if (gateways.length === 0 && !wp.external) return fail('waypoint', `no Gateway ${wp.namespace}/${wp.name} among the objects`);
  if (gateways.length > 0) {
    const g = gateways[0];
    if (g.spec.gatewayClassName !== 'istio-waypoint') return fail('waypoint', `Gateway ${wp.name} is of class ${g.spec.gatewayClassName}, not istio-waypoint`);
    // Istio's default traffic type for a waypoint is `service`.
    const forWhat = g.metadata.labels?.['istio.io/waypoint-for'] ?? 'service';
    if (!['service', 'all'].includes(forWhat)) return fail('waypoint', `waypoint ${wp.name} is for ${forWhat} traffic, not for services`);
    const listener = (g.spec.listeners ?? []).find((l: Obj) => l.protocol === 'HBONE' && l.port === 15008);
    if (!listener) return fail('waypoint', `waypoint ${wp.name} has no HBONE listener on port 15008`);
    const from = listener.allowedRoutes?.namespaces?.from ?? 'Same';
    const seNamespace = { ...(namespaceLabels(objects, nsOf(se)) ?? {}), 'kubernetes.io/metadata.name': nsOf(se) };
    const accepts = from === 'All' || (from === 'Same' && nsOf(se) === nsOf(g))
      || (from === 'Selector' && subsetOf(listener.allowedRoutes.namespaces.selector?.matchLabels, seNamespace)
        && (listener.allowedRoutes.namespaces.selector?.matchExpressions ?? []).length === 0);
    if (!accepts) return fail('waypoint', `waypoint ${wp.name} does not accept ServiceEntries of namespace ${nsOf(se)} (allowedRoutes from ${from})`);
  }

  // 4. At the waypoint: the AuthorizationPolicies attached to the ServiceEntry or to the waypoint
  //    (policies with a `selector` are ztunnel's, and ignored by waypoints). With any ALLOW policy,
  //    only what one of them allows passes.
  const http = HTTP_PROTOCOLS.includes(sePort.protocol);
  const attached = kindOf(objects, 'AuthorizationPolicy').filter((p) => refsOf(p).some((r: Obj) =>
    (r.kind === 'ServiceEntry' && r.group === 'networking.istio.io' && r.name === se.metadata.name && nsOf(p) === nsOf(se))
    || (r.kind === 'Gateway' && r.group === 'gateway.networking.k8s.io' && r.name === wp.name && nsOf(p) === wp.namespace)));
  for (const p of attached) {
    const other = refsOf(p).find((r: Obj) => r.namespace !== undefined && r.namespace !== nsOf(p));
    if (other) return fail('authorization', `AuthorizationPolicy ${nsOf(p)}/${p.metadata.name} targets an object of namespace ${other.namespace}, which Istio refuses`);
  }
  const dryRunOf = (p: Obj) => p.metadata?.annotations?.['istio.io/dry-run'] === 'true';
  const connection: AuthorizationConnection = {
    http,
    namespace: client.namespace,
    principal: `${wp.trustDomain ?? 'cluster.local'}/ns/${client.namespace}/sa/${client.serviceAccount ?? 'default'}`,
    serviceAccount: `${client.namespace}/${client.serviceAccount ?? 'default'}`,
    port: request.port,
    host: request.host,
  };
  const denied = authorizationOf(attached.filter((p) => !dryRunOf(p)), connection);
  if (denied) return fail('authorization', denied);

  // 5. The upstream: the host the ServiceEntry resolves (or its static endpoint), on the target port.
  const wirePort: number = sePort.targetPort ?? sePort.number;
  let upstreamHost: string;
  if (isIp(request.host)) {
    if (se.spec.resolution !== 'STATIC' || !(se.spec.endpoints ?? []).some((e: Obj) => e.address === request.host)) {
      return fail('upstream', `ServiceEntry ${seRef} has no STATIC endpoint ${request.host}`);
    }
    upstreamHost = request.host;
  } else {
    if ((se.spec.endpoints ?? []).length > 0) return fail('upstream', `ServiceEntry ${seRef} sends ${request.host} to fixed endpoints`);
    upstreamHost = request.host;
  }

  // 6. TLS origination: the DestinationRule the waypoint finds for the ServiceEntry's host (its
  //    own namespace first, then the ServiceEntry's, then the root), on the service port.
  const drHost = se.spec.hosts[0];
  const origination = destinationRulesFor(objects, drHost, wp.namespace, nsOf(se), root)
    .map((d) => tlsFor(d.spec.trafficPolicy, sePort.number)).find((t) => t);
  if (expect.upgradePort !== undefined) {
    if (!http) return fail('tls-origination', `port ${request.port} of ${seRef} is ${sePort.protocol}: the waypoint cannot originate TLS for it`);
    if (wirePort !== expect.upgradePort) return fail('tls-origination', `the waypoint connects to port ${wirePort}, expected ${expect.upgradePort}`);
    if (origination?.mode !== 'SIMPLE') return fail('tls-origination', `the waypoint does not originate TLS to ${drHost}:${wirePort}`);
    if (origination.sni !== request.host) return fail('tls-origination', `TLS to ${request.host} sends SNI ${origination.sni}`);
    const verifies = !origination.insecureSkipVerify && Boolean(origination.caCertificates || origination.credentialName)
      && (origination.subjectAltNames ?? []).includes(request.host);
    if ((expect.verifyServer ?? true) !== verifies) return fail('tls-origination', `server verification of ${request.host} is ${verifies ? 'on' : 'off'}`);
  } else {
    if (wirePort !== request.port) return fail('upstream', `the waypoint connects to port ${wirePort}, not ${request.port}`);
    if (origination && origination.mode !== 'DISABLE') return fail('tls-origination', `the waypoint originates TLS (${origination.mode}) to ${drHost}:${wirePort}, which is not upgraded`);
  }

  const decides = attached.filter(dryRunOf).length > 0;
  return { ok: true, serviceEntry: seRef, upstream: `${upstreamHost}:${wirePort}`, tlsOrigination: expect.upgradePort !== undefined, http, dryRun: decides };
}

function refsOf(p: Obj): Obj[] {
  return [...(p.spec?.targetRefs ?? []), ...(p.spec?.targetRef ? [p.spec.targetRef] : [])];
}

/** Whether an object is visible from a namespace (honoured for DestinationRules). */
function visibleFrom(o: Obj, namespace: string): boolean {
  const exportTo: string[] = o.spec?.exportTo ?? ['*'];
  return exportTo.includes('*') || exportTo.includes(namespace) || (exportTo.includes('.') && nsOf(o) === namespace);
}

function destinationRulesFor(objects: Obj[], host: string, proxyNamespace: string, serviceNamespace: string, rootNamespace: string): Obj[] {
  const drs = kindOf(objects, 'DestinationRule').filter((d) => d.spec.host === host && visibleFrom(d, proxyNamespace));
  for (const ns of [proxyNamespace, serviceNamespace, rootNamespace]) {
    const found = drs.filter((d) => nsOf(d) === ns);
    if (found.length > 0) return found;
  }
  return [];
}

function tlsFor(trafficPolicy: Obj | undefined, port: number): Obj | undefined {
  const level = (trafficPolicy?.portLevelSettings ?? []).find((s: Obj) => s.port?.number === port);
  return level ? level.tls : trafficPolicy?.tls;
}

// --- What the objects admit, and bypass ------------------------------------------------------------

/** One identity pattern that an ALLOW rule admits to a destination, as the objects say it. */
export interface AdmittedPair {
  /** The ServiceEntry's hosts, or its addresses for an addressed one. */
  readonly destinations: string[];
  readonly port: number;
  /** A namespace (`*` for any), or undefined for a principal. */
  readonly namespace?: string;
  /** A principal pattern (`<td>/ns/<ns>/sa/<sa>`, or `*` prefixed). */
  readonly principal?: string;
}

/**
 * Every (identity, destination, port) that the enforced ALLOW policies attached to ServiceEntries
 * admit, read from the objects alone: what a test compares with the intent, so that nothing is
 * allowed that no rule asks for. Rules without ports admit every port of the entry.
 */
export function admittedPairs(objects: Obj[]): AdmittedPair[] {
  const pairs: AdmittedPair[] = [];
  for (const p of kindOf(objects, 'AuthorizationPolicy').filter((x) => (x.spec.action ?? 'ALLOW') === 'ALLOW')) {
    for (const ref of refsOf(p).filter((r) => r.kind === 'ServiceEntry')) {
      const se = kindOf(objects, 'ServiceEntry').find((s) => s.metadata.name === ref.name && nsOf(s) === nsOf(p));
      if (!se) continue;
      const destinations: string[] = (se.spec.addresses ?? []).length > 0 ? se.spec.addresses.map((a: string) => a.split('/')[0]) : se.spec.hosts;
      for (const rule of p.spec.rules ?? [{}]) {
        const ports: number[] = (rule.to ?? []).length === 0
          ? se.spec.ports.map((x: Obj) => x.number)
          : rule.to.flatMap((t: Obj) => (t.operation?.ports ?? se.spec.ports.map((x: Obj) => String(x.number)))).map(Number);
        for (const from of nonEmpty(rule.from)) {
          const source = from.source ?? {};
          const identities = [
            ...(source.namespaces ?? []).map((namespace: string) => ({ namespace })),
            ...(source.principals ?? []).map((principal: string) => ({ principal })),
          ];
          if (identities.length === 0) identities.push({ namespace: '*' });
          for (const port of ports) for (const id of identities) pairs.push({ destinations, port, ...id });
        }
      }
    }
  }
  return pairs;
}

/** What the NetworkPolicies of a pod let it reach: the waypoint, DNS, and an external address directly. */
export function egressOf(objects: Obj[], client: AmbientClient, wp: WaypointUnderTest,
  dns: { namespace: string; labels: Record<string, string> } = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } }):
  { restricted: boolean; waypoint: boolean; dns: boolean; direct: boolean } {
  const policies = kindOf(objects, 'NetworkPolicy').filter((np) => nsOf(np) === client.namespace
    && subsetOf(np.spec.podSelector?.matchLabels, client.labels ?? {}) && (np.spec.policyTypes ?? []).includes('Egress'));
  const allows = (peer: { namespace?: string; labels?: Record<string, string>; ip?: string }, protocol: string, port: number) =>
    policies.some((np) => (np.spec.egress ?? []).some((rule: Obj) => {
      const portOk = (rule.ports ?? []).length === 0 || rule.ports.some((p: Obj) => (p.protocol ?? 'TCP') === protocol && (p.port === undefined || p.port === port));
      const peerOk = (rule.to ?? []).length === 0 || rule.to.some((t: Obj) => {
        if (t.ipBlock) {
          return peer.ip !== undefined && cidrHolds(t.ipBlock.cidr, peer.ip) && !(t.ipBlock.except ?? []).some((e: string) => cidrHolds(e, peer.ip!));
        }
        if (peer.namespace === undefined) return false;
        const nsOk = t.namespaceSelector === undefined ? peer.namespace === client.namespace
          : subsetOf(t.namespaceSelector.matchLabels, { ...(namespaceLabels(objects, peer.namespace) ?? {}), 'kubernetes.io/metadata.name': peer.namespace });
        return nsOk && subsetOf(t.podSelector?.matchLabels, peer.labels ?? {});
      });
      return portOk && peerOk;
    }));
  if (policies.length === 0) return { restricted: false, waypoint: true, dns: true, direct: true };
  return {
    restricted: true,
    waypoint: allows({ namespace: wp.namespace, labels: { 'gateway.networking.k8s.io/gateway-name': wp.name } }, 'TCP', 15008),
    dns: allows({ namespace: dns.namespace, labels: dns.labels }, 'UDP', 53) && allows({ namespace: dns.namespace, labels: dns.labels }, 'TCP', 53),
    direct: allows({ ip: '93.184.215.14' }, 'TCP', 443) || allows({ ip: '93.184.215.14' }, 'TCP', 80),
  };
}

function cidrHolds(cidr: string, ip: string): boolean {
  const [base, bits] = cidr.split('/');
  if (base.includes(':') || ip.includes(':')) return base === ip;
  const value = (a: string) => a.split('.').reduce((n, x) => n * 256 + Number(x), 0);
  const size = 2 ** (32 - Number(bits ?? 32));
  return Math.floor(value(base) / size) === Math.floor(value(ip) / size);
}

/**
 * Checks the objects as a whole: no host name or address in two ServiceEntries (ambient resolves
 * one), unique port numbers and names per ServiceEntry, addresses only with STATIC resolution,
 * every targetRef resolving to an object in the policy's namespace, every ServiceEntry enrolled to
 * a waypoint that is among the objects (or named in `externalWaypoints`), and one HBONE listener
 * per waypoint.
 */
export function ambientConsistencyErrors(objects: Obj[], externalWaypoints: string[] = []): string[] {
  const errors: string[] = [];
  const entries = kindOf(objects, 'ServiceEntry');
  const owners = new Map<string, string>();
  for (const se of entries) {
    const ref = `${nsOf(se)}/${se.metadata.name}`;
    for (const key of [...se.spec.hosts, ...(se.spec.addresses ?? []).map((a: string) => `address ${a}`)]) {
      if (owners.has(key)) errors.push(`${key} is in ServiceEntries ${owners.get(key)} and ${ref}`);
      owners.set(key, ref);
    }
    const numbers = se.spec.ports.map((p: Obj) => p.number);
    const names = se.spec.ports.map((p: Obj) => p.name);
    if (new Set(numbers).size !== numbers.length || new Set(names).size !== names.length) errors.push(`ServiceEntry ${ref} repeats a port number or name`);
    if ((se.spec.addresses ?? []).length > 0 && se.spec.resolution !== 'STATIC') errors.push(`ServiceEntry ${ref} has addresses with ${se.spec.resolution} resolution`);
    const waypoint = se.metadata.labels?.['istio.io/use-waypoint'];
    const waypointRef = `${se.metadata.labels?.['istio.io/use-waypoint-namespace'] ?? nsOf(se)}/${waypoint}`;
    const known = kindOf(objects, 'Gateway').some((g) => `${nsOf(g)}/${g.metadata.name}` === waypointRef) || externalWaypoints.includes(waypointRef);
    if (waypoint === undefined) errors.push(`ServiceEntry ${ref} is enrolled to no waypoint`);
    else if (!known) errors.push(`ServiceEntry ${ref} uses waypoint ${waypointRef}, which is not among the objects`);
  }
  for (const p of kindOf(objects, 'AuthorizationPolicy')) {
    if (p.spec.selector !== undefined) errors.push(`AuthorizationPolicy ${nsOf(p)}/${p.metadata.name} has a selector, which waypoints ignore`);
    for (const r of refsOf(p)) {
      const found = objects.some((o) => o.kind === r.kind && o.metadata.name === r.name && nsOf(o) === (r.namespace ?? nsOf(p)) && o.apiVersion.startsWith(`${r.group}/`));
      if (!found) errors.push(`AuthorizationPolicy ${nsOf(p)}/${p.metadata.name} targets ${r.group} ${r.kind} ${r.name}, which is not in its namespace`);
    }
  }
  for (const g of kindOf(objects, 'Gateway').filter((x) => x.spec.gatewayClassName === 'istio-waypoint')) {
    const hbone = (g.spec.listeners ?? []).filter((l: Obj) => l.protocol === 'HBONE' && l.port === 15008);
    if (hbone.length !== 1) errors.push(`waypoint ${nsOf(g)}/${g.metadata.name} has ${hbone.length} HBONE listeners on 15008`);
  }
  return errors;
}
