import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { main } from '../../src/cli/main';

const FIXTURES = join(__dirname, '..', 'fixtures');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'asm-egress-diff-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `asm-egress ...args` and returns its exit status and output. */
function run(...args: string[]): { status: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const status = main(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, readStdin: () => '' });
  return { status, stdout, stderr };
}

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

  test('exit 0 when no access changes: reformatted YAML, other kinds of objects and List wrappers do not count', () => {
    const reformatted = file('new.yaml', [
      'apiVersion: v1',
      'kind: List',
      'items:',
      ...readFileSync(join(FIXTURES, 'example-2.yaml'), 'utf8').split('\n').filter((l) => !l.startsWith('#')).map((l, i) => (i === 0 ? `- ${l}` : `  ${l}`)),
      '---',
      'apiVersion: networking.istio.io/v1',
      'kind: ServiceEntry',
      'metadata: { name: other }',
    ].join('\n'));
    expect(run('diff', join(FIXTURES, 'example-2.yaml'), reformatted)).toEqual({ status: 0, stdout: 'asm-egress diff: no change in egress access\n', stderr: '' });
  });

  test('exit 2 with FILE:LINE: field: message for a policy that cannot be read', () => {
    const bad = file('bad.yaml', policy(70000));
    const result = run('diff', file('old.yaml', policy(443)), bad);
    expect(result).toEqual({
      status: 2,
      stdout: '',
      stderr: `${bad}:16: spec.egressRules[0].to[0].port.number: must be a port number (an integer from 1 to 65535)\nasm-egress diff: the policies cannot be read\n`,
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
    expect(result.stdout).toMatch(/^Usage: asm-egress diff OLD\.yaml NEW\.yaml\n/);
    expect(result.stdout).toContain('Exit status: 0 when no access changes; 1 when access changes; 2 usage error, unreadable file,');
    // Not the generic exit statuses of lint and render, which would be wrong for diff.
    expect(result.stdout).not.toContain('1 the input breaks a rule');
    expect(run('--help').stdout).toContain('  diff    Show which sources gain or lose which destinations between two versions');
  });
});
