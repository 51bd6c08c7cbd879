import { readFileSync } from 'fs';
import { createRequire } from 'module';
import { join } from 'path';
import * as ts from 'typescript';
import { jsiiBuild, removeJsiiBuild } from './util/jsii-build';

// The package exports exactly its public API: what jsii publishes to every language. Internals
// live in modules that src/index.ts does not re-export.

let root: string;
let assembly: { types: Record<string, { kind: string; name: string }> };

beforeAll(() => {
  root = jsiiBuild();
  assembly = JSON.parse(readFileSync(join(root, '.jsii'), 'utf8'));
});
afterAll(() => removeJsiiBuild());

/** Names of the assembly's types of the given kinds, sorted. */
function jsiiTypes(...kinds: string[]): string[] {
  return Object.values(assembly.types).filter((t) => kinds.includes(t.kind)).map((t) => t.name).sort();
}

test('the runtime exports are the classes and enums of the assembly', () => {
  const runtime = Object.keys(createRequire(__filename)(join(root, 'lib', 'index.js'))).sort();
  expect(runtime).toEqual(jsiiTypes('class', 'enum'));
});

test('the declarations export every type of the assembly, and nothing else', () => {
  const index = join(root, 'lib', 'index.d.ts');
  const program = ts.createProgram([index], { noEmit: true, skipLibCheck: true, types: [] });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(index)!)!;
  const declared = checker.getExportsOfModule(module).map((s) => s.name).sort();
  expect(declared).toEqual(jsiiTypes('class', 'enum', 'interface'));
});

test('the assembly has the public API (a guard against an empty build)', () => {
  expect(jsiiTypes('class')).toEqual(expect.arrayContaining(['EgressTrafficPolicy', 'EgressRule', 'ExternalService', 'EgressSource', 'EgressRegistry']));
});
