import { readFileSync } from 'fs';
import { join } from 'path';
import * as api from '../src';

// The README is the user's reference: it names every public concept and every problem code.

const REPO = join(__dirname, '..');
const readme = readFileSync(join(REPO, 'README.md'), 'utf8');

/** The lines of the README under the `### ` heading, up to the next heading. */
function section(heading: string): string {
  const start = readme.indexOf(`\n### ${heading}\n`);
  expect(start).toBeGreaterThan(0);
  return readme.slice(start, readme.indexOf('\n#', start + 1));
}

test('the concepts table names every class and enum that the package exports', () => {
  const table = section('Concepts');
  const missing = Object.keys(api).filter((name) => !table.includes(`\`${name}\``));
  expect(missing).toEqual([]);
});

test('the problem codes table lists every code of src/model/codes.ts, and no other', () => {
  // The codes are string literals of the union types there.
  const declared = [...readFileSync(join(REPO, 'src', 'model', 'codes.ts'), 'utf8').matchAll(/'([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]);
  const listed = [...section('Problem codes').matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]);
  expect(declared.length).toBeGreaterThan(50);
  expect([...new Set(listed)].sort()).toEqual([...new Set(declared)].sort());
});
