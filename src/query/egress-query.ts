import { isIP } from 'net';
import { App } from 'cdk8s';
import { canonicalHost } from '../model/host-reach';
import { EgressTrafficPolicy } from '../policy';
import { EgressAccess, EgressReachability, EgressWorkload, pairKey, routeKey } from './egress-access';
import { formatManifestProblems, readManifestAccess } from './read-manifests';

/**
 * Questions about what an egress policy allows, answered from the synthesised
 * `ASMEgressTrafficPolicy` objects (not from the construct inputs), so the answers hold for
 * exactly what is deployed. Usable in jest and in any program.
 *
 * Matching follows ASM: a rule's source matches a workload in the same namespace (or any
 * namespace for `*`) whose labels include all of the rule's `workloadSelector`; a host matches
 * exactly, or a `*.` wildcard matches every subdomain; ports match exactly.
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
   * @param objects Kubernetes objects as plain JSON
   * @throws listing every problem of every policy object that cannot be read
   */
  public static fromManifests(objects: any[]): EgressQuery {
    const { accesses, problems } = readManifestAccess(objects);
    if (problems.length > 0) {
      throw new Error(`EgressQuery: cannot read the egress policies:\n${formatManifestProblems(objects, problems)}`);
    }
    return new EgressQuery(accesses);
  }

  /** A query of accesses read already (by `asm-egress diff`). @internal */
  public static _fromAccesses(accesses: EgressAccess[]): EgressQuery {
    return new EgressQuery(accesses);
  }

  /**
   * Synthesises every chart of an App (which validates it, as `cdk8s synth` does) and reads its
   * policies. A policy whose output is Istio objects only is read from the ASM object it stands for.
   * @throws if the App is invalid
   */
  public static fromApp(app: App): EgressQuery {
    const objects = app.charts.flatMap((chart) => chart.toJson());
    for (const policy of app.node.findAll()) {
      if (!(policy instanceof EgressTrafficPolicy) || policy.apiObject) continue;
      objects.push({
        apiVersion: policy.apiVersion,
        kind: 'ASMEgressTrafficPolicy',
        metadata: { name: policy.name, namespace: policy.namespace },
        spec: policy._toKube(),
      });
    }
    return EgressQuery.fromManifests(objects);
  }

  private readonly accesses: EgressAccess[];

  private constructor(accesses: EgressAccess[]) {
    const seen = new Set<string>();
    this.accesses = accesses.filter((a) => {
      const key = `${pairKey(a)} ${routeKey(a)} ${a.service} ${a.rule} ${a.policy}`;
      return !seen.has(key) && !!seen.add(key);
    });
  }

  /** Every source and destination pair that the policies allow, one per host, in the order of the policies and rules. */
  public allowedPairs(): EgressAccess[] {
    return this.accesses.map(copy);
  }

  /** Every destination that a workload may reach. */
  public reachableFrom(workload: EgressWorkload): EgressAccess[] {
    return this.accesses.filter((a) => sourceMatches(a, workload)).map(copy);
  }

  /**
   * Whether a workload may reach `host` on `port`, through which gateway and gateway port, and
   * whether the gateway originates TLS.
   * @param workload namespace and pod labels of the workload
   * @param host the host the application connects to
   * @param port the port the application connects to
   */
  public canReach(workload: EgressWorkload, host: string, port: number): EgressReachability {
    const wanted = isIP(host) ? canonicalHost(host) : host.toLowerCase();
    const matches = this.accesses
      .filter((a) => a.destination.port === port && hostMatches(a.destination.host, wanted) && sourceMatches(a, workload))
      .map(copy);
    const first = matches[0];
    if (!first) return { allowed: false, matches };
    return {
      allowed: true,
      gateway: first.gateway,
      gatewayPort: first.gatewayPort,
      tlsOrigination: first.tlsOrigination,
      protocol: first.destination.protocol,
      service: first.service,
      rule: first.rule,
      matches,
    };
  }

  /** @internal */
  public get _accesses(): EgressAccess[] {
    return this.allowedPairs();
  }
}

function sourceMatches(a: EgressAccess, workload: EgressWorkload): boolean {
  if (a.source.namespace !== '*' && a.source.namespace !== workload.namespace) return false;
  const labels = workload.labels ?? {};
  return Object.entries(a.source.workloadSelector ?? {}).every(([k, v]) => labels[k] === v);
}

/** A `*.` wildcard matches every name below it (not the domain itself); other hosts match exactly. */
function hostMatches(pattern: string, host: string): boolean {
  return pattern === host || (pattern.startsWith('*.') && host.endsWith(pattern.slice(1)));
}

function copy(a: EgressAccess): EgressAccess {
  return {
    ...a,
    source: { ...a.source, ...(a.source.workloadSelector ? { workloadSelector: { ...a.source.workloadSelector } } : {}) },
    destination: { ...a.destination },
  };
}
