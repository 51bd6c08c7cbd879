// Parses Mermaid diagrams with Mermaid's own parser (the `mermaid` package: the flowchart grammar
// and the database it fills, as a browser would), and gives back what it understood. An ES module
// run as a child process, because mermaid is ESM-only and jest runs the tests as CommonJS (see
// mermaid.ts, which runs this file). Mermaid sanitises labels with DOMPurify, which needs a DOM:
// jsdom provides one; nothing is rendered.
//
// stdin:  a JSON array of diagram texts, or { texts, config } to parse with Mermaid's secure
//         configuration changed (maxEdges, maxTextSize: what mermaid.initialize() sets).
// stdout: a JSON array, one entry per text: { ok: true, type, vertices, edges, subgraphs } with
//         labels decoded as a reader sees them, or { ok: false, error } with Mermaid's message.
// Exit status 0 whenever the texts could be given to the parser; non-zero only when the input is
// not a JSON array or the parser could not be loaded (the reason is on stderr).
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const { window } = new JSDOM('');
globalThis.window = window;
globalThis.document = window.document;
const { default: mermaid } = await import('mermaid');

/** Mermaid keeps `#quot;` and `#35;` as placeholders until it renders: decode them as it would. */
function decode(text) {
  if (typeof text !== 'string') return text;
  const element = window.document.createElement('textarea');
  return text
    .replace(/ﬂ°°(\d+)¶ß/g, (_, code) => String.fromCharCode(Number(code)))
    .replace(/ﬂ°(\w+)¶ß/g, (_, name) => {
      element.innerHTML = `&${name};`;
      return element.value;
    });
}

const input = JSON.parse(readFileSync(0, 'utf8'));
const texts = Array.isArray(input) ? input : input?.texts;
if (!Array.isArray(texts)) throw new Error('expected a JSON array of diagram texts, or { texts, config }');
mermaid.initialize({ startOnLoad: false, ...(Array.isArray(input) ? {} : input.config) });
const results = [];
for (const text of texts) {
  try {
    await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const db = diagram.db;
    results.push({
      ok: true,
      type: diagram.type,
      vertices: [...db.getVertices().values()].map((v) => ({ id: v.id, text: decode(v.text), shape: v.type })),
      edges: db.getEdges().map((e) => ({ start: e.start, end: e.end, text: decode(e.text), stroke: e.stroke, type: e.type, style: e.style ?? [] })),
      subgraphs: db.getSubGraphs().map((s) => ({ id: s.id, title: decode(s.title), nodes: s.nodes })),
    });
  } catch (e) {
    results.push({ ok: false, error: String(e?.message ?? e) });
  }
}
process.stdout.write(JSON.stringify(results));
