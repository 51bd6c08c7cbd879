/**
 * Synthesis benchmark. Prints tables of medians and ratios, every case in a fresh Node process
 * (peak memory belongs to that case alone; no JIT or cache state leaks between cases), the cases
 * of one comparison alternating, so that the machine's noise falls on all of them alike.
 *
 * 1. Team charts (scripts/bench-teams.ts): N services whose rules come from 100 team charts, for
 *    ASM output and for ASM + Istio output. The library's App (L2) against cdk8s synthesising the
 *    identical objects as plain `ApiObject`s in the same charts (L1; the objects are the library's
 *    own output, read from a file before the clock starts); against the same with the library's
 *    construct tree (plain constructs where it has policies and rules: what cdk8s itself costs for
 *    that tree); and against serialising the objects to YAML alone (the floor). Every case's YAML
 *    is compared with the library's, byte for byte (L1's with its keys sorted, as cdk8s sorts them).
 * 2. The library's load time: `require` of the package after cdk8s, against cdk8s alone.
 * 3. Gateway charts: 100 to 10,000 services, rules from 5 charts per gateway, against hand-written
 *    L1; the allocator alone at 100,000 services; the clusters that istiod gives one sidecar.
 */
const USAGE = `npm run bench                          everything (compiles first; about an hour, most of it at 100,000 services with Istio)
npm run bench -- --quick               one run of each case: a smoke test
npm run bench -- --teams 1000,10000    the team-charts sizes for ASM output (default 1,000, 10,000 and 100,000), and only that table and the load time
npm run bench -- --istio-sizes 10000   the sizes for ASM + Istio output (default 10,000 and 100,000)
npm run bench -- --clusters            only the clusters-per-proxy table`;
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type * as Cdk8s from 'cdk8s';
import type { Construct } from 'constructs';
import { loadLibrary, LIBRARY, Output, SERVICES_PER_GATEWAY as TEAM_SERVICES_PER_GATEWAY, TEAM_CHARTS, teamsApp } from './bench-teams';
import { outboundClusters } from '../test/util/istiod-model';

// ---- The child side: one case per process --------------------------------------------------------

/** What one case measured. */
interface Figures {
  /** Time of the measured work, ms. */
  readonly ms: number;
  /** Peak resident memory above the process once loaded (and its input read), MB. */
  readonly mb: number;
  /** Hash of the YAML written, to hold L1 to the same output. */
  readonly sha?: string;
}

/** Runs `work` and measures it. */
function measured(work: () => string | void): Figures {
  const baseRss = process.memoryUsage().rss;
  const start = process.hrtime.bigint();
  const yaml = work();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const mb = Math.max(0, (process.resourceUsage().maxRSS * 1024 - baseRss) / 2 ** 20);
  return { ms, mb, sha: typeof yaml === 'string' ? sha256(yaml) : undefined };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A copy of a JSON value with the keys of every object sorted. */
function sortedKeys(value: any): any {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortedKeys(value[k])]));
}

/**
 * The library's App as cdk8s holds it, in tree order: every chart, every object as it synthesises
 * (what L1, the tree and the floor start from), and every other construct (rules, policies, ...).
 */
interface Dump {
  readonly nodes: Array<{ readonly path: string[]; readonly chart?: true; readonly object?: any }>;
}

/** cdk8s, loaded by the case (after the clock starts in `load-cdk8s`). */
let cdk8s: typeof Cdk8s;
function loadCdk8s(): typeof Cdk8s {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('cdk8s');
}

function runCase(args: string[]): unknown {
  const [kind, size, output, file] = args;
  const n = Number(size);
  if (kind === 'load-cdk8s') return measured(() => void loadCdk8s());
  cdk8s = loadCdk8s();
  switch (kind) {
    case 'teams-l2': {
      const lib = loadLibrary();
      return measured(() => teamsApp(lib, cdk8s, n, output as Output).synthYaml());
    }
    case 'teams-dump': {
      const app = teamsApp(loadLibrary(), cdk8s, n, output as Output);
      const synthesised = app.charts.flatMap((c) => c.toJson());
      const nodes: Dump['nodes'] = app.node.findAll().slice(1).map((c) => ({
        path: c.node.scopes.slice(1).map((s) => s.node.id),
        ...(cdk8s.Chart.isChart(c) ? { chart: true as const } : {}),
        ...(c instanceof cdk8s.ApiObject ? { object: c.toJson() } : {}),
      }));
      writeFileSync(file, JSON.stringify({ nodes } satisfies Dump));
      // What L1 and the tree must write: the same objects with their keys sorted, as cdk8s's ApiObject sorts them.
      return { objects: synthesised.length, l1Sha: sha256(cdk8s.Yaml.stringify(...synthesised.map(sortedKeys))) };
    }
    case 'teams-l1': {
      // The objects of each chart, directly in the chart, in the order they synthesise.
      const { nodes }: Dump = JSON.parse(readFileSync(file, 'utf8'));
      return measured(() => {
        const app = new cdk8s.App({ outdir: '/tmp/asm-egress-bench' });
        const charts = new Map<string, Cdk8s.Chart>();
        for (const { path, chart, object } of nodes) {
          if (chart) charts.set(path[0], new cdk8s.Chart(app, path[0]));
          if (object) new cdk8s.ApiObject(charts.get(path[0])!, path.slice(1).join('.'), object);
        }
        return app.synthYaml();
      });
    }
    case 'teams-tree': {
      // The library's construct tree with no code of the library: plain constructs where it has
      // policies, rules and its registry, the same objects as plain ApiObjects at their paths.
      const { nodes }: Dump = JSON.parse(readFileSync(file, 'utf8'));
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const constructs: typeof import('constructs') = require('constructs');
      return measured(() => {
        const app = new cdk8s.App({ outdir: '/tmp/asm-egress-bench' });
        const byPath = new Map<string, Construct>([['', app]]);
        for (const { path, chart, object } of nodes) {
          const scope = byPath.get(path.slice(0, -1).join('/'))!;
          const id = path[path.length - 1];
          const node = chart ? new cdk8s.Chart(scope, id) : object ? new cdk8s.ApiObject(scope, id, object) : new constructs.Construct(scope, id);
          byPath.set(path.join('/'), node);
        }
        return app.synthYaml();
      });
    }
    case 'teams-floor': {
      const { nodes }: Dump = JSON.parse(readFileSync(file, 'utf8'));
      const docs = nodes.filter((node) => node.object).map((node) => node.object);
      return measured(() => cdk8s.Yaml.stringify(...docs));
    }
    case 'load-library':
      return measured(() => void loadLibrary());
    case 'gateways-l2': {
      const lib = loadLibrary();
      return measured(() => gatewaysL2(lib, n));
    }
    case 'gateways-l1':
      return measured(() => gatewaysL1(n));
    case 'alloc':
      return allocatorAlone();
    case 'clusters':
      return clustersPerProxy(n, output === 'gatewayService');
    default:
      throw new Error(`unknown case ${kind}`);
  }
}

// ---- The parent side: fresh processes, medians, ratios ----------------------------------------

/** Runs one case in a fresh process. */
function spawnCase(...args: Array<string | number>): any {
  // Enough heap for 100,000 services with Istio output (hundreds of MB of YAML in one string), and
  // enough stack: cdk8s passes a chart's objects to a function as arguments (`push(...objects)`),
  // which overflows Node's default stack beyond about 120,000 objects in one chart.
  const node = ['--max-old-space-size=12000', '--stack-size=7000'];
  const child = spawnSync(process.execPath, [...node, ...process.execArgv, __filename, '--case', ...args.map(String)], {
    encoding: 'utf8',
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`case ${args.join(' ')} failed (${child.status ?? child.signal}):\n${child.stderr.slice(-4000)}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `1.08 (1.02-1.15)`: the ratio of the medians, and the range of the ratios of each run's pair. */
function ratio(a: Figures[], b: Figures[]): { value: number; text: string } {
  const value = median(a.map((f) => f.ms)) / median(b.map((f) => f.ms));
  const pairs = a.map((f, i) => f.ms / b[i].ms);
  const spread = pairs.length > 1 ? ` (${Math.min(...pairs).toFixed(2)}-${Math.max(...pairs).toFixed(2)})` : '';
  return { value, text: `${value.toFixed(2)}${spread}` };
}

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
}

const count = (x: number) => x.toLocaleString('en-US');

/** The team-charts table: for each size and output, L2, L1 and the floor alternating, `reps` times. */
function teamsSection(sizes: number[], istioSizes: number[], reps: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'asm-egress-bench-'));
  const rows = [['services', 'output', 'objects', 'L2 ms', 'L1 ms', 'tree ms', 'floor ms', 'L2/L1', 'tree/L1', 'L2/tree', 'L2/floor', 'L2 MB', 'L1 MB', 'MB L2/L1']];
  const results = new Map<string, Record<'l2' | 'l1' | 'tree' | 'floor', Figures[]>>();
  try {
    for (const output of ['asm', 'istio'] as Output[]) {
      for (const n of output === 'asm' ? sizes : istioSizes) {
        const file = join(dir, `${output}-${n}.json`);
        const { objects, l1Sha } = spawnCase('teams-dump', n, output, file);
        const runs = { l2: [] as Figures[], l1: [] as Figures[], tree: [] as Figures[], floor: [] as Figures[] };
        for (let r = 0; r < reps; r++) {
          runs.l2.push(spawnCase('teams-l2', n, output));
          runs.l1.push(spawnCase('teams-l1', n, output, file));
          runs.tree.push(spawnCase('teams-tree', n, output, file));
          runs.floor.push(spawnCase('teams-floor', n, output, file));
        }
        // They must all write the same objects, or the comparison means nothing: the floor exactly
        // what the library writes, L1 and the tree the same with their keys sorted (as cdk8s's
        // ApiObject writes them).
        if (new Set([...runs.l2, ...runs.floor].map((f) => f.sha)).size !== 1) throw new Error(`${output} ${n}: the floor did not write the library's YAML`);
        if ([...runs.l1, ...runs.tree].some((f) => f.sha !== l1Sha)) throw new Error(`${output} ${n}: L1 or the tree did not write the library's objects`);
        rmSync(file);
        results.set(`${output} ${n}`, runs);
        const ms = (fs: Figures[]) => median(fs.map((f) => f.ms)).toFixed(0);
        const mb = (fs: Figures[]) => Math.max(...fs.map((f) => f.mb));
        rows.push([
          count(n), output === 'asm' ? 'ASM' : 'ASM + Istio', count(objects),
          ms(runs.l2), ms(runs.l1), ms(runs.tree), ms(runs.floor),
          ratio(runs.l2, runs.l1).text, ratio(runs.tree, runs.l1).text, ratio(runs.l2, runs.tree).text, ratio(runs.l2, runs.floor).text,
          mb(runs.l2).toFixed(0), mb(runs.l1).toFixed(0), (mb(runs.l2) / mb(runs.l1)).toFixed(2),
        ]);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(`Team charts: rules from ${TEAM_CHARTS} charts, ${TEAM_SERVICES_PER_GATEWAY} services per gateway; median of ${reps} fresh processes per case, alternating`);
  console.log('L1: cdk8s with the identical objects as ApiObjects in the same charts. tree: the same, with the library\'s construct tree');
  console.log('(plain constructs where it has rules and policies, the objects at their paths): what cdk8s itself costs for that tree.');
  console.log('floor: cdk8s.Yaml.stringify of the objects alone. Ratios: of the medians (range of the ratios of each run).');
  console.log('MB: peak resident memory above the loaded process (peak of the runs).');
  printTable(rows);
  for (const [key, runs] of results) {
    const [output, size] = key.split(' ');
    const n = Number(size);
    const goals: Array<[boolean, string]> = [];
    if (n >= 10_000) {
      goals.push([ratio(runs.l2, runs.l1).value <= 1.2, 'L2/L1 <= 1.2']);
      const mem = Math.max(...runs.l2.map((f) => f.mb)) / Math.max(...runs.l1.map((f) => f.mb));
      goals.push([mem <= 1.5, 'memory L2/L1 <= 1.5']);
    }
    if (n === 10_000) goals.push([ratio(runs.l2, runs.floor).value <= 2, 'L2/floor <= 2']);
    const tenth = results.get(`${output} ${n / 10}`);
    if (tenth) {
      const growth = median(runs.l2.map((f) => f.ms)) / median(tenth.l2.map((f) => f.ms));
      goals.push([growth <= 12, `cost <= 12x ${count(n / 10)} (${growth.toFixed(1)}x)`]);
    }
    if (goals.length > 0) console.log(`${key}: ${goals.map(([ok, text]) => `${ok ? 'met' : 'MISSED'}: ${text}`).join('; ')}`);
  }
}

/** Load time: cdk8s alone, then the library after cdk8s, alternating. */
function loadSection(reps: number): void {
  const cdk = [] as Figures[];
  const lib = [] as Figures[];
  for (let r = 0; r < reps; r++) {
    cdk.push(spawnCase('load-cdk8s'));
    lib.push(spawnCase('load-library'));
  }
  console.log(`\nLoad time (require, median of ${reps}): cdk8s ${median(cdk.map((f) => f.ms)).toFixed(0)} ms; `
    + `the library after it ${median(lib.map((f) => f.ms)).toFixed(0)} ms (ratio ${ratio(lib, cdk).text}); `
    + 'Istio and ambient output load when an App first uses them');
}

// ---- Gateway charts: the first workload ------------------------------------------------------

const GATEWAY_SIZES = [100, 1_000, 10_000];
/** Services per gateway (one policy per gateway), and charts that contribute rules to each. */
const SERVICES_PER_GATEWAY = 500;
const CONTRIBUTING_CHARTS = 4;
const SERVICES_PER_RULE = 10;
const ALLOCATOR_SERVICES = 100_000;

interface Spec {
  gateway: string;
  chart: number;
  rule: string;
  namespace: string;
  services: Array<{ name: string; host: string; protocol: 'HTTP' | 'HTTPS' | 'TCP'; port: number }>;
}

/** The workload: n services, in rules of 10, on gateways of 500, rules spread over 1 + 4 charts per gateway. */
function workload(n: number): Spec[] {
  const rules: Spec[] = [];
  for (let i = 0; i < n; i += SERVICES_PER_RULE) {
    const g = Math.floor(i / SERVICES_PER_GATEWAY);
    const r = i / SERVICES_PER_RULE;
    const services = [];
    for (let j = i; j < Math.min(n, i + SERVICES_PER_RULE); j++) {
      const protocol = j % 5 === 0 ? 'HTTP' : j % 5 === 1 ? 'TCP' : 'HTTPS';
      services.push({ name: `svc-${j}`, host: `svc-${j}.example.com`, protocol, port: protocol === 'HTTP' ? 80 : protocol === 'TCP' ? 5432 : 443 } as const);
    }
    rules.push({ gateway: `gw-${g}`, chart: r % (CONTRIBUTING_CHARTS + 1), rule: `rule-${r}`, namespace: `team-${r % 50}`, services });
  }
  return rules;
}

function chartName(gateway: string, chart: number): string {
  return chart === 0 ? `${gateway}-platform` : `${gateway}-team-${chart}`;
}

/** With the library: policies per gateway, rules contributed from the other charts, ports allocated. */
function gatewaysL2(lib: ReturnType<typeof loadLibrary>, n: number): string {
  const app = new cdk8s.App({ outdir: '/tmp/asm-egress-bench' });
  const charts = new Map<string, Cdk8s.Chart>();
  const chartOf = (name: string) => charts.get(name) ?? charts.set(name, new cdk8s.Chart(app, name)).get(name)!;
  const policies = new Map<string, InstanceType<typeof lib.EgressTrafficPolicy>>();
  for (const spec of workload(n)) {
    if (!policies.has(spec.gateway)) {
      policies.set(spec.gateway, new lib.EgressTrafficPolicy(chartOf(chartName(spec.gateway, 0)), 'Egress', { gateway: spec.gateway }));
    }
    const services = spec.services.map((s) => s.protocol === 'HTTP'
      ? lib.ExternalService.http(s.name, { hosts: [s.host] })
      : s.protocol === 'TCP'
        ? lib.ExternalService.tcp(s.name, { hosts: [s.host], port: s.port })
        : lib.ExternalService.https(s.name, { hosts: [s.host] }));
    const rule = spec.chart === 0
      ? policies.get(spec.gateway)!.addRule(spec.rule)
      : new lib.EgressRule(chartOf(chartName(spec.gateway, spec.chart)), spec.rule, { gateway: spec.gateway, name: spec.rule });
    rule.allowFrom(lib.EgressSource.namespace(spec.namespace, { workloadSelector: { app: spec.rule } })).allowTo(...services);
  }
  return app.synthYaml();
}

/** By hand: the same objects as plain ApiObjects, gateway ports numbered by hand, same charts. */
function gatewaysL1(n: number): string {
  const app = new cdk8s.App({ outdir: '/tmp/asm-egress-bench' });
  const charts = new Map<string, Cdk8s.Chart>();
  const chartOf = (name: string) => charts.get(name) ?? charts.set(name, new cdk8s.Chart(app, name)).get(name)!;
  const byGateway = new Map<string, Spec[]>();
  for (const spec of workload(n)) {
    chartOf(chartName(spec.gateway, spec.chart));
    byGateway.set(spec.gateway, [...(byGateway.get(spec.gateway) ?? []), spec]);
  }
  for (const [gateway, rules] of byGateway) {
    let nextPort = 10001;
    new cdk8s.ApiObject(chartOf(chartName(gateway, 0)), 'Egress', {
      apiVersion: 'istio.alibabacloud.com/v1beta1',
      kind: 'ASMEgressTrafficPolicy',
      metadata: { name: `egress-by-${gateway}`, namespace: 'istio-egress' },
      spec: {
        byEgressGateway: { name: gateway },
        egressRules: rules.map((spec) => ({
          name: spec.rule,
          from: [{ namespace: spec.namespace, workloadSelector: { app: spec.rule } }],
          to: spec.services.map((s) => ({
            name: s.name,
            hosts: [s.host],
            port: { name: s.protocol.toLowerCase(), number: s.port, protocol: s.protocol },
            byEgressGateway: { port: s.protocol === 'HTTP' ? 10000 : nextPort++ },
          })),
        })),
      },
    });
  }
  return app.synthYaml();
}

/** The allocator alone: 100,000 services over 20 gateways (5,000 each), a fifth of them HTTP. */
function allocatorAlone(): Figures {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { allocateGatewayPorts }: typeof import('../src/allocation/port-allocator') = require(join(LIBRARY, 'allocation', 'port-allocator'));
  const perGateway = ALLOCATOR_SERVICES / 20;
  const gateways = Array.from({ length: 20 }, (_, g) => Array.from({ length: perGateway }, (__, i) => ({
    key: i % 5 === 0 ? `HTTP|h-${g}-${i}.example.com|80` : `TLS|s-${g}-${i}.example.com|443`,
    shared: i % 5 === 0,
    owner: `gw-${g} svc-${i}`,
  })));
  let allocated = 0;
  const figures = measured(() => gateways.forEach((requests, g) => {
    allocated += allocateGatewayPorts({ gateway: `gw-${g}` }, requests).ports.length;
  }));
  if (allocated !== ALLOCATOR_SERVICES) throw new Error(`allocated ${allocated} of ${ALLOCATOR_SERVICES}`);
  return figures;
}

function gatewaysSection(reps: number): void {
  const rows: string[][] = [['services', 'L2 ms', 'L1 ms', 'L2/L1', 'L2 MB', 'L1 MB', 'L2 growth']];
  let previous: number | undefined;
  for (const n of GATEWAY_SIZES) {
    const l2: Figures[] = [];
    const l1: Figures[] = [];
    for (let r = 0; r < reps; r++) {
      l2.push(spawnCase('gateways-l2', n));
      l1.push(spawnCase('gateways-l1', n));
    }
    const ms = median(l2.map((f) => f.ms));
    rows.push([
      count(n), ms.toFixed(0), median(l1.map((f) => f.ms)).toFixed(0), ratio(l2, l1).text,
      Math.max(...l2.map((f) => f.mb)).toFixed(0), Math.max(...l1.map((f) => f.mb)).toFixed(0), previous ? `${(ms / previous).toFixed(1)}x` : '',
    ]);
    previous = ms;
  }
  const alloc = median(Array.from({ length: reps }, () => spawnCase('alloc').ms));
  console.log(`\nGateway charts: ${SERVICES_PER_GATEWAY} services per gateway, rules from ${CONTRIBUTING_CHARTS + 1} charts per gateway, against hand-written L1; median of ${reps}`);
  printTable(rows);
  console.log(`Allocator alone: ${count(ALLOCATOR_SERVICES)} services over 20 gateways in ${alloc.toFixed(0)} ms`);
}

/**
 * Clusters per proxy, Istio output: the gateway-charts workload synthesised as Istio objects, and
 * the clusters that istiod gives two sidecars of namespace team-0 (which uses 10, 20 and 200 of
 * the services at the three sizes: rules are spread over 50 namespaces), counted from the objects
 * with the model of istiod that the tests use (test/util/istiod-model.ts): a pod of the first
 * rule's workloadSelector, and a pod of that namespace outside every selector. Both Sidecars list
 * the default sidecarEgressHosts, `istio-system/*` among them, so both see the Service of every
 * gateway port that the namespace uses (HTTP services of a gateway share one). "Former" is what
 * one gateway Service with every port and one subset per service cost such a pod: the ports times
 * the services of each gateway it routes to. With `gatewayService`, the App also emits each
 * gateway's own Service with all its ports, which must not add a cluster per port to those pods;
 * a pod of the gateways' namespace (istio-system: an ingress gateway, say) is counted too.
 */
function clustersPerProxy(n: number, gatewayService: boolean): Record<string, number> {
  const lib = loadLibrary();
  const app = new cdk8s.App({ outdir: '/tmp/asm-egress-bench' });
  lib.EgressRegistry.of(app).configure({ output: lib.EgressOutput.ISTIO, printWarnings: false, istio: { gatewayService } });
  const charts = new Map<string, Cdk8s.Chart>();
  const chartOf = (name: string) => charts.get(name) ?? charts.set(name, new cdk8s.Chart(app, name)).get(name)!;
  const policies = new Map<string, InstanceType<typeof lib.EgressTrafficPolicy>>();
  for (const spec of workload(n)) {
    if (!policies.has(spec.gateway)) policies.set(spec.gateway, new lib.EgressTrafficPolicy(chartOf(chartName(spec.gateway, 0)), 'Egress', { gateway: spec.gateway }));
    // TCP by IP: a TCP service known only by name takes its port for every destination, so Istio output refuses two on one port.
    const services = spec.services.map((s) => (s.protocol === 'HTTP'
      ? lib.ExternalService.http(s.name, { hosts: [s.host] })
      : s.protocol === 'TCP'
        ? lib.ExternalService.tcp(s.name, { hosts: [publicIp(Number(s.name.slice(4)))], port: s.port })
        : lib.ExternalService.https(s.name, { hosts: [s.host] })));
    policies.get(spec.gateway)!.addRule(spec.rule)
      .allowFrom(lib.EgressSource.namespace(spec.namespace, { workloadSelector: { app: spec.rule } })).allowTo(...services);
  }
  const objects = app.charts.flatMap((chart) => chart.toJson());
  const selected = outboundClusters(objects, { namespace: 'team-0', labels: { app: 'rule-0' } });
  const other = outboundClusters(objects, { namespace: 'team-0', labels: { app: 'none' } });
  const gatewayNamespace = outboundClusters(objects, { namespace: 'istio-system', labels: { istio: 'ingressgateway' } });
  // The former shape: for each gateway the selected pod routes to, its ports x its services.
  const gatewayOfHost = (host: string) => host.replace(/-\d+\.istio-system\.svc\.cluster\.local$/, '');
  const gateways = new Set([...selected.subsetClustersByHost.keys()].map(gatewayOfHost));
  const former = [...gateways].reduce((sum, gw) => {
    const servers = objects.find((o) => o.kind === 'Gateway' && o.metadata.name === gw).spec.servers;
    return sum + servers.length * servers.reduce((k: number, s: any) => k + s.hosts.length, 0);
  }, 0);
  return {
    services: n,
    gateways: policies.size,
    objects: objects.length,
    used: workload(n).filter((spec) => spec.namespace === 'team-0').reduce((k, spec) => k + spec.services.length, 0),
    selectedSubset: selected.subsetClusters,
    selectedTotal: selected.total,
    otherSubset: other.subsetClusters,
    otherTotal: other.total,
    gatewayNamespaceTotal: gatewayNamespace.total,
    former,
  };
}

/** A distinct public IPv4 address per service number. */
function publicIp(j: number): string {
  return `20.${Math.floor(j / 65536) % 256}.${Math.floor(j / 256) % 256}.${j % 256 || 1}`;
}

/** Prints the clusters-per-proxy table (one fresh process per size; counts do not vary between runs). */
function clustersSection(): void {
  const rows: string[][] = [[
    'services', 'gateways', 'gatewayService', 'team-0 uses', 'selected pod: subset', 'total', 'other pod: subset', 'total', 'istio-system pod: total', 'former subset',
  ]];
  for (const n of GATEWAY_SIZES) {
    for (const gatewayService of [false, true]) {
      const r = spawnCase('clusters', n, gatewayService ? 'gatewayService' : 'ports-only');
      rows.push([
        count(r.services), count(r.gateways), gatewayService ? 'on' : 'off',
        ...[r.used, r.selectedSubset, r.selectedTotal, r.otherSubset, r.otherTotal, r.gatewayNamespaceTotal, r.former].map(count),
      ]);
    }
  }
  console.log('\nClusters per proxy (Istio output), counted with the model of istiod in test/util/istiod-model.ts, for namespace team-0:');
  console.log('selected pod: the workloadSelector of one rule; other pod: outside every selector; both see the gateway ports team-0 uses;');
  console.log('gatewayService: the gateways\' own Services with every port emitted too (exported to their namespace only);');
  console.log('istio-system pod: a pod of the gateways\' namespace without Sidecar (an ingress gateway), which sees every egress host;');
  console.log('former subset: one gateway Service with every port and a subset per service (ports x services of each gateway routed to)');
  printTable(rows);
  console.log('Goal: gateway subset clusters per proxy grow with what its namespace uses (O(k)), not with the gateways\' totals');
}

function sizesArg(args: string[], flag: string, fallback: number[]): number[] {
  const i = args.indexOf(flag);
  return i < 0 ? fallback : args[i + 1].split(',').map(Number);
}

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === '--case') return console.log(JSON.stringify(runCase(args.slice(1))));
  if (args.includes('--help')) return console.log(USAGE);
  if (args.includes('--clusters')) return clustersSection();
  const reps = args.includes('--quick') ? 1 : 5;
  const teamsOnly = args.includes('--teams');
  teamsSection(sizesArg(args, '--teams', [1_000, 10_000, 100_000]), sizesArg(args, '--istio-sizes', [10_000, 100_000]), reps);
  loadSection(reps);
  if (!teamsOnly) {
    gatewaysSection(reps);
    clustersSection();
  }
}

main();
