import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Yaml } from 'cdk8s';
import { EgressQuery, GuardrailOverride } from '../../src';
import { runCli } from './util/run-cli';
import { largePolicies, yamlOf } from '../util/large-policies';
import { EXAMPLE_MANIFESTS } from '../util/synth';

// `asm-egress graph`: the Mermaid flowchart of EgressQuery.toMermaid() for YAML files (Mermaid's
// parser checks the graphs in test/package/mermaid-graphs.test.ts).

const FIXTURES = EXAMPLE_MANIFESTS;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'asm-egress-graph-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `asm-egress ...args` in this process. */
const run = (...args: string[]) => runCli(args);

describe('asm-egress graph', () => {
  test('writes the graph that EgressQuery.toMermaid() draws for the policies of every file', () => {
    const files = [join(FIXTURES, 'example-2.yaml'), join(dir, 'b.yaml')];
    writeFileSync(files[1], Yaml.stringify(...Yaml.load(join(FIXTURES, 'example-3.yaml')).map((o: any) => ({ ...o, spec: { ...o.spec, byEgressGateway: { name: 'egressgateway-b' } } }))));
    const result = run('graph', ...files);
    expect(result).toEqual({ status: 0, stdout: EgressQuery.fromManifests(files.flatMap((f) => Yaml.load(f))).toMermaid(), stderr: '' });
    expect(result.stdout.split('\n').filter((l) => l.startsWith('  subgraph '))).toEqual(['  subgraph gw0["egressgateway-a"]', '  subgraph gw1["egressgateway-b"]']);
  });

  test('ambient output: a selector that its policy widens is drawn as its namespace, as EgressQuery.fromManifests draws it', () => {
    // The documented Example 2 with both selectors widened, rendered for ambient mode by the CLI.
    const [policy] = Yaml.load(join(FIXTURES, 'example-2.yaml'));
    policy.metadata.annotations = {
      [GuardrailOverride.ANNOTATION]: ['source mytest{app=sleep-a}: UNENFORCED_SELECTOR: reason', 'source mytest{app=sleep-b}: UNENFORCED_SELECTOR: reason'].join('\n'),
    };
    writeFileSync(join(dir, 'policy.yaml'), Yaml.stringify(policy));
    const rendered = run('render', '--ambient', join(dir, 'policy.yaml'));
    expect(rendered.status).toBe(0);
    const file = join(dir, 'ambient.yaml');
    writeFileSync(file, rendered.stdout);

    const result = run('graph', file);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(EgressQuery.fromManifests(Yaml.load(file)).toMermaid());
    // One source node: the waypoint admits every workload of mytest, whatever its labels.
    expect(result.stdout.split('\n').filter((l) => /^  s\d+\[/.test(l))).toEqual(['  s0["mytest"]']);
  });

  test('warns when the graph is larger than Mermaid renders by default (500 edges), still writing it', () => {
    const file = join(dir, 'large.yaml');
    writeFileSync(file, yamlOf(largePolicies(2, 300)));
    const result = run('graph', file);
    expect(result.status).toBe(0);
    expect(result.stdout.startsWith('flowchart LR\n')).toBe(true);
    expect(result.stderr).toMatch(/^asm-egress graph: warning: 620 edges and \d+ characters: Mermaid renders at most 500 edges and 50,000 characters unless configured otherwise/);
  });

  test('--quiet prints errors only: no skipped objects, no size warning', () => {
    const file = join(dir, 'large-mixed.yaml');
    writeFileSync(file, `${yamlOf(largePolicies(2, 300))}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n`);
    const loud = run('graph', file);
    expect(loud.stderr.split('\n').filter((l) => l.includes('warning')).length).toBe(2);
    const quiet = run('graph', '--quiet', file);
    expect({ status: quiet.status, stderr: quiet.stderr }).toEqual({ status: 0, stderr: '' });
    expect(quiet.stdout).toBe(loud.stdout);
  });

  test('exit 2: input without a policy, a policy that cannot be read, a missing file', () => {
    const other = join(dir, 'other.yaml');
    writeFileSync(other, 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n');
    expect(run('graph', other)).toEqual({
      status: 2,
      stdout: '',
      stderr: `${other}:1:1: warning: skipped 1 object that is not ASMEgressTrafficPolicy: 1 Deployment\n${other}:1:1: no ASMEgressTrafficPolicy in the input\n`,
    });
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, Yaml.stringify(...Yaml.load(join(FIXTURES, 'example-2.yaml')).map((o: any) => ({ ...o, spec: { ...o.spec, byEgressGateway: {} } }))));
    const unreadable = run('graph', bad);
    expect(unreadable.status).toBe(2);
    expect(unreadable.stdout).toBe('');
    expect(unreadable.stderr).toMatch(/spec\.byEgressGateway\.name: missing \(required\)\nasm-egress graph: the policies cannot be read\n$/);
    expect(run('graph', join(dir, 'none.yaml'))).toEqual({ status: 2, stdout: '', stderr: `asm-egress graph: cannot read ${join(dir, 'none.yaml')}: no such file\n` });
    expect(run('graph').status).toBe(2);
  });

  test('--help says what it draws', () => {
    const help = run('graph', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: asm-egress graph \[--quiet\] FILE\.\.\.\n/);
    expect(help.stdout).toContain('A thick arrow is HTTP');
    expect(run('--help').stdout).toContain('  graph   Draw who may reach what as a Mermaid flowchart');
  });
});
