import { createHash } from 'crypto';
import { isIP } from 'net';
import type { ResolvedIstioOptions } from './options';
import type { ServiceModel } from '../model/model';

// Names and host names of the Istio output. Every name is derived from names the user chose
// (gateway, service, host, labels) and nothing else, so it is stable. Parts are joined with '.',
// and the first part (a gateway name, or a fixed prefix) never contains one, so different inputs
// never give the same name; past 63 characters a hash of the whole name keeps them apart.

/** The longest object name emitted: a DNS label's length, which every tool accepts. */
const MAX_NAME = 63;

/** A Kubernetes object name from parts: joined with '.', hashed when longer than 63 characters. */
export function objectName(...parts: string[]): string {
  const name = parts.join('.');
  if (name.length <= MAX_NAME) return name;
  const hash = shortHash(name);
  const head = name.slice(0, MAX_NAME - hash.length - 1).replace(/[-.]+$/, '');
  return `${head}-${hash}`;
}

/** 8 hex digits of SHA-256: stable across runs and platforms. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** A readable, collision-free name part for a label selector: `app-sleep-a-<hash>`. */
export function labelsPart(labels: Record<string, string>): string {
  const canonical = Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',');
  const slug = Object.keys(labels).sort().map((k) => `${k}-${labels[k]}`).join('-')
    .toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '').slice(0, 40).replace(/-$/, '');
  return `${slug ? `${slug}-` : ''}${shortHash(canonical)}`;
}

/**
 * Host names that Istio knows a service by. A service reached by IP address has no name, but
 * ServiceEntries, routes and SNI need one: `<service>.<gateway>.egress.internal` (`.internal` is
 * reserved for private use, so it never shadows a real name).
 */
export function istioHostsOf(service: ServiceModel, gateway: string): string[] {
  return service.ipAddressed ? [`${service.name}.${gateway}.egress.internal`] : service.hosts;
}

/** The SNI that a sidecar sends to the gateway for a service: its first Istio host. */
export function gatewaySniOf(service: ServiceModel, gateway: string): string {
  return istioHostsOf(service, gateway)[0];
}

/** The CIDRs of an IP-addressed service. */
export function addressesOf(service: ServiceModel): string[] {
  return service.ipAddressed ? service.hosts.map((ip) => `${ip}/${isIP(ip) === 6 ? 128 : 32}`) : [];
}

/**
 * `exportTo` naming every namespace that must see an object, literally (`*` wins over the rest).
 * Never `.`: for a proxy in the mesh's root namespace, istiod looks up a root-namespace
 * DestinationRule that is not private-only among the exported ones and accepts only `*` or the
 * literal namespace name there (push_context.go `setDestinationRules`, `destinationRule`,
 * `getExportedDestinationRuleFromNamespace`), so `.` next to another namespace hides it from its
 * own namespace. A literal name means the same for every kind, in every namespace.
 */
export function exportToOf(namespaces: Iterable<string>): string[] {
  const all = new Set(namespaces);
  if (all.has('*')) return ['*'];
  return [...all].sort();
}

/**
 * The name of the Kubernetes Service that carries one gateway port (`<gateway Service>-<port>`):
 * a DNS-1035 label, hashed past 63 characters. The port's digits after the last '-' keep the
 * names of different Services and ports apart.
 */
export function gatewayPortServiceName(istio: ResolvedIstioOptions, port: number): string {
  const name = `${istio.gatewayServiceName}-${port}`;
  if (name.length <= MAX_NAME) return name;
  const hash = shortHash(name);
  const tail = `-${hash}-${port}`;
  return `${istio.gatewayServiceName.slice(0, MAX_NAME - tail.length).replace(/-+$/, '')}${tail}`;
}

/** The fully qualified host name of a gateway port's Service. */
export function gatewayPortHost(istio: ResolvedIstioOptions, port: number): string {
  return `${gatewayPortServiceName(istio, port)}.${istio.gatewayNamespace}.svc.${istio.clusterDomain}`;
}
