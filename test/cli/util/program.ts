import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as cdk8s from 'cdk8s';
import * as constructs from 'constructs';
import * as ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { REPO } from './run-cli';
import * as library from '../../../src';

// Programs that `asm-egress import` writes, compiled and synthesised as their users would:
// `cdk8s-asm-egress` is this repository's src/.

/**
 * Type-checks generated programs against the library's source, with the strict settings of a
 * cdk8s project, all in one compilation (a program per file would take a second each).
 */
export function typeCheck(files: string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noUnusedLocals: true,
    noUnusedParameters: true,
    noImplicitReturns: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    lib: ['lib.es2022.d.ts'],
    types: ['node'],
    typeRoots: [join(REPO, 'node_modules', '@types')],
    baseUrl: REPO,
    paths: { 'cdk8s-asm-egress': ['src/index.ts'], '*': ['node_modules/*'] },
  });
  return files.flatMap((file) => {
    const source = program.getSourceFile(file)!;
    return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map((d) => {
      const line = d.start !== undefined ? source.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      return `${file}:${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
  });
}

/**
 * Runs a generated program as `cdk8s synth` runs it (the file is the main module) and returns every
 * object it writes. What it prints (the App's warnings, as a user would see them) is kept in
 * `printed`. With `importedBy`, the file is imported instead, and `importedBy` builds an App of its
 * own with the module's exports.
 */
export function synthesizeProgram(code: string, printed: string[] = [], importedBy?: (exports: any, outdir: string) => void): any[] {
  const { outputText } = ts.transpileModule(code, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  const modules: Record<string, unknown> = { 'cdk8s-asm-egress': library, cdk8s, constructs };
  const module = { exports: {} as any };
  const load = Object.assign((name: string) => {
    if (!(name in modules)) throw new Error(`the generated program imports '${name}'`);
    return modules[name];
  }, { main: importedBy ? undefined : module });
  const outdir = mkdtempSync(join(tmpdir(), 'asm-egress-synth-'));
  const previous = process.env.CDK8S_OUTDIR;
  process.env.CDK8S_OUTDIR = outdir;
  const write = process.stderr.write;
  process.stderr.write = ((text: string) => printed.push(text) > 0) as typeof process.stderr.write;
  try {
    new Function('require', 'module', 'exports', outputText)(load, module, module.exports);
    importedBy?.(module.exports, outdir);
  } finally {
    process.stderr.write = write;
    if (previous === undefined) delete process.env.CDK8S_OUTDIR; else process.env.CDK8S_OUTDIR = previous;
  }
  const objects = readdirSync(outdir).filter((f) => f.endsWith('.yaml')).sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(outdir, f), 'utf8')).map((d) => d.toJS()))
    .filter((o) => o !== null);
  rmSync(outdir, { recursive: true, force: true });
  return objects;
}

/** The ASMEgressTrafficPolicy objects of a YAML file, as plain objects. */
export function policiesOf(yamlText: string): any[] {
  return parseAllDocuments(yamlText).map((d) => d.toJS()).filter((o) => o?.kind === 'ASMEgressTrafficPolicy');
}
