import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Chart } from 'cdk8s';
import * as fc from 'fast-check';
import { EgressRegistry, EgressRule, EgressSource, EgressTrafficPolicy, ExternalService, PortRange } from '../../src';
import { synthError, synthObjects, testApp } from '../util/synth';

// The allocator inside the App: one port space per gateway across every chart, explicit ports kept,
// results independent of construction order, and a lock file that pins what was allocated.

const source = EgressSource.namespace('apps');

function tls(i: number, gatewayPort?: number) {
  return ExternalService.https(`tls-${i}`, { hosts: [`tls-${i}.example.com`], gatewayPort });
}
function tcp(i: number) {
  return ExternalService.tcp(`tcp-${i}`, { hosts: [`tcp-${i}.example.com`], port: 5000 + i });
}
function http(i: number) {
  return ExternalService.http(`http-${i}`, { hosts: [`http-${i}.example.com`] });
}

/** Gateway port of every service, by name, from the synthesised policies. */
function portsByService(app: App): Record<string, number> {
  const ports: Record<string, number> = {};
  for (const obj of synthObjects(app)) {
    for (const rule of obj.spec.egressRules) {
      for (const to of rule.to) ports[to.name] = to.byEgressGateway.port;
    }
  }
  return ports;
}

describe('gateway ports across the App', () => {
  test('rules from several charts share one port space per gateway', () => {
    const app = testApp();
    new EgressTrafficPolicy(new Chart(app, 'platform'), 'Egress', { gateway: 'gw' }).addRule('platform').allowFrom(source).allowTo(tls(1), http(1));
    new EgressRule(new Chart(app, 'team-a'), 'R', { gateway: 'gw' }).allowFrom(source).allowTo(tls(2), tcp(1), http(2));
    new EgressRule(new Chart(app, 'team-b'), 'R', { gateway: 'gw' }).allowFrom(source).allowTo(tls(3), tcp(2));

    const ports = portsByService(app);
    const dedicated = ['tls-1', 'tls-2', 'tls-3', 'tcp-1', 'tcp-2'].map((n) => ports[n]);
    expect(new Set([...dedicated, ports['http-1']]).size).toBe(6);
    expect(ports['http-1']).toBe(ports['http-2']);
    expect(EgressRegistry.of(app).gatewayPorts('gw')).toEqual([...new Set(Object.values(ports))].sort((a, b) => a - b));
  });

  test('two gateways are two port spaces', () => {
    const app = testApp();
    const chart = new Chart(app, 'c');
    new EgressTrafficPolicy(chart, 'A', { gateway: 'gw-a', portRange: PortRange.between(10000, 10000) }).addRule().allowFrom(source).allowTo(tls(1));
    new EgressTrafficPolicy(chart, 'B', { gateway: 'gw-b', portRange: PortRange.between(10000, 10000) }).addRule().allowFrom(source).allowTo(tls(2));
    expect(portsByService(app)).toEqual({ 'tls-1': 10000, 'tls-2': 10000 });
  });

  test('explicit ports of two charts that cannot share are an error naming both constructs', () => {
    const app = testApp();
    new EgressTrafficPolicy(new Chart(app, 'platform'), 'Egress', { gateway: 'gw' }).addRule('mine').allowFrom(source).allowTo(tls(1, 16000));
    new EgressRule(new Chart(app, 'team'), 'Theirs', { gateway: 'gw' }).allowFrom(source).allowTo(tls(2, 16000));
    // Reported once (at the first owner): the message names both.
    expect(synthError(app)).toBe([
      'Validation failed with the following errors:',
      "  [platform/Egress/mine] to[0].byEgressGateway.port: Gateway 'gw': explicit port 16000 is claimed by \"platform/Egress/mine to[0] 'tls-1'\" "
      + "for tls-1.example.com:443 (TLS) and by \"team/Theirs to[0] 'tls-2'\" for tls-2.example.com:443 (TLS), "
      + 'but a TCP or HTTPS/TLS destination needs a gateway port of its own. Give one of them another port, or leave the port out to have one allocated.',
    ].join('\n'));
  });

  test('an exhausted range names the gateway, the range, the counts and the destination', () => {
    const app = testApp();
    new EgressTrafficPolicy(new Chart(app, 'c'), 'Egress', { gateway: 'gw', portRange: PortRange.between(20000, 20001) })
      .addRule('r').allowFrom(source).allowTo(tls(1), tls(2), tls(3));
    expect(synthError(app)).toBe([
      'Validation failed with the following errors:',
      "  [c/Egress/r] to[1].byEgressGateway.port: Gateway 'gw': port range 20000-20001 is exhausted, so tls-2.example.com:443 (TLS) got no port: "
      + '2 port(s) are free there (besides excluded and explicit ports) but 3 are needed. '
      + 'Widen the range, free some ports, or give some destinations explicit ports outside the range.',
    ].join('\n'));
  });

  test('an exhausted range is reported at every rule field that got no port, each naming its destination', () => {
    const app = testApp();
    new EgressTrafficPolicy(new Chart(app, 'c'), 'Egress', { gateway: 'gw', portRange: PortRange.between(20000, 20000) })
      .addRule('r').allowFrom(source).allowTo(tls(1), tls(2), tls(3));
    new EgressRule(new Chart(app, 'team'), 'R', { gateway: 'gw' }).allowFrom(source).allowTo(tls(2), tls(3));
    const exhausted = (n: number) => `Gateway 'gw': port range 20000-20000 is exhausted, so tls-${n}.example.com:443 (TLS) got no port: `
      + '1 port(s) are free there (besides excluded and explicit ports) but 3 are needed. '
      + 'Widen the range, free some ports, or give some destinations explicit ports outside the range.';
    expect(synthError(app)).toBe([
      'Validation failed with the following errors:',
      `  [c/Egress/r] to[0].byEgressGateway.port: ${exhausted(1)}`,
      `  [c/Egress/r] to[1].byEgressGateway.port: ${exhausted(2)}`,
      `  [team/R] to[0].byEgressGateway.port: ${exhausted(2)}`,
    ].join('\n'));
  });

  test('excluded ports are never allocated, and an explicit excluded port is an error', () => {
    const app = testApp();
    new EgressTrafficPolicy(new Chart(app, 'c'), 'Egress', { gateway: 'gw', portRange: PortRange.between(16020, 16023), excludedPorts: [16020, 16021] })
      .addRule().allowFrom(source).allowTo(tls(1), tls(2));
    expect(Object.values(portsByService(app)).sort()).toEqual([16022, 16023]);

    const bad = testApp();
    new EgressTrafficPolicy(new Chart(bad, 'c'), 'Egress', { gateway: 'gw', excludedPorts: [16021] }).addRule('r').allowFrom(source).allowTo(tls(1, 16021));
    expect(synthError(bad)).toMatch(/\[c\/Egress\/r\] to\[0\].byEgressGateway.port: Gateway 'gw': explicit port 16021 of .* is one of the gateway's excluded ports/);
  });

  test("the ports of the gateway's own Istio proxy are never allocated, and an explicit one is an error", () => {
    const app = testApp();
    // A range of the proxy block and one port on each side: the two services get the outside ones.
    new EgressTrafficPolicy(new Chart(app, 'c'), 'Egress', { gateway: 'gw', portRange: PortRange.between(14999, 15100) })
      .addRule().allowFrom(source).allowTo(tls(1), tls(2));
    expect(Object.values(portsByService(app)).sort()).toEqual([14999, 15100]);

    // 15050 is in the block but no proxy listens there: set explicitly, it is kept.
    const bad = testApp();
    new EgressTrafficPolicy(new Chart(bad, 'c'), 'Egress', { gateway: 'gw' }).addRule('r').allowFrom(source).allowTo(tls(1, 15021), tls(2, 15050));
    expect(synthError(bad)).toBe([
      'Validation failed with the following errors:',
      "  [c/Egress/r] to[0].byEgressGateway.port: gateway port 15021 of 'tls-1' is one of the ports the gateway's Istio proxy listens on itself "
      + '(15000, 15001, 15004, 15006, 15008, 15009, 15010, 15012, 15014, 15017, 15020, 15021, 15053, 15090); choose another port',
    ].join('\n'));
    const kept = testApp();
    new EgressTrafficPolicy(new Chart(kept, 'c'), 'Egress', { gateway: 'gw' }).addRule('r').allowFrom(source).allowTo(tls(2, 15050));
    expect(portsByService(kept)).toEqual({ 'tls-2': 15050 });
  });

  test('ports do not depend on the order of charts, rules and services', () => {
    const services = [...Array.from({ length: 8 }, (_, i) => tls(i)), ...Array.from({ length: 4 }, (_, i) => tcp(i)), http(0), http(1)];
    const build = (order: number[], split: number) => {
      const app = testApp();
      const shuffled = order.map((i) => services[i]);
      // The policy's chart is created after the contributing chart in half the cases.
      const team = split % 2 === 0 ? new Chart(app, 'team') : undefined;
      const policy = new EgressTrafficPolicy(new Chart(app, 'platform'), 'Egress', { gateway: 'gw' });
      policy.addRule('own').allowFrom(source).allowTo(...shuffled.slice(0, split));
      new EgressRule(team ?? new Chart(app, 'team'), 'R', { gateway: 'gw' }).allowFrom(source).allowTo(...shuffled.slice(split));
      return portsByService(app);
    };
    const reference = build(services.map((_, i) => i), 7);
    fc.assert(fc.property(
      fc.shuffledSubarray(services.map((_, i) => i), { minLength: services.length, maxLength: services.length }),
      fc.integer({ min: 1, max: services.length - 1 }),
      (order, split) => {
        expect(build(order, split)).toEqual(reference);
      }), { numRuns: 25 });
  });

  test('adding or removing a service does not move the others', () => {
    const base = [...Array.from({ length: 20 }, (_, i) => tls(i)), ...Array.from({ length: 10 }, (_, i) => tcp(i)), http(0)];
    const synth = (services: ExternalService[]) => {
      const app = testApp();
      new EgressTrafficPolicy(new Chart(app, 'c'), 'Egress', { gateway: 'gw' }).addRule().allowFrom(source).allowTo(...services);
      return portsByService(app);
    };
    const before = synth(base);
    const added = synth([...base, tls(99), tcp(99)]);
    const removed = synth(base.filter((s) => s.name !== 'tls-3'));
    for (const [name, port] of Object.entries(before)) {
      expect(added[name]).toBe(port);
      if (name !== 'tls-3') expect(removed[name]).toBe(port);
    }
  });
});

describe('port lock file', () => {
  const lockIn = () => join(mkdtempSync(join(tmpdir(), 'egress-lock-')), 'egress-ports.lock.json');
  const appWith = (file: string, services: ExternalService[], frozen = false) => {
    const app = testApp();
    EgressRegistry.of(app).configure({ portLockFile: file, portLockFrozen: frozen });
    new EgressTrafficPolicy(new Chart(app, 'c'), 'Egress', { gateway: 'gw' }).addRule().allowFrom(source).allowTo(...services);
    return app;
  };

  test('is written on synthesis with every allocated port, and pins them afterwards', () => {
    const file = lockIn();
    const first = portsByService(appWith(file, [tls(1), tcp(1), http(1)]));
    const lock = JSON.parse(readFileSync(file, 'utf8'));
    expect(lock.version).toBe(1);
    expect(Object.values(lock.gateways.gw).sort()).toEqual([first['tls-1'], first['tcp-1'], first['http-1']].sort());
    expect(lock.gateways.gw['TLS|tls-1.example.com|443']).toBe(first['tls-1']);

    // Pin a port by hand: the next synthesis keeps it, even though the hash would choose another.
    lock.gateways.gw['TLS|tls-1.example.com|443'] = 19999;
    writeFileSync(file, JSON.stringify(lock));
    const second = portsByService(appWith(file, [tls(1), tcp(1), http(1), tls(2)]));
    expect(second['tls-1']).toBe(19999);
    expect(second['tcp-1']).toBe(first['tcp-1']);
    expect(JSON.parse(readFileSync(file, 'utf8')).gateways.gw['TLS|tls-2.example.com|443']).toBe(second['tls-2']);
  });

  test('drops services that are gone', () => {
    const file = lockIn();
    portsByService(appWith(file, [tls(1), tls(2)]));
    portsByService(appWith(file, [tls(1)]));
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).gateways.gw)).toEqual(['TLS|tls-1.example.com|443']);
  });

  test('frozen: fails instead of updating a lock that does not match', () => {
    const file = lockIn();
    portsByService(appWith(file, [tls(1)]));
    const before = readFileSync(file, 'utf8');
    const stale = appWith(file, [tls(1), tls(2)], true);
    expect(synthError(stale))
      .toMatch(/\[AsmEgressRegistry\] portLockFile: .*egress-ports.lock.json does not record the ports this App allocates: synthesise without portLockFrozen/);
    // As data too, by its code, before any synthesis.
    expect(EgressRegistry.of(appWith(file, [tls(1), tls(2)], true)).errors.map((e) => [e.code, e.path, e.field]))
      .toEqual([['PORT_LOCK_STALE', 'AsmEgressRegistry', 'portLockFile']]);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(() => portsByService(appWith(file, [tls(1)], true))).not.toThrow();
  });

  test('a malformed lock is an error naming the file', () => {
    const file = lockIn();
    writeFileSync(file, '{ "version": 1, "gateways": { "gw": { "k": "x" } } }');
    expect(synthError(appWith(file, [tls(1)]))).toMatch(/\[AsmEgressRegistry\] portLockFile: .*egress-ports.lock.json: .*must be an integer port/);
    expect(EgressRegistry.of(appWith(file, [tls(1)])).errors.map((e) => e.code)).toEqual(['PORT_LOCK_INVALID']);
  });

  test('is written, with no gateways, when every port is explicit', () => {
    const file = lockIn();
    portsByService(appWith(file, [tls(1, 12345)]));
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8')).gateways).toEqual({});
  });
});

describe('EgressRegistry.configure', () => {
  test('must come before any policy or rule', () => {
    const app = testApp();
    new EgressTrafficPolicy(new Chart(app, 'c'), 'Egress', { gateway: 'gw' });
    expect(() => EgressRegistry.of(app).configure({})).toThrow(
      /configure the App before declaring policies or rules \(c\/Egress was declared first\)/);
  });
});
