import { App } from 'cdk8s';
import { Example1, Example2, serviceAccountSources, SourceOf } from '../../examples/documented-examples';
import { EgressDiff, EgressOutput, EgressQuery, EgressRegistry, EgressSource, Guardrail, GuardrailOverride } from '../../src';
import { synthObjects, testApp } from '../util/synth';

// EgressQuery and EgressDiff answer for ambient output as its waypoint admits: by identity. A
// source with a service account keeps its selector (the service account identifies the workload);
// a selector widened with UNENFORCED_SELECTOR is its whole namespace.

const widened: SourceOf = (ns, labels) => EgressSource.namespace(ns, {
  workloadSelector: labels,
  guardrailOverrides: [GuardrailOverride.allow(Guardrail.UNENFORCED_SELECTOR, 'every pod of mytest may use httpbin')],
});

function app(output: EgressOutput, build: (a: App) => void): App {
  const a = testApp();
  EgressRegistry.of(a).configure({ output });
  build(a);
  return a;
}

const other = { namespace: 'mytest', labels: { app: 'other' } };
const sleepB = { namespace: 'mytest', labels: { app: 'sleep-b' } };

describe('EgressQuery.fromApp', () => {
  test.each([EgressOutput.AMBIENT, EgressOutput.ASM_AND_AMBIENT])('%s: a widened selector admits every workload of its namespace', (output) => {
    const query = EgressQuery.fromApp(app(output, (a) => new Example1(a, 'example-1', widened)));
    expect(query.canReach(other, 'httpbin.org', 80)).toMatchObject({ allowed: true, gateway: 'egressgateway-a' });
    expect(query.canReach({ namespace: 'default', labels: { app: 'sleep-a' } }, 'httpbin.org', 80).allowed).toBe(false);
    expect(query.allowedPairs().map((a) => a.source)).toEqual([{ namespace: 'mytest' }, { namespace: 'mytest' }]);
  });

  test('sources with service accounts keep their selectors, and are admitted by their service account only', () => {
    const query = EgressQuery.fromApp(app(EgressOutput.AMBIENT, (a) => new Example2(a, 'example-2', serviceAccountSources)));
    const asSleepB = { ...sleepB, serviceAccount: 'sleep-b' };
    expect(query.canReach(asSleepB, 'www.aliyun.com', 443).allowed).toBe(true);
    expect(query.canReach(asSleepB, 'httpbin.org', 443).allowed).toBe(false);
    expect(query.canReach({ ...other, serviceAccount: 'sleep-b' }, 'www.aliyun.com', 443).allowed).toBe(false);
    // The waypoint admits principal sleep-b: the same pods under another service account are refused.
    expect(query.canReach({ ...sleepB, serviceAccount: 'sleep-a' }, 'www.aliyun.com', 443).allowed).toBe(false);
    expect(query.canReach(sleepB, 'www.aliyun.com', 443).allowed).toBe(false);
    expect(query.reachableFrom(asSleepB).map((a) => a.source)).toEqual([{ namespace: 'mytest', workloadSelector: { app: 'sleep-b' }, serviceAccount: 'sleep-b' }]);
  });

  test('the ASM output enforces the selector, override or not', () => {
    const query = EgressQuery.fromApp(app(EgressOutput.ASM, (a) => new Example1(a, 'example-1', widened)));
    expect(query.canReach(other, 'httpbin.org', 80).allowed).toBe(false);
  });
});

describe('EgressQuery.fromManifests and EgressDiff', () => {
  const objects = () => synthObjects(app(EgressOutput.ASM_AND_AMBIENT, (a) => new Example1(a, 'example-1', widened)));

  test('manifests that hold ambient output are read as the waypoint admits', () => {
    expect(EgressQuery.fromManifests(objects()).canReach(other, 'www.httpbin.org', 80).allowed).toBe(true);
  });

  test('the ASM objects alone are read as ASM enforces them', () => {
    const asmOnly = objects().filter((o) => o.kind === 'ASMEgressTrafficPolicy');
    expect(EgressQuery.fromManifests(asmOnly).canReach(other, 'www.httpbin.org', 80).allowed).toBe(false);
  });

  test('widening a source for ambient mode is gained access', () => {
    const before = EgressQuery.fromApp(app(EgressOutput.AMBIENT, (a) => new Example1(a, 'example-1', serviceAccountSources)));
    const after = EgressQuery.fromApp(app(EgressOutput.AMBIENT, (a) => new Example1(a, 'example-1', widened)));
    expect(EgressDiff.between(before, after).format()).toBe([
      '+ mytest -> httpbin.org:80/HTTP via egressgateway-a:80',
      '+ mytest -> www.httpbin.org:80/HTTP via egressgateway-a:80',
      '',
    ].join('\n'));
  });
});
