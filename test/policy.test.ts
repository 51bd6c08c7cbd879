import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  AsmApiVersion, AsmVersion, EgressRegistry, EgressRule, EgressSource, EgressTrafficPolicy, ExternalService,
  GatewayPortAllocation, PortRange,
} from '../src';
import { synthError, synthObjects, testApp, warningLines } from './util/synth';

const web = ExternalService.http('web', { hosts: ['www.example.com'] });
const api = ExternalService.https('api', { hosts: ['api.example.com'] });
const db = ExternalService.tcp('db', { hosts: ['db.example.com'], port: 5432 });
const team = EgressSource.namespace('team-a');

function setup() {
  const app = testApp();
  const chart = new Chart(app, 'platform');
  return { app, chart };
}

describe('EgressTrafficPolicy', () => {
  test('follows ASM naming conventions by default', () => {
    const { app, chart } = setup();
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule('r').allowFrom(team).allowTo(web);
    const [obj] = synthObjects(app);
    expect(obj.apiVersion).toBe('istio.alibabacloud.com/v1beta1');
    expect(obj.kind).toBe('ASMEgressTrafficPolicy');
    expect(obj.metadata).toEqual({ name: 'egress-by-gw-a', namespace: 'istio-egress' });
    expect(obj.spec.byEgressGateway).toEqual({ name: 'gw-a' });
    expect(obj.spec.egressRules).toEqual([{
      name: 'r',
      from: [{ namespace: 'team-a' }],
      to: [{ name: 'web', hosts: ['www.example.com'], port: { name: 'http', number: 80, protocol: 'HTTP' }, byEgressGateway: { port: expect.any(Number) } }],
    }]);
  });

  test('name, namespace and API version can be overridden', () => {
    const { app, chart } = setup();
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a', name: 'custom', namespace: 'egress', apiVersion: AsmApiVersion.V1 })
      .addRule().allowFrom(team).allowTo(web);
    const [obj] = synthObjects(app);
    expect(obj.apiVersion).toBe('istio.alibabacloud.com/v1');
    expect(obj.metadata).toEqual({ name: 'custom', namespace: 'egress' });
    expect(obj.spec.egressRules[0].name).toBeUndefined();
  });

  test('exposes its L1 object for further customisation', () => {
    const { app, chart } = setup();
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' });
    policy.addRule().allowFrom(team).allowTo(web);
    policy.apiObject!.metadata.addLabel('team', 'platform');
    expect(synthObjects(app)[0].metadata.labels).toEqual({ team: 'platform' });
  });

  test.each([
    ['gateway', { gateway: 'GW' }, /gateway: 'GW' is not a DNS-1123 label/],
    ['name', { gateway: 'gw', name: 'Bad_Name' }, /name: 'Bad_Name' is not a DNS-1123 subdomain/],
    ['namespace', { gateway: 'gw', namespace: 'a.b' }, /namespace: 'a.b' is not a DNS-1123 label/],
    ['excluded ports', { gateway: 'gw', excludedPorts: [0] }, /excludedPorts\[0\]: 0 is not a port number/],
  ])('rejects an invalid %s at construction, naming the construct path', (_, props, message) => {
    const { chart } = setup();
    expect(() => new EgressTrafficPolicy(chart, 'Egress', props)).toThrow(/^EgressTrafficPolicy platform\/Egress is invalid:/);
    expect(() => new EgressTrafficPolicy(chart, 'Egress2', props)).toThrow(message);
  });

  test('warns about a gateway name longer than 32 characters', () => {
    const { app, chart } = setup();

    const gateway = 'a-very-long-egress-gateway-name-x1';
    new EgressTrafficPolicy(chart, 'Egress', { gateway }).addRule().allowFrom(team).allowTo(web);
    synthObjects(app);
    expect(warningLines(app)).toContainEqual(expect.stringMatching(
      /\[warning\] \[platform\/Egress\] spec.byEgressGateway.name: gateway name 'a-very-long-egress-gateway-name-x1' has 34 characters; ASM recommends at most 32/));
  });
});

describe('rules contributed from several charts', () => {
  test('join the one policy of their gateway: own rules first, then contributions by construct path', () => {
    const { app, chart } = setup();
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' });
    const teamB = new Chart(app, 'team-b');
    const teamA = new Chart(app, 'team-a');
    new EgressRule(teamB, 'B', { gateway: 'gw-a', name: 'b' }).allowFrom(EgressSource.namespace('b')).allowTo(api);
    new EgressRule(teamA, 'A', { gateway: 'gw-a', name: 'a' }).allowFrom(EgressSource.namespace('a')).allowTo(web);
    policy.addRule('platform').allowFrom(team).allowTo(db);

    const objects = synthObjects(app);
    expect(objects).toHaveLength(1);
    expect(objects[0].spec.egressRules.map((r: any) => r.name)).toEqual(['platform', 'a', 'b']);
  });

  test('a rule for a gateway without a policy is an error', () => {
    const { app, chart } = setup();
    new EgressRule(chart, 'Orphan', { gateway: 'gw-x' }).allowFrom(team).allowTo(web);
    expect(synthError(app)).toMatch(/\[platform\/Orphan\] gateway: no EgressTrafficPolicy in the App declares gateway 'gw-x'/);
  });

  test('two policies for one gateway are an error that names both', () => {
    const { app, chart } = setup();
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule().allowFrom(team).allowTo(web);
    const other = new Chart(app, 'other');
    // Its rule reuses a service name for another service: the refused policy's rules stay out of the model.
    new EgressTrafficPolicy(other, 'Egress', { gateway: 'gw-a' }).addRule().allowFrom(team).allowTo(ExternalService.https('web', { hosts: ['w.example.com'] }));
    const errors = synthError(app).split('\n').filter((l) => l.startsWith('  ['));
    expect(errors).toEqual([expect.stringMatching(
      /\[platform\/Egress\] spec.byEgressGateway.name: gateway 'gw-a' already has its policy at other\/Egress; ASM expects one policy per gateway/)]);
  });

  test('a chart removed from the App takes its rules with it, also after an early read', () => {
    const { app, chart } = setup();
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' });
    policy.addRule('own').allowFrom(team).allowTo(api);
    new EgressRule(new Chart(app, 'team'), 'R', { gateway: 'gw-a', name: 'team' }).allowFrom(EgressSource.namespace('team-b')).allowTo(web);
    // No destination: were the rule still counted, this would fail synthesis.
    new EgressRule(new Chart(app, 'broken'), 'R', { gateway: 'gw-a' }).allowFrom(team);
    app.node.tryRemoveChild('broken');
    expect(policy.gatewayPortOf(api)).toBeGreaterThan(0);
    app.node.tryRemoveChild('team');
    expect(synthObjects(app).flatMap((o) => o.spec.egressRules.map((r: any) => r.name))).toEqual(['own']);
  });

  test('a rule outside a policy needs a gateway', () => {
    const { chart } = setup();
    expect(() => new EgressRule(chart, 'R')).toThrow(/EgressRule platform\/R: gateway is required for a rule outside an EgressTrafficPolicy/);
  });

  test('a gateway in the rule must match its enclosing policy', () => {
    const { chart } = setup();
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' });
    expect(() => new EgressRule(policy, 'R', { gateway: 'gw-b' })).toThrow(/gateway 'gw-b' differs from the enclosing policy's gateway 'gw-a'/);
  });
});

describe('sources from cdk8s-plus workloads', () => {
  test('take the namespace and pod-selector labels of a Deployment', () => {
    const { app, chart } = setup();
    const apps = new Chart(app, 'apps', { namespace: 'shop' });
    const deployment = new kplus.Deployment(apps, 'Checkout', {
      containers: [{ image: 'checkout:1' }],
      select: false,
      podMetadata: { labels: { app: 'checkout' } },
    });
    deployment.select(kplus.LabelSelector.of({ labels: { app: 'checkout' } }));
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule().allowFrom(EgressSource.fromWorkload(deployment)).allowTo(api);
    const policy = synthObjects(app).find((o) => o.kind === 'ASMEgressTrafficPolicy');
    expect(policy.spec.egressRules[0].from).toEqual([{ namespace: 'shop', workloadSelector: { app: 'checkout' } }]);
  });

  test('use the labels cdk8s-plus selects by when none are given', () => {
    const { app, chart } = setup();
    const apps = new Chart(app, 'apps', { namespace: 'shop' });
    const deployment = new kplus.Deployment(apps, 'Cart', { containers: [{ image: 'cart:1' }] });
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule().allowFrom(EgressSource.fromWorkload(deployment)).allowTo(api);
    const policy = synthObjects(app).find((o) => o.kind === 'ASMEgressTrafficPolicy');
    expect(policy.spec.egressRules[0].from).toEqual([{ namespace: 'shop', workloadSelector: deployment.matchLabels }]);
  });

  test('a workload without a namespace is an error naming the workload', () => {
    const { app, chart } = setup();
    const deployment = new kplus.Deployment(chart, 'Cart', { containers: [{ image: 'cart:1' }] });
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule('r').allowFrom(EgressSource.fromWorkload(deployment)).allowTo(api);
    expect(synthError(app)).toMatch(/\[platform\/Egress\/r\] from\[0\].namespace: workload platform\/Cart has no namespace: set one on the workload or its chart/);
  });

  test('a workload selecting with label expressions is an error', () => {
    const { app, chart } = setup();
    const apps = new Chart(app, 'apps', { namespace: 'shop' });
    const deployment = new kplus.Deployment(apps, 'Cart', { containers: [{ image: 'cart:1' }] });
    deployment.select(kplus.LabelSelector.of({ expressions: [kplus.LabelExpression.exists('tier')] }));
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule('r').allowFrom(EgressSource.fromWorkload(deployment)).allowTo(api);
    expect(synthError(app)).toMatch(/from\[0\].workloadSelector: workload apps\/Cart selects its pods with label expressions/);
  });
});

describe('EgressSource.namespace', () => {
  test.each([
    ['namespace', () => EgressSource.namespace('My_NS'), /namespace: 'My_NS' is not a DNS-1123 label/],
    ['label key', () => EgressSource.namespace('ns', { workloadSelector: { 'bad key': 'x' } }), /workloadSelector.bad key: label key 'bad key' is invalid/],
    ['label key prefix', () => EgressSource.namespace('ns', { workloadSelector: { 'Bad_Prefix/app': 'x' } }), /label key 'Bad_Prefix\/app' has an invalid prefix/],
    ['label value', () => EgressSource.namespace('ns', { workloadSelector: { app: 'a b' } }), /workloadSelector.app: label 'app' has an invalid value 'a b'/],
    ['long label value', () => EgressSource.namespace('ns', { workloadSelector: { app: 'a'.repeat(64) } }), /label 'app' has an invalid value/],
    ['service account', () => EgressSource.namespace('ns', { serviceAccountName: 'SA' }), /serviceAccountName: 'SA' is not a DNS-1123 label/],
  ])('rejects an invalid %s', (_, make, message) => {
    expect(make).toThrow(/^EgressSource '[^']*' is invalid:/);
    expect(make).toThrow(message);
  });

  test('accepts prefixed label keys and empty label values', () => {
    expect(() => EgressSource.namespace('ns', { workloadSelector: { 'app.kubernetes.io/name': 'x', 'tier': '' } })).not.toThrow();
  });
});

describe('odd input', () => {
  test('the same service or source twice in one rule is an error, not a doubled CRD entry', () => {
    const { app, chart } = setup();
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule('r')
      .allowFrom(team, EgressSource.namespace('team-b', { workloadSelector: { app: 'x' } }), EgressSource.namespace('team-b', { workloadSelector: { app: 'x' } }))
      .allowTo(web, api, ExternalService.http('web', { hosts: ['www.example.com'] }));
    const error = synthError(app);
    expect(error).toMatch(/\[platform\/Egress\/r\] from\[2\]: the same source as from\[1\] \(team-b\{app=x\}\); list each source once/);
    expect(error).toMatch(/\[platform\/Egress\/r\] to\[2\]: 'web' is already in this rule \(to\[0\]\); list each service once/);
  });

  test('unnamed rules never collide with named ones; a repeated name is a clear error', () => {
    const { chart } = setup();
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' });
    policy.addRule('Rule2');
    expect([policy.addRule().node.id, policy.addRule().node.id]).toEqual(['Rule3', 'Rule4']);
    expect(() => policy.addRule('Rule2')).toThrow(/EgressTrafficPolicy platform\/Egress: addRule\('Rule2'\): the policy already has a rule with this name/);
  });

  test('untyped (JavaScript) input is reported with the construct path, not as a TypeError', () => {
    const { chart } = setup();
    expect(() => new EgressTrafficPolicy(chart, 'NoGateway', {} as any)).toThrow(
      /^EgressTrafficPolicy platform\/NoGateway is invalid:\n {2}gateway: is required/);
    const rule = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule('r');
    expect(() => rule.allowFrom(team, undefined as any)).toThrow(/EgressRule platform\/Egress\/r: allowFrom\(\) takes EgressSource values; argument 2 is undefined/);
    expect(() => rule.allowTo(null as any)).toThrow(/EgressRule platform\/Egress\/r: allowTo\(\) takes ExternalService values; argument 1 is null/);
    expect(() => EgressSource.namespace(undefined as any)).toThrow(/EgressSource 'undefined' is invalid:\n {2}namespace: is required/);
  });
});

describe('rules checked against the whole App', () => {
  test('a rule without sources or destinations', () => {
    const { app, chart } = setup();
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' });
    policy.addRule('no-source').allowTo(web);
    policy.addRule('no-destination').allowFrom(team);
    const error = synthError(app);
    expect(error).toMatch(/\[platform\/Egress\/no-source\] from: the rule has no source: add one with allowFrom\(\)/);
    expect(error).toMatch(/\[platform\/Egress\/no-destination\] to: the rule has no destination: add one with allowTo\(\)/);
  });

  test('a policy without rules', () => {
    const { app, chart } = setup();
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' });
    expect(synthError(app)).toMatch(/\[platform\/Egress\] spec.egressRules: gateway 'gw-a' has no rules/);
  });

  test('TCP needs ASM 1.24.6.45', () => {
    const { app, chart } = setup();
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a', asmVersion: AsmVersion.of('1.22.6.28') }).addRule('r').allowFrom(team).allowTo(db);
    expect(synthError(app)).toMatch(
      /\[platform\/Egress\/r\] to\[0\].port.protocol: 'db' is a TCP service; ASM supports TCP from version 1.24.6.45, this policy targets 1.22.6.28/);
  });

  test('ASM port allocation needs ASM 1.24.6.45', () => {
    const { app, chart } = setup();
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a', asmVersion: AsmVersion.V1_16_4, portAllocation: GatewayPortAllocation.ASM })
      .addRule().allowFrom(team).allowTo(web);
    expect(synthError(app)).toMatch(/\[platform\/Egress\] portAllocation: ASM allocates gateway ports only from version 1.24.6.45; this policy targets 1.16.4/);
  });

  test('ASM port allocation refuses partial gateway ports', () => {
    const { app, chart } = setup();
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a', portAllocation: GatewayPortAllocation.ASM })
      .addRule('r').allowFrom(team).allowTo(web, ExternalService.https('pinned', { hosts: ['p.example.com'], gatewayPort: 10443 }));
    expect(synthError(app)).toMatch(
      /\[platform\/Egress\/r\] to\[1\].byEgressGateway.port: 'pinned' sets gateway port 10443, but gateway 'gw-a' leaves ports to ASM/);
  });

  test('two different services with one name in a policy', () => {
    const { app, chart } = setup();
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' });
    policy.addRule('one').allowFrom(team).allowTo(web);
    policy.addRule('two').allowFrom(team).allowTo(ExternalService.http('web', { hosts: ['other.example.com'] }));
    expect(synthError(app)).toMatch(
      /\[platform\/Egress\/two\] to\[0\].name: service name 'web' is already used in policy 'egress-by-gw-a' for a different service \(at platform\/Egress\/one\)/);
  });

  test('the same service reused in several rules and policies is fine', () => {
    const { app, chart } = setup();
    const a = new EgressTrafficPolicy(chart, 'A', { gateway: 'gw-a' });
    a.addRule().allowFrom(team).allowTo(web, api);
    a.addRule().allowFrom(EgressSource.namespace('team-b')).allowTo(web);
    new EgressTrafficPolicy(chart, 'B', { gateway: 'gw-b' }).addRule().allowFrom(team).allowTo(web);
    expect(synthObjects(app)).toHaveLength(2);
    expect(a.gatewayPortOf(web)).toBe(a.gatewayPortOf(web));
  });

  test('the same host and port with two protocols anywhere in the App', () => {
    const { app, chart } = setup();
    new EgressTrafficPolicy(chart, 'A', { gateway: 'gw-a' }).addRule('r').allowFrom(team).allowTo(api);
    const other = new Chart(app, 'other');
    new EgressTrafficPolicy(other, 'B', { gateway: 'gw-b' }).addRule('r')
      .allowFrom(team).allowTo(ExternalService.tcp('raw', { hosts: ['api.example.com'], port: 443 }));
    expect(synthError(app)).toMatch(
      /\[other\/B\/r\] to\[0\].hosts\[0\]: api.example.com:443 is declared as TCP by 'raw' but as HTTPS by 'api' \(at platform\/A\/r\); one host and port can have only one protocol/);
  });

  test('collects every error of the App in one report', () => {
    const { app, chart } = setup();
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a', asmVersion: AsmVersion.V1_16_4 });
    policy.addRule('a').allowTo(db);
    policy.addRule('b').allowFrom(team);
    new EgressRule(chart, 'Orphan', { gateway: 'nowhere' }).allowFrom(team).allowTo(web);
    const lines = synthError(app).split('\n').filter((l) => l.startsWith('  ['));
    expect(lines).toEqual([
      expect.stringMatching(/^ {2}\[platform\/Egress\/a\] from: the rule has no source/),
      expect.stringMatching(/^ {2}\[platform\/Egress\/a\] to\[0\].port.protocol: 'db' is a TCP service/),
      expect.stringMatching(/^ {2}\[platform\/Egress\/b\] to: the rule has no destination/),
      expect.stringMatching(/^ {2}\[platform\/Orphan\] gateway: no EgressTrafficPolicy in the App declares gateway 'nowhere'/),
    ]);
  });
});

describe('gateway ports', () => {
  test('are readable from the policy and the registry', () => {
    const { app, chart } = setup();
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a', portRange: PortRange.between(20000, 20010) });
    policy.addRule().allowFrom(team).allowTo(web, api, ExternalService.https('fixed', { hosts: ['f.example.com'], gatewayPort: 8443 }));
    const [obj] = synthObjects(app);
    const ports = obj.spec.egressRules[0].to.map((t: any) => t.byEgressGateway.port);
    expect(ports).toEqual([policy.gatewayPortOf(web), policy.gatewayPortOf(api), 8443]);
    expect(ports[0]).toBeGreaterThanOrEqual(20000);
    expect(ports[1]).toBeLessThanOrEqual(20010);
    expect(EgressRegistry.of(app).gatewayPorts('gw-a')).toEqual([...ports].sort((a, b) => a - b));
    expect(EgressRegistry.of(app).formatPortTable()).toMatch(/gw-a\s+8443\s+dedicated, explicit\s+fixed/);
  });

  test('are not readable when ASM allocates them', () => {
    const { chart } = setup();
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a', portAllocation: GatewayPortAllocation.ASM });
    policy.addRule().allowFrom(team).allowTo(web);
    expect(() => policy.gatewayPortOf(web)).toThrow(/gateway ports of 'gw-a' are allocated by ASM at run time/);
  });
});

describe('EgressRegistry.errors', () => {
  test('the App\'s errors as data, each with its code, construct path and field', () => {
    const app = testApp();
    const chart = new Chart(app, 'platform');
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw-a' }).addRule('r').allowTo(ExternalService.https('api', { hosts: ['api.example.com'] }));
    new EgressRule(chart, 'Orphan', { gateway: 'gw-x' }).allowFrom(EgressSource.namespace('team')).allowTo(ExternalService.https('b', { hosts: ['b.example.com'] }));
    expect(EgressRegistry.of(app).errors.map((e) => [e.code, e.path, e.field])).toEqual([
      ['UNKNOWN_GATEWAY', 'platform/Orphan', 'gateway'],
      ['RULE_WITHOUT_SOURCE', 'platform/Egress/r', 'from'],
    ]);
    expect(EgressRegistry.of(app).errors[1].message).toBe('the rule has no source: add one with allowFrom()');
  });
});

describe('errors in the order of their causes', () => {
  test('a rule for a misspelt gateway: the cause alone, with the declared gateways and a suggestion', () => {
    const app = testApp();
    new EgressTrafficPolicy(new Chart(app, 'platform'), 'EgressA', { gateway: 'egressgateway-a' });
    new EgressRule(new Chart(app, 'team'), 'Web', { gateway: 'egressgateway-b' })
      .allowFrom(EgressSource.namespace('team')).allowTo(ExternalService.https('api', { hosts: ['api.example.com'] }));
    expect(synthError(app).split('\n')).toEqual([
      'Validation failed with the following errors:',
      "  [team/Web] gateway: no EgressTrafficPolicy in the App declares gateway 'egressgateway-b' (the App declares 'egressgateway-a'): "
        + "did you mean 'egressgateway-a'? Otherwise declare an EgressTrafficPolicy for 'egressgateway-b'",
    ]);
  });

  test('without a likely meaning, the cause alone too; the policy without rules once it is fixed', () => {
    const withRule = (gateway?: string) => {
      const app = testApp();
      new EgressTrafficPolicy(new Chart(app, 'platform'), 'EgressA', { gateway: 'egressgateway-a' });
      if (gateway) {
        new EgressRule(new Chart(app, 'team'), 'Web', { gateway })
          .allowFrom(EgressSource.namespace('team')).allowTo(ExternalService.https('api', { hosts: ['api.example.com'] }));
      }
      return app;
    };
    // cdk8s reports in construct order: platform/EgressA would come first.
    expect(synthError(withRule('payments-gw')).split('\n')).toEqual([
      'Validation failed with the following errors:',
      "  [team/Web] gateway: no EgressTrafficPolicy in the App declares gateway 'payments-gw' (the App declares 'egressgateway-a'): "
        + "declare an EgressTrafficPolicy for 'payments-gw', or use a declared gateway",
    ]);
    expect(EgressRegistry.of(withRule()).errors.map((e) => `${e.path} ${e.code}: ${e.message}`)).toEqual([
      "platform/EgressA POLICY_WITHOUT_RULES: gateway 'egressgateway-a' has no rules: add one with addRule() or an EgressRule for this gateway",
    ]);
  });

  test('the declared gateways are listed up to five', () => {
    const app = testApp();
    const chart = new Chart(app, 'platform');
    for (const n of [1, 2, 3, 4, 5, 6, 7]) new EgressTrafficPolicy(chart, `E${n}`, { gateway: `gw-${n}` }).addRule().allowFrom(team).allowTo(web);
    new EgressRule(chart, 'Lost', { gateway: 'elsewhere' }).allowFrom(team).allowTo(web);
    expect(EgressRegistry.of(app).errors[0].message)
      .toBe("no EgressTrafficPolicy in the App declares gateway 'elsewhere' (the App declares 'gw-1', 'gw-2', 'gw-3', 'gw-4', 'gw-5', and 2 more): "
        + "declare an EgressTrafficPolicy for 'elsewhere', or use a declared gateway");
  });
});
