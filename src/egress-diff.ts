import { EgressAccess, EgressDestination, EgressGuardrailOverride, EgressSourceSelector } from './egress-access';
import { EgressQuery } from './egress-query';
import { diffMarkdown } from './query/diff-report';
import { formatRoute, hostMatches, pairKey, pairText, routeKey, sourceCovers } from './query/matching';

/** A source and destination allowed before and after, whose way through the gateway changed. */
export interface EgressAccessChange {
  /** The sources. */
  readonly source: EgressSourceSelector;
  /** The destination. */
  readonly destination: EgressDestination;
  /** How the traffic went before (one entry per route). */
  readonly before: EgressAccess[];
  /** How the traffic goes after. */
  readonly after: EgressAccess[];
  /** What changed, e.g. `gateway port 80 -> 10000` or `TLS origination to port 443 -> none`. */
  readonly description: string;
}

/**
 * What changes in the access that policies allow between two versions: which sources gain or
 * lose which destinations, and which keep them through another gateway, gateway port or TLS
 * origination. Renaming services or rules changes nothing.
 *
 * Gained and lost are decided by coverage, with the matching of `EgressQuery`: a source and
 * destination allowed after is gained only if no pair allowed before covers it, and one allowed
 * before is lost only if no pair allowed after covers it. A pair covers another when its namespace
 * is `*` or the same, its workload selector is a subset of the other's, it admits any service
 * account or the same one, its host is the same or a `*.` wildcard that matches it, and its port
 * and protocol are the same. So narrowing a source or host is only lost access, and widening one
 * is only gained access; another service account (`EgressSourceSelector.serviceAccount`) is both.
 *
 * Guardrail overrides (the lines of the policies' overrides annotations) that a change adds or
 * removes are listed apart: they change no access by themselves, but a reviewer must see them.
 *
 * @example
 * const diff = EgressDiff.between(EgressQuery.fromApp(before), EgressQuery.fromApp(after));
 * expect(diff.gained).toEqual([]); // this change must not widen egress
 * expect(diff.guardrailOverridesAdded).toEqual([]); // nor add an exception to a guardrail
 */
export class EgressDiff {
  /** The difference from `before` to `after`. */
  public static between(before: EgressQuery, after: EgressQuery): EgressDiff {
    const diff = new EgressDiff(group(before._accesses), group(after._accesses));
    const was = before._guardrailOverrides;
    const is = after._guardrailOverrides;
    diff.guardrailOverridesAdded.push(...overridesMissing(is, was));
    diff.guardrailOverridesRemoved.push(...overridesMissing(was, is));
    return diff;
  }

  /** Access that `after` allows and no pair of `before` covers (one entry per source, destination and route). */
  public readonly gained: EgressAccess[];
  /** Access that `before` allows and no pair of `after` covers. */
  public readonly lost: EgressAccess[];
  /** Access that both allow, through a different gateway, gateway port or TLS origination. */
  public readonly changed: EgressAccessChange[];
  /**
   * Guardrail overrides that `after` has and `before` has not (by gateway, subject, guardrail and
   * reason: a new reason is one override removed and one added), sorted.
   */
  public readonly guardrailOverridesAdded: EgressGuardrailOverride[] = [];
  /** Guardrail overrides that `before` has and `after` has not. */
  public readonly guardrailOverridesRemoved: EgressGuardrailOverride[] = [];

  private constructor(before: Map<string, EgressAccess[]>, after: Map<string, EgressAccess[]>) {
    const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
    const uncovered = (side: Map<string, EgressAccess[]>, other: Map<string, EgressAccess[]>) => (k: string) =>
      side.has(k) && ![...other.values()].some((others) => covers(others[0], side.get(k)![0]));
    this.gained = keys.filter(uncovered(after, before)).flatMap((k) => distinctRoutes(after.get(k)!));
    this.lost = keys.filter(uncovered(before, after)).flatMap((k) => distinctRoutes(before.get(k)!));
    this.changed = [];
    for (const key of keys) {
      const was = before.get(key);
      const is = after.get(key);
      if (!was || !is) continue;
      const description = describeChange(distinctRoutes(was), distinctRoutes(is));
      if (description !== undefined) {
        this.changed.push({ source: is[0].source, destination: is[0].destination, before: was, after: is, description });
      }
    }
  }

  /**
   * Whether no access changes: nothing gained, lost or changed (guardrail overrides added or
   * removed do not count; `asm-egress diff` exits with 0 then).
   */
  public get isEmpty(): boolean {
    return this.gained.length === 0 && this.lost.length === 0 && this.changed.length === 0;
  }

  /**
   * The difference as lines for people and CI logs, sorted by source and destination:
   * `+ <source> -> <host>:<port>/<protocol> via <gateway>:<port>` for gained access, `-` for lost,
   * `~ <source> -> <destination>: <what changed>` for changed; empty when nothing changes. A source
   * is `<namespace>{<labels>}`, or the workload it stands for (`Deployment team-a/web`, see
   * `EgressSourceSelector.workload`), followed by ` as sa/<name>` where it has a service account.
   */
  public format(): string {
    const lines = [
      ...this.gained.map((a) => ({ key: pairKey(a), line: `+ ${pairText(a)} ${formatRoute(a)}` })),
      ...this.lost.map((a) => ({ key: pairKey(a), line: `- ${pairText(a)} ${formatRoute(a)}` })),
      ...this.changed.map((c) => ({ key: pairKey(c.after[0]), line: `~ ${pairText(c.after[0])}: ${c.description}` })),
    ].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return lines.map((l) => `${l.line}\n`).join('');
  }

  /**
   * The difference as Markdown for a pull-request comment: totals, a table of the gateways, then
   * per gateway the access gained, lost and changed (source, destination, route) and the guardrail
   * overrides added and removed, and a Mermaid graph of the changed access only. Long lists are
   * cut with counts of what is left out (`asm-egress diff` and `format()` list everything), so
   * that the comment stays readable and within GitHub's 65,536 characters, however large the
   * change.
   *
   * @example
   * writeFileSync('egress-diff.md', EgressDiff.between(EgressQuery.fromApp(before), EgressQuery.fromApp(after)).toMarkdown());
   */
  public toMarkdown(): string {
    return diffMarkdown(this);
  }
}

/** The overrides of `side` that `other` has not, sorted by gateway, subject, guardrail and reason. */
function overridesMissing(side: EgressGuardrailOverride[], other: EgressGuardrailOverride[]): EgressGuardrailOverride[] {
  const key = (o: EgressGuardrailOverride) => JSON.stringify([o.gateway, o.subject, o.guardrail, o.reason]);
  const others = new Set(other.map(key));
  const seen = new Set<string>();
  return side.filter((o) => !others.has(key(o)) && !seen.has(key(o)) && !!seen.add(key(o)))
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * Whether the source and destination of `by` include those of `pair`: every workload that `pair`
 * lets reach a host also reaches it by `by`, on the same port and protocol.
 */
function covers(by: EgressAccess, pair: EgressAccess): boolean {
  return sourceCovers(by.source, pair.source)
    && hostMatches(by.destination.host, pair.destination.host)
    && by.destination.port === pair.destination.port
    && by.destination.protocol === pair.destination.protocol;
}

/** Accesses by source and destination. */
function group(accesses: EgressAccess[]): Map<string, EgressAccess[]> {
  const byPair = new Map<string, EgressAccess[]>();
  for (const a of accesses) byPair.set(pairKey(a), [...(byPair.get(pairKey(a)) ?? []), a]);
  return byPair;
}

/** One access per route, in route order (two rules allowing the same way are one route). */
function distinctRoutes(accesses: EgressAccess[]): EgressAccess[] {
  const byRoute = new Map<string, EgressAccess>();
  for (const a of accesses) if (!byRoute.has(routeKey(a))) byRoute.set(routeKey(a), a);
  return [...byRoute.keys()].sort().map((k) => byRoute.get(k)!);
}

/** What changed in the routes of one pair, or undefined when they are the same. */
function describeChange(was: EgressAccess[], is: EgressAccess[]): string | undefined {
  const text = (routes: EgressAccess[]) => routes.map(routeKey).join('; ');
  if (text(was) === text(is)) return undefined;
  if (was.length !== 1 || is.length !== 1) return `${text(was)} -> ${text(is)}`;
  const [a, b] = [was[0], is[0]];
  const port = (x: EgressAccess) => x.gatewayPort ?? '(ASM-allocated)';
  const tls = (x: EgressAccess) => (x.tlsOrigination ? `to port ${x.upstreamPort}` : 'none');
  const changes: string[] = [];
  if (a.gateway !== b.gateway) changes.push(`gateway ${a.gateway} -> ${b.gateway}`);
  if (port(a) !== port(b)) changes.push(`gateway port ${port(a)} -> ${port(b)}`);
  if (tls(a) !== tls(b)) changes.push(`TLS origination ${tls(a)} -> ${tls(b)}`);
  return changes.join(', ');
}
