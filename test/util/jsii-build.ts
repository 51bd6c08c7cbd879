import { spawnSync } from 'child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/** The repository's root. */
const REPO = join(__dirname, '..', '..');

let built: string | undefined;

/**
 * The package compiled by jsii as `npm run compile` compiles it (lib/ and the .jsii assembly), in
 * a copy of the repository's sources, so that tests never race on the working tree's lib/. Built
 * once per test process.
 */
export function jsiiBuild(): string {
  if (built) return built;
  const root = mkdtempSync(join(tmpdir(), 'asm-egress-jsii-'));
  for (const entry of ['src', 'package.json', 'tsconfig.json', 'README.md', 'LICENSE', 'bin']) {
    cpSync(join(REPO, entry), join(root, entry), { recursive: true });
  }
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
  const run = spawnSync(process.execPath, [join(REPO, 'node_modules', 'jsii', 'bin', 'jsii'), '--silence-warnings=reserved-word'], {
    cwd: root, encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`jsii failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  built = root;
  return root;
}

/** Removes the build (call it in `afterAll`). */
export function removeJsiiBuild(): void {
  if (built) rmSync(built, { recursive: true, force: true });
  built = undefined;
}
