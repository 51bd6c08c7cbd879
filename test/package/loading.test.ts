import { spawnSync } from 'child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';
import { jsiiBuild, removeJsiiBuild } from '../util/jsii-build';

// What an App loads of the package, as users run it (the compiled lib/): an App of ASM objects
// does not load the Istio or ambient outputs, the command line, the YAML parser or the generated
// L1 classes; an App that asks for Istio output loads that output and nothing it does not use.

let root: string;
let dir: string;

beforeAll(() => {
  root = realpathSync(jsiiBuild());
  dir = mkdtempSync(join(tmpdir(), 'asm-egress-loading-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  removeJsiiBuild();
});

/**
 * The modules an App loaded, after synthesis: the package's own (relative to lib/), and the
 * packages (cdk8s's own copy of yaml is cdk8s's).
 */
function loadedBy(output: 'ASM' | 'ASM_AND_ISTIO'): { lib: string[]; packages: string[] } {
  // In the build, whose node_modules are the repository's: cdk8s resolves from the program's folder.
  const file = join(root, `loading-app-${output}.js`);
  writeFileSync(file, `
const { App, Chart } = require('cdk8s');
const lib = require(${JSON.stringify(join(root, 'lib'))});
const app = new App({ outdir: ${JSON.stringify(join(dir, 'dist'))} });
lib.EgressRegistry.of(app).configure({ output: lib.EgressOutput.${output}, printWarnings: false });
const chart = new Chart(app, 'egress');
new lib.EgressTrafficPolicy(chart, 'Egress', { gateway: 'egressgateway-a' })
  .addRule('payments')
  .allowFrom(lib.EgressSource.namespace('payments'))
  .allowTo(lib.ExternalService.https('stripe', { hosts: ['api.stripe.com'] }));
if (!app.synthYaml().includes('api.stripe.com')) throw new Error('nothing synthesised');
console.log(JSON.stringify(Object.keys(require.cache)));
`);
  const run = spawnSync(process.execPath, [file], { encoding: 'utf8', cwd: root });
  expect(run.stderr).toBe('');
  const paths: string[] = JSON.parse(run.stdout);
  // `node_modules/cdk8s/node_modules/yaml/`: the package, and whose copy it is.
  const packageOf = (p: string) => /^(.*node_modules\/(@[^/]+\/)?[^/]+\/)/.exec(p.replace(/\\/g, '/').slice(p.indexOf('node_modules')))?.[1];
  return {
    lib: paths.filter((p) => p.startsWith(join(root, 'lib'))).map((p) => relative(join(root, 'lib'), p)),
    packages: [...new Set(paths.map(packageOf).filter((p): p is string => p !== undefined))].sort(),
  };
}

test('an App of ASM objects loads no output stage, command line, YAML parser or generated class of other kinds', () => {
  const { lib, packages } = loadedBy('ASM');
  expect(lib).toContain('egress-traffic-policy.js');
  // The checks load (a policy of ASM objects may set Istio options, which they check), not the outputs.
  expect(lib).toContain('istio/checks.js');
  expect(lib.filter((p) => /^(istio\/(create|plan|gateway-objects|kubernetes)|ambient\/(create|plan)|cli\/|imports\/)/.test(p))).toEqual([]);
  // Nothing but cdk8s (with its own copy of yaml, which serialises) and constructs: not the
  // package's yaml (for reading YAML with lines), not any cdk8s-plus.
  expect(packages.filter((p) => !p.startsWith('node_modules/cdk8s/') && p !== 'node_modules/constructs/')).toEqual([]);
});

test('an App with Istio output loads the Istio stage, and still not the ambient one or the command line', () => {
  const { lib } = loadedBy('ASM_AND_ISTIO');
  expect(lib).toEqual(expect.arrayContaining(['istio/create.js', 'istio/plan.js']));
  expect(lib.filter((p) => /^(ambient\/(create|plan)|cli\/|imports\/)/.test(p))).toEqual([]);
});
