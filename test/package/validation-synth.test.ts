import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { jsiiBuild, removeJsiiBuild } from '../util/jsii-build';

// SLOW (a jsii build, then `cdk8s synth` child processes): the real `cdk8s synth` of cdk8s-cli, on a
// throwaway app in a temporary folder whose cdk8s.yaml lists EgressValidation, with this package
// installed there as a link to its jsii build, offline: no connection may be opened (a preloaded
// guard refuses and records any), and no plugin cache may be created under HOME.

const REPO = join(__dirname, '..', '..');
const CDK8S = join(REPO, 'node_modules', '.bin', 'cdk8s');

let work: string;
let pkg: string;

beforeAll(() => {
  pkg = jsiiBuild();
  work = mkdtempSync(join(tmpdir(), 'asm-egress-synth-'));
  writeFileSync(join(work, 'no-network.js'), NO_NETWORK);
}, 180_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  removeJsiiBuild();
});

/** The app: a policy of the constructs for gateway gw, and YAML included from policy.yaml. */
const MAIN = `const { App, Chart, Include } = require('cdk8s');
const { EgressSource, EgressTrafficPolicy, ExternalService } = require('cdk8s-asm-egress');
const app = new App();
const chart = new Chart(app, 'platform');
new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw' }).addRule('web')
  .allowFrom(EgressSource.namespace('team-a'))
  .allowTo(ExternalService.https('api', { hosts: ['api.example.com'], gatewayPort: 10443 }));
new Include(chart, 'Included', { url: 'policy.yaml' });
app.synth();
`;

/** The three lines the README tells users to add, with the version as written in package.json. */
const CDK8S_YAML = (properties: string) => `language: typescript
app: node main.js
validations:
  - package: ./node_modules/cdk8s-asm-egress
    class: EgressValidation
    version: 0.0.0
${properties}`;

const POLICY = (name: string, gateway: string, host: string, gatewayPort: number) => `apiVersion: istio.alibabacloud.com/v1beta1
kind: ASMEgressTrafficPolicy
metadata:
  name: ${name}
  namespace: istio-egress
spec:
  byEgressGateway:
    name: ${gateway}
  egressRules:
  - name: reports
    from:
    - namespace: reports
    to:
    - name: warehouse
      hosts: ['${host}']
      port: {number: 443, protocol: HTTPS, name: https}
      byEgressGateway: {port: ${gatewayPort}}
`;

interface Synth {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly report: any;
  readonly home: string;
  readonly connections: string;
}

/** Creates the app in a folder of its own and runs `cdk8s synth` there. */
function synth(name: string, policyYaml: string, properties = '', packageRef = './node_modules/cdk8s-asm-egress'): Synth {
  const app = join(work, name);
  const home = join(app, 'home');
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  mkdirSync(home);
  symlinkSync(pkg, join(app, 'node_modules', 'cdk8s-asm-egress'), 'dir');
  for (const dep of ['cdk8s', 'constructs']) symlinkSync(join(REPO, 'node_modules', dep), join(app, 'node_modules', dep), 'dir');
  writeFileSync(join(app, 'main.js'), MAIN);
  writeFileSync(join(app, 'policy.yaml'), policyYaml);
  writeFileSync(join(app, 'cdk8s.yaml'), CDK8S_YAML(properties).replace('./node_modules/cdk8s-asm-egress', packageRef));
  const connections = join(app, 'connections.log');
  const run = spawnSync(process.execPath, [CDK8S, 'synth', '--no-check-upgrade', '--validation-reports-output-file', 'report.json'], {
    cwd: app,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: home,
      NODE_OPTIONS: `--require ${join(work, 'no-network.js')}`,
      NO_NETWORK_LOG: connections,
      // Nothing may reach a registry: npm, if anything ran it, would fail at once.
      npm_config_offline: 'true',
      npm_config_registry: 'http://127.0.0.1:9/',
    },
  });
  const reportFile = join(app, 'report.json');
  return {
    status: run.status,
    stdout: run.stdout,
    stderr: run.stderr,
    report: existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8')) : undefined,
    home,
    connections: existsSync(connections) ? readFileSync(connections, 'utf8') : '',
  };
}

/** Offline, and seen to be: every outgoing connection and DNS lookup is recorded and refused. */
function expectOffline(run: Synth): void {
  expect(run.connections).toBe('');
  expect(existsSync(join(run.home, '.cdk8s'))).toBe(false);
  expect(run.stdout).not.toContain('Installing validation plugin');
}

describe('cdk8s synth with EgressValidation in cdk8s.yaml', () => {
  test('a bad policy included as YAML fails the synthesis: exit 2, each violation in the report', () => {
    const bad = [POLICY('egress-by-gw-b', 'gw-b', '*.example.com', 10444), POLICY('egress-by-gw-again', 'gw', 'audit.example.com', 10445)].join('---\n');
    const run = synth('bad', bad);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 2, stderr: expect.stringContaining('Validation failed') });
    expectOffline(run);

    const [report] = run.report.reports;
    expect(report.summary).toEqual({
      status: 'failure',
      plugin: expect.stringMatching(/node_modules\/cdk8s-asm-egress$/),
      version: '0.0.0',
      metadata: { policies: '3', errors: '2', warnings: '0' },
    });
    expect(report.violations.map((v: any) => ({ rule: v.ruleName, ...v.violatingConstructs[0] }))).toEqual([
      {
        rule: 'WILDCARD_HOST',
        resourceName: 'egress-by-gw-b',
        constructPath: 'platform/Included/egress-by-gw-b-asmegresstrafficpolicy-istio-egress',
        manifestPath: 'dist/platform.k8s.yaml',
        locations: ['spec.egressRules[0].to[0].hosts[0]'],
      },
      {
        rule: 'DUPLICATE_POLICY',
        resourceName: 'egress-by-gw-again',
        constructPath: 'platform/Included/egress-by-gw-again-asmegresstrafficpolicy-istio-egress',
        manifestPath: 'dist/platform.k8s.yaml',
        locations: ['spec.byEgressGateway.name'],
      },
    ]);
    expect(report.violations[0].recommendation).toBe("'*.example.com' opens every subdomain of example.com");
    expect(report.violations[0].fix).toContain("allow it with the line 'service warehouse: WILDCARD_HOST: <reason>'");
    // Said to the author of the YAML: a policy of the App's constructs has it already.
    expect(report.violations[1].recommendation).toBe("gateway 'gw' already has its policy at dist/platform.k8s.yaml:1:1; ASM expects one policy per gateway");
    expect(report.violations[1].fix).toBe("move this policy's spec.egressRules into that one, and delete this one");
    // The table that cdk8s-cli prints.
    expect(run.stdout).toContain('WILDCARD_HOST (1 occurrences)');
    expect(run.stdout).toContain('DUPLICATE_POLICY (1 occurrences)');
    expect(run.stdout).toContain('    - Construct Path: platform/Included/egress-by-gw-b-asmegresstrafficpolicy-istio-egress');
  });

  test('a clean app passes: exit 0, success in the report; warnings listed, failing with strict: true', () => {
    const clean = synth('clean', POLICY('egress-by-gw-b', 'gw-b', 'warehouse.example.com', 10444));
    expect(clean.status).toBe(0);
    expectOffline(clean);
    expect(clean.stdout).toContain('Validations ended succesfully'); // sic, cdk8s-cli's spelling
    expect(clean.report.reports[0].summary).toMatchObject({ status: 'success', metadata: { policies: '2', errors: '0', warnings: '0' } });
    expect(clean.report.reports[0].violations).toEqual([]);
    expect(readFileSync(join(work, 'clean', 'dist', 'platform.k8s.yaml'), 'utf8')).toContain('name: egress-by-gw-b');

    const plainHttp = POLICY('egress-by-gw-b', 'gw-b', 'warehouse.example.com', 10444)
      .replace('number: 443, protocol: HTTPS, name: https', 'number: 80, protocol: HTTP, name: http');
    const relaxed = synth('relaxed', plainHttp);
    expect(relaxed.status).toBe(0);
    expect(relaxed.report.reports[0].violations.map((v: any) => v.ruleName)).toEqual(['PLAIN_HTTP']);
    const strict = synth('strict', plainHttp, '    properties:\n      strict: true\n');
    expect(strict.status).toBe(2);
    expect(strict.report.reports[0].violations.map((v: any) => v.ruleName)).toEqual(['PLAIN_HTTP']);
    expectOffline(strict);
  });
});

describe('the checks of this test can fail', () => {
  test('the guard records a connection that a process tries to open', () => {
    const log = join(work, 'guard.log');
    const run = spawnSync(process.execPath, ['-e', "require('net').connect(443, '192.0.2.1').on('error', () => {})"], {
      encoding: 'utf8', env: { NODE_OPTIONS: `--require ${join(work, 'no-network.js')}`, NO_NETWORK_LOG: log },
    });
    expect(run.status).not.toBe(0);
    expect(readFileSync(log, 'utf8')).toBe('connect ["192.0.2.1",443]\n');
  });

  test('a bare package name makes cdk8s-cli install the plugin into its cache under HOME (which fails offline)', () => {
    const run = synth('bare', POLICY('egress-by-gw-b', 'gw-b', 'warehouse.example.com', 10444), '', 'cdk8s-asm-egress');
    expect(run.status).not.toBe(0);
    expect(run.stdout).toContain('Installing validation plugin: cdk8s-asm-egress@0.0.0');
    expect(existsSync(join(run.home, '.cdk8s', 'plugins', 'cdk8s-asm-egress', '0.0.0'))).toBe(true);
  });
});

/** Preloaded into every node process of the run (NODE_OPTIONS): records and refuses any network use. */
const NO_NETWORK = `const fs = require('fs');
const net = require('net');
const dns = require('dns');
const record = (what) => { fs.appendFileSync(process.env.NO_NETWORK_LOG, what + '\\n'); };
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  // net.connect() passes its arguments normalised, as an array; a socket's own call passes them as given.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : { port: first, host: args[1] };
  if (options.path === undefined) {
    record('connect ' + JSON.stringify([options.host, options.port]));
    throw new Error('no network in this test');
  }
  return connect.apply(this, args);
};
for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6']) {
  const original = dns[name];
  dns[name] = function (host, ...rest) { record(name + ' ' + host); return original.call(this, host, ...rest); };
}
`;
