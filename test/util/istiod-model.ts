// What istiod gives one sidecar proxy, modelled from istiod's own code (Istio 1.24 to 1.30) and
// written on purpose WITHOUT any code of the renderer (src/), so that a renderer bug cannot hide
// itself here: which services a proxy sees, which DestinationRule applies to each of them, and how
// many clusters that makes. Objects are plain synthesised Kubernetes objects (`chart.toJson()`).

type Obj = any;

/** A sidecar proxy: the namespace of its pod, and the pod's labels. */
export interface Proxy {
  readonly namespace: string;
  readonly labels?: Record<string, string>;
}

/** The mesh's settings that matter here. */
export interface MeshSettings {
  /** meshConfig.rootNamespace. Default istio-system. */
  readonly rootNamespace?: string;
  /** DNS domain of the cluster. Default cluster.local. */
  readonly clusterDomain?: string;
}

/** A service as istiod's registry holds it: a host of a ServiceEntry, or a Kubernetes Service. */
export interface MeshService {
  readonly host: string;
  readonly namespace: string;
  readonly ports: Array<{ readonly number: number; readonly name?: string; readonly protocol?: string; readonly targetPort?: number }>;
  /** exportTo as istiod reads it (ServiceEntry `spec.exportTo`, Service annotation `networking.istio.io/exportTo`). */
  readonly exportTo: string[];
  /** Pod labels a Kubernetes Service selects. */
  readonly selector?: Record<string, string>;
  readonly object: Obj;
}

const nsOf = (o: Obj): string => o.metadata?.namespace ?? 'default';
const kindOf = (objects: Obj[], kind: string) => objects.filter((o) => o.kind === kind);
const subsetOf = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);

/** Every service of the objects: each host of each ServiceEntry, each Kubernetes Service. */
export function meshServices(objects: Obj[], mesh: MeshSettings = {}): MeshService[] {
  const domain = mesh.clusterDomain ?? 'cluster.local';
  const entries = kindOf(objects, 'ServiceEntry').flatMap((se) => (se.spec.hosts ?? []).map((host: string): MeshService => ({
    host, namespace: nsOf(se), ports: se.spec.ports ?? [], exportTo: se.spec.exportTo ?? [], object: se,
  })));
  // pilot/pkg/serviceregistry/kube/conversion.go `ConvertService`: the exportTo annotation is a comma-separated list.
  const services = objects.filter((o) => o.apiVersion === 'v1' && o.kind === 'Service').map((s): MeshService => ({
    host: `${s.metadata.name}.${nsOf(s)}.svc.${domain}`,
    namespace: nsOf(s),
    ports: (s.spec.ports ?? []).map((p: Obj) => ({ number: p.port, name: p.name, targetPort: typeof p.targetPort === 'number' ? p.targetPort : p.port })),
    exportTo: String(s.metadata.annotations?.['networking.istio.io/exportTo'] ?? '').split(',').map((x) => x.trim()).filter((x) => x),
    selector: s.spec.selector,
    object: s,
  }));
  return [...entries, ...services];
}

/**
 * Whether a service (or a VirtualService) is visible to a namespace: push_context.go
 * `initServiceRegistry` (and `initVirtualServices`, which reads exportTo the same way): no exportTo
 * is the mesh default (`*`); `*` wins; `~` hides; `.` and the object's own namespace mean that
 * namespace; any other name exports to it (`servicesExportedToNamespace`).
 */
export function exportedTo(exportTo: string[], ownNamespace: string, namespace: string): boolean {
  if (exportTo.length === 0 || exportTo.includes('*')) return true;
  if (exportTo.includes('~')) return false;
  return exportTo.some((e) => (e === '.' || e === ownNamespace ? ownNamespace === namespace : e === namespace));
}

/**
 * The Sidecar of a proxy: push_context.go `doGetSidecarScope`. Sidecars with a selector come first
 * (oldest first, `initSidecarScopes`; objects here are taken in order), the first that selects the
 * pod wins; then the namespace's Sidecar without selector; then the root namespace's one without
 * selector; else none (everything visible).
 */
export function sidecarOf(objects: Obj[], proxy: Proxy, mesh: MeshSettings = {}): Obj | undefined {
  const root = mesh.rootNamespace ?? 'istio-system';
  const inNs = kindOf(objects, 'Sidecar').filter((s) => nsOf(s) === proxy.namespace);
  const selecting = inNs.find((s) => s.spec.workloadSelector && subsetOf(s.spec.workloadSelector.labels, proxy.labels ?? {}));
  if (selecting) return selecting;
  return inNs.find((s) => !s.spec.workloadSelector)
    ?? kindOf(objects, 'Sidecar').find((s) => nsOf(s) === root && !s.spec.workloadSelector);
}

function hostMatches(pattern: string, host: string): boolean {
  return pattern === '*' || pattern === host || (pattern.startsWith('*.') && host.endsWith(pattern.slice(1)));
}

/** Whether a Sidecar egress host (`<ns>/<host>`) admits a service of a namespace; `.` is the Sidecar's namespace. */
function egressAdmits(entries: string[], sidecarNamespace: string, namespace: string, host: string): boolean {
  return entries.some((entry) => {
    const [n, h] = entry.split('/');
    return (n === '*' || n === namespace || (n === '.' && namespace === sidecarNamespace)) && hostMatches(h, host);
  });
}

/**
 * The services in a proxy's scope: sidecar.go `convertToSidecarScope`. Without a Sidecar, every
 * service visible to the namespace. With one, those its egress hosts admit, plus the destinations
 * of the VirtualServices it admits ("Infer more possible destinations from virtual services"),
 * when they are visible to the namespace.
 */
export function servicesInScope(objects: Obj[], proxy: Proxy, mesh: MeshSettings = {}): MeshService[] {
  const visible = meshServices(objects, mesh).filter((s) => exportedTo(s.exportTo, s.namespace, proxy.namespace));
  const sidecar = sidecarOf(objects, proxy, mesh);
  if (!sidecar) return visible;
  const entries: string[] = (sidecar.spec.egress ?? []).flatMap((e: Obj) => e.hosts ?? []);
  // A Sidecar's `.` is the proxy's namespace, even for the root namespace's Sidecar (`convertToSidecarScope(ps, sidecar, configNamespace)`).
  const sidecarNs = proxy.namespace;
  const admitted = visible.filter((s) => egressAdmits(entries, sidecarNs, s.namespace, s.host));
  const virtualServices = kindOf(objects, 'VirtualService').filter((vs) => exportedTo(vs.spec.exportTo ?? [], nsOf(vs), proxy.namespace)
    && (vs.spec.gateways === undefined || vs.spec.gateways.includes('mesh'))
    && (vs.spec.hosts ?? []).some((h: string) => egressAdmits(entries, sidecarNs, nsOf(vs), h)));
  const destinations = new Set(virtualServices.flatMap((vs) => ['http', 'tls', 'tcp'].flatMap((k) => (vs.spec[k] ?? [])
    .flatMap((r: Obj) => (r.route ?? []).map((d: Obj) => d.destination?.host)))));
  const inferred = visible.filter((s) => destinations.has(s.host) && !admitted.includes(s));
  return [...admitted, ...inferred];
}

/** Whether the DestinationRule's exportTo set is private to its namespace only (push_context.go `setDestinationRules`). */
function drExportTo(dr: Obj): Set<string> {
  // "destination rules with workloadSelector should not be exported to other namespaces"
  return new Set<string>(dr.spec.workloadSelector ? ['.'] : dr.spec.exportTo ?? []);
}

/** MostSpecificHostMatch: the exact host, else the longest wildcard that matches. */
function mostSpecific(drs: Obj[], host: string): Obj[] | undefined {
  const exact = drs.filter((d) => d.spec.host === host);
  if (exact.length > 0) return exact;
  const wild = drs.filter((d) => String(d.spec.host).startsWith('*') && hostMatches(d.spec.host, host))
    .sort((a, b) => b.spec.host.length - a.spec.host.length);
  return wild.length > 0 ? wild.filter((d) => d.spec.host === wild[0].spec.host) : undefined;
}

/**
 * The DestinationRules that apply to a host for a proxy of a namespace, as istiod picks them:
 * push_context.go `setDestinationRules` indexes each rule as namespace-local (exportTo empty, `*`,
 * `.` or its own namespace's name), as exported (unless private-only: exactly `.` or its own
 * namespace's name, or empty with a private mesh default), and, when private-only in the root
 * namespace, as root-local. `destinationRule()` then looks (1) in the proxy's namespace-local
 * rules, or for a proxy in the root namespace in the root-local ones; (2) in the rules exported by
 * the service's namespace, then (3) by the root namespace, keeping in both only those whose
 * exportTo is empty, has `*`, or has the proxy's namespace by name (`.` never matches there).
 */
export function destinationRulesFor(objects: Obj[], proxyNamespace: string, host: string, serviceNamespace: string, mesh: MeshSettings = {}): Obj[] {
  const root = mesh.rootNamespace ?? 'istio-system';
  const drs = kindOf(objects, 'DestinationRule');
  const namespaceLocal = (ns: string) => drs.filter((d) => {
    const e = drExportTo(d);
    return nsOf(d) === ns && (e.size === 0 || e.has('*') || e.has('.') || e.has(nsOf(d)));
  });
  const privateOnly = (d: Obj) => {
    const e = drExportTo(d);
    return e.size === 1 && (e.has('.') || e.has(nsOf(d)));
  };
  const exportedBy = (ns: string) => {
    const found = mostSpecific(drs.filter((d) => nsOf(d) === ns && !privateOnly(d)), host) ?? [];
    return found.filter((d) => {
      const e = drExportTo(d);
      return e.size === 0 || e.has('*') || e.has(proxyNamespace);
    });
  };
  const local = proxyNamespace !== root
    ? mostSpecific(namespaceLocal(proxyNamespace), host)
    : mostSpecific(drs.filter((d) => nsOf(d) === root && privateOnly(d)), host);
  if (local) return local;
  const fromService = exportedBy(serviceNamespace);
  if (fromService.length > 0) return fromService;
  return exportedBy(root);
}

/** The clusters a proxy gets: per service in its scope, per port, one default cluster and one per subset. */
export interface ClusterCount {
  readonly total: number;
  /** Subset clusters (`outbound|<port>|<subset>|<host>`). */
  readonly subsetClusters: number;
  /** Subset clusters per host. */
  readonly subsetClustersByHost: Map<string, number>;
}

/**
 * The outbound clusters of a sidecar proxy: cluster.go `buildOutboundClusters` builds, for each
 * service in the proxy's scope and each of its (non-UDP) ports, the service's cluster, and
 * cluster_builder.go `applyDestinationRule` one more for every subset of the DestinationRule that
 * applies (rules for the same host are merged, their subsets added up). The fixed clusters
 * (BlackHole, PassthroughCluster, inbound ones) are left out.
 */
export function outboundClusters(objects: Obj[], proxy: Proxy, mesh: MeshSettings = {}): ClusterCount {
  let total = 0;
  let subsetClusters = 0;
  const byHost = new Map<string, number>();
  for (const service of servicesInScope(objects, proxy, mesh)) {
    const subsets = destinationRulesFor(objects, proxy.namespace, service.host, service.namespace, mesh)
      .flatMap((d) => d.spec.subsets ?? []).length;
    const ports = service.ports.filter((p) => String(p.protocol ?? '').toUpperCase() !== 'UDP').length;
    total += ports * (1 + subsets);
    subsetClusters += ports * subsets;
    if (ports * subsets > 0) byHost.set(service.host, (byHost.get(service.host) ?? 0) + ports * subsets);
  }
  return { total, subsetClusters, subsetClustersByHost: byHost };
}

/** The Kubernetes Service of a host, if the objects have it. */
export function kubernetesServiceOf(objects: Obj[], host: string, mesh: MeshSettings = {}): MeshService | undefined {
  return meshServices(objects, mesh).find((s) => s.host === host && s.selector !== undefined);
}

/** Whether a pod of a namespace with labels is selected by a Kubernetes Service. */
export function selects(service: MeshService, namespace: string, labels: Record<string, string>): boolean {
  return service.namespace === namespace && service.selector !== undefined && Object.keys(service.selector).length > 0
    && subsetOf(service.selector, labels);
}
