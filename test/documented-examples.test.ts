import { fixture, synthObjects, testApp } from './util/synth';
import { Example1, Example2, Example3 } from '../examples/documented-examples';
import { EgressRegistry, GatewayPortAllocation } from '../src';

// The bundled example app must reproduce the three documented examples field for field.

describe('documented examples', () => {
  test('example 1: HTTP through gateway port 80', () => {
    const app = testApp();
    new Example1(app, 'example-1');
    expect(synthObjects(app)).toEqual([fixture('example-1.yaml')]);
  });

  test('example 2: HTTPS upgrade and HTTPS services on their own ports', () => {
    const app = testApp();
    new Example2(app, 'example-2');
    expect(synthObjects(app)).toEqual([fixture('example-2.yaml')]);
  });

  test('keys come in the order of the reference\'s examples (name, hosts, port: name, number, protocol, ...)', () => {
    for (const [Example, file] of [[Example1, 'example-1.yaml'], [Example2, 'example-2.yaml']] as const) {
      const app = testApp();
      new Example(app, 'example');
      // JSON text is in key order, where toEqual is not.
      expect(JSON.stringify(synthObjects(app)[0], null, 1)).toBe(JSON.stringify(fixture(file), null, 1));
    }
  });

  test('example 3: gateway ports left to ASM', () => {
    const app = testApp();
    new Example3(app, 'example-3', GatewayPortAllocation.ASM);
    expect(synthObjects(app)).toEqual([fixture('example-3.yaml')]);
  });

  test('example 3 with ports allocated by the library: same policy, every port filled in', () => {
    const app = testApp();
    new Example3(app, 'example-3', GatewayPortAllocation.LIBRARY);
    const [policy] = synthObjects(app);
    const documented = fixture('example-3.yaml');

    // Apart from the ports, the object is the documented one.
    const withoutPorts = JSON.parse(JSON.stringify(policy));
    for (const to of withoutPorts.spec.egressRules[0].to) delete to.byEgressGateway;
    expect(withoutPorts).toEqual(documented);

    const ports = Object.fromEntries(policy.spec.egressRules[0].to.map((to: any) => [to.name, to.byEgressGateway.port]));
    for (const port of Object.values(ports) as number[]) {
      expect(port).toBeGreaterThanOrEqual(10000);
      expect(port).toBeLessThanOrEqual(20000);
    }
    // HTTP services (upgraded or not) share one port; HTTPS and each TCP service have their own.
    expect(ports['aliyun-com-http']).toBe(ports['https-upgrade']);
    const dedicated = [ports['aliyun-https'], ports['tcp-svc1'], ports['tcp-svc2']];
    expect(new Set([...dedicated, ports['aliyun-com-http']]).size).toBe(4);

    // The registry reports the same ports.
    expect(EgressRegistry.of(app).gatewayPorts('egressgateway-a')).toEqual(
      [...new Set(Object.values(ports) as number[])].sort((a, b) => a - b));
    expect(policy).toMatchSnapshot();
  });
});
