/**
 * The "team charts" workload of the synthesis benchmark, as platform teams use the library: N
 * external services in rules of 5, 500 services per gateway (one policy each, in the platform
 * chart), every rule contributed to its gateway's policy by one of 100 team charts; 20% HTTP
 * (upgraded to HTTPS at the gateway), 20% TCP (by public address), 60% HTTPS.
 *
 * The library is loaded from the compiled `lib/` (what users run), so that its load time is real.
 */
import { join } from 'path';
import type { App } from 'cdk8s';
import type * as Library from '../src';

export const SERVICES_PER_RULE = 5;
export const SERVICES_PER_GATEWAY = 500;
export const TEAM_CHARTS = 100;

/** Where `npx projen compile` writes the library. */
export const LIBRARY = join(__dirname, '..', 'lib');

interface ServiceSpec {
  readonly name: string;
  readonly host: string;
  readonly protocol: 'HTTP' | 'HTTPS' | 'TCP';
  readonly port: number;
}

interface RuleSpec {
  readonly gateway: string;
  readonly team: number;
  readonly rule: string;
  readonly namespace: string;
  readonly services: ServiceSpec[];
}

/** The rules of `n` services. */
function rules(n: number): RuleSpec[] {
  const result: RuleSpec[] = [];
  for (let i = 0; i < n; i += SERVICES_PER_RULE) {
    const r = i / SERVICES_PER_RULE;
    const services: ServiceSpec[] = [];
    for (let j = i; j < Math.min(n, i + SERVICES_PER_RULE); j++) {
      const protocol = j % 5 === 0 ? 'HTTP' : j % 5 === 1 ? 'TCP' : 'HTTPS';
      // TCP by address: Istio output refuses two TCP services known only by name on one port.
      const host = protocol === 'TCP' ? publicIp(j) : `svc-${j}.example.com`;
      services.push({ name: `svc-${j}`, host, protocol, port: protocol === 'HTTP' ? 80 : protocol === 'TCP' ? 5432 : 443 });
    }
    const team = r % TEAM_CHARTS;
    result.push({ gateway: `gw-${Math.floor(i / SERVICES_PER_GATEWAY)}`, team, rule: `rule-${r}`, namespace: `team-${team}`, services });
  }
  return result;
}

/** A distinct public IPv4 address per service (8.0.0.0 onwards: no range that a guardrail refuses). */
function publicIp(j: number): string {
  return `${8 + Math.floor(j / 65536)}.${Math.floor(j / 256) % 256}.${j % 256}.1`;
}

/** The output of a case: `asm`, or `istio` for ASM and Istio's sidecar-mode objects. */
export type Output = 'asm' | 'istio';

/**
 * The App built with the library's constructs: the platform chart with the policies, then the
 * 100 team charts with the rules.
 */
export function teamsApp(lib: typeof Library, cdk8s: typeof import('cdk8s'), n: number, output: Output): App {
  const app = new cdk8s.App({ outdir: '/tmp/asm-egress-bench' });
  lib.EgressRegistry.of(app).configure({
    output: output === 'asm' ? lib.EgressOutput.ASM : lib.EgressOutput.ASM_AND_ISTIO,
    printWarnings: false,
  });
  const platform = new cdk8s.Chart(app, 'platform');
  const teams = Array.from({ length: TEAM_CHARTS }, (_, t) => new cdk8s.Chart(app, `team-${t}`));
  const gateways = new Set<string>();
  for (const spec of rules(n)) {
    if (!gateways.has(spec.gateway)) {
      gateways.add(spec.gateway);
      new lib.EgressTrafficPolicy(platform, spec.gateway, { gateway: spec.gateway });
    }
    const services = spec.services.map((s) => (s.protocol === 'HTTP'
      ? lib.ExternalService.http(s.name, { hosts: [s.host], httpsUpgrade: { port: 443 } })
      : s.protocol === 'TCP'
        ? lib.ExternalService.tcp(s.name, { hosts: [s.host], port: s.port })
        : lib.ExternalService.https(s.name, { hosts: [s.host] })));
    new lib.EgressRule(teams[spec.team], spec.rule, { gateway: spec.gateway, name: spec.rule })
      .allowFrom(lib.EgressSource.namespace(spec.namespace, { serviceAccountName: spec.rule }))
      .allowTo(...services);
  }
  return app;
}

/** The library, loaded from `lib/` (run `npx projen compile` first: `npm run bench` does). */
export function loadLibrary(): typeof Library {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(LIBRARY);
}
