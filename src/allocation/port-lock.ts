/**
 * The port lock file: records every allocated gateway port (per gateway, destination key -> port)
 * so that synthesis never moves a port once handed out. Committed next to the app, like a package
 * lock. JSON, with sorted keys, one entry per line and a trailing newline, so that diffs show
 * exactly the ports added and dropped.
 *
 * ```json
 * {
 *   "version": 1,
 *   "gateways": {
 *     "istio-egressgateway": {
 *       "HTTP|*": 14512,
 *       "TCP|test-tcp.com|444": 11873
 *     }
 *   }
 * }
 * ```
 *
 * Internal module (not exported from the package index).
 */

import { portError } from '../checks/syntax';

/** The lock file content: per gateway, destination key -> port. */
export interface PortLock {
  readonly version: 1;
  readonly gateways: Record<string, Record<string, number>>;
}

/** The only lock format version this library reads and writes. */
export const PORT_LOCK_VERSION = 1;

/**
 * Parses and validates a lock file. Throws an Error whose message names the file and the
 * offending field for any bad input (never a raw JSON or type error).
 * Two keys locked to the same port (e.g. after a merge) are accepted here; the allocator keeps
 * the port for one of them and moves the other.
 */
export function parsePortLock(text: string, file: string): PortLock {
  const fail = (message: string): never => {
    throw new Error(`${file}: ${message}`);
  };
  if (typeof text !== 'string' || text.trim() === '') {
    fail(`the port lock file is empty; expected a JSON object like {"version": ${PORT_LOCK_VERSION}, "gateways": {}}. Delete the file to have it regenerated.`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    fail(`the port lock file is not valid JSON (${e instanceof Error ? e.message : String(e)}). Fix it, or delete it to have it regenerated (unlocked ports may then move).`);
  }
  if (!isObject(data)) return fail(`the port lock file must contain a JSON object, got ${describe(data)}.`);
  for (const field of Object.keys(data)) {
    if (field !== 'version' && field !== 'gateways') fail(`unknown field '${field}' (a port lock has only 'version' and 'gateways').`);
  }
  if (!hasOwn(data, 'version')) fail(`missing field 'version' (expected ${PORT_LOCK_VERSION}).`);
  if (data.version !== PORT_LOCK_VERSION) {
    fail(`field 'version' must be ${PORT_LOCK_VERSION}, got ${describe(data.version)}; this library reads port lock version ${PORT_LOCK_VERSION} only.`);
  }
  if (!hasOwn(data, 'gateways')) fail("missing field 'gateways' (an object: gateway name -> { destination key -> port }).");
  const gateways = data.gateways;
  if (!isObject(gateways)) return fail(`field 'gateways' must be an object (gateway name -> { destination key -> port }), got ${describe(gateways)}.`);

  const result: Record<string, Record<string, number>> = {};
  for (const gateway of Object.keys(gateways).sort(byString)) {
    const entries = gateways[gateway];
    const gatewayField = `gateways[${JSON.stringify(gateway)}]`;
    if (!isObject(entries)) return fail(`field '${gatewayField}' must be an object (destination key -> port), got ${describe(entries)}.`);
    const ports: Record<string, number> = {};
    for (const key of Object.keys(entries).sort(byString)) {
      const port = entries[key];
      if (portError(port) !== undefined) {
        fail(`field '${gatewayField}[${JSON.stringify(key)}]' must be an integer port 1-65535, got ${describe(port)}.`);
      }
      setOwn(ports, key, port as number);
    }
    setOwn(result, gateway, ports);
  }
  return { version: PORT_LOCK_VERSION, gateways: result };
}

/**
 * Serialises a lock: keys sorted (by code unit, locale-independent), two-space indentation, one
 * port per line, trailing newline. The same lock always gives the same text.
 */
export function serializePortLock(lock: PortLock): string {
  const lines = ['{', `  "version": ${PORT_LOCK_VERSION},`];
  const gateways = Object.keys(lock.gateways).sort(byString);
  if (gateways.length === 0) {
    lines.push('  "gateways": {}');
  } else {
    lines.push('  "gateways": {');
    gateways.forEach((gateway, g) => {
      const entries = lock.gateways[gateway];
      const keys = Object.keys(entries).sort(byString);
      const comma = g < gateways.length - 1 ? ',' : '';
      if (keys.length === 0) {
        lines.push(`    ${JSON.stringify(gateway)}: {}${comma}`);
        return;
      }
      lines.push(`    ${JSON.stringify(gateway)}: {`);
      keys.forEach((key, k) => {
        const port = entries[key];
        if (portError(port) !== undefined) {
          throw new Error(`Cannot write the port lock: gateways[${JSON.stringify(gateway)}][${JSON.stringify(key)}] is ${describe(port)}, not an integer port 1-65535.`);
        }
        lines.push(`      ${JSON.stringify(key)}: ${port}${k < keys.length - 1 ? ',' : ''}`);
      });
      lines.push(`    }${comma}`);
    });
    lines.push('  }');
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/**
 * The lock after a synthesis: exactly the keys currently allocated (`allocations`: gateway ->
 * the allocator's `allocated` map), so keys and gateways no longer in use are dropped. Since the
 * allocator is run with the previous lock as `pinned`, kept keys keep their ports.
 * Returns `previous` itself when nothing changed, so callers can skip rewriting the file.
 */
export function updatePortLock(previous: PortLock | undefined, allocations: Record<string, Record<string, number>>): PortLock {
  const gateways: Record<string, Record<string, number>> = {};
  for (const gateway of Object.keys(allocations).sort(byString)) {
    const keys = Object.keys(allocations[gateway]).sort(byString);
    if (keys.length === 0) continue;
    const ports: Record<string, number> = {};
    for (const key of keys) setOwn(ports, key, allocations[gateway][key]);
    setOwn(gateways, gateway, ports);
  }
  const next: PortLock = { version: PORT_LOCK_VERSION, gateways };
  if (previous !== undefined && sameLock(previous, next)) return previous;
  return next;
}

function sameLock(a: PortLock, b: PortLock): boolean {
  const ga = Object.keys(a.gateways);
  const gb = Object.keys(b.gateways);
  if (a.version !== b.version || ga.length !== gb.length) return false;
  return gb.every((gateway) => {
    if (!hasOwn(a.gateways, gateway)) return false;
    const ea = a.gateways[gateway];
    const eb = b.gateways[gateway];
    const ka = Object.keys(ea);
    return ka.length === Object.keys(eb).length && ka.every((key) => hasOwn(eb, key) && ea[key] === eb[key]);
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sets an own property even for names such as `__proto__`. */
function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    record[key] = value;
  }
}
