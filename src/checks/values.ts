import { hostFacts } from './host-facts';
import { dnsLabelError, dnsSubdomainError, HostKind, labelErrors, portError } from './syntax';
import type { ProblemCode } from '../model/codes';
import { FieldPath, Problem, problem } from '../model/problem';
import { Protocol } from '../protocol';

// Checks of values on their own, shared by the factories (which throw every problem at once) and
// the manifest reader (which collects them with the manifest's own): one set of rules, whatever
// the input. A field left out of the values is not checked: its reader has reported it already.

/** Most hosts one external service may list (a limit of the CRD). */
export const MAX_HOSTS = 50;

/** An external service's values, as given. */
export interface ServiceValues {
  readonly name?: unknown;
  readonly protocol: Protocol;
  readonly port?: unknown;
  readonly portName?: string;
  /** Hosts; an entry left undefined has been reported already. */
  readonly hosts?: ReadonlyArray<string | undefined>;
  readonly gatewayPort?: unknown;
  /** The HTTPS port the gateway upgrades to (`httpsUpgrade.port`), when it upgrades. */
  readonly httpsUpgradePort?: unknown;
}

/** Everything wrong with a service's values, and what each valid host is. */
export function serviceValueProblems(v: ServiceValues): { problems: Problem[]; kinds: HostKind[] } {
  const problems: Problem[] = [];
  const add = (code: ProblemCode, field: FieldPath, message: string | undefined) => message && problems.push(problem(code, field, message));
  if ('name' in v) add('INVALID_NAME', ['name'], dnsLabelError(v.name as string));
  if ('port' in v) add('INVALID_PORT', ['port', 'number'], portError(v.port));
  if ('portName' in v) add('INVALID_NAME', ['port', 'name'], v.portName ? dnsLabelError(v.portName) : 'must not be empty');
  if (v.gatewayPort !== undefined) add('INVALID_PORT', ['byEgressGateway', 'port'], portError(v.gatewayPort));
  if ('httpsUpgradePort' in v) add('INVALID_PORT', ['httpsUpgrade', 'port'], portError(v.httpsUpgradePort));

  const kinds: HostKind[] = [];
  if (v.hosts === undefined) return { problems, kinds };
  if (v.hosts.length === 0) add('REQUIRED', ['hosts'], 'at least one host is required');
  if (v.hosts.length > MAX_HOSTS) add('TOO_MANY_HOSTS', ['hosts'], `${v.hosts.length} hosts given; at most ${MAX_HOSTS} are allowed`);
  const seen = new Set<string>();
  v.hosts.forEach((host, i) => {
    if (host === undefined) return;
    const facts = hostFacts(host);
    if (seen.has(facts.canonical)) add('DUPLICATE_HOST', ['hosts', i], `'${host}' is listed twice`);
    seen.add(facts.canonical);
    const result = facts.classified;
    if ('error' in result) {
      add('INVALID_HOST', ['hosts', i], result.error);
      return;
    }
    kinds.push(result.kind);
    const ip = result.kind === 'ipv4' || result.kind === 'ipv6';
    if (ip && v.protocol !== Protocol.TCP) {
      add('ADDRESS_NOT_TCP', ['hosts', i], `'${host}' is an IP address: only TCP services can be reached by address (${v.protocol} is routed by host name)`);
    }
  });
  const ips = kinds.filter(isAddress).length;
  if (ips > 0 && ips < kinds.length) add('MIXED_HOSTS', ['hosts'], 'mixes IP addresses and host names: declare them as separate services');
  return { problems, kinds };
}

export function isAddress(kind: HostKind): boolean {
  return kind === 'ipv4' || kind === 'ipv6';
}

/** A source's values, as given. */
export interface SourceValues {
  /** The namespace; left out for a source of every namespace. */
  readonly namespace?: unknown;
  readonly labels?: Record<string, unknown>;
  readonly serviceAccount?: unknown;
}

/** Everything wrong with a source's values. */
export function sourceValueProblems(v: SourceValues): Problem[] {
  const problems: Problem[] = [];
  if ('namespace' in v) {
    const message = v.namespace === undefined ? 'is required' : dnsLabelError(v.namespace as string);
    if (message) problems.push(problem(v.namespace === undefined ? 'REQUIRED' : 'INVALID_NAME', ['namespace'], message));
  }
  for (const { key, message } of labelErrors(v.labels ?? {})) problems.push(problem('INVALID_LABEL', ['workloadSelector', key], message));
  if (v.serviceAccount !== undefined) {
    const message = dnsLabelError(v.serviceAccount as string);
    if (message) problems.push(problem('INVALID_NAME', ['serviceAccountName'], message));
  }
  return problems;
}

/** A policy's own names, as given. */
export interface PolicyValues {
  readonly gateway: unknown;
  readonly name: unknown;
  /** Left out when a manifest does not set it (the default is valid). */
  readonly namespace?: unknown;
  readonly excludedPorts?: unknown[];
}

/** Everything wrong with a policy's names and ports, with the fields of its props. */
export function policyValueProblems(v: PolicyValues): Problem[] {
  const problems: Problem[] = [];
  const add = (code: ProblemCode, field: FieldPath, message: string | undefined) => message && problems.push(problem(code, field, message));
  add('INVALID_NAME', ['gateway'], dnsLabelError(v.gateway as string));
  add('INVALID_NAME', ['name'], dnsSubdomainError(v.name as string));
  if ('namespace' in v) add('INVALID_NAME', ['namespace'], dnsLabelError(v.namespace as string));
  (v.excludedPorts ?? []).forEach((port, i) => add('INVALID_PORT', ['excludedPorts', i], portError(port)));
  return problems;
}
