import { isIP } from 'net';
import { App } from 'cdk8s';
import { canonicalHost } from './checks/host-reach';
import { EgressAccess, EgressGuardrailOverride, EgressReachability, EgressWorkload } from './egress-access';
import { EgressRegistry } from './egress-registry';
import { EgressTrafficPolicy } from './egress-traffic-policy';
import { EgressError } from './model/error';
import { includesAmbient, includesIstio } from './model/output';
import { formatSelector } from './model/selector';
import { widenSelectors, withoutSelector } from './query/ambient-access';
import { asDeployed } from './query/deployed-access';
import { hostMatches, pairKey, routeKey, sourceMatches } from './query/matching';
import { flowchart } from './query/mermaid';
import { formatManifestProblems, readManifestAccess } from './query/read-access';
import { withServiceAccounts } from './query/service-accounts';

/**
 * Questions about what an egress policy allows, answered from the synthesised
 * `ASMEgressTrafficPolicy` objects (not from the construct inputs), so the answers hold for
 * exactly what is deployed. Usable in jest and in any program.
 *
 * Matching follows ASM: a rule's source matches a workload in the same namespace (or any
 * namespace for `*`) whose labels include all of the rule's `workloadSelector`; a host matches
 * exactly, or a `*.` wildcard matches every subdomain; ports match exactly. Where the Istio or
 * ambient output admits a source by its service account (`EgressSourceSelector.serviceAccount`),
 * the workload must run as that service account too.
 *
 * @example
 * const query = EgressQuery.fromApp(app);
 * const sleepB = { namespace: 'mytest', labels: { app: 'sleep-b' } };
 * expect(query.canReach(sleepB, 'www.aliyun.com', 443)).toMatchObject({ allowed: true, gatewayPort: 445 });
 * expect(query.canReach(sleepB, 'httpbin.org', 443).allowed).toBe(false);
 */
export class EgressQuery {
  /**
   * Reads the `ASMEgressTrafficPolicy` objects among manifests (for example the documents of a
   * synthesised YAML file); objects of other kinds are skipped. Each policy is checked field by
   * field as `fromManifest()` and `asm-egress lint` check it, with the same messages; the
   * guardrails, ASM's rules for gateway ports and the checks across policies are not applied:
   * the query answers for what the objects allow, as they are.
   *
   * When the objects hold ambient-mode output (a ServiceEntry enrolled to a waypoint), the
   * sources that a policy's overrides annotation widens (`Guardrail.UNENFORCED_SELECTOR`) are
   * answered as the waypoint admits them: every workload of their namespace. Where Istio or
   * ambient AuthorizationPolicies among the objects admit a source by its principal, its accesses
   * have that service account (see `EgressSourceSelector.serviceAccount`).
   * @param objects Kubernetes objects as plain JSON
   * @throws listing every problem of every policy object that cannot be read
   */
  public static fromManifests(objects: any[]): EgressQuery {
    const { accesses, overrides, problems } = readManifestAccess(objects);
    if (problems.length > 0) {
      throw new EgressError(`EgressQuery: cannot read the egress policies:\n${formatManifestProblems(objects, problems)}`, problems.map((p) => p.problem), 'manifest');
    }
    return new EgressQuery(asDeployed(accesses, objects), overrides);
  }

  /** A query of accesses read already (by `asm-egress diff` and `graph`). @internal */
  public static _fromAccesses(accesses: EgressAccess[], overrides: EgressGuardrailOverride[] = []): EgressQuery {
    return new EgressQuery(accesses, overrides);
  }

  /**
   * Synthesises every chart of an App (which validates it, as `cdk8s synth` does) and reads its
   * policies. A policy whose output is Istio objects only is read from the ASM object it stands for.
   *
   * A policy whose output includes Istio objects (`ISTIO` or `ASM_AND_ISTIO`) with
   * `istio.enforceWorkloadSelectors: false` is answered as its Istio objects behave: no Sidecar
   * limits its sources to their `workloadSelector`, so its accesses have no `workloadSelector`
   * and every workload of the source's namespace (of every namespace for `*`) matches.
   *
   * A policy whose output is ambient (`AMBIENT` or `ASM_AND_AMBIENT`) is answered as its waypoint
   * admits: a source with a service account keeps its `workloadSelector` (the service account is
   * taken to identify the workload), and a selector source widened by
   * `Guardrail.UNENFORCED_SELECTOR` has none: every workload of its namespace matches.
   *
   * With Istio or ambient output, a source that the synthesised AuthorizationPolicies admit by its
   * principal has that service account (`EgressSourceSelector.serviceAccount`), read from them as
   * `fromManifests()` reads it: ASM's CRD has no field for it, so ASM output alone admits any.
   * @throws if the App is invalid
   */
  public static fromApp(app: App): EgressQuery {
    const objects = app.charts.flatMap((chart) => chart.toJson());
    const namespaceWide = new Set<string>();
    const widened = new Map<string, Set<string>>();
    for (const policy of app.node.findAll()) {
      if (!(policy instanceof EgressTrafficPolicy)) continue;
      const metadata = policy.apiObject?.metadata;
      const key = `${metadata?.namespace ?? policy.namespace}/${metadata?.name ?? policy.name}`;
      if (includesIstio(policy.output) && policy._settings.istio.enforceWorkloadSelectors === false) namespaceWide.add(key);
      if (includesAmbient(policy.output)) {
        const model = EgressRegistry.of(policy)._validPolicyModel(policy.gateway);
        const sources = model.rules.flatMap((r) => r.sources).filter((s) => s.labels !== undefined && s.serviceAccount === undefined);
        widened.set(key, new Set(sources.map((s) => formatSelector(s.namespace, s.labels))));
      }
      if (policy.apiObject) continue;
      objects.push({
        apiVersion: policy.apiVersion,
        kind: 'ASMEgressTrafficPolicy',
        metadata: { name: policy.name, namespace: policy.namespace, annotations: policy._overrideAnnotations() },
        spec: policy._toKube(),
      });
    }
    const { accesses, overrides, problems } = readManifestAccess(objects);
    if (problems.length > 0) {
      throw new EgressError(`EgressQuery: cannot read the egress policies:\n${formatManifestProblems(objects, problems)}`, problems.map((p) => p.problem), 'manifest');
    }
    const deployed = widenSelectors(accesses, widened).map((a) => (namespaceWide.has(a.policy) ? withoutSelector(a) : a));
    // Service accounts are read from the synthesised AuthorizationPolicies, as from YAML.
    return new EgressQuery(withServiceAccounts(deployed, objects), overrides);
  }

  private readonly accesses: EgressAccess[];
  private readonly overrides: EgressGuardrailOverride[];

  private constructor(accesses: EgressAccess[], overrides: EgressGuardrailOverride[]) {
    this.overrides = overrides;
    const seen = new Set<string>();
    this.accesses = accesses.filter((a) => {
      const key = `${pairKey(a)} ${routeKey(a)} ${a.service} ${a.rule} ${a.policy}`;
      return !seen.has(key) && !!seen.add(key);
    });
  }

  /**
   * Every source and destination pair that the policies allow, with the way it takes: one entry per
   * rule, source, host and port (and service account, where the gateway or waypoint admits the
   * source's namespace on that port by several), in the order of the policies and rules. A pair
   * that two rules (or two services, or two policies) allow appears once for each.
   */
  public allowedPairs(): EgressAccess[] {
    return this.accesses.map(copy);
  }

  /** Every destination that a workload may reach. */
  public reachableFrom(workload: EgressWorkload): EgressAccess[] {
    return this.accesses.filter((a) => sourceMatches(a, workload)).map(copy);
  }

  /**
   * Whether a workload may reach `host` on `port`, through which gateway and gateway port, and
   * whether the gateway originates TLS. When the matching rules take different routes (another
   * gateway, gateway port or TLS origination), the answer says so with `ambiguous: true`, and
   * `matches` lists them all; the route described is that of the first one.
   * @param workload namespace, pod labels and service account of the workload
   * @param host the host the application connects to; a trailing dot (`api.example.com.`) is ignored
   * @param port the port the application connects to
   */
  public canReach(workload: EgressWorkload, host: string, port: number): EgressReachability {
    const wanted = isIP(host) ? canonicalHost(host) : host.toLowerCase().replace(/\.$/, '');
    const matches = this.accesses
      .filter((a) => a.destination.port === port && hostMatches(a.destination.host, wanted) && sourceMatches(a, workload))
      .map(copy);
    const first = matches[0];
    if (!first) return { allowed: false, matches };
    const ambiguous = new Set(matches.map(routeKey)).size > 1;
    return {
      allowed: true,
      gateway: first.gateway,
      gatewayPort: first.gatewayPort,
      tlsOrigination: first.tlsOrigination,
      protocol: first.destination.protocol,
      service: first.service,
      rule: first.rule,
      ...(ambiguous ? { ambiguous } : {}),
      matches,
    };
  }

  /**
   * Who may reach what, as a Mermaid flowchart (for a pull request, a wiki or a README): sources on
   * the left, each egress gateway as a box with one node per group of sources that reach the same
   * destinations, and the external services on the right. An edge from a gateway to a service is
   * labelled with the gateway port; a thick edge (`==>`) is HTTP that the gateway upgrades to
   * HTTPS (TLS origination, with the port it connects to), a plain one (`-->`) passes through as
   * sent. A source reaches a service exactly when a path joins them. Mermaid renders at most 500
   * edges by default (GitHub too): for a large App, review changes with `EgressDiff.toMarkdown()`.
   *
   * @example
   * // Render it in a `mermaid` code block of Markdown, or with the Mermaid CLI.
   * writeFileSync('egress.mmd', EgressQuery.fromApp(app).toMermaid());
   */
  public toMermaid(): string {
    return flowchart(this.accesses.map((access) => ({ access })));
  }

  /** @internal */
  public get _accesses(): EgressAccess[] {
    return this.allowedPairs();
  }

  /** The lines of the policies' overrides annotations. @internal */
  public get _guardrailOverrides(): EgressGuardrailOverride[] {
    return this.overrides.map((o) => ({ ...o }));
  }
}

function copy(a: EgressAccess): EgressAccess {
  return {
    ...a,
    source: { ...a.source, ...(a.source.workloadSelector ? { workloadSelector: { ...a.source.workloadSelector } } : {}) },
    destination: { ...a.destination },
  };
}
