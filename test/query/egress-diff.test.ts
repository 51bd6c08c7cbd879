import { Chart, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { Example1, Example2 } from '../../examples/documented-examples';
import { EgressDiff, EgressQuery, EgressSource, EgressTrafficPolicy, ExternalService } from '../../src';

/** A small App: rules given as [rule name, source, service], all through gateway gw unless said otherwise. */
interface RuleSpec {
  readonly name: string;
  readonly source: EgressSource;
  readonly service: ExternalService;
  readonly gateway?: string;
}

function queryOf(rules: RuleSpec[]): EgressQuery {
  const app = Testing.app();
  const chart = new Chart(app, 'c');
  const policies = new Map<string, EgressTrafficPolicy>();
  for (const rule of rules) {
    const gateway = rule.gateway ?? 'gw';
    if (!policies.has(gateway)) policies.set(gateway, new EgressTrafficPolicy(chart, gateway, { gateway }));
    policies.get(gateway)!.addRule(rule.name).from(rule.source).to(rule.service);
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

  test('a changed rule: a narrower source loses and gains, a new gateway port is a change of the same access', () => {
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
    expect(diff.format()).toBe([
      '~ team-a{app=web} -> api.example.com:443/HTTPS: gateway port 10443 -> 10500',
      '- team-b -> data.example.com:443/HTTPS via gw:10444',
      '+ team-b{app=etl} -> data.example.com:443/HTTPS via gw:10444',
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
    const before = Testing.app();
    new Example1(before, 'example');
    const after = Testing.app();
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

describe('EgressDiff (properties over generated policies)', () => {
  const sources = [
    { namespace: 'a' },
    { namespace: 'a', workloadSelector: { app: 'x' } },
    { namespace: 'b', workloadSelector: { app: 'y', tier: 'z' } },
  ];
  const services = [
    { name: 'h', hosts: ['h.example.com', 'www.h.example.com'], port: { number: 80, protocol: 'HTTP', name: 'http' }, byEgressGateway: { port: 80 } },
    { name: 'u', hosts: ['h.example.com'], port: { number: 80, protocol: 'HTTP', name: 'http' }, byEgressGateway: { port: 80 }, httpsUpgrade: { enabled: true, port: 443 } },
    { name: 's', hosts: ['s.example.com'], port: { number: 443, protocol: 'HTTPS', name: 'https' }, byEgressGateway: { port: 444 } },
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

  test('the pairs after are the pairs before, without the lost, with the gained; changed pairs are in both', () => {
    fc.assert(fc.property(manifests, manifests, (old, now) => {
      const [before, after] = [EgressQuery.fromManifests(old), EgressQuery.fromManifests(now)];
      const diff = EgressDiff.between(before, after);
      const expected = new Set([...pairs(before)].filter((p) => !diff.lost.some((a) => pairOf(a) === p)));
      diff.gained.forEach((a) => expected.add(pairOf(a)));
      expect([...expected].sort()).toEqual([...pairs(after)].sort());
      for (const c of diff.changed) {
        expect(pairs(before).has(pairOf(c))).toBe(true);
        expect(pairs(after).has(pairOf(c))).toBe(true);
      }
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
