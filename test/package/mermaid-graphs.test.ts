import { App, Chart } from 'cdk8s';
import { Example1, Example2, Example3 } from '../../examples/documented-examples';
import { EgressAccess, EgressDiff, EgressOutput, EgressQuery, EgressSource, EgressTrafficPolicy, ExternalService, GatewayPortAllocation } from '../../src';
import { flowchart, label } from '../../src/query/mermaid';
import { expectedPath, parseMermaid, pathsOf } from '../util/mermaid';
import { testApp } from '../util/synth';

// SLOW (Mermaid's parser runs in child processes, about 2 s each).
// Who may reach what as a Mermaid flowchart, checked by Mermaid's own parser: every path that the
// parsed graph draws from a source to a service is an allowed pair, and every allowed pair is one.

/** The query of an App of the documented examples. */
function queryOf(build: (app: App) => void): EgressQuery {
  const app = testApp();
  build(app);
  return EgressQuery.fromApp(app);
}

const example1 = (app: App) => new Example1(app, 'example-1');
const example2 = (app: App) => new Example2(app, 'example-2');
const example3 = (allocation: GatewayPortAllocation) => (app: App) => new Example3(app, 'example-3', allocation);

describe('EgressQuery.toMermaid', () => {
  test('the documented examples: a path for each allowed pair, and no other', () => {
    const queries = [example1, example2, example3(GatewayPortAllocation.ASM), example3(GatewayPortAllocation.LIBRARY)].map(queryOf);
    const parsed = parseMermaid(queries.map((q) => q.toMermaid()));
    queries.forEach((query, i) => {
      expect(parsed[i]).toMatchObject({ ok: true, type: 'flowchart-v2' });
      expect(pathsOf(parsed[i])).toEqual([...new Set(query.allowedPairs().map((a) => expectedPath(a)))].sort());
    });
  });

  test('Example 2 as drawn: HTTP upgraded to HTTPS is a thick edge, HTTPS passed through a plain one', () => {
    expect(queryOf(example2).toMermaid()).toBe([
      'flowchart LR',
      '  subgraph gw0["egressgateway-a"]',
      '    g0{{"rule"}}',
      '    g1{{"rule"}}',
      '  end',
      '  s0["mytest{app=sleep-a}"]',
      '  s1["mytest{app=sleep-b}"]',
      '  d0["httpbin.org:443/HTTPS"]',
      '  d1["httpbin.org:80/HTTP"]',
      '  d2["www.httpbin.org:443/HTTPS"]',
      '  d3["www.httpbin.org:80/HTTP"]',
      '  d4["www.aliyun.com:443/HTTPS"]',
      '  s0 --> g0',
      '  g0 -->|":444"| d0',
      '  g0 ==>|":80, TLS to :443"| d1',
      '  g0 -->|":444"| d2',
      '  g0 ==>|":80, TLS to :443"| d3',
      '  s1 --> g1',
      '  g1 -->|":445"| d4',
      '',
    ].join('\n'));
  });

  test('a gateway shared by sources that reach different services shows no path that no rule allows', () => {
    const app = testApp();
    const chart = new Chart(app, 'c');
    const policy = new EgressTrafficPolicy(chart, 'gw', { gateway: 'gw' });
    const api = ExternalService.https('api', { hosts: ['api.example.com'], gatewayPort: 10443 });
    const data = ExternalService.https('data', { hosts: ['data.example.com'], gatewayPort: 10444 });
    const logs = ExternalService.tls('logs', { hosts: ['logs.example.com'], gatewayPort: 10445 });
    policy.addRule('web').allowFrom(EgressSource.namespace('team-a')).allowTo(api, logs);
    policy.addRule('batch').allowFrom(EgressSource.namespace('team-b')).allowTo(data, logs);
    policy.addRule('audit').allowFrom(EgressSource.namespace('team-c', { workloadSelector: { app: 'audit' } })).allowTo(logs);
    const query = EgressQuery.fromApp(app);
    const [parsed] = parseMermaid([query.toMermaid()]);
    const paths = pathsOf(parsed);
    expect(paths).toEqual([...new Set(query.allowedPairs().map((a) => expectedPath(a)))].sort());
    expect(paths.some((p) => p.startsWith('team-a -> data.example.com'))).toBe(false);
    // Three groups of sources: {team-a}, {team-b}, and the three that reach logs.
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.subgraphs.map((s) => [s.title, s.nodes.length])).toEqual([['gw', 3]]);
  });

  test('a source that the Istio output admits by its service account is drawn with it', () => {
    const app = testApp();
    const policy = new EgressTrafficPolicy(new Chart(app, 'c'), 'gw', { gateway: 'gw', output: EgressOutput.ASM_AND_ISTIO });
    const api = ExternalService.https('api', { hosts: ['api.example.com'], gatewayPort: 10443 });
    const logs = ExternalService.tls('logs', { hosts: ['logs.example.com'], gatewayPort: 10445 });
    policy.addRule('web').allowFrom(EgressSource.namespace('team-a', { serviceAccountName: 'web' })).allowTo(api);
    policy.addRule('batch').allowFrom(EgressSource.namespace('team-b', { serviceAccountName: 'batch' })).allowTo(logs);
    const query = EgressQuery.fromApp(app);
    const [parsed] = parseMermaid([query.toMermaid()]);
    expect(pathsOf(parsed)).toEqual([...new Set(query.allowedPairs().map((a) => expectedPath(a)))].sort());
    expect(parsed.ok && parsed.vertices.filter((v) => v.text.startsWith('team-')).map((v) => v.text).sort()).toEqual(['team-a as sa/web', 'team-b as sa/batch']);
  });

  test('the same accesses in any order draw the same text', () => {
    const accesses = queryOf(example2).allowedPairs();
    expect(EgressQuery._fromAccesses([...accesses].reverse()).toMermaid()).toBe(EgressQuery._fromAccesses(accesses).toMermaid());
  });

  test('labels with the characters Mermaid reads as syntax come back as written', () => {
    const odd = 'a "quoted" #hash; <tag> `tick` & [brackets] {braces} (parens) | pipe --> arrow;';
    const access: EgressAccess = {
      source: { namespace: odd },
      destination: { host: odd, port: 443, protocol: 'HTTPS' },
      gateway: odd,
      gatewayPort: 443,
      tlsOrigination: false,
      upstreamPort: 443,
      service: 's',
      rule: odd,
      policy: 'p/p',
    };
    const [parsed] = parseMermaid([flowchart([{ access }])]);
    expect(pathsOf(parsed)).toEqual([`${odd} -> ${odd}:443/HTTPS | ${odd} | :443 | normal | `]);
    expect(parsed.ok && parsed.vertices.find((v) => v.shape === 'hexagon')?.text).toBe(`rule ${odd}`);
    expect(label('x'.repeat(100), 10)).toBe('xxxxxxxxx…');
  });
});

describe('the graph of a diff (in its Markdown)', () => {
  const green = 'stroke:#1a7f37;color:#1a7f37;stroke-width:2px;fill:none';
  const red = 'stroke:#cf222e;color:#cf222e;stroke-width:2px;stroke-dasharray:5 5;fill:none';
  const amber = 'stroke:#9a6700;color:#9a6700;stroke-width:2px;fill:none';
  /** The path of a change: its route label marked `+`, `-` or `~ <what changed>`, in its colour. */
  const changePaths = (diff: EgressDiff) => [
    ...diff.gained.map((a) => expectedPath(a, green).replace(/ \| (:|ASM)/, ' | + $1')),
    ...diff.lost.map((a) => expectedPath(a, red).replace(/ \| (:|ASM)/, ' | - $1')),
    ...diff.changed.map((c) => expectedPath(c.after[0], amber).replace(/ \| [^|]*\| (thick|normal) /, ` | ~ ${c.description} | $1 `)),
  ].sort();

  test('documented Example 1 to Example 2 and back: gained, lost and changed access, coloured by kind, nothing else', () => {
    const diffs = [EgressDiff.between(queryOf(example1), queryOf(example2)), EgressDiff.between(queryOf(example2), queryOf(example1))];
    const parsed = parseMermaid(diffs.map((d) => /```mermaid\n([\s\S]*?)```/.exec(d.toMarkdown())![1]));
    diffs.forEach((diff, i) => expect(pathsOf(parsed[i])).toEqual(changePaths(diff)));
    expect(diffs[1].lost).toHaveLength(3);
  });
});
