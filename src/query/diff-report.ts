import type { EgressAccess, EgressGuardrailOverride } from '../egress-access';
import type { EgressAccessChange, EgressDiff } from '../egress-diff';
import { formatDestination, formatSource } from './matching';
import { flowchart, GraphEntry } from './mermaid';

// A diff for reviewers: Markdown for a pull-request comment (grouped by gateway, bounded in size
// whatever the change), and JSON for machines (everything).

/** How much a comment shows. Every list is cut with counts of what is left out. */
export interface ReportLimits {
  /** Rows of the table of gateways. */
  readonly gatewayRows: number;
  /** Gateways whose changes are listed. */
  readonly detailedGateways: number;
  /** Rows of one list (gained, lost, changed, overrides added, overrides removed) of a gateway. */
  readonly rowsPerList: number;
  /** Rows of all lists together. */
  readonly rows: number;
  /** Changes drawn in the graph. */
  readonly graphChanges: number;
  /** Characters of a table cell or a graph label; longer text is cut with `…`. */
  readonly cell: number;
  /**
   * Characters of the whole comment: when the lists and the graph would make it longer (text
   * full of characters that must be escaped), they are shortened until it fits.
   */
  readonly length: number;
}

/**
 * The limits of a comment, within GitHub's 65,536 characters. Measured: a change of 10,000
 * services on 20 gateways gives about 9,000 characters; names of the longest kinds on 60 gateways
 * about 24,000.
 */
export const COMMENT_LIMITS: ReportLimits = {
  gatewayRows: 20, detailedGateways: 10, rowsPerList: 10, rows: 60, graphChanges: 30, cell: 120, length: 60_000,
};

/** The changes of one gateway. */
interface GatewayChanges {
  readonly gateway: string;
  readonly gained: EgressAccess[];
  readonly lost: EgressAccess[];
  readonly changed: EgressAccessChange[];
  readonly added: EgressGuardrailOverride[];
  readonly removed: EgressGuardrailOverride[];
}

/** The diff as Markdown for a pull-request comment, at most `limits.length` characters. */
export function diffMarkdown(diff: EgressDiff, limits: ReportLimits = COMMENT_LIMITS): string {
  const gateways = byGateway(diff);
  let current = limits;
  for (;;) {
    const markdown = renderMarkdown(diff, gateways, current);
    // Without lists and graph, what is left is short: the totals and at most gatewayRows + 1 rows of cut names.
    if (markdown.length <= limits.length || (current.rows === 0 && current.graphChanges === 0)) return markdown;
    const half = (n: number) => Math.floor(n / 2);
    current = { ...current, rows: half(current.rows), rowsPerList: Math.max(1, half(current.rowsPerList)), graphChanges: half(current.graphChanges) };
  }
}

function renderMarkdown(diff: EgressDiff, gateways: GatewayChanges[], limits: ReportLimits): string {
  const out: string[] = [];
  const counts = `${number(diff.gained.length)} gained, ${number(diff.lost.length)} lost, ${number(diff.changed.length)} changed`;
  out.push(diff.isEmpty ? '## Egress access: no change' : `## Egress access: ${counts}`, '');
  const overrides = diff.guardrailOverridesAdded.length + diff.guardrailOverridesRemoved.length;
  if (overrides > 0) {
    out.push(`Guardrail overrides: ${number(diff.guardrailOverridesAdded.length)} added, ${number(diff.guardrailOverridesRemoved.length)} removed.`, '');
  }
  if (gateways.length === 0) return finish(out);

  // Every gateway with a change, in one table.
  out.push('| Gateway | Gained | Lost | Changed | Overrides added | Overrides removed |', '| --- | ---: | ---: | ---: | ---: | ---: |');
  const row = (name: string, g: Array<GatewayChanges>) => {
    const sum = (f: (x: GatewayChanges) => unknown[]) => number(g.reduce((n, x) => n + f(x).length, 0));
    return `| ${name} | ${sum((x) => x.gained)} | ${sum((x) => x.lost)} | ${sum((x) => x.changed)} | ${sum((x) => x.added)} | ${sum((x) => x.removed)} |`;
  };
  for (const g of gateways.slice(0, limits.gatewayRows)) out.push(row(code(g.gateway, limits.cell), [g]));
  if (gateways.length > limits.gatewayRows) {
    out.push(row(`… ${number(gateways.length - limits.gatewayRows)} more gateways`, gateways.slice(limits.gatewayRows)));
  }
  out.push('');

  // Then what changed at each gateway, as far as the budget of rows goes.
  let budget = limits.rows;
  let detailed = 0;
  for (const g of gateways) {
    if (detailed === limits.detailedGateways || budget <= 0) break;
    detailed++;
    out.push(`### ${code(g.gateway, limits.cell)}`, '');
    const list = <T>(title: string, items: T[], header: string, cells: (item: T) => string[], rest: (items: T[]) => string) => {
      if (items.length === 0) return;
      const shown = Math.max(0, Math.min(items.length, limits.rowsPerList, budget));
      budget -= shown;
      out.push(`**${title}: ${number(items.length)}**`, '');
      if (shown > 0) {
        out.push(header, header.replace(/[^|]+/g, ' --- '));
        for (const item of items.slice(0, shown)) out.push(`| ${cells(item).join(' | ')} |`);
        out.push('');
      }
      if (shown < items.length) out.push(`… and ${number(items.length - shown)} more ${rest(items.slice(shown))}.`, '');
    };
    const c = (value: string) => code(value, limits.cell);
    const access = (a: EgressAccess) => [c(source(a)), c(formatDestination(a.destination)), text(route(a), limits.cell)];
    const pairs = (kind: string) => (rest: Array<EgressAccess | EgressAccessChange>) => `${kind}, ${spread(rest)}`;
    list('Gained', g.gained, '| Source | Destination | Via |', access, pairs('gained'));
    list('Lost', g.lost, '| Source | Destination | Via |', access, pairs('lost'));
    list('Changed', g.changed, '| Source | Destination | Change |',
      (x) => [c(source(x)), c(formatDestination(x.destination)), text(x.description, limits.cell)], pairs('changed'));
    const override = (o: EgressGuardrailOverride) => [c(o.subject), c(o.guardrail), text(o.reason, limits.cell)];
    list('Guardrail overrides added', g.added, '| Subject | Guardrail | Reason |', override, () => 'added');
    list('Guardrail overrides removed', g.removed, '| Subject | Guardrail | Reason |', override, () => 'removed');
  }
  if (detailed < gateways.length) {
    out.push(`_The changes of ${number(gateways.length - detailed)} more gateways are not listed here: \`asm-egress diff OLD NEW\` lists every change._`, '');
  }

  // The changed part of the graph.
  const entries: GraphEntry[] = gateways.flatMap((g) => [
    ...g.gained.map((a) => ({ access: a, change: { kind: 'gained' as const } })),
    ...g.lost.map((a) => ({ access: a, change: { kind: 'lost' as const } })),
    ...g.changed.map((x) => ({ access: x.after[0], change: { kind: 'changed' as const, label: x.description } })),
  ]);
  if (entries.length > 0 && limits.graphChanges > 0) {
    const drawn = entries.slice(0, limits.graphChanges);
    const of = drawn.length < entries.length ? ` (${number(drawn.length)} of ${number(entries.length)} drawn)` : '';
    out.push('<details>', `<summary>Graph of the changed access${of}</summary>`, '',
      'Green: gained, red and dashed: lost, amber: another route. A thick arrow is HTTP that the gateway upgrades to HTTPS.', '',
      '```mermaid', flowchart(drawn, { maxLabel: limits.cell }).trimEnd(), '```', '', '</details>', '');
  }
  return finish(out);
}

/** The diff as plain data for machines: everything, nothing cut. */
export function diffJson(diff: EgressDiff): unknown {
  return {
    summary: {
      gained: diff.gained.length,
      lost: diff.lost.length,
      changed: diff.changed.length,
      guardrailOverridesAdded: diff.guardrailOverridesAdded.length,
      guardrailOverridesRemoved: diff.guardrailOverridesRemoved.length,
    },
    gained: diff.gained,
    lost: diff.lost,
    changed: diff.changed.map((c) => ({
      source: c.source, destination: c.destination, description: c.description, before: c.before, after: c.after,
    })),
    guardrailOverridesAdded: diff.guardrailOverridesAdded,
    guardrailOverridesRemoved: diff.guardrailOverridesRemoved,
  };
}

/** The changes by gateway (a changed route under the gateway it takes now), gateways sorted. */
function byGateway(diff: EgressDiff): GatewayChanges[] {
  const map = new Map<string, GatewayChanges>();
  const of = (gateway: string) => {
    let g = map.get(gateway);
    if (!g) map.set(gateway, g = { gateway, gained: [], lost: [], changed: [], added: [], removed: [] });
    return g;
  };
  for (const a of diff.gained) of(a.gateway).gained.push(a);
  for (const a of diff.lost) of(a.gateway).lost.push(a);
  for (const c of diff.changed) of(c.after[0].gateway).changed.push(c);
  for (const o of diff.guardrailOverridesAdded) of(o.gateway).added.push(o);
  for (const o of diff.guardrailOverridesRemoved) of(o.gateway).removed.push(o);
  return [...map.values()].sort((a, b) => (a.gateway < b.gateway ? -1 : a.gateway > b.gateway ? 1 : 0));
}

function source(a: { readonly source: EgressAccess['source'] }): string {
  return formatSource(a.source);
}

/** The way through the gateway: `port 444`, `port 80, TLS origination to 443`. */
function route(a: EgressAccess): string {
  const port = a.gatewayPort !== undefined ? `port ${a.gatewayPort}` : 'port allocated by ASM';
  return a.tlsOrigination ? `${port}, TLS origination to ${a.upstreamPort}` : port;
}

/** `from 2 sources to 9,990 destinations`. */
function spread(items: Array<{ readonly source: EgressAccess['source']; readonly destination: EgressAccess['destination'] }>): string {
  const sources = new Set(items.map(source)).size;
  const destinations = new Set(items.map((i) => formatDestination(i.destination))).size;
  return `from ${number(sources)} ${sources === 1 ? 'source' : 'sources'} to ${number(destinations)} ${destinations === 1 ? 'destination' : 'destinations'}`;
}

function finish(lines: string[]): string {
  return lines.join('\n').replace(/\n+$/, '') + '\n';
}

function number(n: number): string {
  return n.toLocaleString('en-US');
}

function cut(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

/** A code span that holds any text, safe in a table cell. */
function code(value: string, max: number): string {
  const body = cut(value, max).replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  return longest > 0 ? `${fence} ${body} ${fence}` : `${fence}${body}${fence}`;
}

/** Prose (a reason, a description) with Markdown's and HTML's special characters escaped. */
function text(value: string, max: number): string {
  return cut(value, max).replace(/[\\`*_[\]{}()#+!|~]/g, (c) => `\\${c}`).replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
