import { gatewayPortHost, istioHostsOf } from './names';
import type { PolicyModel, ServiceModel, SourceModel } from '../model/model';
import { includesIstio } from '../model/output';
import { FieldPath, Fix, Message, msg, Problem, problem, ref } from '../model/problem';

// Workload-label sources, enforced with Sidecar resources. The gateway's AuthorizationPolicy can
// only tell namespaces (and service accounts) apart, so in a namespace where some sources are
// narrowed by labels, every pod gets a Sidecar that lists exactly the egress hosts it may see:
// one Sidecar per selector, plus one for the rest of the namespace. Istio allows one Sidecar per
// pod, so these are merged across every policy of the App, per namespace and selector.

/** A Sidecar to emit: its namespace, selector (none: the rest of the namespace) and egress hosts. */
export interface SidecarScope {
  readonly namespace: string;
  /** Undefined for the namespace-wide Sidecar. */
  readonly labels?: Record<string, string>;
  /** Sidecar egress hosts, `<namespace>/<host>`, sorted. */
  readonly hosts: string[];
  /** The policy whose chart holds the Sidecar: the first by construct path among those with sources in the namespace. */
  readonly home: PolicyModel;
  /** Every policy with sources in the namespace: the Sidecar is right only when all of them are synthesised together. */
  readonly contributors: PolicyModel[];
}

/** Whether a policy renders Istio objects. */
export function rendersIstio(policy: PolicyModel): boolean {
  return policy.istio !== undefined && policy.output !== undefined && includesIstio(policy.output);
}

/** Whether a source's workload selector is enforced with a Sidecar. */
export function enforcedSelector(policy: PolicyModel, source: SourceModel): boolean {
  return source.labels !== undefined && source.namespace !== '*' && policy.istio.enforceWorkloadSelectors;
}

/**
 * The Sidecar egress hosts that let a pod use a service of a policy: its hosts and the Service of
 * its gateway port (when the port is known: a policy whose ports ASM allocates renders no Istio objects).
 */
export function sidecarHostsOf(policy: PolicyModel, service: ServiceModel, port: number | undefined): string[] {
  const istio = policy.istio;
  return [
    ...istioHostsOf(service, policy.gateway).map((h) => `${policy.namespace}/${h}`),
    ...(port !== undefined ? [`${istio.gatewayNamespace}/${gatewayPortHost(istio, port)}`] : []),
  ];
}

/** Labels as a map key. */
export function labelsKey(labels: Record<string, string> | undefined): string {
  return labels ? JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]])) : '';
}

/** Whether one pod could carry both label sets (no key with two different values). */
export function selectorsOverlap(a: Record<string, string>, b: Record<string, string>): boolean {
  return Object.keys(a).every((k) => !(k in b) || b[k] === a[k]);
}

/**
 * Every Sidecar of the App, and the problems that make Sidecars impossible: selectors of one
 * namespace that can select the same pod, and base hosts that would expose every egress host.
 */
export function sidecarScopes(
  policies: PolicyModel[], ports: Map<string, Map<ServiceModel, number>>,
): { scopes: SidecarScope[]; problems: Problem[] } {
  const istio = policies.filter(rendersIstio).sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0));
  const problems: Problem[] = [];
  // The mesh has one root namespace; should policies disagree on it, every value they give counts.
  const rootNamespaces = new Set(istio.map((p) => p.istio.meshRootNamespace));

  // Selectors to enforce, per namespace, in declaration order (the first of each kept for messages).
  const selectors = new Map<string, Map<string, { labels: Record<string, string>; subject: string }>>();
  for (const policy of istio) {
    for (const rule of policy.rules) {
      rule.sources.forEach((source, i) => {
        if (source.labels !== undefined && source.namespace === '*' && policy.istio.enforceWorkloadSelectors) {
          problems.push(error(rule.subject, ['from', i, 'workloadSelector'],
            'a source of every namespace cannot have its workloadSelector enforced: Sidecars are per namespace', 'name its namespaces'));
          return;
        }
        if (!enforcedSelector(policy, source)) return;
        if (rootNamespaces.has(source.namespace)) {
          // The Sidecar without selector that keeps the rest of the namespace out would be the
          // default Sidecar of the whole mesh; without it, the rest of the namespace would pass.
          problems.push(error(rule.subject, ['from', i, 'workloadSelector'],
            `namespace '${source.namespace}' is the mesh's root namespace (istio.meshRootNamespace), where the Sidecar without selector `
            + 'that keeps this selector\'s hosts from the rest of the namespace would become the default Sidecar of every namespace without one of its own, '
            + 'cutting the whole mesh off from everything it does not list',
            {
              constructs: 'run the workloads in another namespace, identify them by serviceAccountName instead of a workloadSelector, or set istio.enforceWorkloadSelectors to false',
              manifest: 'run the workloads in another namespace',
            }));
          return;
        }
        const inNs = selectors.get(source.namespace) ?? new Map();
        selectors.set(source.namespace, inNs);
        const key = labelsKey(source.labels);
        if (inNs.has(key)) return;
        for (const other of inNs.values()) {
          if (selectorsOverlap(other.labels, source.labels!)) {
            problems.push(error(rule.subject, ['from', i, 'workloadSelector'],
              [...msg`${describe(source.labels!)} and ${describe(other.labels)} (at ${ref(other.subject)}) can select the same pod of namespace '${source.namespace}'; `,
                'Istio applies one Sidecar per pod, so their egress hosts cannot be enforced separately'], 'use selectors that differ in a label both set'));
          }
        }
        inNs.set(key, { labels: source.labels!, subject: rule.subject });
      });
    }
  }

  // Egress hosts granted to each Sidecar ('' is the namespace-wide one), with the sources that
  // granted each, and who contributes to a namespace.
  const grants = new Map<string, Map<string, Map<string, Grant[]>>>();
  const contributors = new Map<string, PolicyModel[]>();
  for (const [ns, inNs] of selectors) {
    grants.set(ns, new Map([['', new Map<string, Grant[]>()], ...[...inNs.keys()].map((k): [string, Map<string, Grant[]>] => [k, new Map()])]));
    contributors.set(ns, []);
  }
  for (const policy of istio) {
    for (const rule of policy.rules) {
      const hosts = rule.services.flatMap((service) => sidecarHostsOf(policy, service, ports.get(policy.gateway)?.get(service)));
      rule.sources.forEach((source, i) => {
        const namespaces = source.namespace === '*' ? [...grants.keys()] : grants.has(source.namespace) ? [source.namespace] : [];
        for (const ns of namespaces) {
          const scopes = grants.get(ns)!;
          const targets = enforcedSelector(policy, source) ? [scopes.get(labelsKey(source.labels))!] : [...scopes.values()];
          const grant = { at: msg`${ref(rule.subject)} from[${i}]`, serviceAccount: source.serviceAccount };
          for (const target of targets) hosts.forEach((h) => target.set(h, [...(target.get(h) ?? []), grant]));
          if (!contributors.get(ns)!.includes(policy)) contributors.get(ns)!.push(policy);
        }
      });
    }
  }
  problems.push(...namespaceGrantLeaks(istio, grants, selectors));

  const scopes: SidecarScope[] = [];
  const reported = new Set<string>();
  for (const ns of [...grants.keys()].sort()) {
    const policiesOfNs = contributors.get(ns)!;
    const egressNamespaces = new Set([...grants.get(ns)!.values()].flatMap((granted) => [...granted.keys()].map((h) => h.split('/')[0])));
    const base = new Set<string>();
    for (const policy of policiesOfNs) {
      policy.istio.sidecarEgressHosts.forEach((entry, i) => {
        base.add(entry);
        const entryNs = entry.split('/')[0];
        const covered = entryNs === '*' ? [...egressNamespaces] : [...egressNamespaces].filter((e) => e === entryNs || (entryNs === '.' && e === ns));
        const policyNamespaces = covered.filter((e) => istio.some((p) => p.namespace === e));
        const id = `${policy.subject}|${i}`;
        if (policyNamespaces.length > 0 && !reported.has(id)) {
          reported.add(id);
          problems.push(error(policy.subject, ['istio', 'sidecarEgressHosts', i],
            `'${entry}' would let every workload of namespace '${ns}' see the egress hosts in namespace '${policyNamespaces[0]}', so its workloadSelector sources could not be enforced`,
            'name the namespaces that its workloads need instead'));
        }
      });
    }
    const inNs = selectors.get(ns)!;
    for (const [key, granted] of grants.get(ns)!) {
      scopes.push({
        namespace: ns,
        labels: key === '' ? undefined : inNs.get(key)!.labels,
        hosts: [...new Set([...base, ...granted.keys()])].sort(),
        home: policiesOfNs[0],
        contributors: policiesOfNs,
      });
    }
  }
  return { scopes, problems };
}

/** A source that made a host visible to a Sidecar's pods. */
interface Grant {
  /** `<rule> from[<i>]` */
  readonly at: Message;
  readonly serviceAccount?: string;
}

/**
 * The gateway admits a workloadSelector source by its namespace alone (or by its service account),
 * trusting the Sidecars to show the service's hosts only to the selected pods. Sidecars list
 * hosts, not ports or services, so when another source makes one of those hosts visible to other
 * pods of the namespace (through another selector, the namespace-wide Sidecar, or another service
 * on the same host), those pods would pass the gateway too, without any rule for them: for a
 * source without a service account, any of them; for one with a service account, those that a
 * source declares to run as that account (a service account is taken to identify its workload).
 * Such a policy is refused rather than rendered with a hole.
 */
function namespaceGrantLeaks(
  policies: PolicyModel[],
  grants: Map<string, Map<string, Map<string, Grant[]>>>,
  selectors: Map<string, Map<string, { labels: Record<string, string> }>>,
): Problem[] {
  const problems: Problem[] = [];
  for (const policy of policies) {
    for (const rule of policy.rules) {
      rule.sources.forEach((source, i) => {
        if (!enforcedSelector(policy, source) || !grants.has(source.namespace)) return;
        const ns = source.namespace;
        const own = labelsKey(source.labels);
        const passes = (g: Grant) => source.serviceAccount === undefined || g.serviceAccount === source.serviceAccount;
        for (const service of rule.services) {
          // The pods of a Sidecar may use the service anyway when a source of it reaches them with an identity at least as broad.
          const sourcesOfService = policy.rules.filter((r) => r.services.some((s) => s.name === service.name)).flatMap((r) => r.sources)
            .filter((t) => t.namespace === ns || t.namespace === '*');
          const allowedAnyway = (key: string) => sourcesOfService.some((t) => (!enforcedSelector(policy, t) || labelsKey(t.labels) === key)
            && (t.serviceAccount === undefined || t.serviceAccount === source.serviceAccount));
          const hosts = istioHostsOf(service, policy.gateway).map((h) => `${policy.namespace}/${h}`);
          const leak = [...grants.get(ns)!.entries()].filter(([key]) => key !== own && !allowedAnyway(key))
            .flatMap(([key, granted]) => hosts.flatMap((h) => (granted.get(h) ?? []).filter(passes).map((g) => ({ key, host: h, at: g.at }))))[0];
          if (!leak) continue;
          const who = leak.key === '' ? `the other pods of namespace '${ns}'` : `the pods of ${describe(selectors.get(ns)!.get(leak.key)!.labels)}`;
          const identity = source.serviceAccount === undefined ? `its namespace '${ns}'` : `its service account '${source.serviceAccount}'`;
          const which = source.serviceAccount === undefined ? '' : ` that run as '${source.serviceAccount}'`;
          problems.push(error(rule.subject, ['from', i, 'workloadSelector'],
            msg`the gateway admits this source to '${service.name}' by ${identity} alone, but host ${leak.host.split('/')[1]} is also visible to ${who} (through the source at ${leak.at}), so those${which} would pass the gateway too`,
            {
              constructs: 'give this source a service account of its own, or allow the service to those pods as well, or keep the host out of their rules',
              manifest: 'allow the service to those pods as well, or keep the host out of their rules',
            }));
          break;
        }
      });
    }
  }
  return problems;
}

function describe(labels: Record<string, string>): string {
  return `workloadSelector {${Object.keys(labels).sort().map((k) => `${k}: ${labels[k]}`).join(', ')}}`;
}

/**
 * A selector that Sidecars cannot enforce. The fix is said to both audiences: only constructs can
 * turn enforcement off or name a service account; a manifest has neither.
 * @param fix the fix, or what both audiences can do (the constructs' fix then adds turning enforcement off)
 */
function error(subject: string, field: FieldPath, message: string | Message, fix?: string | Fix): Problem {
  const both = typeof fix === 'string' ? { constructs: `${fix}, or set istio.enforceWorkloadSelectors to false`, manifest: fix } : fix;
  return problem('ISTIO_SELECTOR_CONFLICT', field, message, { subject, ...(both ? { fix: both } : {}) });
}
