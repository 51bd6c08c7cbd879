import { Document, LineCounter, parseAllDocuments, YAMLError } from 'yaml';

// Which errors of the YAML parser to show: the causes, not what they make the parser report next.

/** The widths a tab in the indentation is tried as, in spaces. */
const TAB_WIDTHS = [1, 2, 3, 4, 5, 6, 7, 8];

/**
 * A document's errors without those that a tab in the indentation causes. The parser reads the
 * tab's line into the wrong collection, and then reports the shape it finds from there to the end
 * of that collection (a key over several lines, a sequence as a key, items that do not line up):
 * up to 6 errors for one tab. Which of them the tab causes is told by parsing the document again
 * with each tab of the indentation as spaces, at the width that leaves the fewest errors: an error
 * that this parse still has (the same code, on the same line) is the author's own and kept; one
 * that it has not is the tab's, and left out.
 */
export function withoutTabKnockOns(document: Document.Parsed, text: string, lines: LineCounter): YAMLError[] {
  const tabs = document.errors.filter((e) => e.code === 'TAB_AS_INDENT');
  const others = document.errors.filter((e) => e.code !== 'TAB_AS_INDENT');
  if (tabs.length === 0 || others.length === 0) return document.errors;

  // The document (and every error of it) from the start of its first line, so that columns stay.
  const first = Math.min(document.range[0], ...document.errors.map((e) => e.pos[0]));
  const start = text.lastIndexOf('\n', first - 1) + 1;
  const source = text.slice(start, Math.max(document.range[2], ...document.errors.map((e) => e.pos[1])));
  const lineBefore = lines.linePos(start).line - 1;
  const tabLines = new Set(tabs.map((e) => lines.linePos(e.pos[0]).line));
  // On a tab's line, the columns move with the width.
  const at = (code: string, line: number, col: number) => (tabLines.has(line) ? `${code} ${line}` : `${code} ${line}:${col}`);

  // The errors of the best parse, by code and position, counted.
  let left = new Map<string, number>();
  let fewest = Infinity;
  for (const width of TAB_WIDTHS) {
    const counter = new LineCounter();
    const errors = parseAllDocuments(asSpaces(source, tabs.map((e) => [e.pos[0] - start, e.pos[1] - start]), width),
      { lineCounter: counter, version: '1.1' }).flatMap((d) => d.errors);
    if (errors.length >= fewest) continue;
    fewest = errors.length;
    left = new Map();
    for (const e of errors) {
      const pos = counter.linePos(e.pos[0]);
      const key = at(e.code, lineBefore + pos.line, pos.col);
      left.set(key, (left.get(key) ?? 0) + 1);
    }
  }
  const kept = new Set(others.filter((e) => {
    const pos = lines.linePos(e.pos[0]);
    const key = at(e.code, pos.line, pos.col);
    const n = left.get(key) ?? 0;
    left.set(key, n - 1);
    return n > 0;
  }));
  return document.errors.filter((e) => e.code === 'TAB_AS_INDENT' || kept.has(e));
}

/** The text with each tab of the given ranges (the indentation the parser refused) as `width` spaces. */
function asSpaces(text: string, ranges: number[][], width: number): string {
  let result = '';
  let from = 0;
  for (const [start, end] of [...ranges].sort((a, b) => a[0] - b[0])) {
    if (start < from) continue;
    result += text.slice(from, start) + text.slice(start, end).replace(/\t/g, ' '.repeat(width));
    from = end;
  }
  return result + text.slice(from);
}
