import { cdk8s, javascript } from 'projen';

/** Istio release whose published CRDs the committed L1 code in `src/imports/` was generated from. */
const ISTIO_VERSION = '1.30.3';
const ISTIO_CRDS_URL = `https://raw.githubusercontent.com/istio/istio/${ISTIO_VERSION}/manifests/charts/base/files/crd-all.gen.yaml`;
/** The Gateway API release that Istio 1.30 is built against: the waypoint `Gateway` of the ambient output. */
const GATEWAY_API_VERSION = 'v1.5.1';
const GATEWAY_API_CRDS_URL = `https://github.com/kubernetes-sigs/gateway-api/releases/download/${GATEWAY_API_VERSION}/standard-install.yaml`;

/**
 * Test suites that take seconds each: fuzzing the command line, running it as child processes,
 * type-checking the programs that `asm-egress import` writes, and everything under test/package/
 * (compiling, packing and running the package as its users do). They form the jest project `slow`,
 * every other suite the project `fast`: `npm test` runs both, `npm run test:fast` the fast one
 * while you edit. A folder ends with '/'.
 */
const SLOW_TESTS = ['test/cli/fuzz.test.ts', 'test/cli/process.test.ts', 'test/cli/import.test.ts', 'test/exports.test.ts', 'test/package/'];

/**
 * What both jest projects need. Jest does not pass the top-level project options (testMatch, transform,
 * ...) on to the `projects`, so each has them all; the top-level copies that projen writes are removed below.
 */
const JEST_PROJECT = {
  testMatch: ['<rootDir>/@(src|test)/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.[t]sx?$': ['ts-jest', { tsconfig: 'test/tsconfig.json' }] },
  clearMocks: true,
};

/** A jest path pattern (a regular expression) that matches one file, or a folder, of the repository. */
function exactPath(path: string): string {
  return `<rootDir>/${path.replace(/[.]/g, '\\.')}${path.endsWith('/') ? '' : '$'}`;
}

/** The jest `testMatch` glob of a file, or of the tests in a folder. */
function testGlob(path: string): string {
  return path.endsWith('/') ? `<rootDir>/${path}**/*.test.ts` : `<rootDir>/${path}`;
}

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
  // As the README says; the package's engines field tells npm users too.
  minNodeVersion: '20.0.0',
  // Before 1.0.0 a minor version may change the API (CHANGELOG): not yet stable.
  stability: 'experimental',

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
    // Evaluates the CEL rules (x-kubernetes-validations) of the Istio CRDs in test/util/istio-schema.ts.
    '@bufbuild/cel@^0.6.1',
    '@bufbuild/protobuf@^2.6.2',
    '@types/node@^20',
    'ajv@^8.17.0',
    // Mermaid's own flowchart parser checks the graphs in tests; it needs a DOM (DOMPurify) in
    // Node. Mermaid 12 and jsdom 30 need Node 22.
    'mermaid@^11.17.2',
    'jsdom@^29.1.1',
  ],
  bin: { 'asm-egress': 'bin/asm-egress' },

  jestOptions: {
    // A snapshot mismatch must fail the run; `npx projen test:update` rewrites on purpose.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    // The terminal gets the summary (`text-summary` below); the files are for tools.
    coverageText: false,
    jestConfig: {
      // Some tests type-check generated programs or run the CLI as a child process: on a loaded
      // 2-core CI machine they can take well over jest's 5 s default. Speed is measured by the
      // benchmark scripts, not here.
      testTimeout: 120_000,
      projects: [
        { displayName: 'fast', ...JEST_PROJECT, testPathIgnorePatterns: [...JEST_PROJECT.testPathIgnorePatterns, ...SLOW_TESTS.map(exactPath)] },
        { displayName: 'slow', ...JEST_PROJECT, testMatch: SLOW_TESTS.map(testGlob) },
      ],
      // The library's own code: neither the generated L1 classes nor the test utilities.
      collectCoverageFrom: ['src/**/*.ts', '!src/imports/**'],
      coverageReporters: ['json', 'lcov', 'clover', 'cobertura', 'text-summary'],
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

/** A file of CRDs that `npx projen import` reads, and what it takes from it. */
interface CrdSource {
  /** Named in the header of the schema file, e.g. `Istio 1.30.3`. */
  readonly release: string;
  /** Where the file is published. */
  readonly url: string;
  /** An environment variable that, when set, names another copy (a local file or a URL), e.g. offline. */
  readonly env: string;
  /** The kinds the library emits, as `<group>/<Kind>`. */
  readonly kinds: string[];
  /** Their versions the library emits: the first one's L1 classes have no version suffix. */
  readonly versions: string[];
  /** A temporary file of the selected CRDs for `cdk8s import` into src/imports, if the library needs L1 classes. */
  readonly l1?: string;
  /** The committed JSON file of their schemas, which the tests validate rendered objects against. */
  readonly schemas?: string;
  /** An annotation that every selected CRD must carry, `<key>=<value>`: the release of a file that names it. */
  readonly annotation?: string;
}

// Each CRD file that the library emits kinds of is one entry.
const CRD_SOURCES: CrdSource[] = [
  {
    release: `Istio ${ISTIO_VERSION}`,
    url: ISTIO_CRDS_URL,
    env: 'ISTIO_CRDS',
    kinds: [
      'networking.istio.io/ServiceEntry', 'networking.istio.io/Gateway', 'networking.istio.io/DestinationRule',
      'networking.istio.io/VirtualService', 'networking.istio.io/Sidecar', 'security.istio.io/AuthorizationPolicy',
    ],
    // `networking.istio.io/v1` from Istio 1.22, `v1beta1` before.
    versions: ['v1', 'v1beta1'],
    l1: '.istio-crds.yaml',
    schemas: `test/schemas/istio-${ISTIO_VERSION}.json`,
  },
  {
    // The waypoint of the ambient output: the Gateway API release that Istio 1.30 is built against.
    release: `Gateway API ${GATEWAY_API_VERSION}`,
    url: GATEWAY_API_CRDS_URL,
    env: 'GATEWAY_API_CRDS',
    kinds: ['gateway.networking.k8s.io/Gateway'],
    versions: ['v1'],
    l1: '.gateway-api-crds.yaml',
    schemas: `test/schemas/gateway-api-${GATEWAY_API_VERSION}.json`,
    annotation: `gateway.networking.k8s.io/bundle-version=${GATEWAY_API_VERSION}`,
  },
];

// Regenerate every committed L1 class and schema file: the ASM classes from our CRD manifest, the rest
// from CRD_SOURCES.
project.addTask('import', {
  description: `Regenerate the L1 classes in src/imports and the schemas in test/schemas (${CRD_SOURCES.map((c) => `${c.env}=<file|url>, default: ${c.release}'s published CRDs`).join('; ')})`,
  steps: [
    { exec: 'cdk8s import imports/asm-egress-traffic-policy.yaml --output src/imports --language typescript --no-class-prefix --no-save --no-check-upgrade' },
    ...CRD_SOURCES.flatMap((crds) => [
      {
        exec: [
          'ts-node --project test/tsconfig.json scripts/select-crds.ts',
          `--source ${crds.url} --source-env ${crds.env} --release "${crds.release}"`,
          `--kinds ${crds.kinds.join(',')} --versions ${crds.versions.join(',')}`,
          ...crds.l1 ? [`--crds ${crds.l1}`] : [],
          ...crds.schemas ? [`--schemas ${crds.schemas}`] : [],
          ...crds.annotation ? [`--annotation ${crds.annotation}`] : [],
        ].join(' '),
      },
      ...crds.l1 ? [
        { exec: `cdk8s import ${crds.l1} --output src/imports --language typescript --no-save --no-check-upgrade` },
        { exec: `rm -f ${crds.l1}` },
      ] : [],
    ]),
  ],
});
for (const crds of CRD_SOURCES) {
  if (crds.l1) project.gitignore.exclude(`/${crds.l1}`);
  if (crds.schemas) project.gitattributes.addAttributes(`/${crds.schemas}`, 'linguist-generated');
}

// Top-level project options that jest ignores once `projects` is set (see JEST_PROJECT).
for (const option of ['testMatch', 'testPathIgnorePatterns', 'coveragePathIgnorePatterns', 'transform', 'clearMocks']) {
  project.package.file.addDeletionOverride(`jest.${option}`);
}

// The edit loop: the fast project only, without coverage. `npm test` runs everything, as CI does.
project.addTask('test:fast', {
  description: 'Run the fast tests only (not fuzzing, child processes or type-checking of generated programs), without coverage',
  exec: 'jest --selectProjects fast --coverage=false --passWithNoTests --ci',
  receiveArgs: true,
});

// The bundled example app: `npm run synth` writes the documented examples to examples/dist/.
project.addTask('synth', {
  description: 'Synthesise the bundled example app (examples/) to YAML in examples/dist/ (same as `npx cdk8s synth`)',
  exec: 'ts-node --project test/tsconfig.json examples/main.ts',
});

// Synthesis at scale against cdk8s with the same objects and against YAML alone, the library's
// load time, the allocator alone, clusters per proxy: prints tables. It times the compiled library
// (lib/), as users run it, so it compiles first.
project.addTask('bench', {
  description: 'Benchmark synthesis (L2 vs L1 vs YAML), load time and the gateway-port allocator; prints tables (npm run bench -- --help)',
  steps: [
    { spawn: 'compile' },
    { exec: 'ts-node --project test/tsconfig.json scripts/bench.ts', receiveArgs: true },
  ],
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

// ---- Consumers: what the package is, ships and depends on --------------------------------------
project.package.addVersion(VERSION);
// Every maintained cdk8s-plus, side by side: tests build the same App with each (their package
// names differ per Kubernetes version, so no npm alias is needed to install two).
project.addDevDeps('cdk8s-plus-28@^2.5.6', 'cdk8s-plus-33@^2.5.57', 'cdk8s-plus-34@^2.0.54');
// The package ships lib/, the assembly, the bin, the docs and the example manifests that the
// README's commands read; none of the repository's machinery (CI, the example app, fixtures).
project.npmignore?.exclude('/examples/*', '/scripts/', '/imports/*.ts', '/.ci/', '/cdk8s.yaml', '/rosetta/');
project.npmignore?.include('/examples/manifests/');
// The example app writes where packaging does not (dist/ holds the packaged library).
project.gitignore.exclude('/examples/dist/');
// jsii-rosetta's cache of compiled examples: a stale one would be packed, or reused by the tests.
project.gitignore.exclude('/.jsii.tabl.json');
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
