import { ExternalService, Guardrail, GuardrailOverride, Protocol } from '../src';
import { errorOf } from './util/synth';

describe('ExternalService', () => {
  test('factories set protocol, default port and port name', () => {
    const http = ExternalService.http('web', { hosts: ['example.com'] });
    expect([http.protocol, http.port, http.portName, http.gatewayPort, http.upgradesToHttps]).toEqual([Protocol.HTTP, 80, 'http', undefined, false]);
    const https = ExternalService.https('secure', { hosts: ['example.com'] });
    expect([https.protocol, https.port, https.portName]).toEqual([Protocol.HTTPS, 443, 'https']);
    const tls = ExternalService.tls('mq', { hosts: ['mq.example.com'], port: 5671, portName: 'amqps' });
    expect([tls.protocol, tls.port, tls.portName]).toEqual([Protocol.TLS, 5671, 'amqps']);
    const tcp = ExternalService.tcp('db', { hosts: ['8.8.8.8'], port: 5432, gatewayPort: 15432 });
    expect([tcp.protocol, tcp.port, tcp.portName, tcp.gatewayPort, tcp.isIpAddressed]).toEqual([Protocol.TCP, 5432, 'tcp', 15432, true]);
  });

  test('HTTPS upgrade defaults to port 443', () => {
    const upgraded = ExternalService.http('web', { hosts: ['example.com'], httpsUpgrade: {} });
    expect([upgraded.upgradesToHttps, upgraded.httpsUpgradePort]).toEqual([true, 443]);
    expect(ExternalService.http('web', { hosts: ['example.com'], httpsUpgrade: { port: 8443 } }).httpsUpgradePort).toBe(8443);
  });

  test('hosts are copied, not shared with the caller', () => {
    const hosts = ['example.com'];
    const service = ExternalService.http('web', { hosts });
    hosts.push('other.com');
    service.hosts.push('third.com');
    expect(service.hosts).toEqual(['example.com']);
  });

  test.each([
    ['a name that is not a DNS-1123 label', () => ExternalService.http('Web_1', { hosts: ['example.com'] }), /name: 'Web_1' is not a DNS-1123 label/],
    ['no hosts', () => ExternalService.http('web', { hosts: [] }), /hosts: at least one host is required/],
    ['more than 50 hosts', () => ExternalService.http('web', { hosts: Array.from({ length: 51 }, (_, i) => `h${i}.example.com`) }), /hosts: 51 hosts given; at most 50 are allowed/],
    ['an empty host', () => ExternalService.http('web', { hosts: [''] }), /hosts\[0\]: a host must not be empty/],
    ["a bare '*'", () => ExternalService.https('web', { hosts: ['*'] }), /hosts\[0\]: a bare '\*' matches every host/],
    ['a duplicate host', () => ExternalService.http('web', { hosts: ['a.com', 'a.com'] }), /hosts\[1\]: 'a.com' is listed twice/],
    ['a single-label host', () => ExternalService.http('web', { hosts: ['localhost'] }), /hosts\[0\]: 'localhost' is not a fully qualified domain name/],
    ['an upper-case host', () => ExternalService.http('web', { hosts: ['Example.com'] }), /hosts\[0\]: 'Example.com' must be lower case/],
    ['a host with a trailing dot', () => ExternalService.http('web', { hosts: ['example.com.'] }), /must not end with a dot/],
    ['a host with an invalid label', () => ExternalService.http('web', { hosts: ['ex_ample.com'] }), /hosts\[0\]: 'ex_ample.com' is not a valid domain name/],
    ["a '*' inside a host", () => ExternalService.http('web', { hosts: ['a.*.com'] }), /hosts\[0\]: 'a.\*.com' has a '\*' that is not a leading/],
    ['an address range', () => ExternalService.tcp('db', { hosts: ['10.0.0.0/8'], port: 5432 }), /hosts\[0\]: '10.0.0.0\/8' is an address range/],
    ['a malformed IP address', () => ExternalService.tcp('db', { hosts: ['1.2.3.256'], port: 5432 }), /hosts\[0\]: '1.2.3.256' is neither a domain name nor a valid IP address/],
    ['an IP host on HTTP', () => ExternalService.http('web', { hosts: ['1.1.1.1'] }), /hosts\[0\]: '1.1.1.1' is an IP address: only TCP services can be reached by address \(HTTP is routed by host name\)/],
    ['an IP host on HTTPS', () => ExternalService.https('web', { hosts: ['2001:db8::1'] }), /hosts\[0\]: '2001:db8::1' is an IP address/],
    ['IP addresses mixed with names', () => ExternalService.tcp('db', { hosts: ['1.1.1.1', 'db.example.com'], port: 5432 }), /hosts: mixes IP addresses and host names/],
    ['port 0', () => ExternalService.tcp('db', { hosts: ['db.example.com'], port: 0 }), /port.number: 0 is not a port number/],
    ['port 65536', () => ExternalService.https('web', { hosts: ['example.com'], port: 65536 }), /port.number: 65536 is not a port number/],
    ['a fractional port', () => ExternalService.https('web', { hosts: ['example.com'], port: 443.5 }), /port.number: 443.5 is not a port number/],
    ['an invalid port name', () => ExternalService.https('web', { hosts: ['example.com'], portName: 'HTTPS' }), /port.name: 'HTTPS' is not a DNS-1123 label/],
    ['an invalid gateway port', () => ExternalService.https('web', { hosts: ['example.com'], gatewayPort: 70000 }), /byEgressGateway.port: 70000 is not a port number/],
    ['an invalid HTTPS upgrade port', () => ExternalService.http('web', { hosts: ['example.com'], httpsUpgrade: { port: 0 } }), /httpsUpgrade.port: 0 is not a port number/],
  ])('rejects %s', (_, make, message) => {
    const error = errorOf(make);
    expect(error).toMatch(/^ExternalService '[^']*' is invalid:/);
    expect(error).toMatch(message);
  });

  test.each([
    '127.0.0.0x1', '169.254.169.0xfe', '0x7f.0x1', '0x64.0x64.0x64.0xc8', '0x7f.1', '127.1', '0177.0.0.01', '1.2.3.256',
    'example.0x', 'example.0xffffffff', 'metadata.0xa9fea9fe', '*.example.0x1', '*.10.0.0.1',
  ])("refuses '%s', a name that ends in a number (an IPv4 address in another spelling)", (host) => {
    expect(errorOf(() => ExternalService.tcp('db', { hosts: [host], port: 5432 })))
      .toBe(`ExternalService 'db' is invalid:\n  hosts[0]: '${host}' is neither a domain name nor a valid IP address`);
  });

  test('refuses an upper-case hex spelling and a bare number before judging them as names', () => {
    expect(errorOf(() => ExternalService.tcp('db', { hosts: ['0X7F.0X1'], port: 5432 })))
      .toBe("ExternalService 'db' is invalid:\n  hosts[0]: '0X7F.0X1' must be lower case");
    expect(errorOf(() => ExternalService.tcp('db', { hosts: ['2130706433'], port: 5432 })))
      .toBe("ExternalService 'db' is invalid:\n  hosts[0]: '2130706433' is not a fully qualified domain name (it needs at least two labels, like example.com)");
    expect(errorOf(() => ExternalService.tcp('db', { hosts: ['0x7f000001'], port: 5432 })))
      .toBe("ExternalService 'db' is invalid:\n  hosts[0]: '0x7f000001' is not a fully qualified domain name (it needs at least two labels, like example.com)");
  });

  test.each(['0x7f.example.com', 'a.0x1.example.com', 'example.0xg', 'example.x1', 'example.1x', 'example.0x1g', 'api.v2', 'example.c0m'])(
    "accepts '%s', a name whose last label is not a number",
    (host) => {
      expect(ExternalService.https('web', { hosts: [host] }).hosts).toEqual([host]);
    },
  );

  test('compares IPv6 hosts in one spelling, and refuses zone indexes', () => {
    expect(errorOf(() => ExternalService.tcp('v6', { hosts: ['2001:db8::1', '2001:DB8:0::1'], port: 5432 })))
      .toMatch(/hosts\[1\]: '2001:DB8:0::1' is listed twice/);
    expect(errorOf(() => ExternalService.tcp('v6', { hosts: ['fe80::1%eth0'], port: 5432 })))
      .toMatch(/hosts\[0\]: 'fe80::1%eth0' has a zone index \('%'\), which only has a meaning on one machine/);
  });

  test('untyped (JavaScript) input is reported field by field, not as a TypeError', () => {
    const untyped = ExternalService as any;
    expect(errorOf(() => untyped.https('web', undefined))).toMatch(/^ExternalService 'web' is invalid:\n {2}hosts: at least one host is required$/);
    expect(errorOf(() => untyped.https('web', { hosts: 'example.com' }))).toMatch(/hosts: must be a list of host names/);
    expect(errorOf(() => untyped.https('web', { hosts: ['example.com', 443] }))).toMatch(/hosts\[1\]: must be a string, not number/);
    expect(errorOf(() => untyped.tcp('db', { hosts: ['db.example.com'] }))).toMatch(/port.number: undefined is not a port number/);
    expect(errorOf(() => untyped.https(undefined, { hosts: ['example.com'] }))).toMatch(/name: must be a string, not undefined/);
  });

  test('reports every problem of one service at once', () => {
    const error = errorOf(() => ExternalService.tcp('Bad', { hosts: ['*', 'x'], port: 0 }));
    expect(error.split('\n').slice(1)).toEqual([
      "  name: 'Bad' is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)",
      '  port.number: 0 is not a port number (an integer from 1 to 65535)',
      "  hosts[0]: a bare '*' matches every host and is not allowed",
      "  hosts[1]: 'x' is not a fully qualified domain name (it needs at least two labels, like example.com)",
    ]);
  });

  test('accepts wildcard hosts syntactically (with the WILDCARD_HOST guardrail overridden), IPv6 for TCP and IP hosts for TCP', () => {
    const wildcardAllowed = [GuardrailOverride.allow(Guardrail.WILDCARD_HOST, 'CDN edge hosts rotate')];
    expect(ExternalService.https('cdn', { hosts: ['*.cdn.example.com'], guardrailOverrides: wildcardAllowed }).hosts).toEqual(['*.cdn.example.com']);
    expect(ExternalService.tcp('v6', { hosts: ['2001:db8::1'], port: 5432 }).isIpAddressed).toBe(true);
  });
});
