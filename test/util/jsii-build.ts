import { spawnSync, SpawnSyncReturns } from 'child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';

/** The repository's root. */
export const REPO = join(__dirname, '..', '..');

/**
 * The environment of the jsii tools that tests run: without the banner they print on Node 20, the
 * machine's Node, which says nothing about the code under test.
 */
export const TOOL_ENV = { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' };

/** Runs a program of the repository's node_modules (or any command) in `cwd`; throws with its output if it fails. */
export function run(
  command: string, args: string[], cwd: string, options: { allowFailure?: boolean; env?: NodeJS.ProcessEnv } = {},
): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: options.env ?? TOOL_ENV, maxBuffer: 64 * 1024 * 1024 });
  if (!options.allowFailure && (result.status !== 0 || result.error)) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.error}) in ${cwd}:\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/** The files a fresh clone has, with the working tree's changes: tracked, and untracked but not ignored. */
function cloneFiles(): string[] {
  const listed = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], REPO);
  // A tracked file deleted in the working tree is listed too, and not in a clone of the change.
  return listed.stdout.split('\0').filter((f) => f !== '' && existsSync(join(REPO, f)));
}

let built: { root: string; output: string } | undefined;

/**
 * The package compiled by jsii as `npm run compile` compiles it (lib/ and the .jsii assembly), in
 * a copy of the repository's files as a fresh clone has them (so that it can also be packed), so
 * that tests never race on the working tree's lib/ or dist/. Built once per test process.
 */
export function jsiiBuild(): string {
  if (built) return built.root;
  const root = mkdtempSync(join(tmpdir(), 'asm-egress-jsii-'));
  for (const file of cloneFiles()) {
    mkdirSync(join(root, dirname(file)), { recursive: true });
    cpSync(join(REPO, file), join(root, file));
  }
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
  // No warning silenced (`npm run compile` silences reserved words): tests read every warning.
  const result = run(process.execPath, [join(REPO, 'node_modules', 'jsii', 'bin', 'jsii')], root);
  built = { root, output: `${result.stdout}${result.stderr}` };
  return root;
}

/** What jsii printed while building (its warnings). */
export function jsiiOutput(): string {
  jsiiBuild();
  return built!.output;
}

/** Removes the build (call it in `afterAll`). */
export function removeJsiiBuild(): void {
  if (built) rmSync(built.root, { recursive: true, force: true });
  built = undefined;
}
