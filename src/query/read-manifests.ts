import { isIP } from 'net';
import { EgressAccess } from './egress-access';
import { canonicalHost } from '../model/host-reach';

// Synthesised manifests to access entries. Queries read the ASM objects, not the constructs, so
// that they answer for exactly what is deployed: patches applied to the L1 object count, and
// manifests that this library would refuse (a hand-written wildcard, say) can still be diffed.

const GROUP = 'istio.alibabacloud.com/';
const KIND = 'ASMEgressTrafficPolicy';

/** Something wrong in a manifest: which object (index in the input), which field, what. @internal */
export interface ManifestProblem {
  readonly index: number;
  /** Field path in the object, e.g. `spec.egressRules[0].to[1].port.number`. */
  readonly field: string;
  readonly message: string;
}

/** Every access that the ASM policies among `objects` allow, in order; other kinds are skipped. @internal */
export function readManifestAccess(objects: any[]): { accesses: EgressAccess[]; problems: ManifestProblem[] } {
  const accesses: EgressAccess[] = [];
  const problems: ManifestProblem[] = [];
  objects.forEach((object, index) => {
    if (!isObject(object) || object.kind !== KIND || typeof object.apiVersion !== 'string' || !object.apiVersion.startsWith(GROUP)) return;
    const at = (field: string, message: string) => problems.push({ index, field, message });
    accesses.push(...readPolicy(object, at));
  });
  return { accesses, problems };
}

/** The problems as one message, each with the object it is in. @internal */
export function formatManifestProblems(objects: any[], problems: ManifestProblem[]): string {
  return problems.map((p) => {
    const meta = objects[p.index]?.metadata ?? {};
    return `  objects[${p.index}] ${KIND} ${meta.namespace ?? ''}/${meta.name ?? ''}: ${p.field}: ${p.message}`;
  }).join('\n');
}

function readPolicy(object: any, at: (field: string, message: string) => void): EgressAccess[] {
  const accesses: EgressAccess[] = [];
  const policy = `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
  const spec = object.spec;
  if (!isObject(spec)) {
    at('spec', 'must be an object');
    return accesses;
  }
  const gateway = spec.byEgressGateway?.name;
  if (typeof gateway !== 'string' || gateway === '') at('spec.byEgressGateway.name', 'must be a non-empty string');
  if (!Array.isArray(spec.egressRules)) {
    at('spec.egressRules', 'must be a list');
    return accesses;
  }
  spec.egressRules.forEach((rule: any, r: number) => {
    const field = `spec.egressRules[${r}]`;
    if (!isObject(rule)) return at(field, 'must be an object');
    if (rule.name !== undefined && typeof rule.name !== 'string') at(`${field}.name`, 'must be a string');
    const sources = list(rule.from, `${field}.from`, at).map((from, i) => readSource(from, `${field}.from[${i}]`, at));
    const services = list(rule.to, `${field}.to`, at).map((to, i) => readService(to, `${field}.to[${i}]`, at));
    for (const source of sources) {
      for (const service of services) {
        if (!source || !service || typeof gateway !== 'string') continue;
        for (const host of service.hosts) {
          accesses.push({
            source,
            destination: { host, port: service.port, protocol: service.protocol },
            gateway,
            gatewayPort: service.gatewayPort,
            tlsOrigination: service.upgradePort !== undefined,
            upstreamPort: service.upgradePort ?? service.port,
            service: service.name,
            rule: typeof rule.name === 'string' ? rule.name : undefined,
            policy,
          });
        }
      }
    }
  });
  return accesses;
}

function readSource(from: any, field: string, at: (field: string, message: string) => void): EgressAccess['source'] | undefined {
  if (!isObject(from)) return void at(field, 'must be an object');
  let ok = true;
  if (typeof from.namespace !== 'string' || from.namespace === '') {
    at(`${field}.namespace`, 'must be a non-empty string');
    ok = false;
  }
  const selector = from.workloadSelector;
  if (selector !== undefined && selector !== null && !isObject(selector)) {
    at(`${field}.workloadSelector`, 'must be a map of labels');
    ok = false;
  }
  for (const [key, value] of Object.entries(isObject(selector) ? selector : {})) {
    if (typeof value !== 'string') {
      at(`${field}.workloadSelector.${key}`, 'must be a string (quote it in YAML)');
      ok = false;
    }
  }
  if (!ok) return undefined;
  const labels = isObject(selector) && Object.keys(selector).length > 0 ? { ...selector as Record<string, string> } : undefined;
  return { namespace: from.namespace, ...(labels ? { workloadSelector: labels } : {}) };
}

interface ServiceEntry {
  readonly name: string;
  readonly hosts: string[];
  readonly port: number;
  readonly protocol: string;
  readonly gatewayPort?: number;
  readonly upgradePort?: number;
}

function readService(to: any, field: string, at: (field: string, message: string) => void): ServiceEntry | undefined {
  if (!isObject(to)) return void at(field, 'must be an object');
  const before = problemsCounter(at);
  const check = before.at;
  if (typeof to.name !== 'string' || to.name === '') check(`${field}.name`, 'must be a non-empty string');
  if (!Array.isArray(to.hosts) || to.hosts.length === 0) check(`${field}.hosts`, 'must be a non-empty list');
  const hosts = Array.isArray(to.hosts) ? to.hosts : [];
  hosts.forEach((host: unknown, h: number) => {
    if (typeof host !== 'string' || host === '') check(`${field}.hosts[${h}]`, 'must be a non-empty string');
  });
  if (!isObject(to.port)) check(`${field}.port`, 'must be an object');
  if (!isPort(to.port?.number)) check(`${field}.port.number`, 'must be a port number (an integer from 1 to 65535)');
  if (typeof to.port?.protocol !== 'string' || to.port.protocol === '') check(`${field}.port.protocol`, 'must be a non-empty string');
  const gatewayPort = to.byEgressGateway?.port;
  if (gatewayPort !== undefined && gatewayPort !== null && !isPort(gatewayPort)) {
    check(`${field}.byEgressGateway.port`, 'must be a port number (an integer from 1 to 65535)');
  }
  const upgrade = to.httpsUpgrade;
  const upgrades = isObject(upgrade) && upgrade.enabled === true;
  if (upgrades && !isPort(upgrade.port)) check(`${field}.httpsUpgrade.port`, 'must be a port number when httpsUpgrade is enabled');
  if (before.count() > 0) return undefined;
  return {
    name: to.name,
    hosts: hosts.map(normaliseHost),
    port: to.port.number,
    protocol: to.port.protocol.toUpperCase(),
    gatewayPort: isPort(gatewayPort) ? gatewayPort : undefined,
    upgradePort: upgrades ? upgrade.port : undefined,
  };
}

/** Hosts compare case-insensitively (DNS), and IPv6 addresses in one spelling. */
function normaliseHost(host: string): string {
  return isIP(host) ? canonicalHost(host) : host.toLowerCase();
}

function list(value: unknown, field: string, at: (field: string, message: string) => void): any[] {
  if (Array.isArray(value)) return value;
  at(field, 'must be a list');
  return [];
}

function problemsCounter(at: (field: string, message: string) => void) {
  let count = 0;
  return { at: (field: string, message: string) => { count++; at(field, message); }, count: () => count };
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}
