import { spawnSync } from 'child_process';
import * as path from 'path';
import type { EgressAccess } from '../../src';

/**
 * Mermaid's own parser, run in a child process (see mermaid-check.mjs; not named mermaid.mjs,
 * because jest would resolve `./mermaid` to it instead of this file).
 */
const CHECKER = path.join(__dirname, 'mermaid-check.mjs');

/** What Mermaid understood of a diagram, or its parse error. */
export type ParsedMermaid = {
  readonly ok: true;
  /** `flowchart-v2` for a flowchart. */
  readonly type: string;
  readonly vertices: Array<{ readonly id: string; readonly text: string; readonly shape: string }>;
  /** `stroke` is `normal`, `thick` or `dotted`; `style` holds the linkStyle of the edge. */
  readonly edges: Array<{
    readonly start: string; readonly end: string; readonly text: string; readonly stroke: string; readonly type: string; readonly style: string[];
  }>;
  readonly subgraphs: Array<{ readonly id: string; readonly title: string; readonly nodes: string[] }>;
} | { readonly ok: false; readonly error: string };

/**
 * Parses every text with Mermaid's parser, in one child process (which takes a second or two to
 * load Mermaid: parse many texts at once). `config` changes Mermaid's secure settings, such as
 * `maxEdges` (500 by default, as GitHub renders).
 */
export function parseMermaid(texts: string[], config?: { readonly maxEdges?: number; readonly maxTextSize?: number }): ParsedMermaid[] {
  const input = JSON.stringify(config ? { texts, config } : texts);
  const result = spawnSync(process.execPath, [CHECKER], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 120_000 });
  if (result.status !== 0) throw new Error(`the Mermaid parser failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/**
 * Every path that a parsed flowchart draws from a source (a node without incoming edges) through
 * one node to a destination (a node without outgoing edges), read from Mermaid's own model, as
 * `SOURCE -> DESTINATION | BOX | LABEL | STROKE | STYLE`: the box (subgraph) the middle node is in,
 * the label, stroke and linkStyle of the edge into the destination. Independent of how the
 * renderer names its nodes.
 */
export function pathsOf(parsed: ParsedMermaid): string[] {
  if (!parsed.ok) throw new Error(`not a parsed diagram: ${parsed.error}`);
  const text = new Map(parsed.vertices.map((v) => [v.id, v.text]));
  const hasIn = new Set(parsed.edges.map((e) => e.end));
  const hasOut = new Set(parsed.edges.map((e) => e.start));
  const boxOf = new Map(parsed.subgraphs.flatMap((s) => s.nodes.map((n) => [n, s.title] as const)));
  const paths: string[] = [];
  for (const first of parsed.edges.filter((e) => !hasIn.has(e.start))) {
    for (const second of parsed.edges.filter((e) => e.start === first.end && !hasOut.has(e.end))) {
      paths.push(`${text.get(first.start)} -> ${text.get(second.end)} | ${boxOf.get(first.end)} | ${second.text} | ${second.stroke} | ${second.style.join(';')}`);
    }
  }
  return paths.sort();
}

/** The path that an allowed pair should be, in the form of pathsOf(). */
export function expectedPath(a: EgressAccess, style = ''): string {
  const selector = a.source.workloadSelector
    ? `${a.source.namespace}{${Object.entries(a.source.workloadSelector).map(([k, v]) => `${k}=${v}`).join(',')}}` : a.source.namespace;
  const source = a.source.serviceAccount !== undefined ? `${selector} as sa/${a.source.serviceAccount}` : selector;
  const port = a.gatewayPort !== undefined ? `:${a.gatewayPort}` : 'ASM-allocated port';
  const route = a.tlsOrigination ? `${port}, TLS to :${a.upstreamPort}` : port;
  return `${source} -> ${a.destination.host}:${a.destination.port}/${a.destination.protocol} | ${a.gateway} | ${route} | ${a.tlsOrigination ? 'thick' : 'normal'} | ${style}`;
}

