import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { jsiiBuild, removeJsiiBuild } from '../util/jsii-build';

// What a user sees when invalid input stops their program: the message once, then their own
// line, whether the program runs as JavaScript or through ts-node (as `cdk8s synth` runs it).

const REPO = join(__dirname, '..', '..');
let lib: string;
let dir: string;

beforeAll(() => {
  lib = join(jsiiBuild(), 'lib');
  dir = mkdtempSync(join(tmpdir(), 'asm-egress-uncaught-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  removeJsiiBuild();
});

/**
 * The lines of standard error from `EgressError:` on, of a program that throws; before them, Node
 * shows the source line it takes for the one that threw, which `head` must match (trimmed).
 */
function failure(file: string, args: string[], head: unknown[]): string[] {
  const run = spawnSync(process.execPath, [...args, file], { encoding: 'utf8', cwd: dir });
  expect(run.status).toBe(1);
  const lines = run.stderr.split('\n');
  const message = lines.findIndex((l) => l.startsWith('EgressError:'));
  expect(lines.slice(0, message).map((l) => l.trim()).filter((l) => l !== '')).toEqual(head);
  return lines.slice(message);
}

const MESSAGE = [
  "EgressError: ExternalService 'web' is invalid:",
  "  hosts[0]: '*.example.com' opens every subdomain of example.com: list the hosts that the workloads need, or allow it with GuardrailOverride.allow(Guardrail.WILDCARD_HOST, reason)",
];

test('JavaScript: the message once, then the caller\'s line, no dump of the error\'s fields', () => {
  const file = join(dir, 'app.js');
  writeFileSync(file, `const { ExternalService } = require(${JSON.stringify(lib)});\nfunction chart() {\n  ExternalService.https('web', { hosts: ['*.example.com'] });\n}\nchart();\n`);
  // Plain Node shows the library's line that threw (it cannot be another): its comment sends the reader on.
  const lines = failure(file, [], [
    expect.stringMatching(new RegExp(`^${lib.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/model/error\\.js:\\d+$`)),
    'throw error; // Invalid input: the message below says what and how to fix it; the first frame, where.',
    '^',
  ]);
  expect(lines.slice(0, 3)).toEqual([...MESSAGE, `    at chart (${file}:3:19)`]);
  expect(lines.join('\n')).not.toMatch(/problems:|subject:|audience:/);
});

test('ts-node with source maps: the caller\'s TypeScript line, not the library\'s sources', () => {
  const file = join(dir, 'main.ts');
  writeFileSync(file, `import { ExternalService } from ${JSON.stringify(lib)};\n\nfunction chart(): void {\n  ExternalService.https('web', { hosts: ['*.example.com'] });\n}\nchart();\n`);
  const tsNode = join(REPO, 'node_modules', 'ts-node', 'dist', 'bin.js');
  // ts-node maps the throw to the caller's own line.
  const lines = failure(file, [tsNode, '--transpile-only', '--compiler-options', '{"module":"commonjs","esModuleInterop":true}'],
    [`${file}:4`, "ExternalService.https('web', { hosts: ['*.example.com'] });", '^']);
  expect(lines.slice(0, 3)).toEqual([...MESSAGE, `    at chart (${file}:4:19)`]);
});
