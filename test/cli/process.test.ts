import { readFileSync, statSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { cliFixture, compiledPackage, documentedExample, lines, removeCompiledPackage, REPO, spawnCli } from './util/run-cli';

// `bin/asm-egress` as users run it: a child process of the package as installed (src/ compiled to
// lib/). One run per exit status and kind of message.

beforeAll(() => {
  compiledPackage();
}, 60_000);

afterAll(removeCompiledPackage);

describe('bin/asm-egress', () => {
  test('is an executable node script that loads the compiled command line', () => {
    const bin = join(REPO, 'bin', 'asm-egress');
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(statSync(bin).mode & 0o111).toBe(0o111); // eslint-disable-line no-bitwise
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ 'asm-egress': 'bin/asm-egress' });
  });

  test('--version prints the package version', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    expect(spawnCli(['--version'])).toEqual({ status: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  test('--help for the program and for each command', () => {
    const help = spawnCli(['--help']);
    expect(help.status).toBe(0);
    expect(lines(help.stdout).slice(0, 1)).toEqual(['Usage: asm-egress <command> [options] FILE...']);
    expect(lines(help.stdout).filter((l) => /^ {2}(lint|render|import) /.test(l))).toEqual([
      '  lint    Check every ASMEgressTrafficPolicy in the files',
      '  render  Write the policies with every gateway port allocated (and the Istio objects)',
      '  import  Write TypeScript that builds the policies with cdk8s-asm-egress',
    ]);
    for (const [command, synopsis] of [
      ['lint', 'lint [--quiet] [--asm-version VERSION] [--strict] FILE...'],
      ['render', 'render [--quiet] [--istio | --ambient] [--istio-api v1|v1beta1] [--asm-version VERSION] [--strict] FILE...'],
      ['import', 'import [--quiet] [-o OUT.ts] [--asm-version VERSION] FILE...'],
    ]) {
      const run = spawnCli([command, '--help']);
      expect(run.status).toBe(0);
      expect(run.stderr).toBe('');
      expect(lines(run.stdout)[0]).toBe(`Usage: asm-egress ${synopsis}`);
    }
  });

  test('exit 0: lint prints one summary line; warnings go to standard error', () => {
    expect(spawnCli(['lint', cliFixture('valid.yaml')])).toEqual({
      status: 0,
      stdout: 'asm-egress lint: OK: 2 policies, 2 rules, 4 services in 1 file (1 warning)\n',
      stderr: 'test/cli/fixtures/valid.yaml:40:1: warning: skipped 1 object that is not ASMEgressTrafficPolicy: 1 Deployment\n',
    });
  });

  test('exit 0: standard input, and render writing YAML to standard output', () => {
    const yaml = readFileSync(join(REPO, documentedExample(2)), 'utf8');
    expect(spawnCli(['lint', '-'], yaml)).toEqual({ status: 0, stdout: 'asm-egress lint: OK: 1 policy, 2 rules, 3 services in 1 file\n', stderr: '' });
    const render = spawnCli(['render', '-'], yaml);
    expect(render.status).toBe(0);
    expect(parseAllDocuments(render.stdout).map((d) => d.toJS())).toEqual(parseAllDocuments(yaml).map((d) => d.toJS()));
  });

  test('exit 1: every problem as FILE:LINE: field: message, then a count', () => {
    expect(spawnCli(['lint', cliFixture('partial-ports.yaml')])).toEqual({
      status: 1,
      stdout: '',
      stderr: [
        'test/cli/fixtures/partial-ports.yaml:23:7: spec.egressRules[0].to[1].byEgressGateway.port: missing, while other services of this policy set theirs (spec.egressRules[0].to[0].byEgressGateway.port): ASM allocates gateway ports only when every service leaves its port empty; set this one too, or remove them all',
        'asm-egress lint: 1 error, 0 warnings in 1 file',
        '',
      ].join('\n'),
    });
    const shape = spawnCli(['import', cliFixture('shape-errors.yaml')]);
    expect(shape.status).toBe(1);
    expect(shape.stdout).toBe('');
    expect(lines(shape.stderr)).toHaveLength(15);
    expect(lines(shape.stderr)[14]).toBe('asm-egress import: 11 errors, 3 warnings in 1 file');
  });

  test('exit 2: YAML that does not parse, with the position of each error', () => {
    expect(spawnCli(['lint', cliFixture('valid.yaml'), cliFixture('bad-syntax.yaml')])).toEqual({
      status: 2,
      stdout: '',
      stderr: [
        'test/cli/fixtures/bad-syntax.yaml:12:1: Sequence item without - indicator',
        'test/cli/fixtures/bad-syntax.yaml:13:1: Flow sequence in block collection must be sufficiently indented and end with a ]: check the indentation of this line against the lines above',
        '',
      ].join('\n'),
    });
  });

  test('exit 2: unreadable files, unknown options and commands, bad option values', () => {
    expect(spawnCli(['render', 'no-such-file.yaml', 'test'])).toEqual({
      status: 2,
      stdout: '',
      stderr: 'asm-egress render: cannot read no-such-file.yaml: no such file\nasm-egress render: cannot read test: it is a directory\n',
    });
    expect(spawnCli(['lint', '--no-such-option', documentedExample(1)])).toEqual({
      status: 2,
      stdout: '',
      stderr: "asm-egress lint: Unknown option '--no-such-option'\nTry 'asm-egress lint --help'.\n",
    });
    const unknown = spawnCli(['check', documentedExample(1)]);
    expect(unknown.status).toBe(2);
    // The list of commands grows as commands are added.
    expect(lines(unknown.stderr)).toEqual([
      expect.stringMatching(/^asm-egress: unknown command 'check' \(commands: lint, render, import(, [a-z]+)*\)$/),
      "Try 'asm-egress --help'.",
    ]);
    expect(spawnCli(['import', '--asm-version', 'latest', documentedExample(1)])).toEqual({
      status: 2,
      stdout: '',
      stderr: "asm-egress import: --asm-version: ASM version 'latest' is not a dotted version number such as 1.24.6.45\nTry 'asm-egress import --help'.\n",
    });
    const none = spawnCli([]);
    expect(none.status).toBe(2);
    expect(lines(none.stderr)[0]).toBe('Usage: asm-egress <command> [options] FILE...');
    expect(spawnCli(['lint'])).toEqual({
      status: 2,
      stdout: '',
      stderr: "asm-egress lint: no input files (name one or more YAML files, or '-' for standard input)\nTry 'asm-egress lint --help'.\n",
    });
  });
});
