import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Chart, Yaml } from 'cdk8s';
import { EgressDiff, EgressOutput, EgressQuery, EgressSource, EgressTrafficPolicy, ExternalService } from '../../src';
import { runCli } from './util/run-cli';
import { testApp } from '../util/synth';

// `asm-egress diff` on rendered YAML: the service account that the Istio or ambient
// AuthorizationPolicies admit a source by is part of the source, though the ASM object cannot say it.

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'asm-egress-diff-sa-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `asm-egress ...args` in this process. */
const run = (...args: string[]) => runCli(args);

/** The synthesised YAML of an App whose source team-a{app=web} runs as `serviceAccount`, in a file. */
function rendered(name: string, output: EgressOutput, serviceAccount: string): string {
  const app = testApp();
  new EgressTrafficPolicy(new Chart(app, 'platform'), 'Egress', { gateway: 'gw', output }).addRule('r')
    .allowFrom(EgressSource.namespace('team-a', { workloadSelector: { app: 'web' }, serviceAccountName: serviceAccount }))
    .allowTo(ExternalService.https('api', { hosts: ['api.example.com'], gatewayPort: 10443 }));
  const path = join(dir, name);
  writeFileSync(path, app.synthYaml());
  return path;
}

describe.each([EgressOutput.ASM_AND_ISTIO, EgressOutput.ASM_AND_AMBIENT])('%s: another service account', (output) => {
  let files: string[];
  beforeEach(() => {
    files = [rendered('old.yaml', output, 'web'), rendered('new.yaml', output, 'admin-sa')];
  });

  test('text: exit 1, the source as it was lost and as it is gained', () => {
    expect(run('diff', '--quiet', ...files)).toEqual({
      status: 1,
      stdout: [
        '+ team-a{app=web} as sa/admin-sa -> api.example.com:443/HTTPS via gw:10443',
        '- team-a{app=web} as sa/web -> api.example.com:443/HTTPS via gw:10443',
        'asm-egress diff: 1 gained, 1 lost, 0 changed',
        '',
      ].join('\n'),
      stderr: '',
    });
  });

  test('markdown: exit 1, the comment of EgressDiff with the service accounts in its rows', () => {
    const result = run('diff', '--quiet', '--format', 'markdown', ...files);
    expect(result.status).toBe(1);
    const [before, after] = files.map((f) => EgressQuery.fromManifests(Yaml.load(f)));
    expect(result.stdout).toBe(EgressDiff.between(before, after).toMarkdown());
    const rows = result.stdout.split('\n').filter((l) => l.startsWith('| `team-a'));
    expect(rows).toEqual([
      '| `team-a{app=web} as sa/admin-sa` | `api.example.com:443/HTTPS` | port 10443 |',
      '| `team-a{app=web} as sa/web` | `api.example.com:443/HTTPS` | port 10443 |',
    ]);
  });

  test('json: exit 1, the service account in each source', () => {
    const result = run('diff', '--quiet', '--format', 'json', ...files);
    expect(result.status).toBe(1);
    const json = JSON.parse(result.stdout);
    expect(json.summary).toMatchObject({ gained: 1, lost: 1, changed: 0 });
    expect(json.gained.map((a: any) => a.source)).toEqual([{ namespace: 'team-a', workloadSelector: { app: 'web' }, serviceAccount: 'admin-sa' }]);
    expect(json.lost.map((a: any) => a.source)).toEqual([{ namespace: 'team-a', workloadSelector: { app: 'web' }, serviceAccount: 'web' }]);
  });

  test('the same service account on both sides: exit 0', () => {
    expect(run('diff', '--quiet', files[0], rendered('same.yaml', output, 'web'))).toEqual({ status: 0, stdout: 'asm-egress diff: no change in egress access\n', stderr: '' });
  });
});

test('the ASM objects alone cannot tell service accounts apart: no change', () => {
  const asmOnly = (name: string, serviceAccount: string) => {
    const path = rendered(name, EgressOutput.ASM_AND_ISTIO, serviceAccount);
    writeFileSync(path, Yaml.stringify(...Yaml.load(path).filter((o: any) => o.kind === 'ASMEgressTrafficPolicy')));
    return path;
  };
  expect(run('diff', asmOnly('old.yaml', 'web'), asmOnly('new.yaml', 'admin-sa')).status).toBe(0);
});
