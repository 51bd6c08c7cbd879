import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { EgressDiff, EgressOutput, EgressQuery, EgressSource, EgressSourceOptions, EgressTrafficPolicy, ExternalService, IstioOptions } from '../../src';
import { synthObjects, testApp } from '../util/synth';

// The Istio and ambient outputs admit a source with a service account by its principal, which the
// ASM object cannot carry: queries read it from the AuthorizationPolicies, so that a change of
// service account is a change of access.

const api = ExternalService.https('api', { hosts: ['api.example.com'], gatewayPort: 10443 });
const ENFORCING = [EgressOutput.ASM_AND_ISTIO, EgressOutput.ASM_AND_AMBIENT, EgressOutput.ISTIO, EgressOutput.AMBIENT];

/** An App whose one rule lets each source reach the API. */
function appWith(output: EgressOutput, sources: EgressSource[], istio?: IstioOptions): App {
  const app = testApp();
  new EgressTrafficPolicy(new Chart(app, 'platform'), 'Egress', { gateway: 'gw', output, istio }).addRule('r').allowFrom(...sources).allowTo(api);
  return app;
}

const teamA = (options: EgressSourceOptions) => EgressSource.namespace('team-a', options);
const diffOf = (before: App, after: App) => EgressDiff.between(EgressQuery.fromApp(before), EgressQuery.fromApp(after));

describe('EgressDiff between Apps', () => {
  test.each(ENFORCING)('%s: another service account is access lost and access gained', (output) => {
    const diff = diffOf(appWith(output, [teamA({ serviceAccountName: 'web' })]), appWith(output, [teamA({ serviceAccountName: 'admin-sa' })]));
    expect(diff.isEmpty).toBe(false);
    expect(diff.lost.map((a) => a.source)).toEqual([{ namespace: 'team-a', serviceAccount: 'web' }]);
    expect(diff.gained.map((a) => a.source)).toEqual([{ namespace: 'team-a', serviceAccount: 'admin-sa' }]);
    expect(diff.format()).toBe([
      '+ team-a as sa/admin-sa -> api.example.com:443/HTTPS via gw:10443',
      '- team-a as sa/web -> api.example.com:443/HTTPS via gw:10443',
      '',
    ].join('\n'));
  });

  test.each([EgressOutput.ASM_AND_ISTIO, EgressOutput.ASM_AND_AMBIENT])('%s: a cdk8s-plus workload that runs as another service account', (output) => {
    const appOf = (account: string) => {
      const app = testApp();
      const team = new Chart(app, 'team', { namespace: 'team-a' });
      const serviceAccount = new kplus.ServiceAccount(team, 'Account', { metadata: { name: account } });
      const web = new kplus.Deployment(team, 'Web', { containers: [{ image: 'web', securityContext: { ensureNonRoot: false } }], serviceAccount });
      new EgressTrafficPolicy(new Chart(app, 'platform'), 'Egress', { gateway: 'gw', output }).addRule('r').allowFrom(EgressSource.fromWorkload(web)).allowTo(api);
      return app;
    };
    const [before, after] = [appOf('web'), appOf('admin-sa')];
    const deployment = synthObjects(before).find((o) => o.kind === 'Deployment').metadata.name;
    expect(diffOf(before, after).format()).toBe([
      `+ Deployment team-a/${deployment} as sa/admin-sa -> api.example.com:443/HTTPS via gw:10443`,
      `- Deployment team-a/${deployment} as sa/web -> api.example.com:443/HTTPS via gw:10443`,
      '',
    ].join('\n'));
  });

  test('ASM output carries no service account: changing it changes nothing that is deployed', () => {
    const [before, after] = [appWith(EgressOutput.ASM, [teamA({ serviceAccountName: 'web' })]), appWith(EgressOutput.ASM, [teamA({ serviceAccountName: 'admin-sa' })])];
    expect(synthObjects(before)).toEqual(synthObjects(after));
    expect(diffOf(before, after).isEmpty).toBe(true);
    expect(EgressQuery.fromApp(before).allowedPairs().map((a) => a.source)).toEqual([{ namespace: 'team-a' }]);
  });

  test('admitting a namespace by one service account only is narrowing: lost access only; the reverse gained only', () => {
    const [whole, one] = [appWith(EgressOutput.ASM_AND_ISTIO, [teamA({})]), appWith(EgressOutput.ASM_AND_ISTIO, [teamA({ serviceAccountName: 'web' })])];
    expect(diffOf(whole, one).format()).toBe('- team-a -> api.example.com:443/HTTPS via gw:10443\n');
    expect(diffOf(one, whole).format()).toBe('+ team-a -> api.example.com:443/HTTPS via gw:10443\n');
  });

  test('an AuthorizationPolicy in dry-run enforces no service account', () => {
    const dryRun = (account: string) => appWith(EgressOutput.ASM_AND_ISTIO, [teamA({ serviceAccountName: account })], { authorizationDryRun: true });
    expect(EgressQuery.fromApp(dryRun('web')).allowedPairs().map((a) => a.source)).toEqual([{ namespace: 'team-a' }]);
    expect(diffOf(dryRun('web'), dryRun('admin-sa')).isEmpty).toBe(true);
  });
});

describe('EgressQuery', () => {
  const web = { namespace: 'team-a', labels: { app: 'web' } };

  test.each(ENFORCING)('%s: canReach tells workloads apart by service account', (output) => {
    const query = EgressQuery.fromApp(appWith(output, [teamA({ workloadSelector: { app: 'web' }, serviceAccountName: 'web' })]));
    expect(query.canReach({ ...web, serviceAccount: 'web' }, 'api.example.com', 443)).toMatchObject({ allowed: true, gatewayPort: 10443 });
    expect(query.canReach({ ...web, serviceAccount: 'admin-sa' }, 'api.example.com', 443).allowed).toBe(false);
    // A pod that names no service account runs as `default`.
    expect(query.canReach(web, 'api.example.com', 443).allowed).toBe(false);
    expect(query.allowedPairs().map((a) => a.source)).toEqual([{ namespace: 'team-a', workloadSelector: { app: 'web' }, serviceAccount: 'web' }]);
  });

  test('ASM output: the service account is not compared', () => {
    const query = EgressQuery.fromApp(appWith(EgressOutput.ASM, [teamA({ workloadSelector: { app: 'web' }, serviceAccountName: 'web' })]));
    expect(query.canReach({ ...web, serviceAccount: 'admin-sa' }, 'api.example.com', 443).allowed).toBe(true);
    expect(query.canReach(web, 'api.example.com', 443).allowed).toBe(true);
  });

  test('a namespace admitted on a port by several service accounts: one pair per service account', () => {
    const app = testApp();
    const policy = new EgressTrafficPolicy(new Chart(app, 'platform'), 'Egress', { gateway: 'gw', output: EgressOutput.ASM_AND_ISTIO });
    policy.addRule('web').allowFrom(teamA({ workloadSelector: { app: 'web' }, serviceAccountName: 'web' })).allowTo(api);
    policy.addRule('admin').allowFrom(teamA({ workloadSelector: { app: 'admin' }, serviceAccountName: 'admin-sa' })).allowTo(api);
    // The gateway admits both principals on the API's port; the Sidecars show the host to both selectors.
    const sources = EgressQuery.fromApp(app).allowedPairs().map((a) => [a.rule, a.source.workloadSelector, a.source.serviceAccount]);
    expect(sources).toEqual([
      ['web', { app: 'web' }, 'admin-sa'], ['web', { app: 'web' }, 'web'],
      ['admin', { app: 'admin' }, 'admin-sa'], ['admin', { app: 'admin' }, 'web'],
    ]);
  });

  test.each([EgressOutput.ASM_AND_ISTIO, EgressOutput.ASM_AND_AMBIENT])('%s: fromManifests reads the service accounts as fromApp does', (output) => {
    const app = appWith(output, [teamA({ workloadSelector: { app: 'web' }, serviceAccountName: 'web' }), EgressSource.namespace('team-b')]);
    const pairs = EgressQuery.fromApp(app).allowedPairs();
    expect(EgressQuery.fromManifests(synthObjects(app)).allowedPairs()).toEqual(pairs);
    expect(pairs.map((a) => a.source)).toEqual([{ namespace: 'team-a', workloadSelector: { app: 'web' }, serviceAccount: 'web' }, { namespace: 'team-b' }]);
  });
});
