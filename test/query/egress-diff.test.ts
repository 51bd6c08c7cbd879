import { Chart } from 'cdk8s';
import * as fc from 'fast-check';
import { Example1, Example2 } from '../../examples/documented-examples';
import { EgressAccess, EgressDiff, EgressQuery, EgressSource, EgressTrafficPolicy, ExternalService } from '../../src';
import { testApp } from '../util/synth';

/** A small App: rules given as [rule name, source, service], all through gateway gw unless said otherwise. */
interface RuleSpec {
  readonly name: string;
  readonly source: EgressSource;
  readonly service: ExternalService;
  readonly gateway?: string;
}

function queryOf(rules: RuleSpec[]): EgressQuery {
  const app = testApp();
  const chart = new Chart(app, 'c');
  const policies = new Map<string, EgressTrafficPolicy>();
  for (const rule of rules) {
    const gateway = rule.gateway ?? 'gw';
    if (!policies.has(gateway)) policies.set(gateway, new EgressTrafficPolicy(chart, gateway, { gateway }));
    policies.get(gateway)!.addRule(rule.name).allowFrom(rule.source).allowTo(rule.service);
  }
  return EgressQuery.fromApp(app);
}

const teamA = EgressSource.namespace('team-a', { workloadSelector: { app: 'web' } });
const teamB = EgressSource.namespace('team-b');
const api = ExternalService.https('api', { hosts: ['api.example.com'], gatewayPort: 10443 });
const data = ExternalService.https('data', { hosts: ['data.example.com'], gatewayPort: 10444 });
const base: RuleSpec[] = [
  { name: 'web', source: teamA, service: api },
  { name: 'batch', source: teamB, service: data },
];

describe('EgressDiff', () => {
  test('nothing changes between an App and itself', () => {
    const diff = EgressDiff.between(queryOf(base), queryOf(base));
    expect([diff.isEmpty, diff.gained, diff.lost, diff.changed, diff.format()]).toEqual([true, [], [], [], '']);
  });

  test('an added rule: its sources gain its destinations', () => {
    const reports = ExternalService.https('reports', { hosts: ['reports.example.com', 'pdf.example.com'], gatewayPort: 10445 });
    const diff = EgressDiff.between(queryOf(base), queryOf([...base, { name: 'reports', source: EgressSource.namespace('team-c'), service: reports }]));
    expect(diff.lost).toEqual([]);
    expect(diff.changed).toEqual([]);
    expect(diff.gained.map((a) => [a.source.namespace, a.destination.host, a.gatewayPort, a.rule])).toEqual([
      ['team-c', 'pdf.example.com', 10445, 'reports'],
      ['team-c', 'reports.example.com', 10445, 'reports'],
    ]);
    expect(diff.format()).toBe([
      '+ team-c -> pdf.example.com:443/HTTPS via gw:10445',
      '+ team-c -> reports.example.com:443/HTTPS via gw:10445',
      '',
    ].join('\n'));
  });

  test('a removed rule: its sources lose its destinations', () => {
    const diff = EgressDiff.between(queryOf(base), queryOf([base[0]]));
    expect(diff.gained).toEqual([]);
    expect(diff.lost.map((a) => [a.source.namespace, a.destination.host, a.rule])).toEqual([['team-b', 'data.example.com', 'batch']]);
    expect(diff.format()).toBe('- team-b -> data.example.com:443/HTTPS via gw:10444\n');
  });

  test('a new gateway port is a change of the same access; a narrower source only loses access', () => {
    const moved = ExternalService.https('api', { hosts: ['api.example.com'], gatewayPort: 10500 });
    const diff = EgressDiff.between(queryOf(base), queryOf([
      { name: 'web', source: teamA, service: moved },
      { name: 'batch', source: EgressSource.namespace('team-b', { workloadSelector: { app: 'etl' } }), service: data },
    ]));
    expect(diff.changed.map((c) => [c.source, c.destination, c.description, c.before[0].gatewayPort, c.after[0].gatewayPort])).toEqual([[
      { namespace: 'team-a', workloadSelector: { app: 'web' } },
      { host: 'api.example.com', port: 443, protocol: 'HTTPS' },
      'gateway port 10443 -> 10500', 10443, 10500,
    ]]);
    expect(diff.gained).toEqual([]);
    expect(diff.format()).toBe([
      '~ team-a{app=web} -> api.example.com:443/HTTPS: gateway port 10443 -> 10500',
      '- team-b -> data.example.com:443/HTTPS via gw:10444',
      '',
    ].join('\n'));
  });

  test('a rule moved to another gateway changes the gateway of the access', () => {
    const diff = EgressDiff.between(queryOf(base), queryOf([base[0], { ...base[1], gateway: 'gw-b' }]));
    expect(diff.format()).toBe('~ team-b -> data.example.com:443/HTTPS: gateway gw -> gw-b\n');
  });

  test('renaming rules and services changes no access', () => {
    const renamed = ExternalService.https('api-v2', { hosts: ['api.example.com'], gatewayPort: 10443 });
    expect(EgressDiff.between(queryOf(base), queryOf([{ name: 'frontend', source: teamA, service: renamed }, base[1]])).isEmpty).toBe(true);
  });

  test('documented Example 1 to Example 2: HTTPS access gained, TLS origination added to HTTP', () => {
    const before = testApp();
    new Example1(before, 'example');
    const after = testApp();
    new Example2(after, 'example');
    const diff = EgressDiff.between(EgressQuery.fromApp(before), EgressQuery.fromApp(after));
    expect(diff.format()).toBe([
      '+ mytest{app=sleep-a} -> httpbin.org:443/HTTPS via egressgateway-a:444',
      '~ mytest{app=sleep-a} -> httpbin.org:80/HTTP: TLS origination none -> to port 443',
      '+ mytest{app=sleep-a} -> www.httpbin.org:443/HTTPS via egressgateway-a:444',
      '~ mytest{app=sleep-a} -> www.httpbin.org:80/HTTP: TLS origination none -> to port 443',
      '+ mytest{app=sleep-b} -> www.aliyun.com:443/HTTPS via egressgateway-a:445',
      '',
    ].join('\n'));
    const back = EgressDiff.between(EgressQuery.fromApp(after), EgressQuery.fromApp(before));
    expect(back.gained).toEqual([]);
    expect(back.lost).toHaveLength(3);
    expect(back.changed.map((c) => c.description)).toEqual(['TLS origination to port 443 -> none', 'TLS origination to port 443 -> none']);
  });
});

/** A query of one policy through gateway gw: each rule lets its sources reach its hosts on 443/HTTPS. */
interface ManifestRule {
  readonly from: Array<{ namespace: string; workloadSelector?: { [key: string]: string } }>;
  readonly hosts: string[];
  readonly port?: number;
}

function manifestQuery(rules: ManifestRule[]): EgressQuery {
  return EgressQuery.fromManifests([{
    apiVersion: 'istio.alibabacloud.com/v1beta1',
    kind: 'ASMEgressTrafficPolicy',
    metadata: { name: 'egress-by-gw', namespace: 'istio-egress' },
    spec: {
      byEgressGateway: { name: 'gw' },
      egressRules: rules.map((r, i) => ({
        from: r.from,
        to: [{ name: `s${i}`, hosts: r.hosts, port: { number: r.port ?? 443, protocol: 'HTTPS', name: 'https' }, byEgressGateway: { port: 10443 } }],
      })),
    },
  }]);
}

describe('EgressDiff decides gained and lost by coverage, not by the text of sources and hosts', () => {
  const web = { namespace: 'team-a', workloadSelector: { app: 'web' } };
  const webFrontend = { namespace: 'team-a', workloadSelector: { app: 'web', tier: 'fe' } };
  const teamAll = { namespace: 'team-a' };
  const everyNamespace = { namespace: '*' };
  const apiHost = ['api.example.com'];
  const cases: Array<[string, ManifestRule[], ManifestRule[], string, string]> = [
    ['a selector with one label fewer', [{ from: [webFrontend], hosts: apiHost }], [{ from: [web], hosts: apiHost }],
      '+ team-a{app=web} -> api.example.com:443/HTTPS via gw:10443\n',
      '- team-a{app=web} -> api.example.com:443/HTTPS via gw:10443\n'],
    ['a selector widened to the whole namespace', [{ from: [web], hosts: apiHost }], [{ from: [teamAll], hosts: apiHost }],
      '+ team-a -> api.example.com:443/HTTPS via gw:10443\n',
      '- team-a -> api.example.com:443/HTTPS via gw:10443\n'],
    ['a namespace widened to every namespace', [{ from: [teamAll], hosts: apiHost }], [{ from: [everyNamespace], hosts: apiHost }],
      '+ * -> api.example.com:443/HTTPS via gw:10443\n',
      '- * -> api.example.com:443/HTTPS via gw:10443\n'],
    ['a selected workload widened to every namespace', [{ from: [webFrontend], hosts: apiHost }], [{ from: [everyNamespace], hosts: apiHost }],
      '+ * -> api.example.com:443/HTTPS via gw:10443\n',
      '- * -> api.example.com:443/HTTPS via gw:10443\n'],
    ['a host widened to a wildcard', [{ from: [teamAll], hosts: apiHost }], [{ from: [teamAll], hosts: ['*.example.com'] }],
      '+ team-a -> *.example.com:443/HTTPS via gw:10443\n',
      '- team-a -> *.example.com:443/HTTPS via gw:10443\n'],
    ['a host several levels below widened to a wildcard', [{ from: [teamAll], hosts: ['eu.api.example.com'] }], [{ from: [teamAll], hosts: ['*.example.com'] }],
      '+ team-a -> *.example.com:443/HTTPS via gw:10443\n',
      '- team-a -> *.example.com:443/HTTPS via gw:10443\n'],
    ['a wildcard widened to a wildcard above it', [{ from: [teamAll], hosts: ['*.api.example.com'] }], [{ from: [teamAll], hosts: ['*.example.com'] }],
      '+ team-a -> *.example.com:443/HTTPS via gw:10443\n',
      '- team-a -> *.example.com:443/HTTPS via gw:10443\n'],
    ['source and host widened together, the old rule kept', [{ from: [web], hosts: apiHost }], [{ from: [web], hosts: apiHost }, { from: [everyNamespace], hosts: ['*.example.com'] }],
      '+ * -> *.example.com:443/HTTPS via gw:10443\n',
      '- * -> *.example.com:443/HTTPS via gw:10443\n'],
  ];

  test.each(cases)('%s: only gained access, and only lost access the other way', (_, narrow, wide, widening, narrowing) => {
    const forth = EgressDiff.between(manifestQuery(narrow), manifestQuery(wide));
    expect([forth.lost, forth.changed, forth.format()]).toEqual([[], [], widening]);
    const back = EgressDiff.between(manifestQuery(wide), manifestQuery(narrow));
    expect([back.gained, back.changed, back.format()]).toEqual([[], [], narrowing]);
  });

  test.each([
    ['a wildcard does not cover the domain itself', [{ from: [teamAll], hosts: ['example.com'] }], [{ from: [teamAll], hosts: ['*.example.com'] }], [
      '+ team-a -> *.example.com:443/HTTPS via gw:10443',
      '- team-a -> example.com:443/HTTPS via gw:10443',
    ]],
    ['a wildcard does not cover another domain', [{ from: [teamAll], hosts: ['api.example.org'] }], [{ from: [teamAll], hosts: ['*.example.com'] }], [
      '+ team-a -> *.example.com:443/HTTPS via gw:10443',
      '- team-a -> api.example.org:443/HTTPS via gw:10443',
    ]],
    ['another namespace does not cover', [{ from: [web], hosts: apiHost }], [{ from: [{ namespace: 'team-b' }], hosts: apiHost }], [
      '- team-a{app=web} -> api.example.com:443/HTTPS via gw:10443',
      '+ team-b -> api.example.com:443/HTTPS via gw:10443',
    ]],
    ['another label value does not cover', [{ from: [web], hosts: apiHost }], [{ from: [{ namespace: 'team-a', workloadSelector: { app: 'api' } }], hosts: apiHost }], [
      '+ team-a{app=api} -> api.example.com:443/HTTPS via gw:10443',
      '- team-a{app=web} -> api.example.com:443/HTTPS via gw:10443',
    ]],
    ['another port does not cover', [{ from: [teamAll], hosts: apiHost }], [{ from: [everyNamespace], hosts: ['*.example.com'], port: 8443 }], [
      '+ * -> *.example.com:8443/HTTPS via gw:10443',
      '- team-a -> api.example.com:443/HTTPS via gw:10443',
    ]],
  ] as Array<[string, ManifestRule[], ManifestRule[], string[]]>)('%s: gained and lost', (_, before, after, lines) => {
    const diff = EgressDiff.between(manifestQuery(before), manifestQuery(after));
    expect([diff.gained.length, diff.lost.length, diff.changed, diff.format()]).toEqual([1, 1, [], [...lines, ''].join('\n')]);
  });

  test('another protocol does not cover', () => {
    const http = { name: 'h', hosts: ['*.example.com'], port: { number: 443, protocol: 'HTTP', name: 'http' }, byEgressGateway: { port: 10080 } };
    const wide = EgressQuery.fromManifests([{
      apiVersion: 'istio.alibabacloud.com/v1beta1',
      kind: 'ASMEgressTrafficPolicy',
      metadata: { name: 'egress-by-gw', namespace: 'istio-egress' },
      spec: { byEgressGateway: { name: 'gw' }, egressRules: [{ from: [everyNamespace], to: [http] }] },
    }]);
    expect(EgressDiff.between(manifestQuery([{ from: [teamAll], hosts: apiHost }]), wide).format()).toBe([
      '+ * -> *.example.com:443/HTTP via gw:10080',
      '- team-a -> api.example.com:443/HTTPS via gw:10443',
      '',
    ].join('\n'));
  });

  test('a pair covered by a wider one keeps its own changed route', () => {
    const before = manifestQuery([{ from: [web], hosts: apiHost }, { from: [everyNamespace], hosts: ['*.example.com'] }]);
    const after = EgressQuery.fromManifests([{
      apiVersion: 'istio.alibabacloud.com/v1beta1',
      kind: 'ASMEgressTrafficPolicy',
      metadata: { name: 'egress-by-gw', namespace: 'istio-egress' },
      spec: {
        byEgressGateway: { name: 'gw' },
        egressRules: [
          { from: [web], to: [{ name: 'api', hosts: apiHost, port: { number: 443, protocol: 'HTTPS', name: 'https' }, byEgressGateway: { port: 10500 } }] },
          { from: [everyNamespace], to: [{ name: 'all', hosts: ['*.example.com'], port: { number: 443, protocol: 'HTTPS', name: 'https' }, byEgressGateway: { port: 10443 } }] },
        ],
      },
    }]);
    expect(EgressDiff.between(before, after).format()).toBe('~ team-a{app=web} -> api.example.com:443/HTTPS: gateway port 10443 -> 10500\n');
  });
});

describe('EgressDiff (properties over generated policies)', () => {
  const sources = [
    { namespace: '*' },
    { namespace: 'a' },
    { namespace: 'a', workloadSelector: { app: 'x' } },
    { namespace: 'b', workloadSelector: { app: 'y', tier: 'z' } },
  ];
  const services = [
    { name: 'h', hosts: ['h.example.com', 'www.h.example.com'], port: { number: 80, protocol: 'HTTP', name: 'http' }, byEgressGateway: { port: 80 } },
    { name: 'u', hosts: ['h.example.com'], port: { number: 80, protocol: 'HTTP', name: 'http' }, byEgressGateway: { port: 80 }, httpsUpgrade: { enabled: true, port: 443 } },
    { name: 's', hosts: ['s.example.com'], port: { number: 443, protocol: 'HTTPS', name: 'https' }, byEgressGateway: { port: 444 } },
    { name: 'w', hosts: ['*.example.com'], port: { number: 443, protocol: 'HTTPS', name: 'https' }, byEgressGateway: { port: 444 } },
    { name: 'v', hosts: ['*.h.example.com', 'example.com'], port: { number: 80, protocol: 'HTTP', name: 'http' }, byEgressGateway: { port: 80 } },
    { name: 't', hosts: ['1.1.1.1'], port: { number: 5432, protocol: 'TCP', name: 'tcp' }, byEgressGateway: { port: 15432 } },
  ];
  const rule = fc.record({
    from: fc.subarray(sources, { minLength: 1 }),
    to: fc.subarray(services, { minLength: 1 }),
  });
  // A policy has at least one rule: the CRD (and so the reader of every manifest) requires it.
  const manifests = fc.array(fc.record({ gateway: fc.constantFrom('gw-a', 'gw-b'), rules: fc.array(rule, { minLength: 1, maxLength: 3 }) }), { maxLength: 2 })
    .map((policies) => policies.map((p, i) => ({
      apiVersion: 'istio.alibabacloud.com/v1beta1',
      kind: 'ASMEgressTrafficPolicy',
      metadata: { name: `p${i}`, namespace: 'istio-egress' },
      spec: { byEgressGateway: { name: p.gateway }, egressRules: p.rules },
    })));
  const pairs = (q: EgressQuery) => new Set(q.allowedPairs().map((a) => `${a.source.namespace} ${JSON.stringify(a.source.workloadSelector)} ${a.destination.host}:${a.destination.port}/${a.destination.protocol}`));
  const pairOf = (a: { source: any; destination: any }) => `${a.source.namespace} ${JSON.stringify(a.source.workloadSelector)} ${a.destination.host}:${a.destination.port}/${a.destination.protocol}`;

  /** The reference for coverage, written out here: ASM's matching of sources and hosts, ports and protocols equal. */
  const covers = (by: EgressAccess, pair: EgressAccess) =>
    (by.source.namespace === '*' || by.source.namespace === pair.source.namespace)
    && Object.entries(by.source.workloadSelector ?? {}).every(([k, v]) => pair.source.workloadSelector?.[k] === v)
    && (by.destination.host === pair.destination.host
      || (by.destination.host.startsWith('*.') && pair.destination.host.endsWith(by.destination.host.slice(1))))
    && by.destination.port === pair.destination.port && by.destination.protocol === pair.destination.protocol;
  const uncovered = (side: EgressQuery, other: EgressQuery) =>
    [...new Set(side.allowedPairs().filter((p) => !other.allowedPairs().some((o) => covers(o, p))).map(pairOf))].sort();

  test('gained: the pairs after that no pair before covers; lost: the pairs before that no pair after covers; changed pairs are in both', () => {
    fc.assert(fc.property(manifests, manifests, (old, now) => {
      const [before, after] = [EgressQuery.fromManifests(old), EgressQuery.fromManifests(now)];
      const diff = EgressDiff.between(before, after);
      expect([...new Set(diff.gained.map(pairOf))].sort()).toEqual(uncovered(after, before));
      expect([...new Set(diff.lost.map(pairOf))].sort()).toEqual(uncovered(before, after));
      for (const c of diff.changed) {
        expect(pairs(before).has(pairOf(c))).toBe(true);
        expect(pairs(after).has(pairOf(c))).toBe(true);
      }
    }));
  });

  test('adding policies loses no access, and removing them gains none', () => {
    fc.assert(fc.property(manifests, manifests, (some, more) => {
      const all = [...some, ...more.map((m, i) => ({ ...m, metadata: { ...m.metadata, name: `more${i}` } }))];
      const [part, whole] = [EgressQuery.fromManifests(some), EgressQuery.fromManifests(all)];
      expect(EgressDiff.between(part, whole).lost).toEqual([]);
      expect(EgressDiff.between(whole, part).gained).toEqual([]);
    }));
  });

  test('a pair allowed on both sides is never gained or lost, only changed', () => {
    fc.assert(fc.property(manifests, manifests, (old, now) => {
      const [before, after] = [EgressQuery.fromManifests(old), EgressQuery.fromManifests(now)];
      const diff = EgressDiff.between(before, after);
      for (const a of [...diff.gained, ...diff.lost]) expect(pairs(before).has(pairOf(a)) && pairs(after).has(pairOf(a))).toBe(false);
    }));
  });

  test('swapping the two sides swaps gained and lost', () => {
    fc.assert(fc.property(manifests, manifests, (old, now) => {
      const forth = EgressDiff.between(EgressQuery.fromManifests(old), EgressQuery.fromManifests(now));
      const back = EgressDiff.between(EgressQuery.fromManifests(now), EgressQuery.fromManifests(old));
      expect(back.gained).toEqual(forth.lost);
      expect(back.lost).toEqual(forth.gained);
      expect(back.changed.map(pairOf)).toEqual(forth.changed.map(pairOf));
      expect(EgressDiff.between(EgressQuery.fromManifests(old), EgressQuery.fromManifests(old)).isEmpty).toBe(true);
    }));
  });
});
