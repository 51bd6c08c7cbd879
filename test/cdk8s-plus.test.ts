import { App, Chart } from 'cdk8s';
import * as plus28 from 'cdk8s-plus-28';
import * as plus33 from 'cdk8s-plus-33';
import * as plus34 from 'cdk8s-plus-34';
import { IConstruct } from 'constructs';
import {
  EgressOutput, EgressRule, EgressSource, EgressTrafficPolicy, ExternalService, Guardrail, GuardrailOverride,
} from '../src';
import { synthError, synthObjects, testApp } from './util/synth';

// The same App with cdk8s-plus-28, -33 and -34 (the newest), installed side by side: each release has
// classes of its own (a Deployment of one is not assignable to an IPodSelector of another), and the
// library reads workloads by their shape, so all compile against EgressSource.fromWorkload and
// give the same output. The library itself depends on no cdk8s-plus.

const GATEWAY = 'egressgateway-a';
/** A second gateway, ASM output only: Istio output cannot enforce a mesh-wide source's selector. */
const AGENTS_GATEWAY = 'egressgateway-b';
const stripe = ExternalService.https('stripe', { hosts: ['api.stripe.com'] });
const s3 = ExternalService.https('s3', { hosts: ['s3.eu-central-1.amazonaws.com'] });
const otlp = ExternalService.https('otlp', { hosts: ['otlp.example.com'] });
const agentsOverride = GuardrailOverride.allow(Guardrail.MESH_WIDE_SOURCE, 'telemetry agents run in every namespace');

/** The workloads of the team charts, made with one cdk8s-plus release (its own classes, typed as such). */
interface Workloads {
  readonly api: IConstruct;
  readonly nightly: IConstruct;
  readonly reports: IConstruct;
  readonly agents: IConstruct;
}

type MakeWorkloads = (payments: Chart, reports: Chart, telemetry: Chart) => Workloads;

const RELEASES: Record<string, MakeWorkloads> = {
  'cdk8s-plus-28': (payments, reports, telemetry) => {
    const account = new plus28.ServiceAccount(payments, 'Account', { metadata: { name: 'payments-api' } });
    return {
      api: new plus28.Deployment(payments, 'Api', { containers: [{ image: 'payments:1', portNumber: 8080 }], serviceAccount: account }),
      nightly: new plus28.Job(reports, 'Nightly', { containers: [{ image: 'reports:1' }] }),
      reports: plus28.Pods.select(reports, 'Reports', {
        labels: { app: 'reports' }, namespaces: plus28.Namespaces.select(reports, 'Namespace', { names: ['analytics'] }),
      }),
      agents: plus28.Pods.select(telemetry, 'Agents', { labels: { app: 'otel-agent' }, namespaces: plus28.Namespaces.all(telemetry, 'All') }),
    };
  },
  'cdk8s-plus-33': (payments, reports, telemetry) => {
    const account = new plus33.ServiceAccount(payments, 'Account', { metadata: { name: 'payments-api' } });
    return {
      api: new plus33.Deployment(payments, 'Api', { containers: [{ image: 'payments:1', portNumber: 8080 }], serviceAccount: account }),
      nightly: new plus33.Job(reports, 'Nightly', { containers: [{ image: 'reports:1' }] }),
      reports: plus33.Pods.select(reports, 'Reports', {
        labels: { app: 'reports' }, namespaces: plus33.Namespaces.select(reports, 'Namespace', { names: ['analytics'] }),
      }),
      agents: plus33.Pods.select(telemetry, 'Agents', { labels: { app: 'otel-agent' }, namespaces: plus33.Namespaces.all(telemetry, 'All') }),
    };
  },
  'cdk8s-plus-34': (payments, reports, telemetry) => {
    const account = new plus34.ServiceAccount(payments, 'Account', { metadata: { name: 'payments-api' } });
    return {
      api: new plus34.Deployment(payments, 'Api', { containers: [{ image: 'payments:1', portNumber: 8080 }], serviceAccount: account }),
      nightly: new plus34.Job(reports, 'Nightly', { containers: [{ image: 'reports:1' }] }),
      reports: plus34.Pods.select(reports, 'Reports', {
        labels: { app: 'reports' }, namespaces: plus34.Namespaces.select(reports, 'Namespace', { names: ['analytics'] }),
      }),
      agents: plus34.Pods.select(telemetry, 'Agents', { labels: { app: 'otel-agent' }, namespaces: plus34.Namespaces.all(telemetry, 'All') }),
    };
  },
};

/** A platform chart with the gateway's policy, and team charts that contribute rules from their workloads. */
function teamsApp(make: MakeWorkloads): App {
  const app = testApp();
  const platform = new Chart(app, 'platform');
  new EgressTrafficPolicy(platform, 'Egress', {
    gateway: GATEWAY, output: EgressOutput.ASM_AND_ISTIO, istio: { networkPolicy: true, gatewayService: true },
  });
  new EgressTrafficPolicy(platform, 'AgentsEgress', { gateway: AGENTS_GATEWAY });
  const payments = new Chart(app, 'payments', { namespace: 'payments' });
  const reports = new Chart(app, 'reports', { namespace: 'reports' });
  const telemetry = new Chart(app, 'telemetry');
  const w = make(payments, reports, telemetry);
  new EgressRule(payments, 'Stripe', { gateway: GATEWAY, name: 'payments' }).allowFrom(EgressSource.fromWorkload(w.api)).allowTo(stripe);
  new EgressRule(reports, 'Exports', { gateway: GATEWAY, name: 'reports' })
    .allowFrom(EgressSource.fromWorkload(w.nightly), EgressSource.fromWorkload(w.reports)).allowTo(s3);
  new EgressRule(telemetry, 'Otlp', { gateway: AGENTS_GATEWAY, name: 'telemetry' })
    .allowFrom(EgressSource.fromWorkload(w.agents, { guardrailOverrides: [agentsOverride] })).allowTo(otlp);
  return app;
}

const byKind = (objects: any[], kind: string) => objects.filter((o) => o.kind === kind);
const isSubset = (small: Record<string, string>, big: Record<string, string>) => Object.entries(small).every(([k, v]) => big[k] === v);

/** cdk8s-plus's own objects: each release writes its workloads with defaults of its own. */
const WORKLOAD_KINDS = ['Deployment', 'Job', 'ServiceAccount'];

test('the same App gives the same output with cdk8s-plus-28, -33 and -34', () => {
  const [with28, ...newer] = Object.values(RELEASES).map((make) => synthObjects(teamsApp(make)).filter((o) => !WORKLOAD_KINDS.includes(o.kind)));
  expect(newer).toHaveLength(2);
  for (const output of newer) expect(output).toEqual(with28);
  // A guard against two equally empty outputs.
  expect(byKind(with28, 'ASMEgressTrafficPolicy')).toHaveLength(2);
  expect(byKind(with28, 'NetworkPolicy')).toHaveLength(3);
  // The gateway's Service, and one per gateway port (for the sidecars' exportTo).
  expect(byKind(with28, 'Service').map((s) => s.metadata.name)).toEqual(['egressgateway-a-10380', 'egressgateway-a-15402', 'egressgateway-a']);
});

describe.each(Object.keys(RELEASES))('with %s', (release) => {
  let objects: any[];
  beforeAll(() => {
    objects = synthObjects(teamsApp(RELEASES[release]));
  });
  const rule = (name: string) => byKind(objects, 'ASMEgressTrafficPolicy').flatMap((p) => p.spec.egressRules).find((r: any) => r.name === name);

  test('a source selects exactly the pods of its workload, in the workload\'s namespace', () => {
    // Read back from the workloads' own manifests, not from the library.
    const deployment = byKind(objects, 'Deployment')[0];
    const job = byKind(objects, 'Job')[0];
    expect(rule('payments').from).toEqual([{ namespace: deployment.metadata.namespace, workloadSelector: deployment.spec.selector.matchLabels }]);
    expect(isSubset(rule('payments').from[0].workloadSelector, deployment.spec.template.metadata.labels)).toBe(true);
    // A Job selects no pods of its own: the source is the label cdk8s-plus sets on its pods, never
    // the whole namespace.
    const [fromJob, fromPods] = rule('reports').from;
    expect(fromJob.namespace).toBe(job.metadata.namespace);
    expect(Object.keys(fromJob.workloadSelector ?? {})).toEqual(['cdk8s.io/metadata.addr']);
    expect(isSubset(fromJob.workloadSelector, job.spec.template.metadata.labels)).toBe(true);
    expect(fromPods).toEqual({ namespace: 'analytics', workloadSelector: { app: 'reports' } });
  });

  test('a pod selector of every namespace is a mesh-wide source, with its override', () => {
    expect(rule('telemetry').from).toEqual([{ namespace: '*', workloadSelector: { app: 'otel-agent' } }]);
  });

  test('the workload\'s service account is admitted by its principal, and its NetworkPolicy selects its pods', () => {
    const authz = byKind(objects, 'AuthorizationPolicy')[0];
    const principals = authz.spec.rules.flatMap((r: any) => r.from.flatMap((f: any) => f.source.principals ?? []));
    expect(principals).toContain('cluster.local/ns/payments/sa/payments-api');
    const deployment = byKind(objects, 'Deployment')[0];
    const networkPolicy = byKind(objects, 'NetworkPolicy').find((p) => p.metadata.namespace === 'payments');
    expect(networkPolicy.spec.podSelector).toEqual({ matchLabels: deployment.spec.selector.matchLabels });
  });
});

describe('sources that cannot be one namespace are errors naming the workload', () => {
  function refused(make: (chart: Chart) => IConstruct): string {
    const app = testApp();
    const chart = new Chart(app, 'c');
    new EgressTrafficPolicy(chart, 'Egress', { gateway: GATEWAY }).addRule('r').allowFrom(EgressSource.fromWorkload(make(chart))).allowTo(stripe);
    return synthError(app);
  }

  test.each([
    ['cdk8s-plus-28', (c: Chart) => plus28.Pods.select(c, 'P', { labels: { app: 'a' } })],
    ['cdk8s-plus-33', (c: Chart) => plus33.Pods.select(c, 'P', { labels: { app: 'a' } })],
  ])('%s: a pod selector without namespaces', (_, make) => {
    expect(refused(make)).toContain('[c/Egress/r] from[0].namespace: workload c/P has no namespace: set one on the workload or its chart (a pod selector: select its namespace with Namespaces.select(');
  });

  test.each([
    ['cdk8s-plus-28', (c: Chart) => plus28.Pods.select(c, 'P', { labels: { app: 'a' }, namespaces: plus28.Namespaces.select(c, 'N', { labels: { team: 'a' } }) })],
    ['cdk8s-plus-33', (c: Chart) => plus33.Pods.select(c, 'P', { labels: { app: 'a' }, namespaces: plus33.Namespaces.select(c, 'N', { labels: { team: 'a' } }) })],
  ])('%s: namespaces selected by labels', (_, make) => {
    expect(refused(make)).toContain('[c/Egress/r] from[0].namespace: workload c/P selects namespaces by labels; an egress source is one namespace: select it by name alone');
  });

  test.each([
    ['cdk8s-plus-28', (c: Chart) => plus28.Pods.select(c, 'P', { labels: { app: 'a' }, namespaces: plus28.Namespaces.select(c, 'N', { names: ['a', 'b'] }) })],
    ['cdk8s-plus-33', (c: Chart) => plus33.Pods.select(c, 'P', { labels: { app: 'a' }, namespaces: plus33.Namespaces.select(c, 'N', { names: ['a', 'b'] }) })],
  ])('%s: two namespaces', (_, make) => {
    expect(refused(make)).toContain('[c/Egress/r] from[0].namespace: workload c/P selects 2 namespaces; an egress source is one namespace: select it by name alone');
  });

  test.each([
    ['cdk8s-plus-28', (c: Chart) => plus28.Pods.select(c, 'P', { labels: { app: 'a' }, namespaces: plus28.Namespaces.all(c, 'All') })],
    ['cdk8s-plus-33', (c: Chart) => plus33.Pods.select(c, 'P', { labels: { app: 'a' }, namespaces: plus33.Namespaces.all(c, 'All') })],
  ])('%s: every namespace, without the guardrail\'s override', (_, make) => {
    expect(refused(make)).toContain('MESH_WIDE_SOURCE');
  });
});

describe('labels set on a workload after a read of the model reach the YAML', () => {
  /** A policy whose source is a Deployment, with the Istio objects that name its labels too. */
  function deploymentApp() {
    const app = testApp();
    const chart = new Chart(app, 'payments', { namespace: 'payments' });
    const api = new plus33.Deployment(chart, 'Api', { containers: [{ image: 'payments:1', portNumber: 8080 }] });
    const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: GATEWAY, output: EgressOutput.ASM_AND_ISTIO });
    policy.addRule('r').allowFrom(EgressSource.fromWorkload(api)).allowTo(stripe);
    return { app, api, policy };
  }
  /** The selector of the policy's source, and of the Sidecar that enforces it, as synthesised. */
  function selectors(app: App): Array<Record<string, string>> {
    const objects = synthObjects(app);
    const source = byKind(objects, 'ASMEgressTrafficPolicy')[0].spec.egressRules[0].from[0].workloadSelector;
    const sidecars = byKind(objects, 'Sidecar').filter((s) => s.spec.workloadSelector).map((s) => s.spec.workloadSelector.labels);
    expect(sidecars).toHaveLength(1);
    return [source, ...sidecars];
  }
  const selects = (api: plus33.Deployment) => ({ ...api.matchLabels });

  test('after gatewayPortOf(), before synthesis', () => {
    const { app, api, policy } = deploymentApp();
    expect(policy.gatewayPortOf(stripe)).toBeGreaterThan(0);
    api.select(plus33.LabelSelector.of({ labels: { app: 'payments-api' } }));
    expect(selects(api)).toHaveProperty('app', 'payments-api');
    expect(selectors(app)).toEqual([selects(api), selects(api)]);
  });

  test('between two syntheses of the same App', async () => {
    const { app, api } = deploymentApp();
    const before = selectors(app);
    api.select(plus33.LabelSelector.of({ labels: { app: 'payments-api' } }));
    await new Promise((resolve) => setImmediate(resolve));
    const after = selectors(app);
    expect(before[0]).not.toHaveProperty('app');
    expect(after).toEqual([selects(api), selects(api)]);
  });
});
