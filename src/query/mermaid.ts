import type { EgressAccess } from '../egress-access';
import { formatDestination, formatSource } from './matching';

// Who may reach what, as a Mermaid flowchart: sources -> gateway -> external services.
//
// A gateway is shared by many sources that reach different services, so drawing sources into one
// gateway node and the gateway out to every service would show paths that no rule allows. Inside
// each gateway's box there is one node per group of sources that reach the same destinations (by
// the same route): a source reaches a service exactly when a path joins them.

/** What changed about an access, for the graph of a diff. */
export type ChangeKind = 'gained' | 'lost' | 'changed';

/** One access to draw, and for a diff, how it changed (`label` says what changed for a changed route). */
export interface GraphEntry {
  readonly access: EgressAccess;
  readonly change?: { readonly kind: ChangeKind; readonly label?: string };
}

export interface FlowchartOptions {
  /** Labels longer than this are cut, with `…`: a bound on the size of a graph for a comment. */
  readonly maxLabel?: number;
}

/** Colours of changed edges (GitHub's Primer palette), by kind; lost access is dashed too. */
const CHANGE_STYLE: Record<ChangeKind, string> = {
  gained: 'stroke:#1a7f37,color:#1a7f37,stroke-width:2px',
  lost: 'stroke:#cf222e,color:#cf222e,stroke-width:2px,stroke-dasharray:5 5',
  changed: 'stroke:#9a6700,color:#9a6700,stroke-width:2px',
};
const CHANGE_MARK: Record<ChangeKind, string> = { gained: '+', lost: '-', changed: '~' };

/** An edge from a group of sources to a destination. */
interface OutEdge {
  readonly destination: string;
  readonly label: string;
  readonly upgraded: boolean;
  readonly kind?: ChangeKind;
}

/**
 * What Mermaid renders by default (GitHub too): at most 500 edges and 50,000 characters; a larger
 * diagram is refused with an error in its place.
 */
export const MERMAID_MAX_EDGES = 500;
export const MERMAID_MAX_TEXT = 50_000;

/** The flowchart of the entries, deterministic: the same accesses in any order give the same text. */
export function flowchart(entries: GraphEntry[], options: FlowchartOptions = {}): string {
  return drawFlowchart(entries, options).text;
}

/** The flowchart, and its number of edges. */
export function drawFlowchart(entries: GraphEntry[], options: FlowchartOptions = {}): { text: string; edges: number } {
  const text = (s: string) => label(s, options.maxLabel);
  // Per gateway and outgoing edge (destination, route, change), the sources that take it.
  const byGateway = new Map<string, Map<string, { edge: OutEdge; sources: Set<string>; rules: Set<string> }>>();
  for (const { access, change } of entries) {
    const edge: OutEdge = {
      destination: formatDestination(access.destination),
      label: change ? `${CHANGE_MARK[change.kind]} ${change.label ?? routeLabel(access)}` : routeLabel(access),
      upgraded: access.tlsOrigination,
      ...(change ? { kind: change.kind } : {}),
    };
    const edges = byGateway.get(access.gateway) ?? new Map();
    byGateway.set(access.gateway, edges);
    const key = JSON.stringify([edge.destination, edge.label, edge.upgraded, edge.kind ?? '']);
    const entry = edges.get(key) ?? { edge, sources: new Set<string>(), rules: new Set<string>() };
    edges.set(key, entry);
    entry.sources.add(formatSource(access.source));
    if (access.rule !== undefined) entry.rules.add(access.rule);
  }

  const sources = new Ids('s');
  const destinations = new Ids('d');
  const groupIds = new Ids('g');
  const lines = ['flowchart LR'];
  const links: string[] = [];
  const linkStyles = new Map<ChangeKind, number[]>();
  [...byGateway.keys()].sort().forEach((gateway, gatewayIndex) => {
    // Edges with the same sources leave from the same node of the gateway.
    const groups = new Map<string, { sources: string[]; edges: OutEdge[]; rules: Set<string> }>();
    for (const { edge, sources: from, rules } of byGateway.get(gateway)!.values()) {
      const sorted = [...from].sort();
      const key = JSON.stringify(sorted);
      const group = groups.get(key) ?? { sources: sorted, edges: [], rules: new Set<string>() };
      groups.set(key, group);
      group.edges.push(edge);
      rules.forEach((r) => group.rules.add(r));
    }
    lines.push(`  subgraph gw${gatewayIndex}["${text(gateway)}"]`);
    const ordered = [...groups.entries()].sort(([a], [b]) => compare(a, b)).map(([, g]) => g);
    for (const group of ordered) {
      const id = groupIds.next();
      lines.push(`    ${id}{{"${text(ruleNames(group.rules))}"}}`);
      for (const source of group.sources) links.push(`  ${sources.of(source)} --> ${id}`);
      for (const edge of group.edges.sort((a, b) => compare(a.destination, b.destination) || compare(a.label, b.label))) {
        if (edge.kind) linkStyles.set(edge.kind, [...(linkStyles.get(edge.kind) ?? []), links.length]);
        links.push(`  ${id} ${edge.upgraded ? '==>' : '-->'}|"${text(edge.label)}"| ${destinations.of(edge.destination)}`);
      }
    }
    lines.push('  end');
  });
  for (const [name, id] of sources.entries()) lines.push(`  ${id}["${text(name)}"]`);
  for (const [name, id] of destinations.entries()) lines.push(`  ${id}["${text(name)}"]`);
  lines.push(...links);
  for (const kind of ['gained', 'lost', 'changed'] as ChangeKind[]) {
    const indexes = linkStyles.get(kind);
    if (indexes) lines.push(`  linkStyle ${indexes.join(',')} ${CHANGE_STYLE[kind]}`);
  }
  return { text: lines.join('\n') + '\n', edges: links.length };
}

/** The route on the edge into a service: `:444`, or `:80, TLS to :443` when the gateway upgrades. */
function routeLabel(a: EgressAccess): string {
  const port = a.gatewayPort !== undefined ? `:${a.gatewayPort}` : 'ASM-allocated port';
  return a.tlsOrigination ? `${port}, TLS to :${a.upstreamPort}` : port;
}

/** The rules that a group stands for: `rule a, b`, at most three named. */
function ruleNames(rules: Set<string>): string {
  const names = [...rules].sort();
  if (names.length === 0) return 'rule';
  const shown = names.slice(0, 3).join(', ');
  return `${names.length === 1 ? 'rule' : 'rules'} ${shown}${names.length > 3 ? ` +${names.length - 3}` : ''}`;
}

/**
 * Text inside a quoted Mermaid label: `#`, quotes, angle brackets and backticks as Mermaid's
 * entity codes (`#quot;`), which it renders as the characters; cut at `max` characters.
 */
export function label(text: string, max?: number): string {
  const cut = max !== undefined && text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return cut.replace(/[#"<>`&]/g, (c) => `#${c.charCodeAt(0)};`);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Node ids by name, in order of first use: `s0`, `s1`, ... */
class Ids {
  private readonly ids = new Map<string, string>();
  constructor(private readonly prefix: string) {}

  public of(name: string): string {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = `${this.prefix}${this.ids.size}`;
      this.ids.set(name, id);
    }
    return id;
  }

  public next(): string {
    return this.of(`\0${this.ids.size}`);
  }

  public entries(): Array<[string, string]> {
    return [...this.ids.entries()];
  }
}
