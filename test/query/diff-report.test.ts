import { App, Chart } from 'cdk8s';
import { Example1, Example2 } from '../../examples/documented-examples';
import {
  EgressDiff, EgressOutput, EgressQuery, EgressSource, EgressTrafficPolicy, ExternalService, Guardrail, GuardrailOverride,
} from '../../src';
import { COMMENT_LIMITS, diffJson, diffMarkdown } from '../../src/query/diff-report';
import { largePolicies } from '../util/large-policies';
import { testApp } from '../util/synth';

// EgressDiff.toMarkdown(), the pull-request comment of `asm-egress diff --format markdown`, and the
// JSON of --format json. Mermaid's parser checks the graphs in test/package/mermaid-graphs.test.ts.

function queryOf(build: (app: App) => void): EgressQuery {
  const app = testApp();
  build(app);
  return EgressQuery.fromApp(app);
}
const example1 = queryOf((app) => new Example1(app, 'example-1'));
const example2 = queryOf((app) => new Example2(app, 'example-2'));

/** The comment without its graph (checked with Mermaid's parser elsewhere). */
function withoutGraph(markdown: string): string {
  return markdown.replace(/<details>[\s\S]*<\/details>\n/, '<details>GRAPH</details>\n');
}

describe('EgressDiff.toMarkdown', () => {
  test('documented Example 1 to Example 2: totals, the gateway, what is gained and what changed, then the graph', () => {
    expect(withoutGraph(EgressDiff.between(example1, example2).toMarkdown())).toBe([
      '## Egress access: 3 gained, 0 lost, 2 changed',
      '',
      '| Gateway | Gained | Lost | Changed | Overrides added | Overrides removed |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      '| `egressgateway-a` | 3 | 0 | 2 | 0 | 0 |',
      '',
      '### `egressgateway-a`',
      '',
      '**Gained: 3**',
      '',
      '| Source | Destination | Via |',
      '| --- | --- | --- |',
      '| `mytest{app=sleep-a}` | `httpbin.org:443/HTTPS` | port 444 |',
      '| `mytest{app=sleep-a}` | `www.httpbin.org:443/HTTPS` | port 444 |',
      '| `mytest{app=sleep-b}` | `www.aliyun.com:443/HTTPS` | port 445 |',
      '',
      '**Changed: 2**',
      '',
      '| Source | Destination | Change |',
      '| --- | --- | --- |',
      '| `mytest{app=sleep-a}` | `httpbin.org:80/HTTP` | TLS origination none -&gt; to port 443 |',
      '| `mytest{app=sleep-a}` | `www.httpbin.org:80/HTTP` | TLS origination none -&gt; to port 443 |',
      '',
      '<details>GRAPH</details>',
      '',
    ].join('\n'));
  });

  test('the graph is in a collapsed block, with a legend, and says how much of the change it draws', () => {
    const lines = EgressDiff.between(example1, example2).toMarkdown().split('\n');
    expect(lines.slice(lines.indexOf('<details>'), lines.indexOf('<details>') + 8)).toEqual([
      '<details>',
      '<summary>Graph of the changed access</summary>',
      '',
      'Green: gained, red and dashed: lost, amber: another route. A thick arrow is HTTP that the gateway upgrades to HTTPS.',
      '',
      '```mermaid',
      'flowchart LR',
      '  subgraph gw0["egressgateway-a"]',
    ]);
    expect(lines.slice(-5)).toEqual(['  linkStyle 2,4 stroke:#9a6700,color:#9a6700,stroke-width:2px', '```', '', '</details>', '']);
  });

  test('documented Example 2 to Example 1: lost access, with the route it took', () => {
    const markdown = EgressDiff.between(example2, example1).toMarkdown();
    expect(markdown).toContain('## Egress access: 0 gained, 3 lost, 2 changed\n');
    expect(markdown).toContain([
      '**Lost: 3**',
      '',
      '| Source | Destination | Via |',
      '| --- | --- | --- |',
      '| `mytest{app=sleep-a}` | `httpbin.org:443/HTTPS` | port 444 |',
    ].join('\n'));
    expect(markdown).toContain('| `mytest{app=sleep-a}` | `httpbin.org:80/HTTP` | TLS origination to port 443 -&gt; none |');
  });

  test('no change: one line', () => {
    expect(EgressDiff.between(example2, example2).toMarkdown()).toBe('## Egress access: no change\n');
  });

  test('lists are cut at their limits with counts of what is left out, gateways beyond the table summed', () => {
    const diff = EgressDiff.between(EgressQuery.fromManifests(largePolicies(3, 10)), EgressQuery.fromManifests(largePolicies(3, 30)));
    const limits = { ...COMMENT_LIMITS, gatewayRows: 2, detailedGateways: 2, rowsPerList: 3, rows: 4, graphChanges: 5 };
    const lines = withoutGraph(diffMarkdown(diff, limits)).split('\n');
    expect(lines.slice(0, 8)).toEqual([
      '## Egress access: 60 gained, 0 lost, 0 changed',
      '',
      '| Gateway | Gained | Lost | Changed | Overrides added | Overrides removed |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      '| `gw-0` | 20 | 0 | 0 | 0 | 0 |',
      '| `gw-1` | 20 | 0 | 0 | 0 | 0 |',
      '| … 1 more gateways | 20 | 0 | 0 | 0 | 0 |',
      '',
    ]);
    // 3 rows for gw-0 (the list's limit), then 1 for gw-1 (the rest of the budget of 4), then none;
    // the two rows of team-0 at gw-0 are listed, so 9 sources are left.
    expect(lines.filter((l) => l.startsWith('| `team-'))).toHaveLength(4);
    expect(lines).toContain('… and 17 more gained, from 9 sources to 17 destinations.');
    expect(lines).toContain('… and 19 more gained, from 10 sources to 19 destinations.');
    expect(lines).toContain('_The changes of 1 more gateways are not listed here: `asm-egress diff OLD NEW` lists every change._');
    expect(diffMarkdown(diff, limits)).toContain('<summary>Graph of the changed access (5 of 60 drawn)</summary>');
  });

  test('text that grows when escaped cannot push the comment over its length: lists and graph shrink until it fits', () => {
    const reason = '<'.repeat(200); // 120 characters kept, each written as &lt;
    const annotated = (objects: any[]) => objects.map((o) => ({
      ...o,
      metadata: {
        ...o.metadata,
        annotations: {
          'egress.cdk8s-asm-egress.io/guardrail-overrides': o.spec.egressRules.flatMap((r: any) => r.to.map((t: any) => `service ${t.name}: PRIVATE_ADDRESS: ${reason}`)).join('\n'),
        },
      },
    }));
    const diff = EgressDiff.between(EgressQuery.fromManifests(largePolicies(12, 10)), EgressQuery.fromManifests(annotated(largePolicies(12, 30))));
    const full = diffMarkdown(diff, { ...COMMENT_LIMITS, length: 1_000_000 });
    expect(full.length).toBeGreaterThan(20_000);
    for (const length of [20_000, 8_000, 3_000]) {
      const cut = diffMarkdown(diff, { ...COMMENT_LIMITS, length });
      expect(cut.length).toBeLessThanOrEqual(length);
      expect(cut).toContain('| `gw-0` | 20 | 0 | 0 | 30 | 0 |');
    }
    // At the least, the totals and the table of gateways.
    const least = diffMarkdown(diff, { ...COMMENT_LIMITS, length: 10 });
    expect(least.split('\n').filter((l) => l.endsWith(' | 20 | 0 | 0 | 30 | 0 |'))).toHaveLength(12);
    expect(least).not.toContain('```mermaid');
    expect(least).toContain('_The changes of 12 more gateways are not listed here');
  });

  test('a changed route is listed under the gateway that the traffic takes now', () => {
    const before = queryOf((app) => policyWith(app, 'gw-a', 10443));
    const after = queryOf((app) => policyWith(app, 'gw-b', 10444));
    const markdown = EgressDiff.between(before, after).toMarkdown();
    expect(markdown).toContain([
      '### `gw-b`',
      '',
      '**Changed: 1**',
      '',
      '| Source | Destination | Change |',
      '| --- | --- | --- |',
      '| `team-a{app=web}` | `api.example.com:443/HTTPS` | gateway gw-a -&gt; gw-b, gateway port 10443 -&gt; 10444 |',
    ].join('\n'));
  });
});

describe('guardrail overrides in a review', () => {
  const db = (reason: string) => ExternalService.tcp('billing-db', {
    hosts: ['10.20.0.15'], port: 5432, gatewayPort: 15432, guardrailOverrides: [GuardrailOverride.allow(Guardrail.PRIVATE_ADDRESS, reason)],
  });
  const agents = EgressSource.allNamespaces({
    workloadSelector: { app: 'otel-agent' },
    guardrailOverrides: [GuardrailOverride.allow(Guardrail.MESH_WIDE_SOURCE, 'telemetry agents run in every namespace')],
  });
  const app = (reason: string, withAgents: boolean, output = EgressOutput.ASM) => queryOf((a) => {
    const policy = new EgressTrafficPolicy(new Chart(a, 'c'), 'Egress', { gateway: 'gw', output });
    policy.addRule('billing').allowFrom(EgressSource.namespace('billing'), ...(withAgents ? [agents] : [])).allowTo(db(reason));
  });

  test('a new reason is one override removed and one added; no access changes, so the diff is empty', () => {
    const diff = EgressDiff.between(app('billing DB, INFRA-412', false), app('billing DB in the peered VPC, INFRA-412', false));
    expect(diff.isEmpty).toBe(true);
    expect(diff.guardrailOverridesRemoved).toEqual([
      { gateway: 'gw', policy: 'istio-egress/egress-by-gw', subject: 'service billing-db', guardrail: 'PRIVATE_ADDRESS', reason: 'billing DB, INFRA-412' },
    ]);
    expect(diff.guardrailOverridesAdded).toEqual([
      { gateway: 'gw', policy: 'istio-egress/egress-by-gw', subject: 'service billing-db', guardrail: 'PRIVATE_ADDRESS', reason: 'billing DB in the peered VPC, INFRA-412' },
    ]);
    expect(diff.toMarkdown()).toBe([
      '## Egress access: no change',
      '',
      'Guardrail overrides: 1 added, 1 removed.',
      '',
      '| Gateway | Gained | Lost | Changed | Overrides added | Overrides removed |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      '| `gw` | 0 | 0 | 0 | 1 | 1 |',
      '',
      '### `gw`',
      '',
      '**Guardrail overrides added: 1**',
      '',
      '| Subject | Guardrail | Reason |',
      '| --- | --- | --- |',
      '| `service billing-db` | `PRIVATE_ADDRESS` | billing DB in the peered VPC, INFRA-412 |',
      '',
      '**Guardrail overrides removed: 1**',
      '',
      '| Subject | Guardrail | Reason |',
      '| --- | --- | --- |',
      '| `service billing-db` | `PRIVATE_ADDRESS` | billing DB, INFRA-412 |',
      '',
    ].join('\n'));
  });

  test('a mesh-wide source with its override: the access gained and the override added, in the same gateway', () => {
    const diff = EgressDiff.between(app('r', false), app('r', true));
    expect(diff.gained.map((a) => `${a.source.namespace}{app=${a.source.workloadSelector?.app}}`)).toEqual(['*{app=otel-agent}']);
    expect(diff.guardrailOverridesAdded.map((o) => `${o.subject}: ${o.guardrail}`)).toEqual(['source *{app=otel-agent}: MESH_WIDE_SOURCE']);
    expect(diff.guardrailOverridesRemoved).toEqual([]);
    const markdown = diff.toMarkdown();
    expect(markdown).toContain('| `gw` | 1 | 0 | 0 | 1 | 0 |');
    expect(markdown).toContain('| `source *{app=otel-agent}` | `MESH_WIDE_SOURCE` | telemetry agents run in every namespace |');
  });

  test('a policy of Istio objects only is read with its overrides too', () => {
    const diff = EgressDiff.between(app('old reason', false, EgressOutput.ISTIO), app('new reason', false, EgressOutput.ISTIO));
    expect(diff.guardrailOverridesRemoved.map((o) => `${o.subject}: ${o.reason}`)).toEqual(['service billing-db: old reason']);
    expect(diff.guardrailOverridesAdded.map((o) => `${o.subject}: ${o.reason}`)).toEqual(['service billing-db: new reason']);
  });

  test('reasons are prose: what Markdown or HTML would read is escaped', () => {
    const diff = EgressDiff.between(app('r', false), app('see <b>INFRA-1</b> | *now* [link](x) `code`', false));
    expect(diff.toMarkdown()).toContain('| `service billing-db` | `PRIVATE_ADDRESS` | see &lt;b&gt;INFRA-1&lt;/b&gt; \\| \\*now\\* \\[link\\]\\(x\\) \\`code\\` |');
  });
});

test('the JSON of a diff holds every change and the totals', () => {
  const diff = EgressDiff.between(example1, example2);
  const json = JSON.parse(JSON.stringify(diffJson(diff)));
  expect(json.summary).toEqual({ gained: 3, lost: 0, changed: 2, guardrailOverridesAdded: 0, guardrailOverridesRemoved: 0 });
  expect(json.gained).toEqual(JSON.parse(JSON.stringify(diff.gained)));
  expect(json.changed.map((c: any) => [c.source, c.destination.host, c.description, c.before.length, c.after.length])).toEqual([
    [{ namespace: 'mytest', workloadSelector: { app: 'sleep-a' } }, 'httpbin.org', 'TLS origination none -> to port 443', 1, 1],
    [{ namespace: 'mytest', workloadSelector: { app: 'sleep-a' } }, 'www.httpbin.org', 'TLS origination none -> to port 443', 1, 1],
  ]);
});

function policyWith(app: App, gateway: string, gatewayPort: number): void {
  new EgressTrafficPolicy(new Chart(app, 'c'), 'Egress', { gateway }).addRule('web')
    .allowFrom(EgressSource.namespace('team-a', { workloadSelector: { app: 'web' } }))
    .allowTo(ExternalService.https('api', { hosts: ['api.example.com'], gatewayPort }));
}
