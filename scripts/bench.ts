/**
 * Synthesis benchmark: the L2 constructs against the same objects written as hand-made L1
 * `ApiObject`s, at 100, 1,000 and 10,000 external services spread over many policies and charts;
 * then the gateway-port allocator alone at 100,000 services; then the clusters that istiod gives one
 * sidecar of a source namespace at each size (Istio output). Prints tables.
 *
 *   npm run bench                 # full run
 *   npm run bench -- --quick      # one repetition, for a smoke test
 *   npm run bench -- --clusters   # only the clusters-per-proxy table
 *
 * Each measurement runs in a fresh Node process, so peak memory (max RSS) belongs to that case
 * alone and no JIT or cache state leaks between cases. Times are medians of the repetitions.
 */
import { spawnSync } from 'child_process';
import { ApiObject, App, Chart } from 'cdk8s';
import { EgressOutput, EgressRegistry, EgressRule, EgressSource, EgressTrafficPolicy, ExternalService } from '../src';
import { allocateGatewayPorts, PortRequest } from '../src/allocation/port-allocator';
import { outboundClusters } from '../test/util/istiod-model';

const SIZES = [100, 1_000, 10_000];
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
function synthL2(n: number): number {
  const app = new App({ outdir: '/tmp/asm-egress-bench' });
  const charts = new Map<string, Chart>();
  const chartOf = (name: string) => charts.get(name) ?? charts.set(name, new Chart(app, name)).get(name)!;
  const policies = new Map<string, EgressTrafficPolicy>();
  for (const spec of workload(n)) {
    if (!policies.has(spec.gateway)) {
      policies.set(spec.gateway, new EgressTrafficPolicy(chartOf(chartName(spec.gateway, 0)), 'Egress', { gateway: spec.gateway }));
    }
    const services = spec.services.map((s) => s.protocol === 'HTTP'
      ? ExternalService.http(s.name, { hosts: [s.host] })
      : s.protocol === 'TCP'
        ? ExternalService.tcp(s.name, { hosts: [s.host], port: s.port })
        : ExternalService.https(s.name, { hosts: [s.host] }));
    const rule = spec.chart === 0
      ? policies.get(spec.gateway)!.addRule(spec.rule)
      : new EgressRule(chartOf(chartName(spec.gateway, spec.chart)), spec.rule, { gateway: spec.gateway, name: spec.rule });
    rule.allowFrom(EgressSource.namespace(spec.namespace, { workloadSelector: { app: spec.rule } })).allowTo(...services);
  }
  return app.synthYaml().length;
}

/** By hand: the same objects as plain ApiObjects, gateway ports numbered by hand, same charts. */
function synthL1(n: number): number {
  const app = new App({ outdir: '/tmp/asm-egress-bench' });
  const charts = new Map<string, Chart>();
  const chartOf = (name: string) => charts.get(name) ?? charts.set(name, new Chart(app, name)).get(name)!;
  const byGateway = new Map<string, Spec[]>();
  for (const spec of workload(n)) {
    chartOf(chartName(spec.gateway, spec.chart));
    byGateway.set(spec.gateway, [...(byGateway.get(spec.gateway) ?? []), spec]);
  }
  for (const [gateway, rules] of byGateway) {
    let nextPort = 10001;
    new ApiObject(chartOf(chartName(gateway, 0)), 'Egress', {
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
  return app.synthYaml().length;
}

/** The allocator alone: 100,000 services over 20 gateways (5,000 each), a fifth of them HTTP. */
function allocatorAlone(): number {
  const perGateway = ALLOCATOR_SERVICES / 20;
  const gateways = Array.from({ length: 20 }, (_, g) => Array.from({ length: perGateway }, (__, i): PortRequest => ({
    key: i % 5 === 0 ? `HTTP|h-${g}-${i}.example.com|80` : `TLS|s-${g}-${i}.example.com|443`,
    shared: i % 5 === 0,
    owner: `gw-${g} svc-${i}`,
  })));
  const start = process.hrtime.bigint();
  let allocated = 0;
  gateways.forEach((requests, g) => {
    allocated += allocateGatewayPorts({ gateway: `gw-${g}` }, requests).ports.length;
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (allocated !== ALLOCATOR_SERVICES) throw new Error(`allocated ${allocated} of ${ALLOCATOR_SERVICES}`);
  return ms;
}

/**
 * Clusters per proxy, Istio output: the same workload synthesised as Istio objects, and the
 * clusters that istiod builds for two sidecars of namespace team-0 (which uses 10, 20 and 200 of
 * the services at the three sizes: rules are spread over 50 namespaces), counted from the objects
 * with the model of istiod that the tests use (test/util/istiod-model.ts): a pod of the first
 * rule's workloadSelector, and a pod of that namespace outside every selector. Both Sidecars list
 * the default sidecarEgressHosts, `istio-system/*` among them, so both see the Service of every
 * gateway port that the namespace uses (HTTP services of a gateway share one). "Former" is what one gateway Service with every
 * port and one subset per service cost such a pod: the ports times the services of each gateway
 * it routes to.
 */
function clustersPerProxy(n: number): Record<string, number> {
  const app = new App({ outdir: '/tmp/asm-egress-bench' });
  EgressRegistry.of(app).configure({ output: EgressOutput.ISTIO, printWarnings: false });
  const charts = new Map<string, Chart>();
  const chartOf = (name: string) => charts.get(name) ?? charts.set(name, new Chart(app, name)).get(name)!;
  const policies = new Map<string, EgressTrafficPolicy>();
  for (const spec of workload(n)) {
    if (!policies.has(spec.gateway)) policies.set(spec.gateway, new EgressTrafficPolicy(chartOf(chartName(spec.gateway, 0)), 'Egress', { gateway: spec.gateway }));
    const services = spec.services.map((s) => (s.protocol === 'HTTP' ? ExternalService.http(s.name, { hosts: [s.host] })
      // TCP by IP: a TCP service known only by name takes its port for every destination, so Istio output refuses two on one port.
      : s.protocol === 'TCP' ? ExternalService.tcp(s.name, { hosts: [publicIp(Number(s.name.slice(4)))], port: s.port }) : ExternalService.https(s.name, { hosts: [s.host] })));
    policies.get(spec.gateway)!.addRule(spec.rule)
      .allowFrom(EgressSource.namespace(spec.namespace, { workloadSelector: { app: spec.rule } })).allowTo(...services);
  }
  const objects = app.charts.flatMap((chart) => chart.toJson());
  const selected = outboundClusters(objects, { namespace: 'team-0', labels: { app: 'rule-0' } });
  const other = outboundClusters(objects, { namespace: 'team-0', labels: { app: 'none' } });
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
    former,
  };
}

/** A distinct public IPv4 address per service number. */
function publicIp(j: number): string {
  return `20.${Math.floor(j / 65536) % 256}.${Math.floor(j / 256) % 256}.${j % 256 || 1}`;
}

/** Runs one case in this process and prints its figures as JSON (the child side). */
function runCase(kind: string, n: number) {
  if (kind === 'clusters') return console.log(JSON.stringify(clustersPerProxy(n)));
  const baseRss = process.memoryUsage().rss;
  const start = process.hrtime.bigint();
  const size = kind === 'alloc' ? 0 : kind === 'l2' ? synthL2(n) : synthL1(n);
  const total = Number(process.hrtime.bigint() - start) / 1e6;
  const ms = kind === 'alloc' ? allocatorAlone() : total;
  // Peak memory of the case itself: the process's peak RSS above what it used once loaded.
  const peakMb = (process.resourceUsage().maxRSS * 1024 - baseRss) / 2 ** 20;
  console.log(JSON.stringify({ ms, maxRssMb: Math.max(0, peakMb), yamlBytes: size }));
}

/** Runs a case in a fresh process `reps` times; the median time and the largest peak memory. */
function measure(kind: string, n: number, reps: number): { ms: number; maxRssMb: number } {
  const runs = Array.from({ length: reps }, () => {
    const child = spawnSync(process.execPath, [...process.execArgv, __filename, '--case', kind, String(n)], {
      encoding: 'utf8',
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
    });
    if (child.status !== 0) throw new Error(`${kind} ${n} failed:\n${child.stderr}`);
    return JSON.parse(child.stdout.trim().split('\n').pop()!);
  });
  const times = runs.map((r) => r.ms).sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], maxRssMb: Math.max(...runs.map((r) => r.maxRssMb)) };
}

function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--case') return runCase(args[1], Number(args[2]));
  if (args.includes('--clusters')) return clustersSection();
  const reps = args.includes('--quick') ? 1 : 5;

  const rows: string[][] = [['services', 'L2 ms', 'L1 ms', 'L2/L1', 'L2 MB', 'L1 MB', 'L2 growth']];
  let previous: number | undefined;
  for (const n of SIZES) {
    const l2 = measure('l2', n, reps);
    const l1 = measure('l1', n, reps);
    rows.push([
      n.toLocaleString('en-US'), l2.ms.toFixed(0), l1.ms.toFixed(0), (l2.ms / l1.ms).toFixed(2),
      l2.maxRssMb.toFixed(0), l1.maxRssMb.toFixed(0), previous ? `${(l2.ms / previous).toFixed(1)}x` : '',
    ]);
    previous = l2.ms;
  }
  const alloc = measure('alloc', ALLOCATOR_SERVICES, reps);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log(`Synthesis (app.synthYaml), median of ${reps}; ${SERVICES_PER_GATEWAY} services per gateway, rules from ${CONTRIBUTING_CHARTS + 1} charts per gateway`);
  console.log('MB: peak resident memory of the case above the loaded process');
  for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c])).join('  '));
  console.log(`\nAllocator alone: ${ALLOCATOR_SERVICES.toLocaleString('en-US')} services over 20 gateways in ${alloc.ms.toFixed(0)} ms`);
  console.log('Goals: L2/L1 <= 1.5 at 10,000; 10,000 costs <= 12x 1,000; allocator at 100,000 well under 1 s');
  clustersSection();
}

/** Prints the clusters-per-proxy table (one fresh process per size; counts do not vary between runs). */
function clustersSection() {
  const rows: string[][] = [['services', 'gateways', 'team-0 uses', 'selected pod: subset', 'total', 'other pod: subset', 'total', 'former subset']];
  for (const n of SIZES) {
    const child = spawnSync(process.execPath, [...process.execArgv, __filename, '--case', 'clusters', String(n)], {
      encoding: 'utf8', env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' }, maxBuffer: 64 * 1024 * 1024,
    });
    if (child.status !== 0) throw new Error(`clusters ${n} failed:\n${child.stderr}`);
    const r = JSON.parse(child.stdout.trim().split('\n').pop()!);
    const f = (x: number) => x.toLocaleString('en-US');
    rows.push([f(r.services), f(r.gateways), f(r.used), f(r.selectedSubset), f(r.selectedTotal), f(r.otherSubset), f(r.otherTotal), f(r.former)]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log('\nClusters per proxy (Istio output), counted with the model of istiod in test/util/istiod-model.ts, for namespace team-0:');
  console.log('selected pod: the workloadSelector of one rule; other pod: outside every selector; both see the gateway ports team-0 uses;');
  console.log('former subset: one gateway Service with every port and a subset per service (ports x services of each gateway routed to)');
  for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c])).join('  '));
  console.log('Goal: gateway subset clusters per proxy grow with what its namespace uses (O(k)), not with the gateways\' totals');
}

main();
