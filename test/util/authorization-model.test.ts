import { AuthorizationConnection, authorizationOf } from './authorization-model';

// The one model of AuthorizationPolicy matching that both route checkers use: checked on the
// cases that Istio documents, so that a checker cannot pass traffic that Istio would stop.

const policy = (action: string, rules: object[]) => ({ spec: { action, rules } });
const connection = (over: Partial<AuthorizationConnection> = {}): AuthorizationConnection => ({
  http: false, namespace: 'team', principal: 'cluster.local/ns/team/sa/api', serviceAccount: 'team/api', port: 443, host: 'api.example.com', ...over,
});

test('"*" is a presence match: it admits any peer with an identity, never a missing one', () => {
  const anyPeer = policy('ALLOW', [{ from: [{ source: { principals: ['*'] } }] }]);
  expect(authorizationOf([anyPeer], connection())).toBeUndefined();
  expect(authorizationOf([anyPeer], connection({ principal: '' }))).toMatch(/^no ALLOW rule admits/);
});

test('prefix and suffix patterns, and notValues', () => {
  const rules = [{ from: [{ source: { principals: ['cluster.local/ns/team/*'], notNamespaces: ['other'] } }], to: [{ operation: { ports: ['443'] } }] }];
  expect(authorizationOf([policy('ALLOW', rules)], connection())).toBeUndefined();
  expect(authorizationOf([policy('ALLOW', rules)], connection({ port: 8443 }))).toBeDefined();
  expect(authorizationOf([policy('ALLOW', [{ to: [{ operation: { hosts: ['*.example.com'] } }] }])], connection({ http: true }))).toBeUndefined();
});

test('DENY wins over ALLOW; without any ALLOW policy, what no DENY matches passes', () => {
  const allow = policy('ALLOW', [{}]);
  const deny = policy('DENY', [{ from: [{ source: { notNamespaces: ['team'] } }] }]);
  expect(authorizationOf([allow, deny], connection({ namespace: 'other' }))).toBe('denied by a DENY policy');
  expect(authorizationOf([deny], connection())).toBeUndefined();
});

test('on a TCP chain an ALLOW rule with an HTTP-only field is dropped whole, a DENY rule loses only the field', () => {
  const hostsRule = { from: [{ source: { namespaces: ['team'] } }], to: [{ operation: { hosts: ['api.example.com'] } }] };
  expect(authorizationOf([policy('ALLOW', [hostsRule])], connection({ http: true }))).toBeUndefined();
  expect(authorizationOf([policy('ALLOW', [hostsRule])], connection())).toMatch(/1 rule\(s\) that would admit it are ignored/);
  // Widened to every connection from the namespace, whatever the host.
  expect(authorizationOf([policy('DENY', [hostsRule])], connection({ host: 'other.example.com' }))).toBe('denied by a DENY policy');
});

test('fields and conditions it does not model are refused, not guessed', () => {
  expect(() => authorizationOf([policy('ALLOW', [{ from: [{ source: { ipBlocks: ['10.0.0.0/8'] } }] }])], connection())).toThrow(/ipBlocks are not modelled/);
  expect(() => authorizationOf([policy('ALLOW', [{ when: [{ key: 'connection.sni', values: ['x'] }] }])], connection())).toThrow(/connection.sni is not modelled/);
  expect(authorizationOf([policy('ALLOW', [{ when: [{ key: 'connection.sni', values: ['x'] }] }])], connection({ sni: 'x' }))).toBeUndefined();
});
