import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'fs';
import { dirname, join } from 'path';
import { jsiiBuild, jsiiOutput, removeJsiiBuild, REPO, run } from '../util/jsii-build';

// Every jsii language (slow: a jsii build, jsii-rosetta and jsii-pacmak, about a minute). jsii warns
// about nothing but `namespace`; every example of the API reference and of the README compiles in
// jsii-rosetta's strict mode; jsii-pacmak generates the Python, Java, .NET and Go bindings' code
// (building them needs each language's registry, which this project does not reach).

let root: string;

beforeAll(() => {
  root = jsiiBuild();
});
afterAll(() => removeJsiiBuild());

const bin = (pkg: string, file: string) => join(REPO, 'node_modules', pkg, 'bin', file);

test('jsii warns about nothing but `namespace`, a reserved word in C# that cdk8s uses in the same sense (ChartProps.namespace)', () => {
  const warnings = jsiiOutput().split('\n').filter((line) => / - warning JSII\d+:/.test(line));
  // A guard against reading no warning at all because jsii printed them differently.
  expect(warnings.length).toBeGreaterThan(0);
  expect(warnings.filter((w) => !w.includes('warning JSII5018: "namespace" is a reserved word in C#.'))).toEqual([]);
});

interface TabletSnippet {
  readonly didCompile?: boolean;
  readonly location: { readonly api: { readonly api: string; readonly fqn?: string } };
  readonly translations: Record<string, { readonly source: string }>;
}

describe('jsii-rosetta --strict', () => {
  let snippets: TabletSnippet[];

  beforeAll(() => {
    // The packages the examples import, as a user has them: the package itself, its peers, and the
    // examples' own dependencies (package.json jsiiRosetta.exampleDependencies). Linked, not
    // installed: rosetta would otherwise `npm install` them.
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const compileDir = join(root, '.rosetta-compile');
    const link = (name: string, target: string) => {
      mkdirSync(dirname(join(compileDir, 'node_modules', name)), { recursive: true });
      symlinkSync(target, join(compileDir, 'node_modules', name), 'dir');
    };
    link(manifest.name, root);
    for (const name of [...Object.keys(manifest.peerDependencies), ...Object.keys(manifest.jsiiRosetta.exampleDependencies)]) {
      link(name, join(REPO, 'node_modules', name));
    }
    run(process.execPath, [bin('jsii-rosetta', 'jsii-rosetta'), 'extract', '--strict', '--directory', compileDir, root], root);
    snippets = Object.values(JSON.parse(readFileSync(join(root, '.jsii.tabl.json'), 'utf8')).snippets);
  });

  test('compiles every snippet', () => {
    expect(snippets.filter((s) => !s.didCompile).map((s) => s.location)).toEqual([]);
  });

  test('has every @example of the assembly', () => {
    const assembly = JSON.parse(readFileSync(join(root, '.jsii'), 'utf8'));
    const examples: string[] = [];
    for (const type of Object.values<any>(assembly.types)) {
      const members = [...(type.methods ?? []), ...(type.properties ?? [])];
      for (const docs of [type.docs, type.initializer?.docs, ...members.map((m: any) => m.docs)]) {
        if (docs?.example) examples.push(docs.example.trim());
      }
    }
    const extracted = new Set(snippets.map((s) => s.translations.$.source.trim()));
    expect(examples.length).toBeGreaterThan(30);
    expect(examples.filter((e) => !extracted.has(e))).toEqual([]);
  });

  test('has every TypeScript snippet of the README', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/^```ts\b[^\n]*\n([\s\S]*?)^```$/gm)].map((m) => m[1].trim());
    const extracted = snippets.filter((s) => s.location.api.api === 'moduleReadme').map((s) => s.translations.$.source.trim());
    expect(blocks.length).toBeGreaterThan(5);
    expect(blocks.filter((b) => !extracted.includes(b))).toEqual([]);
  });

  test('translates the rule builder into each language\'s own names', () => {
    const translated = (language: string) => snippets.map((s) => s.translations[language]?.source ?? '').join('\n');
    expect(translated('python')).toContain('.allow_from(EgressSource.from_workload(');
    expect(translated('java')).toContain('.allowFrom(EgressSource.fromWorkload(');
    expect(translated('csharp')).toContain('.AllowFrom(EgressSource.FromWorkload(');
    expect(translated('go')).toContain('.AllowFrom(cdk8sasmegress.EgressSource_FromWorkload(');
  });
});

describe('jsii-pacmak --code-only', () => {
  const dist = (...path: string[]) => join(root, 'dist', ...path);

  beforeAll(() => {
    run(process.execPath, [bin('jsii-pacmak', 'jsii-pacmak'), '--code-only', '--targets', 'python', '--targets', 'java', '--targets', 'dotnet', '--targets', 'go'], root);
  });

  test('Python: distribution cdk8s-asm-egress, module cdk8s_asm_egress, no name renamed around a keyword', () => {
    expect(readFileSync(dist('python', 'setup.py'), 'utf8')).toMatch(/"name": "cdk8s-asm-egress"/);
    const module = readFileSync(dist('python', 'src', 'cdk8s_asm_egress', '__init__.py'), 'utf8');
    expect(module).toContain('def allow_from(self, *sources: "EgressSource") -> "EgressRule":');
    expect(module).toContain('def allow_to(self, *services: "ExternalService") -> "EgressRule":');
    // jsii appends `_` to a name that is a Python keyword (`from` became `from_`). Docstrings
    // (the README, the API docs) are prose, not names.
    const code = module.replace(/r?'''[\s\S]*?'''|r?"""[\s\S]*?"""/g, '');
    expect(code).toContain('def allow_to(');
    expect(code.match(/\b[A-Za-z][A-Za-z0-9_]*[A-Za-z0-9]_\b/g) ?? []).toEqual([]);
  });

  test('Java: io.github.maintainers:cdk8s-asm-egress, package io.github.maintainers.cdk8s.asm.egress', () => {
    const pom = readFileSync(dist('java', 'pom.xml'), 'utf8');
    expect(pom).toContain('<groupId>io.github.maintainers</groupId>');
    expect(pom).toContain('<artifactId>cdk8s-asm-egress</artifactId>');
    const rule = readFileSync(dist('java', 'src', 'main', 'java', 'io', 'github', 'maintainers', 'cdk8s', 'asm', 'egress', 'EgressRule.java'), 'utf8');
    expect(rule).toMatch(/public @org.jetbrains.annotations.NotNull \S*EgressRule allowFrom\(/);
  });

  test('.NET: package and namespace Maintainers.Cdk8s.AsmEgress', () => {
    const project = dist('dotnet', 'Maintainers.Cdk8s.AsmEgress');
    expect(existsSync(join(project, 'Maintainers.Cdk8s.AsmEgress.csproj'))).toBe(true);
    const rule = readFileSync(join(project, 'Maintainers', 'Cdk8s', 'AsmEgress', 'EgressRule.cs'), 'utf8');
    expect(rule).toContain('namespace Maintainers.Cdk8s.AsmEgress');
    expect(rule).toMatch(/public virtual Maintainers\.Cdk8s\.AsmEgress\.EgressRule AllowFrom\(/);
  });

  test('Go: module github.com/maintainers/cdk8s-asm-egress-go, package cdk8sasmegress', () => {
    expect(readFileSync(dist('go', 'cdk8sasmegress', 'go.mod'), 'utf8')).toMatch(/^module github\.com\/maintainers\/cdk8s-asm-egress-go\/cdk8sasmegress$/m);
    const rule = readFileSync(dist('go', 'cdk8sasmegress', 'EgressRule.go'), 'utf8');
    expect(rule).toMatch(/^package cdk8sasmegress$/m);
    expect(rule).toMatch(/AllowFrom\(sources \.\.\.EgressSource\) EgressRule/);
  });
});
