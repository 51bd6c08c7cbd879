import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as fc from 'fast-check';
import { parseAllDocuments, stringify } from 'yaml';
import { validPolicies } from './util/arbitraries';
import { policiesOf } from './util/program';
import { cliFixture, documentedExample, lines, REPO, runCli } from './util/run-cli';
import { Example2, Example3, SourceOf } from '../../examples/documented-examples';
import { EgressOutput, EgressRegistry, EgressSource, GatewayPortAllocation, Guardrail, GuardrailOverride, IstioApiVersion } from '../../src';
import { synthObjects, testApp } from '../util/synth';

// `asm-egress render`: the YAML path gives exactly what the TypeScript path synthesises.

function rendered(stdout: string): any[] {
  return parseAllDocuments(stdout).map((d) => d.toJS());
}


describe('asm-egress render', () => {
  test('ports that the input leaves to ASM are allocated exactly as the constructs allocate them', () => {
    const run = runCli(['render', documentedExample(3)]);
    expect(run.status).toBe(0);
    const app = testApp();
    new Example3(app, 'example-3', GatewayPortAllocation.LIBRARY);
    expect(rendered(run.stdout)).toEqual(synthObjects(app));

    // Every port is filled in, in ASM's default range; the rest of the object is the input.
    const [policy] = rendered(run.stdout);
    const ports = policy.spec.egressRules[0].to.map((to: any) => to.byEgressGateway.port);
    expect(ports.every((p: number) => p >= 10000 && p <= 20000)).toBe(true);
    for (const to of policy.spec.egressRules[0].to) delete to.byEgressGateway;
    expect(policy).toEqual(policiesOf(readFileSync(join(REPO, documentedExample(3)), 'utf8'))[0]);
  });

  test.each([1, 2])('documented example %i, whose ports are all set, renders as written', (n) => {
    const run = runCli(['render', documentedExample(n)]);
    expect(run.status).toBe(0);
    expect(rendered(run.stdout)).toEqual(policiesOf(readFileSync(join(REPO, documentedExample(n)), 'utf8')));
  });

  test('with --istio, the Istio objects too, as the constructs render them', () => {
    const run = runCli(['render', '--istio', '--istio-api', 'v1beta1', documentedExample(2)]);
    expect(run.status).toBe(0);
    const app = testApp();
    EgressRegistry.of(app).configure({ output: EgressOutput.ASM_AND_ISTIO, istio: { apiVersion: IstioApiVersion.V1BETA1 } });
    new Example2(app, 'example-2');
    const expected = synthObjects(app);
    expect(expected.map((o) => o.kind)).toContain('ServiceEntry');
    expect(rendered(run.stdout)).toEqual(expected);
  });

  test('ports set for only some services (a lint error) are completed by the allocator', () => {
    expect(runCli(['lint', cliFixture('partial-ports.yaml')]).status).toBe(1);
    const run = runCli(['render', cliFixture('partial-ports.yaml')]);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    const [policy] = rendered(run.stdout);
    const [payments, images] = policy.spec.egressRules[0].to;
    expect(payments.byEgressGateway).toEqual({ port: 443 });
    expect(images.byEgressGateway.port).toBeGreaterThanOrEqual(10000);
    expect(images.byEgressGateway.port).toBeLessThanOrEqual(20000);
  });

  test('input that breaks a rule: nothing on standard output, every problem on standard error', () => {
    const run = runCli(['render', cliFixture('conflicts-a.yaml')]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    const a = 'test/cli/fixtures/conflicts-a.yaml';
    expect(lines(run.stderr)).toEqual([
      `${a}:23:9: spec.egressRules[0].to[0].byEgressGateway.port: Gateway 'gw-shared': explicit port 16000 is claimed by "${a}:11:5 to[1] 'archive'" for archive.example.com:443 (TLS) and by "${a}:11:5 to[0] 'warehouse'" for warehouse.example.com:443 (TLS), but a TCP or HTTPS/TLS destination needs a gateway port of its own. Give one of them another port, or leave the port out to have one allocated.`,
      'asm-egress render: 1 error, 0 warnings in 1 file',
    ]);
  });

  test('with --istio, selectors that Sidecars cannot enforce are refused with a fix that YAML can apply', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'asm-egress-render-'));
    const file = join(tmp, 'overlap.yaml');
    const [manifest] = policiesOf(readFileSync(join(REPO, documentedExample(1)), 'utf8'));
    manifest.spec.egressRules[0].from.push({ namespace: 'mytest', workloadSelector: { tier: 'web' } });
    writeFileSync(file, stringify(manifest));
    const run = runCli(['render', '--istio', '--quiet', file]);
    rmSync(tmp, { recursive: true, force: true });
    expect(run.status).toBe(1);
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(/:\d+:\d+: spec\.egressRules\[0\]\.from\[1\]\.workloadSelector: workloadSelector \{tier: web\} and workloadSelector \{app: sleep-a\} /),
      expect.stringMatching(/^asm-egress render: 1 error/),
    ]);
    // The constructs' option to stop enforcing selectors has no YAML form: not offered here.
    expect(run.stderr).toContain('cannot be enforced separately: use selectors that differ in a label both set\n');
    expect(run.stderr).not.toContain('enforceWorkloadSelectors');
  });

  test('--istio-api without --istio, or with another value, is a usage error', () => {
    expect(runCli(['render', '--istio-api', 'v1', documentedExample(1)])).toEqual({
      status: 2,
      stdout: '',
      stderr: "asm-egress render: --istio-api needs --istio or --ambient\nTry 'asm-egress render --help'.\n",
    });
    expect(runCli(['render', '--istio', '--istio-api=v2', documentedExample(1)])).toEqual({
      status: 2,
      stdout: '',
      stderr: "asm-egress render: --istio-api must be v1 or v1beta1, not 'v2'\nTry 'asm-egress render --help'.\n",
    });
    expect(runCli(['render', '--istio', '--istio-api', 'constructor', documentedExample(1)]).stderr)
      .toBe("asm-egress render: --istio-api must be v1 or v1beta1, not 'constructor'\nTry 'asm-egress render --help'.\n");
  });

  test('generated policies: every gateway port is filled in, and explicit ones are kept', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'asm-egress-render-'));
    fc.assert(fc.property(validPolicies, (policies) => {
      const file = join(tmp, 'policies.yaml');
      writeFileSync(file, policies.map((p) => stringify(p, { version: '1.1' })).join('---\n'));
      const run = runCli(['render', file]);
      expect(run.status).toBe(0);
      const out = rendered(run.stdout);
      expect(out.map((o) => o.metadata.name)).toEqual(policies.map((p) => p.metadata.name));
      out.forEach((policy, p) => {
        policy.spec.egressRules.forEach((rule: any, r: number) => rule.to.forEach((to: any, t: number) => {
          const given = policies[p].spec.egressRules[r].to[t] as any;
          expect(Number.isInteger(to.byEgressGateway.port)).toBe(true);
          if (given.byEgressGateway) expect(to.byEgressGateway).toEqual(given.byEgressGateway);
        }));
      });
    }), { numRuns: 30 });
    rmSync(tmp, { recursive: true, force: true });
  });
});

describe('partial input for a namespace', () => {
  // Two policies with sources in namespace mytest: their Sidecars are merged, so they must be
  // rendered together. A rendered Sidecar kept beside the policies names both; an input with one
  // of them looks partial.
  const policy = (gateway: string, host: string) => stringify({
    apiVersion: 'istio.alibabacloud.com/v1beta1',
    kind: 'ASMEgressTrafficPolicy',
    metadata: { name: `egress-by-${gateway}`, namespace: 'istio-egress' },
    spec: {
      byEgressGateway: { name: gateway },
      egressRules: [{
        name: 'r',
        from: [{ namespace: 'mytest', workloadSelector: { app: 'sleep' } }],
        to: [{ name: 'svc', hosts: [host], port: { name: 'https', number: 443, protocol: 'HTTPS' }, byEgressGateway: { port: 10443 } }],
      }],
    },
  }, { version: '1.1' });

  /** Runs `check` with the policies of gateways gw-a and gw-b (sources in mytest) in files a and b of a temporary folder. */
  function withTwoPolicies(check: (tmp: string, a: string, b: string) => void): void {
    const tmp = mkdtempSync(join(tmpdir(), 'asm-egress-partial-'));
    try {
      const a = join(tmp, 'a.yaml');
      const b = join(tmp, 'b.yaml');
      writeFileSync(a, policy('gw-a', 'api.example.com'));
      writeFileSync(b, policy('gw-b', 'bank.example.com'));
      check(tmp, a, b);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  test('render warns at a Sidecar of the input that was merged from a policy the input lacks; with both, no warning', () => withTwoPolicies((tmp, a, b) => {
    const both = runCli(['render', '--istio', a, b]);
    expect(both.status).toBe(0);
    const sidecars = rendered(both.stdout).filter((o) => o.kind === 'Sidecar');
    expect(sidecars.map((s) => s.metadata.annotations['egress.cdk8s-asm-egress.io/sidecar-policies']))
      .toEqual(['istio-egress/egress-by-gw-a\nistio-egress/egress-by-gw-b', 'istio-egress/egress-by-gw-a\nistio-egress/egress-by-gw-b']);
    const previous = join(tmp, 'rendered.yaml');
    writeFileSync(previous, sidecars.map((s) => stringify(s)).join('---\n'));

    const partial = runCli(['render', '--istio', a, previous]);
    expect(partial.status).toBe(0);
    const warnings = lines(partial.stderr).filter((l) => l.includes('which the input lacks'));
    expect(warnings).toEqual([
      `${previous}:5:5: metadata.annotations.egress.cdk8s-asm-egress.io/sidecar-policies: warning: Sidecar mytest/egress-sidecar was merged from policy istio-egress/egress-by-gw-b, which the input lacks: `
        + 'a Sidecar rendered from this input has the same name without their hosts, and whichever is applied last wins: '
        + "render every policy with sources in namespace 'mytest' together (one asm-egress render of all their files)",
      expect.stringMatching(/Sidecar mytest\/egress-sidecar\.app-sleep-[0-9a-f]{8} was merged from policy istio-egress\/egress-by-gw-b, which the input lacks: .*render every policy with sources in namespace 'mytest' together/),
    ]);
    expect(lines(runCli(['lint', a, previous]).stderr).filter((l) => l.includes('which the input lacks'))).toHaveLength(2);
    expect(runCli(['render', '--istio', a, b, previous]).stderr).not.toContain('which the input lacks');
  }));

  test('without Sidecars in the input, one line per namespace names the policies its Sidecars were merged from', () => withTwoPolicies((_tmp, a, b) => {
    const run = runCli(['render', '--istio', a, b]);
    expect(run.status).toBe(0);
    // Two Sidecars in mytest (the selector's and the rest of the namespace's), one line, at the first source there.
    expect(lines(run.stderr)).toEqual([
      `${a}:12:11: spec.egressRules[0].from[0].namespace: warning: the Sidecars of namespace 'mytest' are merged from 2 policies of this input `
      + '(istio-egress/egress-by-gw-a, istio-egress/egress-by-gw-b) only: a policy with sources there that the input lacks is left out of them, '
      + "and of two such renders the Sidecar applied last wins: render every policy with sources in namespace 'mytest' together; "
      + "to have this checked, add the cluster's Sidecars to the input (kubectl get sidecars -A -o yaml | asm-egress render --istio FILE... -)",
    ]);
    expect(runCli(['render', '--istio', '--quiet', a, b]).stderr).toBe('');
    // Without --istio, no Sidecar and no line.
    expect(runCli(['render', a, b]).stderr).toBe('');
  }));

  test('the cluster\'s Sidecars on standard input (kubectl get sidecars -A -o yaml | asm-egress render --istio FILE... -) are checked', () => withTwoPolicies((_tmp, a, b) => {
    const both = runCli(['render', '--istio', a, b]);
    const sidecars = rendered(both.stdout).filter((o) => o.kind === 'Sidecar');
    // As kubectl prints them: a List, with the metadata that the API server sets.
    const fromCluster = stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: sidecars.map((s, i) => ({
        ...s,
        metadata: { ...s.metadata, creationTimestamp: '2026-01-01T00:00:00Z', generation: 1, resourceVersion: String(100 + i), uid: `00000000-0000-0000-0000-00000000000${i}` },
      })),
      metadata: { resourceVersion: '' },
    }, { version: '1.1' });

    const partial = runCli(['render', '--istio', a, '-'], fromCluster);
    expect(partial.status).toBe(0);
    const warnings = lines(partial.stderr);
    expect(warnings.filter((l) => l.includes('which the input lacks'))).toEqual([
      expect.stringMatching(/^<stdin>:\d+:\d+: items\[0\]\.metadata\.annotations\.egress\.cdk8s-asm-egress\.io\/sidecar-policies: warning: Sidecar mytest\/egress-sidecar was merged from policy istio-egress\/egress-by-gw-b, which the input lacks/),
      expect.stringMatching(/^<stdin>:\d+:\d+: .*Sidecar mytest\/egress-sidecar\.app-sleep-[0-9a-f]{8} was merged from policy istio-egress\/egress-by-gw-b, which the input lacks/),
    ]);
    // Checked: the line for unchecked Sidecars gives way; the cluster's Sidecars are read, not written.
    expect(partial.stderr).not.toContain('to have this checked');
    expect(warnings).toContain('<stdin>:4:5: warning: skipped 2 objects that are not ASMEgressTrafficPolicy: 2 Sidecar');

    const whole = runCli(['render', '--istio', a, b, '-'], fromCluster);
    expect(whole.status).toBe(0);
    expect(lines(whole.stderr)).toEqual(['<stdin>:4:5: warning: skipped 2 objects that are not ASMEgressTrafficPolicy: 2 Sidecar']);
    expect(rendered(whole.stdout)).toEqual(rendered(both.stdout));
  }));
});

describe('asm-egress render --ambient', () => {
  test('label sources, which a waypoint cannot see, are refused at their lines, with the remedy for YAML', () => {
    const run = runCli(['render', '--ambient', documentedExample(1)]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(lines(run.stderr)).toEqual([
      'examples/manifests/example-1.yaml:13:7: spec.egressRules[0].from[0].workloadSelector: source mytest{app=sleep-a} selects pods by labels, which a waypoint cannot see: '
      + "in ambient output (ASM_AND_AMBIENT) it would admit every workload of namespace 'mytest': the policy cannot name a service account: "
      + "widen the source to namespace 'mytest' with the line 'source mytest{app=sleep-a}: UNENFORCED_SELECTOR: <reason>' "
      + 'in annotation egress.cdk8s-asm-egress.io/guardrail-overrides, or declare the rule in code with a service account',
      expect.stringContaining("examples/manifests/example-1.yaml:23:9: spec.egressRules[0].to[0].port.protocol: warning: 'httpbin-service-http' sends plain HTTP"),
      'asm-egress render: 1 error, 1 warning in 1 file',
    ]);
  });

  test('widened in the annotation: the ambient objects, as the constructs render them', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'asm-egress-render-'));
    const reason = 'every pod of mytest, INFRA-9';
    const annotation = ['mytest{app=sleep-a}', 'mytest{app=sleep-b}'].map((s) => `source ${s}: UNENFORCED_SELECTOR: ${reason}`).join('\n');
    const [manifest] = policiesOf(readFileSync(join(REPO, documentedExample(2)), 'utf8'));
    manifest.metadata.annotations = { 'egress.cdk8s-asm-egress.io/guardrail-overrides': annotation };
    const file = join(tmp, 'widened.yaml');
    writeFileSync(file, stringify(manifest));
    const run = runCli(['render', '--ambient', '--istio-api', 'v1beta1', file]);
    rmSync(tmp, { recursive: true, force: true });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);

    const app = testApp();
    EgressRegistry.of(app).configure({ output: EgressOutput.ASM_AND_AMBIENT, ambient: { apiVersion: IstioApiVersion.V1BETA1 } });
    const widened: SourceOf = (ns, labels) => EgressSource.namespace(ns, {
      workloadSelector: labels, guardrailOverrides: [GuardrailOverride.allow(Guardrail.UNENFORCED_SELECTOR, reason)],
    });
    new Example2(app, 'example-2', widened);
    const expected = synthObjects(app);
    expect(expected.map((o) => o.kind)).toEqual(expect.arrayContaining(['Gateway', 'ServiceEntry', 'AuthorizationPolicy', 'DestinationRule']));
    expect(rendered(run.stdout)).toEqual(expected);
  });

  test('--istio and --ambient exclude each other', () => {
    expect(runCli(['render', '--istio', '--ambient', documentedExample(1)])).toEqual({
      status: 2,
      stdout: '',
      stderr: "asm-egress render: --istio and --ambient exclude each other (sidecar or ambient mode: one Istio output)\nTry 'asm-egress render --help'.\n",
    });
  });
});
