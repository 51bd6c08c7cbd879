import { EgressAccess } from './egress-access';
import { isPolicyManifest, ManifestPolicy, parseManifest } from '../manifest';
import { canonicalHost } from '../model/host-reach';
import { Problem } from '../model/problem';

// Synthesised manifests to access entries. Queries read the ASM objects, not the constructs, so
// that they answer for exactly what is deployed: patches applied to the L1 object count. Every
// object is read by the reader of `asm-egress lint` and `fromManifest` (src/manifest.ts), with its
// messages; what a query leaves to lint is the library's policy on what may be allowed: the
// guardrails (a hand-written wildcard host, or `namespace: '*'` without an override, is read as
// it is), ASM's rules for gateway ports, and the checks across policies.

/** Something wrong in a manifest: which object (index in the input), which field, what. @internal */
export interface ManifestProblem {
  readonly index: number;
  /** Field path in the object, e.g. `spec.egressRules[0].to[1].port.number`. */
  readonly field: string;
  readonly message: string;
}

/**
 * Every access that one ASMEgressTrafficPolicy object allows, in order of its rules, or none and
 * the errors that keep it from being read. Warnings of the reader (fields that adoption drops) are
 * left out: they change nothing that a query answers.
 * @internal
 */
export function readPolicyAccess(manifest: unknown): { accesses: EgressAccess[]; problems: Problem[] } {
  const { parsed, problems } = parseManifest(manifest, { query: true });
  const errors = problems.filter((p) => p.severity === 'error');
  return { accesses: errors.length > 0 ? [] : accessesOf(parsed), problems: errors };
}

/** Every access that the ASM policies among `objects` allow, in order; other kinds are skipped. @internal */
export function readManifestAccess(objects: unknown[]): { accesses: EgressAccess[]; problems: ManifestProblem[] } {
  const accesses: EgressAccess[] = [];
  const problems: ManifestProblem[] = [];
  objects.forEach((object, index) => {
    if (!isPolicyManifest(object)) return;
    const read = readPolicyAccess(object);
    accesses.push(...read.accesses);
    problems.push(...read.problems.map((p) => ({ index, field: p.field, message: p.message })));
  });
  return { accesses, problems };
}

/** The problems as one message, each with the object it is in. @internal */
export function formatManifestProblems(objects: any[], problems: ManifestProblem[]): string {
  return problems.map((p) => {
    const meta = objects[p.index]?.metadata;
    const text = (key: string) => (typeof meta?.[key] === 'string' ? meta[key] : '');
    return `  objects[${p.index}] ASMEgressTrafficPolicy ${text('namespace')}/${text('name')}: ${p.field}: ${p.message}`;
  }).join('\n');
}

/** The accesses of a policy read without errors: one per source, service and host of each rule. */
function accessesOf(parsed: ManifestPolicy): EgressAccess[] {
  const policy = `${parsed.namespace ?? ''}/${parsed.name ?? ''}`;
  return parsed.rules.flatMap((rule) => rule.sources.flatMap(({ namespace, workloadSelector }) =>
    rule.services.flatMap(({ service }) => service.hosts.map((host) => ({
      source: { namespace, ...(workloadSelector ? { workloadSelector: { ...workloadSelector } } : {}) },
      // IPv6 addresses compare in one spelling.
      destination: { host: canonicalHost(host), port: service.port, protocol: service.protocol },
      gateway: parsed.gateway!,
      gatewayPort: service.gatewayPort,
      tlsOrigination: service.httpsUpgradePort !== undefined,
      upstreamPort: service.httpsUpgradePort ?? service.port,
      service: service.name,
      rule: rule.name,
      policy,
    })))));
}
