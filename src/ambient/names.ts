import { isIP } from 'net';
import { canonicalHost } from '../checks/host-reach';
import { objectName } from '../istio/names';
import type { PolicyModel, ServiceModel } from '../model/model';
import { servicesOf } from '../model/model';

// Destinations of the ambient output: one ServiceEntry per external host name, and one per
// external address. Ambient resolves a host name to ONE ServiceEntry mesh-wide (istio#58860) and an
// address to one service VIP, so a host (or address) that two services share must be one object;
// and a ServiceEntry's ports apply to every host it lists, so an object per host keeps the ports
// of each host exactly those that some service declares on it.

/** Pod label that istiod puts on a waypoint's pods: the Gateway's name. */
export const WAYPOINT_POD_LABEL = 'gateway.networking.k8s.io/gateway-name';

/** One ServiceEntry: a host name, or an address with a name made up for it, and the services on it. */
export interface AmbientDestination {
  /**
   * The ServiceEntry's host: the external name, or for an address `<address label>.address.egress.internal`
   * (`.internal` is for private use, so it never shadows a real name; an address belongs to one
   * policy of the App, so the name needs no gateway).
   */
  readonly host: string;
  /** The address (canonical form), for a service reached by IP. */
  readonly address?: string;
  /** The services that use it, one per name, in port order. */
  readonly services: ServiceModel[];
}

/** The destinations of a policy, by host. */
export function destinationsOf(policy: PolicyModel): AmbientDestination[] {
  const byKey = new Map<string, { host: string; address?: string; services: Map<string, ServiceModel> }>();
  for (const { service } of servicesOf(policy)) {
    for (const { key, host, address } of destinationKeysOf(service)) {
      const entry = byKey.get(key) ?? { host, ...(address !== undefined ? { address } : {}), services: new Map() };
      byKey.set(key, entry);
      if (!entry.services.has(service.name)) entry.services.set(service.name, service);
    }
  }
  return [...byKey.values()]
    .map((d) => ({ ...d, services: [...d.services.values()].sort((a, b) => a.port - b.port || a.name.localeCompare(b.name)) }))
    .sort((a, b) => a.host.localeCompare(b.host));
}

/**
 * What a service is known by in the ambient output: each host name, or each address. `key` is the
 * same for every spelling of an address.
 */
export function destinationKeysOf(service: ServiceModel): Array<{ key: string; host: string; address?: string }> {
  return service.hosts.map((h) => {
    if (!service.ipAddressed) return { key: h, host: h };
    const address = canonicalHost(h);
    return { key: `address|${address}`, host: `${addressLabel(address)}.address.egress.internal`, address };
  });
}

/** Name of the objects of a destination: `<gateway>.<host>`, hashed past 63 characters. */
export function destinationObjectName(gateway: string, destination: AmbientDestination): string {
  return objectName(gateway, destination.host);
}

/** An address as one DNS label: `1-2-3-4` for IPv4, the 32 hex digits of IPv6. */
export function addressLabel(address: string): string {
  if (isIP(address) === 4) return address.replace(/\./g, '-');
  const canonical = canonicalHost(address);
  const [head, tail] = canonical.split('::');
  const front = head ? head.split(':') : [];
  const back = tail ? tail.split(':') : [];
  const groups = tail === undefined ? front : [...front, ...Array<string>(8 - front.length - back.length).fill('0'), ...back];
  return groups.map((g) => g.padStart(4, '0')).join('');
}

/** The CIDR of one address. */
export function addressCidr(address: string): string {
  return `${address}/${isIP(address) === 6 ? 128 : 32}`;
}
