import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { EgressDiff, EgressQuery } from '../../src';
import { COMMENT_LIMITS } from '../../src/query/diff-report';
import { runCli } from '../cli/util/run-cli';
import { largePolicies, yamlOf } from '../util/large-policies';
import { expectedPath, parseMermaid, pathsOf } from '../util/mermaid';

// SLOW (10,000 services; Mermaid's parser in child processes): the review outputs at scale. A pull
// request comment must stay readable and within GitHub's 65,536 characters, and its graph must be
// one that Mermaid renders with its default limits (as GitHub does).

/** GitHub's limit on the body of a comment. */
const GITHUB_COMMENT_MAX = 65_536;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asm-egress-review-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `asm-egress ...args` in this process. */
const run = (...args: string[]) => runCli(args);

/** The Mermaid block of a comment. */
function mermaidOf(markdown: string): string {
  const match = /```mermaid\n([\s\S]*?)```/.exec(markdown);
  if (!match) throw new Error('no mermaid block');
  return match[1];
}

describe('a change of 10,000 services (20 gateways, 10 to 500 services each)', () => {
  const base = largePolicies(20, 10);
  const head = largePolicies(20, 500);
  let diff: EgressDiff;
  let markdown: string;

  beforeAll(() => {
    diff = EgressDiff.between(EgressQuery.fromManifests(base), EgressQuery.fromManifests(head));
    markdown = diff.toMarkdown();
  });

  test('the comment stays short: totals, every gateway counted, lists cut with counts', () => {
    expect(diff.gained).toHaveLength(20 * 490);
    expect(markdown.length).toBeLessThan(GITHUB_COMMENT_MAX);
    expect(markdown.length).toBeLessThan(20_000);
    const lines = markdown.split('\n');
    expect(lines[0]).toBe('## Egress access: 9,800 gained, 0 lost, 0 changed');
    // The table counts every gateway; the lists stop at the row budget, saying what they leave out.
    expect(lines.filter((l) => /^\| `gw-\d+` \| 490 \| 0 \| 0 \| 0 \| 0 \|$/.test(l))).toHaveLength(20);
    const listed = lines.filter((l) => /^\| `team-\d+\{app=app-\d+\}` \|/.test(l));
    expect(listed).toHaveLength(COMMENT_LIMITS.rows);
    expect(lines.filter((l) => l.startsWith('### '))).toHaveLength(COMMENT_LIMITS.rows / COMMENT_LIMITS.rowsPerList);
    expect(lines).toContain('… and 480 more gained, from 10 sources to 480 destinations.');
    expect(lines).toContain('_The changes of 14 more gateways are not listed here: `asm-egress diff OLD NEW` lists every change._');
    // Every listed row is a gained access of the diff.
    const gained = new Set(diff.gained.map((a) => `| \`team-${a.source.namespace.slice(5)}{app=${a.source.workloadSelector!.app}}\` | \`${a.destination.host}:${a.destination.port}/${a.destination.protocol}\``));
    for (const row of listed) expect(gained.has(row.split(' | ').slice(0, 2).join(' | '))).toBe(true);
  });

  test("the comment's graph renders with Mermaid's default limits and draws only gained access", () => {
    const [parsed] = parseMermaid([mermaidOf(markdown)]);
    expect(parsed.ok ? '' : parsed.error).toBe('');
    const green = 'stroke:#1a7f37;color:#1a7f37;stroke-width:2px;fill:none';
    const allowed = new Set(diff.gained.map((a) => expectedPath(a, green).replace(/ \| :/, ' | + :')));
    const paths = pathsOf(parsed);
    expect(paths).toHaveLength(COMMENT_LIMITS.graphChanges);
    for (const path of paths) expect(allowed.has(path)).toBe(true);
    expect(markdown).toContain(`<summary>Graph of the changed access (${COMMENT_LIMITS.graphChanges} of 9,800 drawn)</summary>`);
  });

  test('asm-egress diff --format markdown: the same comment, the exit status of the text format', () => {
    const old = join(dir, 'base.yaml');
    const now = join(dir, 'head.yaml');
    writeFileSync(old, yamlOf(base));
    writeFileSync(now, yamlOf(head));
    const md = run('diff', '--format', 'markdown', old, now);
    expect({ status: md.status, stderr: md.stderr }).toEqual({ status: 1, stderr: '' });
    expect(md.stdout).toBe(markdown);
    expect(run('diff', '--format', 'markdown', now, now)).toEqual({ status: 0, stdout: '## Egress access: no change\n', stderr: '' });
  });

  test('the whole graph: every pair, parser-valid when Mermaid is allowed that many edges', () => {
    const query = EgressQuery.fromManifests(head);
    const text = query.toMermaid();
    const [parsed] = parseMermaid([text], { maxEdges: 100_000, maxTextSize: 10_000_000 });
    expect(parsed.ok ? '' : parsed.error).toBe('');
    expect(pathsOf(parsed)).toEqual([...new Set(query.allowedPairs().map((a) => expectedPath(a)))].sort());
    expect(pathsOf(parsed)).toHaveLength(10_000);

  });
});

test('the comment stays within its bound with names of the longest kinds on 60 gateways', () => {
  const long = (prefix: string, n: number) => `${prefix}${'x'.repeat(n - prefix.length)}`;
  const policies = (services: number, withOverrides: boolean) => Array.from({ length: 60 }, (_, g) => ({
    apiVersion: 'istio.alibabacloud.com/v1beta1',
    kind: 'ASMEgressTrafficPolicy',
    metadata: {
      name: long(`p${g}-`, 63),
      namespace: 'istio-egress',
      ...(withOverrides ? {
        annotations: {
          'egress.cdk8s-asm-egress.io/guardrail-overrides': Array.from({ length: services }, (__, s) => `service ${long(`s${s}-`, 63)}: PRIVATE_ADDRESS: ${'a reason | with <html> and `ticks` '.repeat(20)}`).join('\n'),
        },
      } : {}),
    },
    spec: {
      byEgressGateway: { name: long(`gw${g}-`, 63) },
      egressRules: [{
        name: 'r',
        from: [{ namespace: long(`ns${g}-`, 63), workloadSelector: Object.fromEntries(Array.from({ length: 8 }, (__, k) => [long(`example.com/key${k}-`, 75), long(`v${k}-`, 63)])) }],
        to: Array.from({ length: services }, (__, s) => ({
          name: long(`s${s}-`, 63),
          hosts: [`${long(`h${s}-`, 63)}.${'y'.repeat(63)}.${'z'.repeat(63)}.example.com`],
          port: { number: 443, protocol: 'HTTPS', name: 'https' },
          byEgressGateway: { port: 10000 + s },
        })),
      }],
    },
  }));
  const diff = EgressDiff.between(EgressQuery.fromManifests(policies(1, false)), EgressQuery.fromManifests(policies(40, true)));
  expect(diff.gained).toHaveLength(60 * 39);
  expect(diff.guardrailOverridesAdded).toHaveLength(60 * 40);
  const markdown = diff.toMarkdown();
  expect(markdown.length).toBeLessThan(50_000);
  const [parsed] = parseMermaid([mermaidOf(markdown)]);
  expect(parsed.ok ? '' : parsed.error).toBe('');
  // Reasons are prose: escaped, so that a pipe or a tag cannot break the table or the page.
  expect(markdown).toContain('a reason \\| with &lt;html&gt; and \\`ticks\\`');
  expect(markdown).not.toContain('<html>');
});
