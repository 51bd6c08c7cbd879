import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { EgressDiff, EgressQuery, EgressSource, EgressTrafficPolicy, ExternalService } from '../../src';
import { lines, runCli } from '../cli/util/run-cli';
import { testApp } from '../util/synth';

// cdk8s-plus selects a workload's pods by `cdk8s.io/metadata.addr`, a hash of its construct path:
// queries and diffs name such a source by its workload when the manifests hold it.

const api = ExternalService.https('api', { hosts: ['api.example.com'], gatewayPort: 10443 });

/** An App whose team chart runs a Deployment with construct id `id`, allowed to reach the API. */
function appWith(id: string, ownLabels = false): App {
  const app = testApp();
  const team = new Chart(app, 'team', { namespace: 'team-a' });
  const deployment = new kplus.Deployment(team, id, {
    containers: [{ image: 'web', securityContext: { ensureNonRoot: false } }],
    ...(ownLabels ? { select: false, podMetadata: { labels: { app: 'web' } } } : {}),
  });
  if (ownLabels) deployment.select(kplus.LabelSelector.of({ labels: { app: 'web' } }));
  new EgressTrafficPolicy(new Chart(app, 'platform'), 'Egress', { gateway: 'gw' }).addRule('web').allowFrom(EgressSource.fromWorkload(deployment)).allowTo(api);
  return app;
}

const deploymentName = (app: App) => app.charts.flatMap((c) => c.toJson()).find((o) => o.kind === 'Deployment').metadata.name;

test('EgressQuery names a source that selects by the cdk8s address label by its workload', () => {
  const app = appWith('web');
  const [pair] = EgressQuery.fromApp(app).allowedPairs();
  expect(Object.keys(pair.source.workloadSelector!)).toEqual(['cdk8s.io/metadata.addr']);
  expect(pair.source.workload).toBe(`Deployment team-a/${deploymentName(app)}`);
});

test('renaming the construct changes the selector: the diff says which workload lost and which gained', () => {
  const before = appWith('web');
  const after = appWith('frontend');
  const text = EgressDiff.between(EgressQuery.fromApp(before), EgressQuery.fromApp(after)).format();
  expect(text.split('\n').filter((l) => l !== '').sort()).toEqual([
    `+ Deployment team-a/${deploymentName(after)} -> api.example.com:443/HTTPS via gw:10443`,
    `- Deployment team-a/${deploymentName(before)} -> api.example.com:443/HTTPS via gw:10443`,
  ]);
});

test('asm-egress diff names the workloads that the YAML holds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'asm-egress-workloads-'));
  try {
    const [before, after] = [appWith('web'), appWith('frontend')];
    writeFileSync(join(dir, 'old.yaml'), before.synthYaml());
    writeFileSync(join(dir, 'new.yaml'), after.synthYaml());
    const run = runCli(['diff', '--quiet', join(dir, 'old.yaml'), join(dir, 'new.yaml')]);
    expect(run.status).toBe(1);
    const out = lines(run.stdout);
    expect(out.slice(0, 2).sort()).toEqual([
      `+ Deployment team-a/${deploymentName(after)} -> api.example.com:443/HTTPS via gw:10443`,
      `- Deployment team-a/${deploymentName(before)} -> api.example.com:443/HTTPS via gw:10443`,
    ]);
    expect(out[2]).toBe('asm-egress diff: 1 gained, 1 lost, 0 changed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a workload selected by labels of its own keeps them, whatever its construct is called', () => {
  const [first, renamed] = [appWith('web', true), appWith('frontend', true)];
  const [pair] = EgressQuery.fromApp(first).allowedPairs();
  expect(pair.source).toEqual({ namespace: 'team-a', workloadSelector: { app: 'web' } });
  expect(EgressDiff.between(EgressQuery.fromApp(first), EgressQuery.fromApp(renamed)).isEmpty).toBe(true);
});
