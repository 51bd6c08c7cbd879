import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Chart, Yaml } from 'cdk8s';
import { Example1, SourceOf } from '../../examples/documented-examples';
import {
  EgressDiff, EgressOutput, EgressQuery, EgressRegistry, EgressSource, EgressTrafficPolicy, ExternalService, Guardrail, GuardrailOverride,
} from '../../src';
import { runCli } from './util/run-cli';
import { testApp, EXAMPLE_MANIFESTS } from '../util/synth';

const FIXTURES = EXAMPLE_MANIFESTS;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'asm-egress-diff-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `asm-egress ...args` in this process. */
const run = (...args: string[]) => runCli(args);

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const policy = (port: number, extra = '') => `apiVersion: istio.alibabacloud.com/v1beta1
kind: ASMEgressTrafficPolicy
metadata:
  name: egress-by-gw
  namespace: istio-egress
spec:
  byEgressGateway:
    name: gw
  egressRules:
  - from:
    - namespace: team-a
    to:
    - name: api
      hosts: [api.example.com]
      port:
        number: ${port}
        protocol: HTTPS
        name: https
      byEgressGateway:
        port: 10443
${extra}`;

describe('asm-egress diff', () => {
  test('exit 1 and one line per change when access changes (documented Example 1 to Example 2)', () => {
    const result = run('diff', join(FIXTURES, 'example-1.yaml'), join(FIXTURES, 'example-2.yaml'));
    expect(result).toEqual({
      status: 1,
      stdout: [
        '+ mytest{app=sleep-a} -> httpbin.org:443/HTTPS via egressgateway-a:444',
        '~ mytest{app=sleep-a} -> httpbin.org:80/HTTP: TLS origination none -> to port 443',
        '+ mytest{app=sleep-a} -> www.httpbin.org:443/HTTPS via egressgateway-a:444',
        '~ mytest{app=sleep-a} -> www.httpbin.org:80/HTTP: TLS origination none -> to port 443',
        '+ mytest{app=sleep-b} -> www.aliyun.com:443/HTTPS via egressgateway-a:445',
        'asm-egress diff: 3 gained, 0 lost, 2 changed',
        '',
      ].join('\n'),
      stderr: '',
    });
  });

  test('exit 1 for lost access too', () => {
    const result = run('diff', join(FIXTURES, 'example-2.yaml'), join(FIXTURES, 'example-1.yaml'));
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('- mytest{app=sleep-b} -> www.aliyun.com:443/HTTPS via egressgateway-a:445\n');
    expect(result.stdout).toContain('asm-egress diff: 0 gained, 3 lost, 2 changed\n');
  });

  test('exit 0 when no access changes: reformatted YAML and List wrappers do not count', () => {
    const reformatted = file('new.yaml', [
      'apiVersion: v1',
      'kind: List',
      'items:',
      ...readFileSync(join(FIXTURES, 'example-2.yaml'), 'utf8').split('\n').filter((l) => !l.startsWith('#')).map((l, i) => (i === 0 ? `- ${l}` : `  ${l}`)),
    ].join('\n'));
    expect(run('diff', join(FIXTURES, 'example-2.yaml'), reformatted)).toEqual({ status: 0, stdout: 'asm-egress diff: no change in egress access\n', stderr: '' });
  });

  test('objects of other kinds are skipped with the warning that lint gives, in both files', () => {
    const other = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: { name: web }',
      '---',
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- apiVersion: networking.istio.io/v1',
      '  kind: ServiceEntry',
      '  metadata: { name: other }',
      '---',
      '',
    ].join('\n');
    const old = file('old.yaml', other + policy(443));
    const now = file('new.yaml', policy(443) + ['---', 'just text', ''].join('\n'));
    expect(run('diff', old, now)).toEqual({
      status: 0,
      stdout: 'asm-egress diff: no change in egress access\n',
      stderr: [
        `${old}:1:1: warning: skipped 2 objects that are not ASMEgressTrafficPolicy: 1 Deployment, 1 ServiceEntry`,
        `${now}:22:1: warning: skipped 1 object that is not ASMEgressTrafficPolicy: 1 that is not a Kubernetes object`,
        '',
      ].join('\n'),
    });
    expect(run('lint', old).stderr).toBe([
      `${old}:1:1: warning: skipped 2 objects that are not ASMEgressTrafficPolicy: 1 Deployment, 1 ServiceEntry`,
      '',
    ].join('\n'));
    // --quiet: errors only, for CI logs.
    expect(run('diff', '--quiet', old, now)).toEqual({ status: 0, stdout: 'asm-egress diff: no change in egress access\n', stderr: '' });
  });

  test('exit 2 with FILE:LINE: field: message for a policy that cannot be read', () => {
    const bad = file('bad.yaml', policy(70000));
    const result = run('diff', file('old.yaml', policy(443)), bad);
    expect(result).toEqual({
      status: 2,
      stdout: '',
      stderr: `${bad}:16:9: spec.egressRules[0].to[0].port.number: 70000 is not a port number (an integer from 1 to 65535)\nasm-egress diff: the policies cannot be read\n`,
    });
  });

  test('a policy is checked field by field as lint checks it, with the same messages', () => {
    const bad = file('bad.yaml', `apiVersion: istio.alibabacloud.com/v1beta1
kind: ASMEgressTrafficPolicy
metadata:
  name: egress-by-gw
  namespace: istio-egress
spec:
  egressRules:
  - from:
    - namespace: team-a
      workloadSelector: {version: 1}
    to:
    - name: api
      hostz: [api.example.com]
      port: {number: 443, protocol: https, name: https}
    - name: ftp
      hosts: [ftp.example.com]
      port: {number: 21, protocol: FTP, name: ftp}
    - name: grpc
      hosts: [Grpc.example.com]
      port: {number: 443, protocol: GRPC, name: grpc}
      byEgressGateway: {name: gw}
`);
    const problems = [
      `${bad}:6:1: spec.byEgressGateway: missing (required)`,
      `${bad}:10:26: spec.egressRules[0].from[0].workloadSelector.version: must be a string, not a number (1): quote the value`,
      `${bad}:12:7: spec.egressRules[0].to[0].hosts: missing (required)`,
      `${bad}:13:7: spec.egressRules[0].to[0].hostz: unknown field (expected one of: name, hosts, port, byEgressGateway, httpsUpgrade)`,
      `${bad}:14:27: spec.egressRules[0].to[0].port.protocol: 'https' is not a protocol of the CRD (supported: HTTP, HTTPS, TLS, TCP, in upper case)`,
      `${bad}:17:26: spec.egressRules[0].to[1].port.protocol: 'FTP' is not a protocol of the CRD (supported: HTTP, HTTPS, TLS, TCP, in upper case)`,
      `${bad}:19:15: spec.egressRules[0].to[2].hosts[0]: 'Grpc.example.com' must be lower case`,
      `${bad}:20:27: spec.egressRules[0].to[2].port.protocol: GRPC is a protocol of the CRD that cdk8s-asm-egress does not support (supported: HTTP, HTTPS, TLS, TCP)`,
      `${bad}:21:25: spec.egressRules[0].to[2].byEgressGateway.name: not supported by cdk8s-asm-egress: a service goes through its policy's gateway (spec.byEgressGateway.name)`,
    ];
    expect(run('diff', file('old.yaml', policy(443)), bad)).toEqual({
      status: 2,
      stdout: '',
      stderr: [...problems, 'asm-egress diff: the policies cannot be read', ''].join('\n'),
    });
    expect(run('lint', bad)).toEqual({ status: 1, stdout: '', stderr: [...problems, 'asm-egress lint: 9 errors, 0 warnings in 1 file', ''].join('\n') });

    // Values that the policy construct checks (its name, namespace and gateway) too.
    const names = file('names.yaml', policy(443).replace('name: egress-by-gw', 'name: Egress_GW').replace('namespace: istio-egress', 'namespace: Istio-Egress'));
    expect(run('diff', file('old.yaml', policy(443)), names).stderr).toBe([
      `${names}:4:3: metadata.name: 'Egress_GW' is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.')`,
      `${names}:5:3: metadata.namespace: 'Istio-Egress' is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)`,
      'asm-egress diff: the policies cannot be read',
      '',
    ].join('\n'));
    expect(run('lint', names).stderr).toBe([
      `${names}:4:3: metadata.name: 'Egress_GW' is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.')`,
      `${names}:5:3: metadata.namespace: 'Istio-Egress' is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)`,
      'asm-egress lint: 2 errors, 0 warnings in 1 file',
      '',
    ].join('\n'));
  });

  test('what lint refuses only by policy is compared: guardrails without overrides, ports set for some services only', () => {
    const open = file('new.yaml', policy(443, `    - name: cdn
      hosts: ['*.cdn.example.com']
      port: {number: 443, protocol: HTTPS, name: https}
  - from:
    - namespace: '*'
    to:
    - name: db
      hosts: [10.0.0.5]
      port: {number: 5432, protocol: TCP, name: tcp}
`));
    expect(run('diff', file('old.yaml', policy(443)), open)).toEqual({
      status: 1,
      stdout: [
        '+ * -> 10.0.0.5:5432/TCP via gw:(ASM-allocated)',
        '+ team-a -> *.cdn.example.com:443/HTTPS via gw:(ASM-allocated)',
        'asm-egress diff: 2 gained, 0 lost, 0 changed',
        '',
      ].join('\n'),
      stderr: '',
    });
    expect(run('lint', open).status).toBe(1);
  });

  describe('a file without an ASMEgressTrafficPolicy is an error, never "no change"', () => {
    const noPolicy = (f: string) => `${f}:1:1: no ASMEgressTrafficPolicy in the input (Istio-only or ambient-only output cannot be diffed from YAML: `
      + 'synthesise with EgressOutput.ASM_AND_ISTIO or ASM_AND_AMBIENT, or compare with EgressDiff in code)';
    /** The YAML of a chart whose policy lets `source` reach api.example.com, as Istio objects only. */
    const istioOnly = (name: string, source: EgressSource) => {
      const app = testApp();
      new EgressTrafficPolicy(new Chart(app, 'c'), 'Egress', { gateway: 'gw', output: EgressOutput.ISTIO })
        .addRule('r').allowFrom(source).allowTo(ExternalService.https('api', { hosts: ['api.example.com'], gatewayPort: 10443 }));
      return file(name, app.synthYaml());
    };

    test('Istio-only output on both sides, even when it widens egress: exit 2, each file named', () => {
      const old = istioOnly('old.yaml', EgressSource.namespace('team-a', { workloadSelector: { app: 'web' } }));
      const now = istioOnly('new.yaml', EgressSource.namespace('team-a'));
      const result = run('diff', old, now);
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe([
        `${old}:1:1: warning: skipped 9 objects that are not ASMEgressTrafficPolicy: 2 AuthorizationPolicy, 2 Sidecar, ${ISTIO_KINDS}`,
        `${now}:1:1: warning: skipped 7 objects that are not ASMEgressTrafficPolicy: 2 AuthorizationPolicy, ${ISTIO_KINDS}`,
        noPolicy(old), noPolicy(now), '',
      ].join('\n'));
    });

    test('Istio-only output on one side: exit 2, that file named', () => {
      const old = file('old.yaml', policy(443));
      const now = istioOnly('new.yaml', EgressSource.namespace('team-a'));
      expect(run('diff', old, now)).toEqual({ status: 2, stdout: '', stderr: `${now}:1:1: warning: skipped 7 objects that are not ASMEgressTrafficPolicy: 2 AuthorizationPolicy, ${ISTIO_KINDS}\n${noPolicy(now)}\n` });
    });

    test('an empty file: exit 2, on either side and on both', () => {
      const empty = file('empty.yaml', '');
      const some = file('some.yaml', policy(443));
      expect(run('diff', empty, some)).toEqual({ status: 2, stdout: '', stderr: `${noPolicy(empty)}\n` });
      expect(run('diff', some, empty)).toEqual({ status: 2, stdout: '', stderr: `${noPolicy(empty)}\n` });
      const comments = file('comments.yaml', '# nothing here\n---\n');
      expect(run('diff', empty, comments)).toEqual({ status: 2, stdout: '', stderr: `${noPolicy(empty)}\n${noPolicy(comments)}\n` });
    });

    test('with a policy that cannot be read, both failures are listed', () => {
      const bad = file('bad.yaml', policy(70000));
      const empty = file('empty.yaml', '');
      expect(run('diff', empty, bad)).toEqual({
        status: 2,
        stdout: '',
        stderr: [
          `${bad}:16:9: spec.egressRules[0].to[0].port.number: 70000 is not a port number (an integer from 1 to 65535)`,
          noPolicy(empty),
          'asm-egress diff: the policies cannot be read',
          '',
        ].join('\n'),
      });
    });
  });

  describe('ambient output', () => {
    const widened: SourceOf = (ns, labels) => EgressSource.namespace(ns, {
      workloadSelector: labels, guardrailOverrides: [GuardrailOverride.allow(Guardrail.UNENFORCED_SELECTOR, 'every pod of mytest')],
    });
    const example1 = (name: string, output: EgressOutput, sourceOf?: SourceOf) => {
      const app = testApp();
      EgressRegistry.of(app).configure({ output });
      new Example1(app, 'example-1', sourceOf);
      return file(name, app.synthYaml());
    };

    test('a selector widened for ambient mode is read as its whole namespace: gained access', () => {
      const old = example1('old.yaml', EgressOutput.ASM);
      const now = example1('new.yaml', EgressOutput.ASM_AND_AMBIENT, widened);
      const result = run('diff', old, now);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe([
        '+ mytest -> httpbin.org:80/HTTP via egressgateway-a:80',
        '+ mytest -> www.httpbin.org:80/HTTP via egressgateway-a:80',
        'asm-egress diff: 2 gained, 0 lost, 0 changed',
        '',
      ].join('\n'));
      expect(result.stderr).toContain(`${now}:28:1: warning: skipped 5 objects that are not ASMEgressTrafficPolicy: 2 AuthorizationPolicy, 2 ServiceEntry, 1 Gateway`);
    });

    test('the same override without ambient objects changes nothing: ASM enforces the selector', () => {
      const old = example1('old.yaml', EgressOutput.ASM);
      const now = example1('new.yaml', EgressOutput.ASM, widened);
      expect(run('diff', old, now)).toMatchObject({ status: 0, stdout: 'asm-egress diff: no change in egress access\n' });
    });

    test('ambient-only output: exit 2, as for Istio-only output', () => {
      const old = example1('old.yaml', EgressOutput.ASM);
      const now = example1('new.yaml', EgressOutput.AMBIENT, widened);
      const result = run('diff', old, now);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(`${now}:1:1: no ASMEgressTrafficPolicy in the input (Istio-only or ambient-only output cannot be diffed from YAML: `
        + 'synthesise with EgressOutput.ASM_AND_ISTIO or ASM_AND_AMBIENT, or compare with EgressDiff in code)');
    });
  });

  test('exit 2 listing both files when neither can be read', () => {
    const result = run('diff', join(dir, 'old.yaml'), join(dir, 'new.yaml'));
    expect(result).toEqual({
      status: 2,
      stdout: '',
      stderr: `asm-egress diff: cannot read ${join(dir, 'old.yaml')}: no such file\nasm-egress diff: cannot read ${join(dir, 'new.yaml')}: no such file\n`,
    });
  });

  test('exit 2 for YAML that does not parse, at its line', () => {
    const broken = file('broken.yaml', 'kind: [\n');
    const result = run('diff', join(FIXTURES, 'example-1.yaml'), broken);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
  });

  test.each([
    [['diff', 'only-one.yaml'], 'asm-egress diff: expected two files, OLD and NEW (got 1 file)'],
    [['diff', 'a.yaml', 'b.yaml', 'c.yaml'], 'asm-egress diff: expected two files, OLD and NEW (got 3 files)'],
    [['diff', '-', '-'], "asm-egress diff: '-' (standard input) can be read only once"],
  ])('exit 2 for a usage error: %j', (args, message) => {
    expect(run(...args)).toEqual({ status: 2, stdout: '', stderr: `${message}\nTry 'asm-egress diff --help'.\n` });
  });

  test('--help says what it prints and what the exit status means', () => {
    const result = run('diff', '--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: asm-egress diff \[--quiet\] \[--format text\|markdown\|json\] OLD\.yaml NEW\.yaml\n/);
    expect(result.stdout).toContain('Exit status: 0 when no access changes; 1 when access changes; 2 usage error, unreadable file,');
    // Not the generic exit statuses of lint and render, which would be wrong for diff.
    expect(result.stdout).not.toContain('1 the input breaks a rule');
    expect(run('--help').stdout).toContain('  diff    Show which sources gain or lose which destinations between two versions');
  });
});

describe('asm-egress diff --format markdown|json', () => {
  const example = (n: number) => join(FIXTURES, `example-${n}.yaml`);
  const query = (n: number) => EgressQuery.fromManifests(Yaml.load(example(n)));

  test('markdown: the comment of EgressDiff.toMarkdown() on standard output, and the exit status of the text format', () => {
    const changed = run('diff', '--format', 'markdown', example(1), example(2));
    expect(changed).toEqual({ status: 1, stdout: EgressDiff.between(query(1), query(2)).toMarkdown(), stderr: '' });
    expect(changed.stdout.split('\n')[0]).toBe('## Egress access: 3 gained, 0 lost, 2 changed');
    expect(run('diff', '--format', 'markdown', example(2), example(2))).toEqual({ status: 0, stdout: '## Egress access: no change\n', stderr: '' });
    expect(run('diff', '--format', 'text', example(2), example(2)).stdout).toBe('asm-egress diff: no change in egress access\n');
  });

  test('json: every change, and the same exit statuses', () => {
    const changed = run('diff', '--format', 'json', example(2), example(1));
    expect(changed.status).toBe(1);
    const json = JSON.parse(changed.stdout);
    expect(json.summary).toEqual({ gained: 0, lost: 3, changed: 2, guardrailOverridesAdded: 0, guardrailOverridesRemoved: 0 });
    expect(json.lost).toEqual(EgressDiff.between(query(2), query(1)).lost);
    expect(JSON.parse(run('diff', '--format', 'json', example(1), example(1)).stdout).summary.gained).toBe(0);
    expect(run('diff', '--format', 'json', example(1), example(1)).status).toBe(0);
  });

  test('a change of guardrail overrides alone: listed in the comment, exit 0 as no access changes', () => {
    const annotated = (reason: string) => policy(443).replace('  namespace: istio-egress\n',
      `  namespace: istio-egress\n  annotations:\n    egress.cdk8s-asm-egress.io/guardrail-overrides: 'service api: WILDCARD_HOST: ${reason}'\n`);
    const result = run('diff', '--format', 'markdown', file('old.yaml', annotated('CDN')), file('new.yaml', annotated('CDN edge names, INFRA-7')));
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Guardrail overrides: 1 added, 1 removed.\n');
    expect(result.stdout).toContain('| `service api` | `WILDCARD_HOST` | CDN edge names, INFRA-7 |');
  });

  test('errors are reported as for the text format, with nothing on standard output', () => {
    const bad = file('bad.yaml', policy(70000));
    expect(run('diff', '--format', 'markdown', file('old.yaml', policy(443)), bad)).toEqual({
      status: 2,
      stdout: '',
      stderr: `${bad}:16:9: spec.egressRules[0].to[0].port.number: 70000 is not a port number (an integer from 1 to 65535)\nasm-egress diff: the policies cannot be read\n`,
    });
    expect(run('diff', '--format', 'json', file('empty.yaml', ''), file('old.yaml', policy(443))).status).toBe(2);
  });

  test('an unknown format is a usage error', () => {
    expect(run('diff', '--format', 'html', example(1), example(2))).toEqual({
      status: 2, stdout: '', stderr: "asm-egress diff: --format must be one of text, markdown, json, not 'html'\nTry 'asm-egress diff --help'.\n",
    });
  });
});

/** The kinds of an Istio-only chart's objects (see istioOnly), which diff skips. */
const ISTIO_KINDS = '1 DestinationRule, 1 Gateway, 1 Service, 1 ServiceEntry, 1 VirtualService';
