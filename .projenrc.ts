import { cdk8s, javascript } from 'projen';

/** Istio release whose published CRDs the committed L1 code in `src/imports/` was generated from. */
const ISTIO_VERSION = '1.30.3';
const ISTIO_CRDS_URL = `https://raw.githubusercontent.com/istio/istio/${ISTIO_VERSION}/manifests/charts/base/files/crd-all.gen.yaml`;

// ---- Consumers: release version, jsii language targets ----------------------------------------
/** The released version; no release workflow bumps it (`release: false`), so it is set here. */
const VERSION = '0.1.0';
/**
 * A binding for every jsii language, named by each ecosystem's convention. Publishing them needs
 * registries this project does not reach; test/package/ generates their code on every run.
 */
const JSII_TARGETS = {
  publishToPypi: { distName: 'cdk8s-asm-egress', module: 'cdk8s_asm_egress' },
  publishToMaven: {
    javaPackage: 'io.github.maintainers.cdk8s.asm.egress',
    mavenGroupId: 'io.github.maintainers',
    mavenArtifactId: 'cdk8s-asm-egress',
  },
  publishToNuget: { dotNetNamespace: 'Maintainers.Cdk8s.AsmEgress', packageId: 'Maintainers.Cdk8s.AsmEgress' },
  publishToGo: { moduleName: 'github.com/maintainers/cdk8s-asm-egress-go', packageName: 'cdk8sasmegress' },
};
// -------------------------------------------------------------------------------------------------

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-asm-egress',
  description: 'Typed cdk8s constructs for egress-traffic policy on a service mesh: Alibaba Cloud ASM ASMEgressTrafficPolicy and the equivalent open-source Istio objects.',
  author: 'cdk8s-asm-egress maintainers',
  authorAddress: 'maintainers@users.noreply.r-seed-9ba364a3.example',
  repositoryUrl: 'https://github.com/maintainers/cdk8s-asm-egress.git',
  keywords: ['cdk8s', 'istio', 'asm', 'service-mesh', 'egress', 'alibaba-cloud'],
  defaultReleaseBranch: 'main',
  projenrcTs: true,
  packageManager: javascript.NodePackageManager.NPM,

  cdk8sVersion: '2.70.0',
  constructsVersion: '10.4.2',
  jsiiVersion: '~5.9.0',
  typescriptVersion: '~5.9.0',
  // No cdk8s-plus dependency: workloads are read by their shape, from any cdk8s-plus (or none).
  // Runtime libraries that are not jsii modules must be bundled, or jsii cannot load the assembly.
  bundledDeps: ['yaml@^2.8.0'],
  devDeps: [
    'cdk8s-cli@^2.200.0',
    'fast-check@^4.0.0',
    '@kubernetes-models/istio@^3.0.0',
    '@types/node@^20',
    'ajv@^8.17.0',
  ],
  bin: { 'asm-egress': 'bin/asm-egress' },

  jestOptions: {
    // A snapshot mismatch must fail the run; `npx projen test:update` rewrites on purpose.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testPathIgnorePatterns: ['/node_modules/', '/dist/'],
      // Some tests type-check generated programs or run the CLI as a child process: on a loaded
      // 2-core CI machine they can take well over jest's 5 s default. Speed is measured by the
      // benchmark scripts, not here.
      testTimeout: 120_000,
    },
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'scripts'],
    ignorePatterns: ['src/imports/', '*.d.ts', '*.js', '*.mjs', 'node_modules/', 'coverage'],
  },
  tsconfigDev: {
    include: ['../examples/**/*.ts', '../scripts/**/*.ts'],
    compilerOptions: {},
  },

  ...JSII_TARGETS,

  github: false,
  release: false,
  depsUpgrade: false,
  buildWorkflow: false,
});

// Regenerate every committed L1 class. ISTIO_CRDS may name a local file or a URL; by default
// Istio's published CRDs of the pinned release are read. Only the kinds the library emits are kept.
project.addTask('import', {
  description: `Regenerate the L1 classes in src/imports (ISTIO_CRDS=<file|url>, default: Istio ${ISTIO_VERSION}'s published CRDs)`,
  steps: [
    { exec: 'cdk8s import imports/asm-egress-traffic-policy.yaml --output src/imports --language typescript --no-class-prefix --no-save --no-check-upgrade' },
    { exec: `ts-node --project test/tsconfig.json scripts/select-istio-crds.ts ${ISTIO_CRDS_URL} .istio-crds.yaml` },
    { exec: 'cdk8s import .istio-crds.yaml --output src/imports --language typescript --no-save --no-check-upgrade' },
    { exec: 'rm -f .istio-crds.yaml' },
  ],
});

// The bundled example app: `npm run synth` writes the documented examples to examples/dist/.
project.addTask('synth', {
  description: 'Synthesise the bundled example app (examples/) to YAML in examples/dist/ (same as `npx cdk8s synth`)',
  exec: 'ts-node --project test/tsconfig.json examples/main.ts',
});

// Synthesis at scale, L2 against hand-written L1, and the allocator alone: prints a table.
project.addTask('bench', {
  description: 'Benchmark synthesis (L2 vs L1) and the gateway-port allocator; prints a table',
  exec: 'ts-node --project test/tsconfig.json scripts/bench.ts',
  receiveArgs: true,
});

// The layering of src/ (public concepts on top of model, checks, pipeline, outputs and adapters)
// stays acyclic: a cycle of value imports is an error. Type-only imports do not count.
project.eslint?.addRules({ 'import/no-cycle': ['error', { ignoreExternal: true }] });

// Type-aware lint for the example app and scripts, which no tsconfig.json next to them covers.
project.tryFindObjectFile('.eslintrc.json')?.addOverride('parserOptions.projectService.allowDefaultProject',
  ['.projenrc.ts', 'examples/*.ts', 'scripts/*.ts']);

project.addTask('bench:cli', {
  description: 'Time asm-egress lint, render and import on 10,000 services; prints a table',
  exec: 'ts-node --project test/tsconfig.json scripts/bench-cli.ts',
  receiveArgs: true,
});

project.gitignore.exclude('/.istio-crds.yaml');

// ---- Consumers: what the package is, ships and depends on --------------------------------------
project.package.addVersion(VERSION);
// Every maintained cdk8s-plus, side by side: tests build the same App with each (their package
// names differ per Kubernetes version, so no npm alias is needed to install two).
project.addDevDeps('cdk8s-plus-28@^2.5.6', 'cdk8s-plus-33@^2.5.57');
// The package ships lib/, the assembly, the bin, the docs and the example manifests that the
// README's commands read; none of the repository's machinery (CI, the example app, fixtures).
project.npmignore?.exclude('/examples/*', '/scripts/', '/imports/*.ts', '/.ci/', '/cdk8s.yaml', '/rosetta/');
project.npmignore?.include('/examples/manifests/');
// The example app writes where packaging does not (dist/ holds the packaged library).
project.gitignore.exclude('/examples/dist/');
// `npm run package` works from a fresh clone: it compiles first (in `build` too, a few seconds,
// rather than ever packing a stale lib/), and packages JavaScript only: the other languages'
// packaging needs their toolchains and registries (`npx projen package-all` where they are).
const packageJs = project.tasks.tryFind('package:js')!;
project.packageTask.reset();
project.packageTask.spawn(project.compileTask);
project.packageTask.spawn(packageJs);
project.packageTask.description = 'Compile, then create the npm package in dist/js/';
// The language bindings' code, without building it (which needs each language's registry).
project.addTask('bindings', {
  description: 'Compile, then generate the Python, Java, .NET and Go bindings\' code in dist/ (jsii-pacmak --code-only)',
  steps: [
    { spawn: project.compileTask.name },
    { exec: 'jsii-pacmak --code-only --targets python --targets java --targets dotnet --targets go' },
  ],
});
// Every example compiles in jsii-rosetta's strict mode (test/package/), for consumers such as
// Construct Hub too; these are what the examples import beyond the package and its peers.
project.package.addField('jsiiRosetta', {
  strict: true,
  exampleDependencies: { 'cdk8s-plus-33': '^2.5.57', '@types/node': '^20' },
});
// jsii's tools print a banner on Node 20, the machine's Node, which a contributor cannot change.
project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');
// jest's optional file watcher would compile itself at install; the suite does not watch.
project.package.addField('allowScripts', { '@parcel/watcher': false });
// -------------------------------------------------------------------------------------------------
project.synth();
