import * as fc from 'fast-check';
import { allocateGatewayPorts, PortRequest, SHARED_HTTP_KEY } from '../../src/allocation/port-allocator';
import { parsePortLock, PortLock, serializePortLock, updatePortLock } from '../../src/allocation/port-lock';

const FILE = 'asm-egress.ports.lock.json';

const LOCK: PortLock = {
  version: 1,
  gateways: {
    'istio-egressgateway': { 'TCP|test-tcp.com|444': 10365, 'HTTP|*': 14402 },
    'another-gateway': { 'TLS|b.com,a.com|443': 12000 },
  },
};

describe('serializePortLock', () => {
  test('writes sorted keys, one port per line, with a trailing newline', () => {
    expect(serializePortLock(LOCK)).toBe([
      '{',
      '  "version": 1,',
      '  "gateways": {',
      '    "another-gateway": {',
      '      "TLS|b.com,a.com|443": 12000',
      '    },',
      '    "istio-egressgateway": {',
      '      "HTTP|*": 14402,',
      '      "TCP|test-tcp.com|444": 10365',
      '    }',
      '  }',
      '}',
      '',
    ].join('\n'));
  });

  test('empty locks and gateways', () => {
    expect(serializePortLock({ version: 1, gateways: {} })).toBe('{\n  "version": 1,\n  "gateways": {}\n}\n');
    expect(serializePortLock({ version: 1, gateways: { gw: {} } })).toBe('{\n  "version": 1,\n  "gateways": {\n    "gw": {}\n  }\n}\n');
  });

  test('does not depend on insertion order, and sorts numeric-looking keys as strings', () => {
    const a = serializePortLock({ version: 1, gateways: { 9: { b: 2, a: 1 }, 10: { 2: 5, 10: 6 } } });
    const b = serializePortLock({ version: 1, gateways: { 10: { 10: 6, 2: 5 }, 9: { a: 1, b: 2 } } });
    expect(a).toBe(b);
    expect(a.indexOf('"10"')).toBeLessThan(a.indexOf('"9"'));
  });

  test('refuses to write an invalid port', () => {
    expect(() => serializePortLock({ version: 1, gateways: { gw: { k: 0 } } })).toThrow('gateways["gw"]["k"] is 0, not an integer port 1-65535');
  });
});

describe('parsePortLock', () => {
  test('round trip', () => {
    const text = serializePortLock(LOCK);
    const parsed = parsePortLock(text, FILE);
    expect(parsed).toEqual(LOCK);
    expect(serializePortLock(parsed)).toBe(text);
  });

  test('accepts any JSON layout, and two keys on one port (the allocator resolves it)', () => {
    const parsed = parsePortLock('{"gateways":{"gw":{"b":10001,"a":10001}},"version":1}', FILE);
    expect(parsed.gateways.gw).toEqual({ a: 10001, b: 10001 });
  });

  test('keys such as __proto__ stay plain data', () => {
    const parsed = parsePortLock('{"version":1,"gateways":{"__proto__":{"__proto__":10001}}}', FILE);
    expect(Object.keys(parsed.gateways)).toEqual(['__proto__']);
    expect(Object.keys(parsed.gateways.__proto__)).toEqual(['__proto__']);
    expect(serializePortLock(parsed)).toContain('"__proto__": 10001');
  });

  test.each([
    ['', 'the port lock file is empty'],
    ['  \n', 'the port lock file is empty'],
    ['{"version": 1, "gateways": {', 'the port lock file is not valid JSON'],
    ['[]', 'must contain a JSON object, got an array'],
    ['null', 'must contain a JSON object, got null'],
    ['"text"', 'must contain a JSON object, got "text"'],
    ['{"gateways": {}}', "missing field 'version' (expected 1)"],
    ['{"version": 2, "gateways": {}}', "field 'version' must be 1, got 2"],
    ['{"version": "1", "gateways": {}}', "field 'version' must be 1, got \"1\""],
    ['{"version": 1}', "missing field 'gateways'"],
    ['{"version": 1, "gateways": {}, "ports": {}}', "unknown field 'ports'"],
    ['{"version": 1, "gateways": []}', "field 'gateways' must be an object (gateway name -> { destination key -> port }), got an array"],
    ['{"version": 1, "gateways": {"gw": 10001}}', 'field \'gateways["gw"]\' must be an object (destination key -> port), got 10001'],
    ['{"version": 1, "gateways": {"gw": {"TCP|a.com|444": "10001"}}}', 'field \'gateways["gw"]["TCP|a.com|444"]\' must be an integer port 1-65535, got "10001"'],
    ['{"version": 1, "gateways": {"gw": {"k": 0}}}', 'field \'gateways["gw"]["k"]\' must be an integer port 1-65535, got 0'],
    ['{"version": 1, "gateways": {"gw": {"k": 65536}}}', 'got 65536'],
    ['{"version": 1, "gateways": {"gw": {"k": 10000.5}}}', 'got 10000.5'],
    ['{"version": 1, "gateways": {"gw": {"k": null}}}', 'got null'],
    ['{"version": 1, "gateways": {"gw": {"k": {}}}}', 'got an object'],
  ])('rejects %j with a clear message', (text, message) => {
    let error: unknown;
    try {
      parsePortLock(text, FILE);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message.startsWith(`${FILE}: `)).toBe(true);
    expect((error as Error).message).toContain(message);
  });

  test('property: any lock survives serialise -> parse -> serialise unchanged', () => {
    const portArb = fc.integer({ min: 1, max: 65535 });
    const lockArb = fc.dictionary(fc.string(), fc.dictionary(fc.string(), portArb)).map((gateways): PortLock => ({ version: 1, gateways }));
    fc.assert(fc.property(lockArb, (lock) => {
      const text = serializePortLock(lock);
      expect(text.endsWith('}\n')).toBe(true);
      const parsed = parsePortLock(text, FILE);
      expect(parsed).toEqual(lock);
      expect(serializePortLock(parsed)).toBe(text);
      expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(lock)));
    }));
  });

  test('property: arbitrary text never throws anything but a message naming the file', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
      try {
        parsePortLock(text, FILE);
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        expect((e as Error).message.startsWith(`${FILE}: `)).toBe(true);
      }
    }));
  });
});

describe('updatePortLock', () => {
  test('keeps exactly the keys in use: unused keys and gateways are dropped, new ones added', () => {
    const next = updatePortLock(LOCK, {
      'istio-egressgateway': { 'HTTP|*': 14402, 'TCP|new.com|444': 11111 },
      'empty-gateway': {},
    });
    expect(next).toEqual({ version: 1, gateways: { 'istio-egressgateway': { 'HTTP|*': 14402, 'TCP|new.com|444': 11111 } } });
  });

  test('without a previous lock', () => {
    expect(updatePortLock(undefined, { gw: { b: 2, a: 1 } })).toEqual({ version: 1, gateways: { gw: { a: 1, b: 2 } } });
  });

  test('returns the previous lock itself when nothing changed', () => {
    const same = updatePortLock(LOCK, JSON.parse(JSON.stringify(LOCK.gateways)));
    expect(same).toBe(LOCK);
    expect(updatePortLock(LOCK, { ...LOCK.gateways, extra: { k: 10001 } })).not.toBe(LOCK);
  });

  test('end to end: allocate, lock, re-allocate with one more service: nothing moves', () => {
    const requests: PortRequest[] = Array.from({ length: 300 }, (_, i) => ({
      key: i % 3 === 0 ? `HTTP|web-${i}.com|80` : `TCP|db-${i}.com|5432`,
      shared: i % 3 === 0,
      owner: `App/Chart/Policy: to 'svc-${i}'`,
    }));
    const space = { gateway: 'istio-egressgateway', range: { min: 10000, max: 10999 } };
    const first = allocateGatewayPorts(space, requests);
    const lockText = serializePortLock(updatePortLock(undefined, { [space.gateway]: first.allocated }));

    const lock = parsePortLock(lockText, FILE);
    const more = [...requests, { key: 'TCP|newcomer.com|5432', shared: false, owner: 'newcomer' }];
    const second = allocateGatewayPorts({ ...space, pinned: lock.gateways[space.gateway] }, more);
    expect(second.ports.slice(0, requests.length)).toEqual(first.ports);
    expect(second.allocated[SHARED_HTTP_KEY]).toBe(first.allocated[SHARED_HTTP_KEY]);

    const fewer = requests.filter((r) => r.key !== 'TCP|db-1.com|5432');
    const third = allocateGatewayPorts({ ...space, pinned: lock.gateways[space.gateway] }, fewer);
    const updated = updatePortLock(lock, { [space.gateway]: third.allocated });
    expect(Object.keys(updated.gateways[space.gateway])).not.toContain('TCP|db-1.com|5432');
    expect(Object.keys(updated.gateways[space.gateway])).toHaveLength(Object.keys(first.allocated).length - 1);
  });
});
