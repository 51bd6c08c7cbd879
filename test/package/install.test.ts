import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { jsiiBuild, removeJsiiBuild, REPO, run } from '../util/jsii-build';

// A user's path (slow: a jsii build, `npm pack`, three npm installs and four `cdk8s synth`, about
// two minutes). The library is packed as `npm run package` packs it and installed from the
// tarball into throwaway cdk8s TypeScript apps outside the repository, laid out as
// `cdk8s init typescript-app` lays them out; their other dependencies are linked from the
// repository's node_modules, so that nothing is downloaded (`npm install --offline`).

let work: string;
let tarball: string;
let packed: string[];
let manifest: any;

beforeAll(() => {
  const root = jsiiBuild();
  work = mkdtempSync(join(tmpdir(), 'asm-egress-user-'));
  const pack = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], root, { env: npmEnv() }).stdout)[0];
  tarball = join(work, pack.filename);
  packed = pack.files.map((f: { path: string }) => f.path);
  manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
});
afterAll(() => {
  removeJsiiBuild();
  rmSync(work, { recursive: true, force: true });
});

/** The environment of npm in an app outside the repository: none of the `npm test` run's own npm settings. */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { CDK8S_CHECK_UPGRADE: 'false' };
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value;
  return env;
}

describe('the package', () => {
  test('ships the library, its assembly, the bin, the docs and the example manifests', () => {
    expect(packed).toEqual(expect.arrayContaining([
      'package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'API.md', '.jsii', 'bin/asm-egress', 'lib/index.js', 'lib/index.d.ts',
      'examples/manifests/example-1.yaml', 'examples/manifests/example-2.yaml', 'examples/manifests/example-3.yaml',
      'imports/asm-egress-traffic-policy.yaml', 'node_modules/yaml/package.json',
    ]));
  });

  test('ships none of the repository\'s machinery', () => {
    const machinery = /^(src|test|rosetta|scripts|projenrc|\.projen|\.ci|\.github|dist|coverage)\/|^examples\/[^/]+\.ts$|^(cdk8s\.yaml|tsconfig\.json|\.projenrc\.ts|\.eslintrc\.json|\.gitattributes|\.gitignore|\.npmignore)$/;
    expect(packed.filter((path) => machinery.test(path))).toEqual([]);
  });

  test('has a release version, described in CHANGELOG.md', () => {
    expect(manifest.version).toMatch(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/);
    expect(manifest.version).not.toBe('0.0.0');
    const changelog = readFileSync(join(REPO, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toMatch(new RegExp(`^## \\[?${manifest.version.replace(/\./g, '\\.')}\\]?`, 'm'));
  });

  test('depends on cdk8s and constructs only: no cdk8s-plus', () => {
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['cdk8s', 'constructs']);
    expect(Object.keys(manifest.dependencies)).toEqual(['yaml']);
  });
});

// ---- Throwaway apps -------------------------------------------------------------------------

/** A package of the repository's node_modules, as a dependency of an app. */
const linked = (name: string) => `file:${join(REPO, 'node_modules', name)}`;

interface UserApp {
  readonly dir: string;
  /** What `npm install` of the tarball printed. */
  readonly install: string;
}

/**
 * A cdk8s TypeScript app as `cdk8s init typescript-app` makes it (its tsconfig.json and
 * cdk8s.yaml, less the `k8s` import that needs the network), with the given cdk8s-plus (or none)
 * and files, and the packed library installed from its tarball.
 */
function userApp(name: string, plus: string | undefined, files: Record<string, string>): UserApp {
  const dir = join(work, name);
  mkdirSync(dir);
  const template = join(REPO, 'node_modules', 'cdk8s-cli', 'templates', 'typescript-app');
  copyFileSync(join(template, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  writeFileSync(join(dir, 'cdk8s.yaml'), 'language: typescript\napp: npx ts-node main.ts\n');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({
    name,
    version: '1.0.0',
    private: true,
    dependencies: { cdk8s: linked('cdk8s'), constructs: linked('constructs'), ...(plus ? { [plus]: linked(plus) } : {}) },
    devDependencies: {
      'cdk8s-cli': linked('cdk8s-cli'),
      'typescript': linked('typescript'),
      'ts-node': linked('ts-node'),
      '@types/node': linked('@types/node'),
      '@types/jest': linked('@types/jest'),
    },
  }, undefined, 2));
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  // --ignore-scripts: npm would otherwise run the linked packages' `prepare` in the repository.
  const result = run('npm', ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', tarball], dir, { env: npmEnv() });
  return { dir, install: `${result.stdout}${result.stderr}` };
}

/** `npx cdk8s synth` as a user runs it (without its check for a newer CLI, which needs the network). */
function synth(app: UserApp): any[] {
  run('npx', ['cdk8s', 'synth', '--no-check-upgrade'], app.dir, { env: npmEnv() });
  return synthesised(app.dir);
}

/** Every object of the YAML files that synthesis wrote to `dir`/dist. */
function synthesised(dir: string): any[] {
  return readdirSync(join(dir, 'dist')).filter((f) => f.endsWith('.yaml')).sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, 'dist', f), 'utf8')).map((d) => d.toJS()));
}

const cdk8sPlusIn = (app: UserApp) => readdirSync(join(app.dir, 'node_modules')).filter((n) => n.startsWith('cdk8s-plus-'));
const byKind = (objects: any[], kind: string) => objects.filter((o) => o?.kind === kind);

/** A platform chart with the gateway's policy, and team charts whose rules come from cdk8s-plus workloads. */
const teamsApp = (plus: string) => `import { App, Chart, ChartProps } from 'cdk8s';
import * as kplus from '${plus}';
import { Construct } from 'constructs';
import { EgressOutput, EgressRule, EgressSource, EgressTrafficPolicy, ExternalService } from 'cdk8s-asm-egress';

const GATEWAY = 'egressgateway-a';

class PlatformChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new EgressTrafficPolicy(this, 'Egress', { gateway: GATEWAY, output: EgressOutput.ASM_AND_ISTIO, istio: { networkPolicy: true } });
  }
}

class PaymentsChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps) {
    super(scope, id, props);
    const account = new kplus.ServiceAccount(this, 'Account', { metadata: { name: 'payments-api' } });
    const api = new kplus.Deployment(this, 'Api', { containers: [{ image: 'payments:1', portNumber: 8080 }], serviceAccount: account });
    new EgressRule(this, 'Stripe', { gateway: GATEWAY, name: 'payments' })
      .allowFrom(EgressSource.fromWorkload(api))
      .allowTo(ExternalService.https('stripe', { hosts: ['api.stripe.com'] }));
  }
}

class ReportsChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps) {
    super(scope, id, props);
    const nightly = new kplus.Job(this, 'Nightly', { containers: [{ image: 'reports:1' }] });
    const adhoc = kplus.Pods.select(this, 'Adhoc', {
      labels: { app: 'reports' }, namespaces: kplus.Namespaces.select(this, 'Analytics', { names: ['analytics'] }),
    });
    new EgressRule(this, 'Exports', { gateway: GATEWAY, name: 'reports' })
      .allowFrom(EgressSource.fromWorkload(nightly), EgressSource.fromWorkload(adhoc))
      .allowTo(ExternalService.https('s3', { hosts: ['s3.eu-central-1.amazonaws.com'] }));
  }
}

const app = new App();
new PlatformChart(app, 'platform');
new PaymentsChart(app, 'payments', { namespace: 'payments' });
new ReportsChart(app, 'reports', { namespace: 'reports' });
app.synth();
`;

/** cdk8s-plus's own objects: each release writes its workloads with defaults of its own. */
const WORKLOAD_KINDS = ['Deployment', 'Job', 'ServiceAccount'];

/** Every cdk8s-plus the library is tested with: the baseline, the one `cdk8s init` scaffolds, the newest. */
const RELEASES = ['cdk8s-plus-34', 'cdk8s-plus-33', 'cdk8s-plus-28'];

describe.each(RELEASES)('in an app with %s', (plus) => {
  let app: UserApp;
  let objects: any[];

  beforeAll(() => {
    app = userApp(plus, plus, { 'main.ts': teamsApp(plus) });
    objects = synth(app);
  });

  test('the tarball installs cleanly, and no other cdk8s-plus with it', () => {
    expect(app.install).not.toMatch(/npm (warn|error)|ERESOLVE|peer dep/i);
    expect(cdk8sPlusIn(app)).toEqual([plus]);
    // npm ls fails on a missing dependency, or on a version that does not satisfy a dependent,
    // the package's peer ranges included.
    run('npm', ['ls', '--offline'], app.dir, { env: npmEnv() });
  });

  test('`cdk8s synth` (ts-node type-checks main.ts) writes each workload\'s rule, read from the workload', () => {
    // Checked against the workloads' own manifests, not the library's view of them.
    const [policy] = byKind(objects, 'ASMEgressTrafficPolicy');
    const rule = (name: string) => policy.spec.egressRules.find((r: any) => r.name === name);
    const deployment = byKind(objects, 'Deployment')[0];
    const job = byKind(objects, 'Job')[0];
    expect(rule('payments').from).toEqual([{ namespace: 'payments', workloadSelector: deployment.spec.selector.matchLabels }]);
    expect(rule('reports').from).toEqual([
      { namespace: 'reports', workloadSelector: { 'cdk8s.io/metadata.addr': job.spec.template.metadata.labels['cdk8s.io/metadata.addr'] } },
      { namespace: 'analytics', workloadSelector: { app: 'reports' } },
    ]);
    const authz = byKind(objects, 'AuthorizationPolicy')[0];
    expect(JSON.stringify(authz.spec.rules)).toContain('"cluster.local/ns/payments/sa/payments-api"');
    expect(byKind(objects, 'NetworkPolicy').map((p) => p.metadata.namespace)).toEqual(['payments', 'reports', 'analytics']);
  });
});

test('the library\'s objects are the same with every cdk8s-plus', () => {
  const own = (name: string) => synthesised(join(work, name)).filter((o) => !WORKLOAD_KINDS.includes(o.kind));
  const with33 = own('cdk8s-plus-33');
  expect(with33.length).toBeGreaterThan(5);
  for (const plus of RELEASES) expect(own(plus)).toEqual(with33);
});

test('an app without cdk8s-plus, whose sources are namespaces and labels, installs and synthesises Istio output with its Service and NetworkPolicies', () => {
  const app = userApp('no-cdk8s-plus', undefined, {
    'main.ts': `import { App, Chart } from 'cdk8s';
import { EgressOutput, EgressRegistry, EgressSource, EgressTrafficPolicy, ExternalService } from 'cdk8s-asm-egress';

const app = new App();
EgressRegistry.of(app).configure({ output: EgressOutput.ISTIO, istio: { gatewayService: true, networkPolicy: true } });
new EgressTrafficPolicy(new Chart(app, 'egress'), 'Egress', { gateway: 'egressgateway-a' })
  .addRule('sleep')
  .allowFrom(EgressSource.namespace('mytest', { workloadSelector: { app: 'sleep' } }))
  .allowTo(ExternalService.https('aliyun', { hosts: ['www.aliyun.com'] }));
app.synth();
`,
  });
  expect(app.install).not.toMatch(/npm (warn|error)|ERESOLVE|peer dep/i);
  expect(cdk8sPlusIn(app)).toEqual([]);
  const objects = synth(app);
  // The gateway's Service, and the Service of the one gateway port in use (for the sidecars' exportTo).
  expect(byKind(objects, 'Service').map((s) => s.metadata.name)).toEqual([expect.stringMatching(/^egressgateway-a-\d+$/), 'egressgateway-a']);
  expect(byKind(objects, 'NetworkPolicy').map((p) => p.spec.podSelector)).toEqual([{ matchLabels: { app: 'sleep' } }]);
  expect(byKind(objects, 'ServiceEntry').map((s) => s.spec.hosts)).toEqual([['www.aliyun.com']]);
});

// ---- The README, as a user follows it -------------------------------------------------------

const readme = readFileSync(join(REPO, 'README.md'), 'utf8');

/** The section of the README under the given `## ` heading. */
function readmeSection(heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no section '${heading}'`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe('the README', () => {
  let app: UserApp;

  beforeAll(() => {
    const snippet = /```ts[^\n]*\n([\s\S]*?)^```$/m.exec(readmeSection('Use it in an existing cdk8s app'))![1];
    // With the test that `cdk8s init` scaffolds next to main.ts, which imports its chart.
    const template = join(REPO, 'node_modules', 'cdk8s-cli', 'templates', 'typescript-app');
    app = userApp('readme', 'cdk8s-plus-33', { 'main.ts': snippet, 'main.test.ts': readFileSync(join(template, 'main.test.ts'), 'utf8') });
  });

  test('"Use it in an existing cdk8s app": `npx cdk8s synth` writes the policy it describes', () => {
    const objects = synth(app);
    const deployment = byKind(objects, 'Deployment')[0];
    const [policy] = byKind(objects, 'ASMEgressTrafficPolicy');
    expect(policy.metadata).toEqual({ name: 'egress-by-egressgateway-a', namespace: 'istio-egress' });
    expect(policy.spec.egressRules).toEqual([{
      name: 'payments-api',
      from: [{ namespace: 'payments', workloadSelector: deployment.spec.selector.matchLabels }],
      to: [{
        name: 'stripe',
        hosts: ['api.stripe.com'],
        port: { name: 'https', number: 443, protocol: 'HTTPS' },
        byEgressGateway: { port: expect.any(Number) },
      }],
    }]);
    expect(readdirSync(join(app.dir, 'dist'))).toEqual(['payments.k8s.yaml']);
  });

  test('every command-line example prints what the README shows, on the files the package ships', () => {
    // Transcripts: code blocks of `$ command` lines, each followed by its output (`...` stands
    // for any lines). Run in the app, in README order, with the installed bin.
    const transcripts = [...readme.matchAll(/^```(?:sh)?\n(\$ [\s\S]*?)^```$/gm)].map((m) => m[1]);
    expect(transcripts.length).toBeGreaterThanOrEqual(6);
    const commands: string[] = [];
    for (const transcript of transcripts) {
      for (const step of transcript.split(/^\$ /m).filter((s) => s !== '')) {
        const [command, ...expected] = step.replace(/\n$/, '').split('\n');
        commands.push(command);
        // Both streams, as a terminal shows them, also when the command redirects its output.
        const result = run('bash', ['-c', `{ ${command}; } 2>&1`], app.dir, { env: npmEnv(), allowFailure: true });
        const output = result.stdout.replace(/\n$/, '');
        const actual = output === '' ? [] : output.split('\n');
        expect({ command, output: matches(expected, actual) ? expected : actual }).toEqual({ command, output: expected });
      }
    }
    expect(commands.filter((c) => c.includes('asm-egress')).length).toBeGreaterThanOrEqual(5);
  });

  test('the program that `asm-egress import` wrote, and the app with its scaffolded test, type-check against the installed package', () => {
    expect(readFileSync(join(app.dir, 'egress.ts'), 'utf8')).toContain('from \'cdk8s-asm-egress\'');
    run('npx', ['tsc', '--noEmit', '-p', '.'], app.dir, { env: npmEnv() });
  });
});

/** Whether `actual` lines are `expected`, where a `...` line of `expected` matches any lines. */
function matches(expected: string[], actual: string[]): boolean {
  if (expected.length === 0) return actual.length === 0;
  const [first, ...rest] = expected;
  if (first === '...') return actual.some((_, i) => matches(rest, actual.slice(i))) || matches(rest, []);
  return actual.length > 0 && actual[0] === first && matches(rest, actual.slice(1));
}
