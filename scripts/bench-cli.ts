import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { stringify } from 'yaml';
import { main } from '../src/cli/main';

// The command line on large input: files of 10,000 services, linted, rendered and imported.
// Prints a table of wall-clock times (the speed goal, "seconds, not minutes", is read from it).
//   npx ts-node --project test/tsconfig.json scripts/bench-cli.ts

const SERVICES = 10_000;
const PROTOCOLS = ['HTTP', 'HTTPS', 'TLS', 'TCP'] as const;

function service(i: number, withPort: boolean) {
  const protocol = PROTOCOLS[i % PROTOCOLS.length];
  return {
    name: `svc-${i}`,
    hosts: [`svc-${i}.example.com`, `www.svc-${i}.example.com`],
    port: { name: protocol.toLowerCase(), number: protocol === 'TCP' ? 5432 : protocol === 'HTTP' ? 80 : 443, protocol },
    ...(withPort ? { byEgressGateway: { port: 20000 + i } } : {}),
    ...(protocol === 'HTTP' ? { httpsUpgrade: { enabled: true, port: 443 } } : {}),
  };
}

function policy(gateway: string, rules: number, perRule: number, first: number, withPorts: boolean) {
  return {
    apiVersion: 'istio.alibabacloud.com/v1beta1',
    kind: 'ASMEgressTrafficPolicy',
    metadata: { name: `egress-by-${gateway}`, namespace: 'istio-egress' },
    spec: {
      byEgressGateway: { name: gateway },
      egressRules: Array.from({ length: rules }, (_, r) => ({
        name: `team-${r}`,
        from: [{ namespace: `team-${r}`, workloadSelector: { app: `app-${r}` } }],
        to: Array.from({ length: perRule }, (__, s) => service(first + r * perRule + s, withPorts)),
      })),
    },
  };
}

const cases: Array<{ name: string; documents: object[] }> = [
  { name: '1 policy, 100 rules x 100 services, ports left to ASM', documents: [policy('gw', 100, 100, 0, false)] },
  { name: '1 policy, 100 rules x 100 services, explicit ports', documents: [policy('gw', 100, 100, 0, true)] },
  {
    name: '100 policies x 100 services (100 gateways)',
    documents: Array.from({ length: 100 }, (_, p) => policy(`gw-${p}`, 1, 100, p * 100, false)),
  },
];

const dir = mkdtempSync(join(tmpdir(), 'asm-egress-bench-'));
const silent = { stdout: () => undefined, stderr: () => undefined, readStdin: () => '' };
const bin = join(__dirname, '..', 'bin', 'asm-egress');
const compiled = existsSync(join(__dirname, '..', 'lib', 'cli', 'main.js'));

function time(run: () => number): string {
  const start = process.hrtime.bigint();
  const status = run();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return `${(ms / 1000).toFixed(2)} s${status === 0 ? '' : ` (exit ${status})`}`;
}

const rows = [['CASE', 'YAML', 'LINT', 'RENDER', 'IMPORT', 'LINT (bin)', 'RENDER (bin)']];
for (const c of cases) {
  const file = join(dir, `${rows.length}.yaml`);
  writeFileSync(file, c.documents.map((d) => stringify(d)).join('---\n'));
  const spawn = (command: string) => () => spawnSync(process.execPath, [bin, command, file], { stdio: 'ignore' }).status ?? -1;
  rows.push([
    c.name,
    `${(statSync(file).size / 1e6).toFixed(1)} MB`,
    time(() => main(['lint', file], silent)),
    time(() => main(['render', file], silent)),
    time(() => main(['import', file, '-o', join(dir, 'out.ts')], silent)),
    compiled ? time(spawn('lint')) : 'n/a',
    compiled ? time(spawn('render')) : 'n/a',
  ]);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
console.log(`${SERVICES} services per case, in-process main() and, once lib/ is compiled, bin/asm-egress as a child process`);
for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
