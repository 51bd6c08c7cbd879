/**
 * Gateway-port allocation: pure, construct-free, deterministic and stable.
 *
 * Each external service reached through an egress gateway needs a gateway port. HTTP services
 * (including HTTP upgraded to HTTPS at the gateway) may share one port, routed by Host header; every
 * TCP and HTTPS/TLS destination needs a port of its own. ASM numbers ports sequentially, so adding a
 * service renumbers others and drops their connections. This allocator instead:
 *
 * 1. reserves the explicit ports first (they never move) and checks them for conflicts;
 * 2. reserves the ports recorded in the lock file (`pinned`), so with a lock nothing ever moves;
 * 3. gives every other key (and the one shared HTTP port, under {@link SHARED_HTTP_KEY}) a port
 *    chosen by hashing the key: keys are placed one by one in a fixed pseudo-random priority order
 *    (a hash of the key), each at the first free slot of its own probe sequence (double hashing
 *    from the key's preferred slot, {@link MAX_HASH_PROBES} probes), falling back to the next free
 *    port after the last probe (union-find over the range, so never quadratic).
 *
 * The result depends only on the set of requests and the pinned map, never on their order. Adding
 * or removing one key moves another key only when it displaces (or frees) a slot in that key's
 * probe sequence; at half load that is about 0.3 other keys per insertion, far less at typical
 * loads (see the tests).
 *
 * Internal module (not exported from the package index), hence the free use of Map and unions.
 * Construct-free: it depends on nothing but the syntax checks of the model.
 */

import { hashes, newSlots, probe, reserve, take } from './port-slots';
import { portError } from '../checks/syntax';
import type { ProblemCode } from '../model/codes';
import { Message, msg } from '../model/problem';

/** Inclusive bounds of the ports the allocator may hand out. */
export interface PortRange {
  readonly min: number;
  readonly max: number;
}

/** ASM's default range for gateway ports; `PortRange.DEFAULT` of the public API is built from it. */
export const DEFAULT_PORT_RANGE: PortRange = { min: 10000, max: 20000 };

/** The lock/allocated key under which the shared HTTP port is recorded. */
export const SHARED_HTTP_KEY = 'HTTP|*';

export interface PortRequest {
  /** Destination identity on this gateway, e.g. 'TCP|test-tcp.com|444' (protocol class, sorted hosts, port). Requests with the same key are the same destination. */
  readonly key: string;
  /** True for HTTP (incl. upgraded to HTTPS): may share a port with other shared requests. */
  readonly shared: boolean;
  /** A port the user set explicitly: reserved first, never moved. May lie outside the range (e.g. 80). */
  readonly explicitPort?: number;
  /**
   * Identity of the owner, e.g. "App/Chart/Policy/sleep-a to[0] 'tcp-svc1'": sorts the owners in
   * messages. Read only for problems (it may be a getter that builds it then).
   */
  readonly owner: string;
  /** The owner as messages name it (it may refer to other inputs); default: `owner`. */
  readonly label?: Message;
}

export interface GatewayPortSpace {
  readonly gateway: string;
  /** Default {@link DEFAULT_PORT_RANGE}. */
  readonly range?: PortRange;
  /** Ports the gateway uses for other purposes: never allocated; an explicit port here is an error. */
  readonly excludedPorts?: number[];
  /** key -> port, from a committed lock file; honoured unless it conflicts with an explicit port or lies excluded/out of range. */
  readonly pinned?: Record<string, number>;
}

export interface AllocationProblem {
  readonly code: ProblemCode;
  readonly message: Message;
  /** The `owner` strings of the requests concerned, exactly as given, sorted and without duplicates. */
  readonly owners: string[];
  /**
   * True when the problem concerns each owner on its own (each got no port because of it, and the
   * message names the destination rather than the owners): report it at every owner. Otherwise
   * (a conflict between owners, all named in the message) report it once.
   */
  readonly atEachOwner?: boolean;
}

export interface PortAllocation {
  /** The port of each request, aligned with the input array (undefined only for requests in error). */
  readonly ports: (number | undefined)[];
  /** key -> port for every allocated (non-explicit) key, including the shared HTTP key: what a lock file records. */
  readonly allocated: Record<string, number>;
  readonly problems: AllocationProblem[];
  /** Not errors, but worth telling the user: a pinned (locked) port that could not be kept and moved. */
  readonly warnings: Message[];
}

/** How many owners a message spells out per destination before summarising. */
const MAX_OWNERS_IN_MESSAGE = 5;

/**
 * Allocates the gateway ports of one gateway. Never throws for bad input: every problem is
 * reported in `problems`, and the requests concerned get no port.
 */
export function allocateGatewayPorts(space: GatewayPortSpace, requests: PortRequest[]): PortAllocation {
  const gateway = space.gateway;
  const problems: AllocationProblem[] = [];
  const warnings: Message[] = [];
  // Owners are named only in problems: their labels are looked up then.
  let labels: Map<string, Message> | undefined;
  const owned = (owners: string[]) => formatOwners(owners, labels ??= new Map(requests.map((r) => [r.owner, r.label ?? [r.owner]])));
  const ports: (number | undefined)[] = new Array<number | undefined>(requests.length).fill(undefined);
  const where = `Gateway '${gateway}'`;

  // --- Excluded ports -----------------------------------------------------------------------
  const excluded = new Set<number>();
  const badExcluded: number[] = [];
  for (const p of space.excludedPorts ?? []) {
    if (isValidPort(p)) excluded.add(p); else badExcluded.push(p);
  }
  if (badExcluded.length > 0) {
    const bad = sortLoose([...new Set(badExcluded)]);
    problems.push({
      code: 'EXCLUDED_PORT',
      message: [`${where}: excludedPorts has ${bad.length === 1 ? 'an invalid entry' : `${bad.length} invalid entries`}: ${bad.map((p) => portError(p)).join('; ')}.`],
      owners: [],
    });
  }

  // --- Explicit ports: validate, then the lowest valid explicit port of each key ----------------
  const invalidExplicit = new Map<number, number[]>();
  const excludedExplicit = new Map<number, number[]>();
  const explicitPortOfKey = new Map<string, number>();
  requests.forEach((r, i) => {
    const p = r.explicitPort;
    if (p === undefined) return;
    if (!isValidPort(p)) {
      push(invalidExplicit, p, i);
    } else if (excluded.has(p)) {
      push(excludedExplicit, p, i);
    } else {
      const lowest = explicitPortOfKey.get(r.key);
      if (lowest === undefined || p < lowest) explicitPortOfKey.set(r.key, p);
    }
  });
  for (const p of sortLoose([...invalidExplicit.keys()])) {
    const owners = ownersOf(requests, invalidExplicit.get(p)!);
    problems.push({
      code: 'INVALID_PORT',
      message: msg`${where}: explicit port ${p} of ${owned(owners)} is invalid: ${portError(p)}.`,
      owners,
    });
  }
  for (const p of sortLoose([...excludedExplicit.keys()])) {
    const owners = ownersOf(requests, excludedExplicit.get(p)!);
    problems.push({
      code: 'EXCLUDED_PORT',
      message: msg`${where}: explicit port ${p} of ${owned(owners)} is one of the gateway's excluded ports (used for other purposes); choose another port.`,
      owners,
    });
  }

  // --- Fixed ports: explicit requests, and requests whose key has an explicit port ------------
  const onPort = new Map<number, number[]>();
  requests.forEach((r, i) => {
    const p = r.explicitPort !== undefined
      ? (isValidPort(r.explicitPort) && !excluded.has(r.explicitPort) ? r.explicitPort : undefined)
      : explicitPortOfKey.get(r.key);
    if (p !== undefined) push(onPort, p, i);
  });
  for (const p of [...onPort.keys()].sort(byNumber)) {
    const idx = onPort.get(p)!;
    const byKey = new Map<string, number[]>();
    for (const i of idx) push(byKey, requests[i].key, i);
    const dedicated = idx.some((i) => !requests[i].shared);
    if (dedicated && byKey.size > 1) {
      const parties = [...byKey.keys()].sort(byString).map((key) => ({ key, owners: ownersOf(requests, byKey.get(key)!) }));
      const described = parties.map((party) => msg`${owned(party.owners)} for ${describeDestination(party.key)}`);
      const claim = parties.length === 2
        ? msg`${described[0]} and by ${described[1]}`
        : msg`${parties.length} different destinations: ${joined(described, '; ')}`;
      problems.push({
        code: 'PORT_CONFLICT',
        message: [...msg`${where}: explicit port ${p} is claimed by ${claim}, but a TCP or HTTPS/TLS destination needs a gateway port of its own. `,
          'Give one of them another port, or leave the port out to have one allocated.'],
        owners: ownersOf(requests, idx),
      });
    } else {
      for (const i of idx) ports[i] = p;
    }
  }

  // --- Keys to allocate ---------------------------------------------------------------------
  // A key is dedicated if any of its requests is; its requests then all use the key's own port.
  const dedicatedKeys = new Set<string>();
  const pending: number[] = [];
  requests.forEach((r, i) => {
    if (r.explicitPort !== undefined || explicitPortOfKey.has(r.key)) return;
    pending.push(i);
    if (!r.shared) dedicatedKeys.add(r.key);
  });
  const requestsOfKey = new Map<string, number[]>();
  const reservedKeyUse: number[] = [];
  for (const i of pending) {
    const r = requests[i];
    if (dedicatedKeys.has(r.key)) {
      if (r.key === SHARED_HTTP_KEY) reservedKeyUse.push(i); else push(requestsOfKey, r.key, i);
    } else {
      push(requestsOfKey, SHARED_HTTP_KEY, i);
    }
  }
  if (reservedKeyUse.length > 0) {
    const owners = ownersOf(requests, reservedKeyUse);
    problems.push({
      code: 'PORT_CONFLICT',
      message: msg`${where}: destination key '${SHARED_HTTP_KEY}' of ${owned(owners)} is reserved for the shared HTTP port and cannot name a dedicated destination.`,
      owners,
    });
  }
  const keys = [...requestsOfKey.keys()].sort(byString);
  const allocated = new Map<string, number>();

  const range = space.range ?? DEFAULT_PORT_RANGE;
  const rangeText = `${range.min}-${range.max}`;
  const rangeErrors = [portError(range.min), portError(range.max)].filter((m): m is string => m !== undefined);
  if (rangeErrors.length === 0 && range.min > range.max) rangeErrors.push('the lowest port is above the highest');
  if (rangeErrors.length > 0) {
    const owners = ownersOf(requests, keys.flatMap((k) => requestsOfKey.get(k)!));
    problems.push({
      code: 'INVALID_PORT_RANGE',
      message: [`${where}: port range ${rangeText} is invalid: ${rangeErrors.join('; ')}`
        + (keys.length > 0 ? `, so ${keys.length} port(s) could not be allocated.` : '.')],
      owners,
    });
    return finish();
  }
  if (keys.length === 0) return finish();

  // --- Reserve explicit and excluded ports inside the range -------------------------------------
  const slots = newSlots(range);
  const explicitOwners = new Map<number, number[]>(); // every valid explicit port, even one in conflict
  requests.forEach((r, i) => {
    const p = r.explicitPort;
    if (p !== undefined && isValidPort(p) && !excluded.has(p)) push(explicitOwners, p, i);
  });
  for (const p of explicitOwners.keys()) reserve(slots, p);
  for (const p of excluded) reserve(slots, p);
  const freeInRange = slots.free;

  // --- Pinned ports (lock file) ---------------------------------------------------------------
  const pinned = new Map<string, number>(Object.entries(space.pinned ?? {}));
  const pinnedBy = new Map<number, string>();
  const displaced: { key: string; port: number; why: Message }[] = [];
  for (const key of keys) {
    const p = pinned.get(key);
    if (p === undefined) continue;
    let why: Message | undefined;
    if (!Number.isInteger(p) || p < range.min || p > range.max) {
      why = [`it is not a port within the range ${rangeText}`];
    } else if (excluded.has(p)) {
      why = ['it is now an excluded port'];
    } else if (explicitOwners.has(p)) {
      why = msg`it is now claimed explicitly by ${owned(ownersOf(requests, explicitOwners.get(p)!))}`;
    } else if (pinnedBy.has(p)) {
      why = [`the lock also gives it to ${describeDestination(pinnedBy.get(p)!)}`];
    }
    if (why !== undefined) {
      displaced.push({ key, port: p, why });
    } else {
      reserve(slots, p);
      pinnedBy.set(p, key);
      allocated.set(key, p);
    }
  }

  // --- Hash the remaining keys into the free ports ------------------------------------------
  const toHash = keys.filter((k) => !allocated.has(k)).map(hashes).sort((a, b) => a.priority - b.priority || byString(a.key, b.key));
  const unallocated: string[] = [];
  for (const h of toHash) {
    if (slots.free === 0) {
      unallocated.push(h.key);
      continue;
    }
    const slot = probe(slots, h);
    take(slots, slot);
    allocated.set(h.key, slots.min + slot);
  }
  // One problem per destination left without a port, reported at each of its owners: every rule
  // field that got no port says which destination it is and why.
  for (const key of unallocated.sort(byString)) {
    const lost = key === SHARED_HTTP_KEY ? `${describeDestination(key)} could not be allocated` : `${describeDestination(key)} got no port`;
    problems.push({
      code: 'PORT_RANGE_EXHAUSTED',
      message: [`${where}: port range ${rangeText} is exhausted, so ${lost}: ${freeInRange} port(s) are free there (besides excluded and explicit ports) `
        + `but ${keys.length} are needed. Widen the range, free some ports, or give some destinations explicit ports outside the range.`],
      owners: ownersOf(requests, requestsOfKey.get(key)!),
      atEachOwner: true,
    });
  }
  for (const d of displaced) {
    const now = allocated.get(d.key);
    const outcome = now !== undefined ? `it moves to port ${now}, and connections through the old port will break.` : 'it gets no port.';
    warnings.push(msg`${where}: the port ${d.port} locked for ${describeDestination(d.key)} cannot be kept because ${d.why}; ${outcome}`);
  }
  return finish();

  function finish(): PortAllocation {
    for (const [key, idx] of requestsOfKey) {
      const p = allocated.get(key);
      if (p !== undefined) for (const i of idx) ports[i] = p;
    }
    const record: Record<string, number> = {};
    for (const key of keys) {
      const p = allocated.get(key);
      if (p !== undefined) setOwn(record, key, p);
    }
    return { ports, allocated: record, problems, warnings };
  }
}

/**
 * A destination key in user terms, for messages only (keys themselves never change: lock files
 * store them): `TLS|a.example.com|443` is `a.example.com:443 (TLS)`, `TLS|a.com,b.com|443` is
 * `a.com, b.com:443 (TLS)`, an IPv6 host is bracketed (`[2001:db8::1]:5432 (TCP)`), and
 * {@link SHARED_HTTP_KEY} is `the shared HTTP port`. A key not of the form `class|hosts|port`
 * is quoted as it is.
 */
export function describeDestination(key: string): string {
  if (key === SHARED_HTTP_KEY) return 'the shared HTTP port';
  const parts = key.split('|');
  if (parts.length !== 3 || parts.some((part) => part === '')) return `'${key}'`;
  const [cls, hosts, port] = parts;
  const shown = hosts.split(',').map((host) => (host.includes(':') ? `[${host}]` : host));
  return `${shown.join(', ')}:${port} (${cls})`;
}

/** The allocator's one port check: the model's, so that ports mean the same everywhere. */
function isValidPort(p: unknown): p is number {
  return portError(p) === undefined;
}

function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  const list = map.get(key);
  if (list) list.push(value); else map.set(key, [value]);
}

function ownersOf(requests: PortRequest[], indices: number[]): string[] {
  return [...new Set(indices.map((i) => requests[i].owner))].sort(byString);
}

function formatOwners(owners: string[], labels: Map<string, Message>): Message {
  const shown = owners.slice(0, MAX_OWNERS_IN_MESSAGE).map((o) => msg`"${labels.get(o) ?? [o]}"`);
  if (owners.length > MAX_OWNERS_IN_MESSAGE) shown.push([`${owners.length - MAX_OWNERS_IN_MESSAGE} more`]);
  if (shown.length <= 1) return shown[0] ?? [];
  return msg`${joined(shown.slice(0, -1), ', ')} and ${shown[shown.length - 1]}`;
}

/** Messages joined with `separator`. */
function joined(messages: Message[], separator: string): Message {
  return messages.flatMap((m, i) => (i === 0 ? [...m] : [separator, ...m]));
}

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byNumber(a: number, b: number): number {
  return a - b;
}

/** Sorts numbers that may include NaN or infinities (NaN last). */
function sortLoose(values: number[]): number[] {
  return [...values].sort((a, b) => {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number(Number.isNaN(a)) - Number(Number.isNaN(b));
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/** Sets an own property even for names such as `__proto__`. */
function setOwn(record: Record<string, number>, key: string, value: number): void {
  if (key === '__proto__') {
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    record[key] = value;
  }
}
