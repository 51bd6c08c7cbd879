import { spawnSync } from 'child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join, relative } from 'path';
import * as ts from 'typescript';
import { main } from '../../../src/cli/main';

/** The repository's root. */
export const REPO = join(__dirname, '..', '..', '..');

/** A fixture of test/cli/fixtures, as a path relative to the repository (how the CLI names it). */
export function cliFixture(name: string): string {
  return `test/cli/fixtures/${name}`;
}

/** A documented example of examples/manifests, relative to the repository. */
export function documentedExample(n: number): string {
  return `examples/manifests/example-${n}.yaml`;
}

/** What a run of the command line gave. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the command line in this process (`main(argv, io)`), from the repository's root. */
export function runCli(args: string[], stdin = ''): CliRun {
  let stdout = '';
  let stderr = '';
  const cwd = process.cwd();
  process.chdir(REPO);
  try {
    const status = main(args, {
      stdout: (text) => { stdout += text; },
      stderr: (text) => { stderr += text; },
      readStdin: () => stdin,
    });
    return { status, stdout, stderr };
  } finally {
    process.chdir(cwd);
  }
}

/** The lines of an output, without the empty one after the last newline. */
export function lines(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

let compiled: string | undefined;

/**
 * The package as npm would install it, for child processes: src/ transpiled to lib/ (as jsii
 * compiles it), bin/asm-egress and package.json, in a temporary folder; built once per process.
 * Dependencies resolve from the repository's node_modules through NODE_PATH.
 */
export function compiledPackage(): string {
  if (compiled) return compiled;
  const root = mkdtempSync(join(tmpdir(), 'asm-egress-cli-'));
  const src = join(REPO, 'src');
  for (const file of walk(src).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))) {
    const out = join(root, 'lib', relative(src, file)).replace(/\.ts$/, '.js');
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  mkdirSync(join(root, 'bin'));
  copyFileSync(join(REPO, 'bin', 'asm-egress'), join(root, 'bin', 'asm-egress'));
  copyFileSync(join(REPO, 'package.json'), join(root, 'package.json'));
  compiled = root;
  return root;
}

/** Removes the compiled package (call it in `afterAll` of a test file that spawned the command line). */
export function removeCompiledPackage(): void {
  if (compiled) rmSync(compiled, { recursive: true, force: true });
  compiled = undefined;
}

/** Runs `bin/asm-egress` of the compiled package as a child process, from the repository's root. */
export function spawnCli(args: string[], stdin?: string): CliRun {
  const result = spawnSync(process.execPath, [join(compiledPackage(), 'bin', 'asm-egress'), ...args], {
    cwd: REPO,
    input: stdin,
    encoding: 'utf8',
    env: { ...process.env, NODE_PATH: join(REPO, 'node_modules'), ASM_EGRESS_DEBUG: '' },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
