import { createHash } from 'crypto';
import { isIP } from 'net';
import type { ExternalService } from '../external-service';
import type { ResolvedIstioOptions } from '../istio-options';

// Names and host names of the Istio output. Every name is derived from names the user chose
// (gateway, service, host, labels) and nothing else, so it is stable. Parts are joined with '.',
// and the first part (a gateway name, or a fixed prefix) never contains one, so different inputs
// never give the same name; past 63 characters a hash of the whole name keeps them apart.

/** The longest object name emitted: a DNS label's length, which every tool accepts. */
const MAX_NAME = 63;

/** A Kubernetes object name from parts: joined with '.', hashed when longer than 63 characters. @internal */
export function objectName(...parts: string[]): string {
  const name = parts.join('.');
  if (name.length <= MAX_NAME) return name;
  const hash = shortHash(name);
  const head = name.slice(0, MAX_NAME - hash.length - 1).replace(/[-.]+$/, '');
  return `${head}-${hash}`;
}

/** 8 hex digits of SHA-256: stable across runs and platforms. @internal */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** A readable, collision-free name part for a label selector: `app-sleep-a-<hash>`. @internal */
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
 * @internal
 */
export function istioHostsOf(service: ExternalService, gateway: string): string[] {
  return service.isIpAddressed ? [`${service.name}.${gateway}.egress.internal`] : service.hosts;
}

/** The SNI that a sidecar sends to the gateway for a service: its first Istio host. @internal */
export function gatewaySniOf(service: ExternalService, gateway: string): string {
  return istioHostsOf(service, gateway)[0];
}

/** The CIDRs of an IP-addressed service. @internal */
export function addressesOf(service: ExternalService): string[] {
  return service.isIpAddressed ? service.hosts.map((ip) => `${ip}/${isIP(ip) === 6 ? 128 : 32}`) : [];
}

/** The fully qualified host name of the gateway's Service. @internal */
export function gatewayServiceHost(istio: ResolvedIstioOptions): string {
  return `${istio.gatewayServiceName}.${istio.gatewayNamespace}.svc.${istio.clusterDomain}`;
}

/** `exportTo` for objects in `ownNamespace` that `namespaces` must see (`.` for its own, `*` wins). @internal */
export function exportToOf(namespaces: Iterable<string>, ownNamespace: string): string[] {
  const all = new Set<string>();
  for (const ns of namespaces) all.add(ns === ownNamespace ? '.' : ns);
  if (all.has('*')) return ['*'];
  return [...all].sort();
}
