import { cliFixture, documentedExample, lines, runCli } from './util/run-cli';

// `asm-egress lint`, run in this process: exit status and every line it prints.

const PLAIN_HTTP_HINT = "set httpsUpgrade so that the gateway originates TLS, or allow it with the line 'service %s: PLAIN_HTTP: <reason>' in annotation egress.cdk8s-asm-egress.io/guardrail-overrides";
const plainHttp = (service: string) => PLAIN_HTTP_HINT.replace('%s', service);

describe('asm-egress lint', () => {
  test('the documented examples pass; plain HTTP is a warning', () => {
    const run = runCli(['lint', documentedExample(1), documentedExample(2)]);
    // Both use egressgateway-a: ASM expects one policy per gateway. The refused second policy's
    // rules stay out of the App, so they add no errors of their own.
    expect(run.status).toBe(1);
    expect(lines(run.stderr)).toEqual([
      `examples/manifests/example-1.yaml:23:9: spec.egressRules[0].to[0].port.protocol: warning: 'httpbin-service-http' sends plain HTTP to www.httpbin.org, httpbin.org, unencrypted outside the mesh: ${plainHttp('httpbin-service-http')}`,
      "examples/manifests/example-2.yaml:9:5: spec.byEgressGateway.name: gateway 'egressgateway-a' already has its policy at examples/manifests/example-1.yaml:2:1; ASM expects one policy per gateway: move this policy's spec.egressRules into that one, and delete this one",
      'asm-egress lint: 1 error, 1 warning in 2 files',
    ]);

    for (const [n, summary] of [[1, '1 policy, 1 rule, 1 service in 1 file (1 warning)'], [2, '1 policy, 2 rules, 3 services in 1 file'], [3, '1 policy, 1 rule, 5 services in 1 file (1 warning)']] as const) {
      const one = runCli(['lint', documentedExample(n)]);
      expect(one.status).toBe(0);
      expect(lines(one.stdout)).toEqual([`asm-egress lint: OK: ${summary}`]);
    }
  });

  test('--strict turns the plain-HTTP warning into an error, in lint and render', () => {
    for (const command of ['lint', 'render']) {
      const run = runCli([command, '--strict', documentedExample(1)]);
      expect(run.status).toBe(1);
      expect(run.stdout).toBe('');
      expect(lines(run.stderr)).toEqual([
        `examples/manifests/example-1.yaml:23:9: spec.egressRules[0].to[0].port.protocol: 'httpbin-service-http' sends plain HTTP to www.httpbin.org, httpbin.org, unencrypted outside the mesh: ${plainHttp('httpbin-service-http')}`,
        `asm-egress ${command}: 1 error, 0 warnings in 1 file`,
      ]);
    }
    // An upgraded or encrypted policy passes in strict mode.
    expect(runCli(['lint', '--strict', documentedExample(2)]).status).toBe(0);
  });

  test('input without any policy is an error (a misspelt kind must not pass a CI gate), in lint and render', () => {
    for (const command of ['lint', 'render']) {
      const run = runCli([command, '-'], 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n');
      expect(run.status).toBe(1);
      expect(run.stdout).toBe('');
      expect(lines(run.stderr)).toEqual([
        '<stdin>:1:1: warning: skipped 1 object that is not ASMEgressTrafficPolicy: 1 Deployment',
        '<stdin>:1:1: no ASMEgressTrafficPolicy in the input',
        `asm-egress ${command}: 1 error, 1 warning in 1 file`,
      ]);
    }
  });

  test('success prints one summary line; objects of other kinds are skipped with a warning', () => {
    const run = runCli(['lint', cliFixture('valid.yaml')]);
    expect(run.status).toBe(0);
    expect(lines(run.stdout)).toEqual(['asm-egress lint: OK: 2 policies, 2 rules, 4 services in 1 file (1 warning)']);
    expect(lines(run.stderr)).toEqual([
      'test/cli/fixtures/valid.yaml:40:1: warning: skipped 1 object that is not ASMEgressTrafficPolicy: 1 Deployment',
    ]);
  });

  test('every shape problem of a policy, each at its line, in one run', () => {
    const run = runCli(['lint', cliFixture('shape-errors.yaml')]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    const f = 'test/cli/fixtures/shape-errors.yaml';
    expect(lines(run.stderr)).toEqual([
      `${f}:7:3: metadata.generation: warning: set by the API server; dropped`,
      `${f}:16:9: spec.egressRules[0].from[0].workloadSelector.version: must be a string, not a number (1): quote the value`,
      `${f}:17:7: spec.egressRules[0].from[1].namespace: 'Team_B' is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)`,
      `${f}:25:9: spec.egressRules[0].to[0].port.protocol: GRPC is a protocol of the CRD that cdk8s-asm-egress does not support (supported: HTTP, HTTPS, TLS, TCP)`,
      `${f}:28:7: spec.egressRules[0].to[1].hosts: missing (required)`,
      `${f}:29:7: spec.egressRules[0].to[1].hostz: unknown field (expected one of: name, hosts, port, byEgressGateway, httpsUpgrade)`,
      `${f}:33:9: spec.egressRules[0].to[1].port.number: must be an integer, not a string ("80")`,
      `${f}:39:9: spec.egressRules[0].to[2].hosts[0]: 'API.example.com' must be lower case`,
      `${f}:44:9: spec.egressRules[0].to[2].port.targetPort: not supported by cdk8s-asm-egress: the gateway reaches the service on port.number`,
      `${f}:46:9: spec.egressRules[0].to[2].byEgressGateway.port: 70000 is not a port number (an integer from 1 to 65535)`,
      `${f}:48:9: spec.egressRules[0].to[2].httpsUpgrade.enabled: only HTTP services can be upgraded to HTTPS; this one is HTTPS`,
      `${f}:56:9: spec.egressRules[0].to[3].port.protocol: warning: 'plain' sends plain HTTP to plain.example.com, unencrypted outside the mesh: ${plainHttp('plain')}`,
      `${f}:60:9: spec.egressRules[0].to[3].httpsUpgrade.enabled: warning: false: the gateway does not upgrade this service, as if httpsUpgrade were left out; dropped`,
      `${f}:62:5: spec.egressRules[1].from: must not be empty (at least one item is required)`,
      'asm-egress lint: 11 errors, 3 warnings in 1 file',
    ]);
  });

  test('problems across files: the construct paths in messages become FILE:LINE', () => {
    const run = runCli(['lint', cliFixture('conflicts-a.yaml'), cliFixture('conflicts-b.yaml')]);
    expect(run.status).toBe(1);
    const a = 'test/cli/fixtures/conflicts-a.yaml';
    const b = 'test/cli/fixtures/conflicts-b.yaml';
    expect(lines(run.stderr)).toEqual([
      `${a}:17:9: spec.egressRules[0].to[0].hosts[0]: warehouse.example.com:443 is declared as HTTPS by 'warehouse' but as TLS by 'warehouse-tls' (at ${b}:11:5); one host and port can have only one protocol: `
        + 'declare the host and port with one protocol everywhere, or give one of the services another port',
      `${a}:23:9: spec.egressRules[0].to[0].byEgressGateway.port: Gateway 'gw-shared': explicit port 16000 is claimed by "${a}:11:5 to[1] 'archive'" for archive.example.com:443 (TLS) and by "${a}:11:5 to[0] 'warehouse'" for warehouse.example.com:443 (TLS), but a TCP or HTTPS/TLS destination needs a gateway port of its own. Give one of them another port, or leave the port out to have one allocated.`,
      `${b}:31:5: spec.byEgressGateway.name: gateway 'gw-shared' already has its policy at ${a}:2:1; ASM expects one policy per gateway: move this policy's spec.egressRules into that one, and delete this one`,
      'asm-egress lint: 3 errors, 0 warnings in 2 files',
    ]);
  });

  test('gateway ports as ASM takes them: all or none, and none only from ASM 1.24.6.45', () => {
    const partial = runCli(['lint', cliFixture('partial-ports.yaml')]);
    expect(partial.status).toBe(1);
    expect(lines(partial.stderr)).toEqual([
      'test/cli/fixtures/partial-ports.yaml:23:7: spec.egressRules[0].to[1].byEgressGateway.port: missing, while other services of this policy set theirs (spec.egressRules[0].to[0].byEgressGateway.port): ASM allocates gateway ports only when every service leaves its port empty; set this one too, or remove them all',
      'asm-egress lint: 1 error, 0 warnings in 1 file',
    ]);

    // Example 3 leaves every port to ASM and has TCP services: both need 1.24.6.45.
    const old = runCli(['lint', '--asm-version', '1.22.6.28', documentedExample(3)]);
    expect(old.status).toBe(1);
    const f = 'examples/manifests/example-3.yaml';
    const missing = 'missing: ASM 1.22.6.28 does not allocate gateway ports (it does from 1.24.6.45, when every service leaves its port empty)';
    // The remedy in YAML terms: where the version comes from on the command line.
    const olderAsm = "target ASM 1.24.6.45 or later (asm-egress --asm-version, or asmVersion in the validation plugin's properties) if the mesh runs it, or remove the service";
    expect(lines(old.stderr)).toEqual([
      `${f}:16:7: spec.egressRules[0].to[0].byEgressGateway.port: ${missing}`,
      `${f}:22:9: spec.egressRules[0].to[0].port.protocol: warning: 'aliyun-com-http' sends plain HTTP to aliyun.com, unencrypted outside the mesh: ${plainHttp('aliyun-com-http')}`,
      `${f}:23:7: spec.egressRules[0].to[1].byEgressGateway.port: ${missing}`,
      `${f}:30:7: spec.egressRules[0].to[2].byEgressGateway.port: ${missing}`,
      `${f}:40:7: spec.egressRules[0].to[3].byEgressGateway.port: ${missing}`,
      `${f}:45:9: spec.egressRules[0].to[3].port.protocol: 'tcp-svc1' is a TCP service; ASM supports TCP from version 1.24.6.45, this policy targets 1.22.6.28: ${olderAsm}`,
      `${f}:47:7: spec.egressRules[0].to[4].byEgressGateway.port: ${missing}`,
      `${f}:52:9: spec.egressRules[0].to[4].port.protocol: 'tcp-svc2' is a TCP service; ASM supports TCP from version 1.24.6.45, this policy targets 1.22.6.28: ${olderAsm}`,
      'asm-egress lint: 7 errors, 1 warning in 1 file',
    ]);
  });

  test('standard input, a List, and documents that are not objects', () => {
    const yaml = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- apiVersion: v1',
      '  kind: ConfigMap',
      '  metadata: {name: settings}',
      '- apiVersion: istio.alibabacloud.com/v1beta1',
      '  kind: ASMEgressTrafficPolicy',
      '  metadata: {name: egress-by-gw, namespace: istio-egress}',
      '  spec:',
      '    byEgressGateway: {name: gw}',
      '    egressRules:',
      '    - from: [{namespace: app}]',
      '      to: [{name: api, hosts: [Api.example.com], port: {name: https, number: 443, protocol: HTTPS}}]',
      '---',
      'just text',
      '---',
      '',
    ].join('\n');
    const run = runCli(['lint', '-'], yaml);
    expect(run.status).toBe(1);
    expect(lines(run.stderr)).toEqual([
      '<stdin>:4:3: warning: skipped 2 objects that are not ASMEgressTrafficPolicy: 1 ConfigMap, 1 that is not a Kubernetes object',
      "<stdin>:14:32: items[1].spec.egressRules[0].to[0].hosts[0]: 'Api.example.com' must be lower case",
      'asm-egress lint: 1 error, 1 warning in 1 file',
    ]);
  });

  test('skipped objects are counted in words that fit the count', () => {
    const run = runCli(['lint', '-'], 'just text\n---\n[a list]\n---\nkind: ConfigMap\n---\nkind: ConfigMap\n---\n{name: x}\n');
    expect(run.status).toBe(1);
    expect(lines(run.stderr)).toEqual([
      '<stdin>:1:1: warning: skipped 5 objects that are not ASMEgressTrafficPolicy: 2 ConfigMap, 2 that are not Kubernetes objects, 1 without kind',
      '<stdin>:1:1: no ASMEgressTrafficPolicy in the input',
      'asm-egress lint: 1 error, 1 warning in 1 file',
    ]);
  });

  test('metadata is checked as Kubernetes checks it; names in the input never reach a lookup table', () => {
    const yaml = [
      'apiVersion: constructor',
      'kind: ASMEgressTrafficPolicy',
      'metadata:',
      '  name: egress-by-gw',
      '  namespace: istio-egress',
      '  generateName: egress-',
      '  labels: {"bad key": x, team: "no spaces"}',
      '  annotations: {"-x": z, owner: "any text: even this"}',
      'spec:',
      '  byEgressGateway: {name: gw}',
      '  egressRules:',
      '  - from: [{namespace: app, workloadSelector: {"a b": c, __proto__: x}}]',
      '    to: [{name: api, hosts: [api.example.com], port: {name: https, number: 443, protocol: HTTPS}}]',
    ].join('\n');
    const run = runCli(['lint', '-'], yaml);
    expect(run.status).toBe(1);
    expect(lines(run.stderr)).toEqual([
      "<stdin>:1:1: apiVersion: 'constructor' is not an API version of ASMEgressTrafficPolicy: use istio.alibabacloud.com/v1beta1 or istio.alibabacloud.com/v1",
      "<stdin>:6:3: metadata.generateName: 'generateName' is not supported by cdk8s-asm-egress (supported: name, namespace, labels, annotations)",
      "<stdin>:7:12: metadata.labels[\"bad\\u0020key\"]: label key 'bad key' is invalid: its name must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
      "<stdin>:7:26: metadata.labels.team: label 'team' has an invalid value 'no spaces': at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
      "<stdin>:8:17: metadata.annotations.-x: annotation key '-x' is invalid: its name must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
      "<stdin>:12:48: spec.egressRules[0].from[0].workloadSelector[\"a\\u0020b\"]: label key 'a b' is invalid: its name must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
      // A key named like a prototype property stays a key, refused like any invalid one.
      "<stdin>:12:58: spec.egressRules[0].from[0].workloadSelector.__proto__: label key '__proto__' is invalid: its name must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
      'asm-egress lint: 7 errors, 0 warnings in 1 file',
    ]);
  });
});

describe('common YAML mistakes: their real position, and how to fix them', () => {
  const policy = (hosts: string, metadata = '{name: egress-by-gw, namespace: istio-egress}', spec = 'spec:') => [
    'apiVersion: istio.alibabacloud.com/v1beta1',
    'kind: ASMEgressTrafficPolicy',
    `metadata: ${metadata}`,
    spec,
    '  byEgressGateway: {name: gw}',
    '  egressRules:',
    '  - from: [{namespace: team}]',
    '    to:',
    '    - name: web',
    '      hosts:',
    hosts,
    '      port: {number: 443, protocol: HTTPS, name: https}',
    '',
  ].join('\n');

  /** The policy with its hosts as the last field of the service. */
  const hostsLast = (hosts: string) => policy(hosts)
    .replace('      port: {number: 443, protocol: HTTPS, name: https}\n', '')
    .replace('    - name: web\n', '    - name: web\n      port: {number: 443, protocol: HTTPS, name: https}\n');
  const failed = (errors: number) => `asm-egress lint: ${errors} error${errors === 1 ? '' : 's'}, 0 warnings in 1 file`;

  // Every line printed: a knock-on error of the same slip would fail the case.
  test.each([
    ['an unquoted wildcard host (read as an alias)', policy('      - *.example.com'), 2, [
      "<stdin>:11:9: '*.example.com' is read as a YAML alias, and no anchor '&.example.com' is defined: quote a value that starts with '*', as in '*.example.com'",
    ]],
    ['a bare * as a host (read as an alias without a name)', policy('      - *'), 2, [
      "<stdin>:11:9: Alias cannot be an empty string: quote a value that starts with '*', as in '*'",
    ]],
    // The parser reports up to 6 more errors about what the tab does to the lines around it.
    ['a tab as indentation', policy('\t- web.example.com'), 2, [
      '<stdin>:11:1: Tabs are not allowed as indentation: indent with spaces, YAML does not allow tabs',
    ]],
    ['a tab as indentation, in a mapping whose later items it throws off', policy('      - web.example.com').replace('    - name: web', '\t- name: web'), 2, [
      '<stdin>:9:1: Tabs are not allowed as indentation: indent with spaces, YAML does not allow tabs',
    ]],
    ['a tab, and a mistake of its own elsewhere', policy('\t- web.example.com', '{name: egress-by-gw, name: other}'), 2, [
      '<stdin>:3:32: Map keys must be unique: each key may appear once in a mapping; remove or rename the repeated one',
      '<stdin>:11:1: Tabs are not allowed as indentation: indent with spaces, YAML does not allow tabs',
    ]],
    ['a repeated key', policy('      - web.example.com', '{name: egress-by-gw, name: other}'), 2, [
      '<stdin>:3:32: Map keys must be unique: each key may appear once in a mapping; remove or rename the repeated one',
    ]],
    ["no space after '-' (a list item without its space, where YAML cannot tell)", policy('      -web.example.com'), 2, [
      "<stdin>:11:7: Implicit keys need to be on a single line: check the indentation, and that each '-' and ':' is followed by a space",
    ]],
    ["no space after '-', on a list's last item (read as a key without value)", hostsLast('      - a.example.com\n      -www.example.com'), 2, [
      "<stdin>:13:7: Implicit map keys need to be followed by map values: a '-' needs a space after it to start a list item",
    ]],
    ["no space after ':', on a mapping's last key (read as a key without value)", policy('      - web.example.com', '\n  name: egress-by-gw\n  namespace:istio-egress'), 2, [
      "<stdin>:5:3: Implicit map keys need to be followed by map values: a ':' needs a space after it to separate a key from its value",
    ]],
    ["no space after '-' (read as text)", policy('        -web.example.com'), 1, [
      '<stdin>:11:9: spec.egressRules[0].to[0].hosts: must be a list, not a string ("-web.example.com"): a \'-\' needs a space after it to start a list item',
      failed(1),
    ]],
    // The item joins the rule's mapping, and leaves `from` empty.
    ["no space after '-', before a key (read as a key of the mapping around the list)",
      policy('      - web.example.com').replace('  - from: [{namespace: team}]', '  - from:\n    -namespace: team'), 1, [
        '<stdin>:7:5: spec.egressRules[0].from: missing (required)',
        "<stdin>:8:5: spec.egressRules[0].-namespace: unknown field (expected one of: name, from, to): a '-' needs a space after it to start a list item",
        failed(2),
      ]],
    // A slip inside a value is reported at the value, not at its key.
    ["no space after ':'", policy('      - web.example.com', 'name:egress-by-gw'), 1, [
      '<stdin>:3:11: metadata: must be a mapping, not a string ("name:egress-by-gw"): a \':\' needs a space after it to separate a key from its value',
      failed(1),
    ]],
    ["no space after ':', on the line below its key", policy('      - web.example.com', '\n  name:egress-by-gw'), 1, [
      '<stdin>:4:3: metadata: must be a mapping, not a string ("name:egress-by-gw"): a \':\' needs a space after it to separate a key from its value',
      failed(1),
    ]],
    ['a list where a mapping is expected', policy('      - web.example.com', '\n- name: egress-by-gw\n  namespace: istio-egress'), 1, [
      "<stdin>:4:1: metadata: must be a mapping, not a list: remove the '-' in front of it (a '-' starts a list item)",
      failed(1),
    ]],
    ['binary data where a mapping is expected', policy('      - web.example.com', '!!binary aGVsbG8='), 1, [
      '<stdin>:3:1: metadata: must be a mapping, not binary data (5 bytes)',
      failed(1),
    ]],
  ])('%s', (_, yaml, status, expected) => {
    const run = runCli(['lint', '-'], yaml);
    expect(run.status).toBe(status);
    expect(lines(run.stderr)).toEqual(expected);
  });

  test('--quiet prints the errors alone, for CI logs', () => {
    const withWarning = policy('      - web.example.com').replace('metadata: {name: egress-by-gw, namespace: istio-egress}', 'metadata: {name: egress-by-gw}');
    expect(lines(runCli(['lint', '-'], withWarning).stderr)).toEqual([
      "<stdin>:3:1: metadata.namespace: warning: not set: the policy goes to 'istio-egress', ASM's convention (set it to keep the manifest and the output alike)",
    ]);
    expect(runCli(['lint', '--quiet', '-'], withWarning)).toEqual({ status: 0, stdout: 'asm-egress lint: OK: 1 policy, 1 rule, 1 service in 1 file (1 warning)\n', stderr: '' });
    const invalid = withWarning.replace('web.example.com', 'Web.example.com');
    expect(lines(runCli(['lint', '-q', '-'], invalid).stderr)).toEqual([
      "<stdin>:11:9: spec.egressRules[0].to[0].hosts[0]: 'Web.example.com' must be lower case",
      'asm-egress lint: 1 error, 1 warning in 1 file',
    ]);
  });
});

test('line breaks and control characters in the input never split a problem over lines', () => {
  const run = runCli(['lint', '-'], 'apiVersion: "istio.alibabacloud.com/x\\L\\n\\P\\u0007"\nkind: ASMEgressTrafficPolicy\n');
  expect(run.status).toBe(1);
  expect(lines(run.stderr)[0]).toBe(
    "<stdin>:1:1: apiVersion: 'istio.alibabacloud.com/x\\u2028\\n\\u2029\\u0007' is not an API version of ASMEgressTrafficPolicy: use istio.alibabacloud.com/v1beta1 or istio.alibabacloud.com/v1");
});
