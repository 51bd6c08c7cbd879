import { Chart } from 'cdk8s';
import { EgressOutput, EgressRegistry, EgressSource, EgressTrafficPolicy, ExternalService, ServerVerification } from '../src';
import { synthObjects, testApp, warningLines } from './util/synth';

// Settings that only one output target uses (sidecar-mode Istio, ambient mode) change nothing in
// an output without its objects: said once, as a warning, rather than silently ignored.

const team = EgressSource.namespace('team-a');
const api = ExternalService.https('api', { hosts: ['api.example.com'] });
const bank = ExternalService.http('bank', {
  hosts: ['api.bank.example'], httpsUpgrade: { port: 443, serverVerification: ServerVerification.credentialName('bank-ca') },
});

test('Istio options of an ASM-only policy: one warning naming them', () => {
  const app = testApp();
  new EgressTrafficPolicy(new Chart(app, 'c'), 'Egress', { gateway: 'gw', istio: { trustDomain: 'corp.example', networkPolicy: true, istioGateway: true } })
    .addRule('r').allowFrom(team).allowTo(api);
  synthObjects(app);
  expect(warningLines(app)).toEqual([
    "[warning] [c/Egress] istio.networkPolicy: istio.networkPolicy, istio.trustDomain are set, but this policy's output (ASM) has no Istio objects: "
      + 'they change nothing: remove them, or give the policy an output with Istio objects (EgressOutput.ISTIO or ASM_AND_ISTIO)',
  ]);
  expect(EgressRegistry.of(app).warnings.map((w) => w.code)).toEqual(['IGNORED_SETTING']);
});

test('an ASM-only policy\'s istio.networkPolicy changes nothing even when another policy renders Istio objects', () => {
  const app = testApp();
  const chart = new Chart(app, 'c');
  // A source in istio-system, which the Istio output's NetworkPolicies would refuse.
  new EgressTrafficPolicy(chart, 'A', { gateway: 'gw-a', istio: { networkPolicy: true } })
    .addRule('r').allowFrom(EgressSource.namespace('istio-system')).allowTo(api);
  new EgressTrafficPolicy(chart, 'B', { gateway: 'gw-b', output: EgressOutput.ISTIO }).addRule('r').allowFrom(team).allowTo(bank);
  const objects = synthObjects(app);
  expect(objects.filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
  expect(objects.map((o) => o.kind)).toContain('Gateway');
  expect(EgressRegistry.of(app).warnings.map((w) => w.code)).toContain('IGNORED_SETTING');
});

test('Istio options of the App: once for the App, and not at all when a policy renders Istio objects', () => {
  const asmOnly = testApp();
  EgressRegistry.of(asmOnly).configure({ istio: { gatewayNamespace: 'egress', authorizationDryRun: true } });
  const chart = new Chart(asmOnly, 'c');
  for (const gw of ['gw-a', 'gw-b']) new EgressTrafficPolicy(chart, gw, { gateway: gw }).addRule('r').allowFrom(team).allowTo(api);
  synthObjects(asmOnly);
  expect(warningLines(asmOnly)).toEqual([
    "[warning] [c/gw-a] istio: istio.authorizationDryRun is set for the App, but no policy's output has Istio objects: it changes nothing: "
      + 'remove it, or give the policy an output with Istio objects (EgressOutput.ISTIO or ASM_AND_ISTIO)',
  ]);

  const mixed = testApp();
  EgressRegistry.of(mixed).configure({ istio: { authorizationDryRun: true } });
  new EgressTrafficPolicy(new Chart(mixed, 'c'), 'A', { gateway: 'gw-a' }).addRule('r').allowFrom(team).allowTo(api);
  new EgressTrafficPolicy(new Chart(mixed, 'd'), 'B', { gateway: 'gw-b', output: EgressOutput.ASM_AND_ISTIO }).addRule('r').allowFrom(team)
    .allowTo(ExternalService.https('other', { hosts: ['other.example.com'] }));
  synthObjects(mixed);
  expect(warningLines(mixed)).toEqual([]);
});

test('a server verification that no Istio object uses: once per service, at its first use', () => {
  const app = testApp();
  const chart = new Chart(app, 'c');
  const policy = new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw' });
  policy.addRule('r').allowFrom(team).allowTo(api, bank);
  policy.addRule('s').allowFrom(EgressSource.namespace('team-b')).allowTo(bank);
  synthObjects(app);
  expect(warningLines(app)).toEqual([
    "[warning] [c/Egress/r] to[1].httpsUpgrade.serverVerification: 'bank' sets a server verification (credentialName:bank-ca), but no policy that uses it "
      + "has Istio objects, and ASM's CRD cannot express it: it changes nothing: remove it, or give the policy an output with Istio objects (sidecar or ambient mode)",
  ]);
});

test('a server verification that an Istio policy uses, or the default one, is not reported', () => {
  const app = testApp();
  const chart = new Chart(app, 'c');
  new EgressTrafficPolicy(chart, 'A', { gateway: 'gw-a' }).addRule('r').allowFrom(team).allowTo(bank);
  new EgressTrafficPolicy(chart, 'B', { gateway: 'gw-b', output: EgressOutput.ISTIO }).addRule('r').allowFrom(EgressSource.namespace('team-b')).allowTo(bank);
  new EgressTrafficPolicy(chart, 'C', { gateway: 'gw-c' }).addRule('r').allowFrom(team)
    .allowTo(ExternalService.http('plain', { hosts: ['plain.example.com'], httpsUpgrade: {} }));
  expect(EgressRegistry.of(app).warnings).toEqual([]);
});

describe('with ambient output', () => {
  test('a server verification that the ambient objects use is not reported; ambient options of an ASM-only policy are', () => {
    const app = testApp();
    const chart = new Chart(app, 'c');
    new EgressTrafficPolicy(chart, 'A', { gateway: 'gw-a', output: EgressOutput.AMBIENT }).addRule('r')
      .allowFrom(EgressSource.namespace('team-a', { serviceAccountName: 'web' })).allowTo(bank);
    new EgressTrafficPolicy(chart, 'B', { gateway: 'gw-b', ambient: { waypointName: 'egress-waypoint', networkPolicy: true } })
      .addRule('r').allowFrom(team).allowTo(api);
    const objects = synthObjects(app);
    // The ambient objects do originate TLS with it.
    expect(JSON.stringify(objects.filter((o) => o.kind === 'DestinationRule'))).toContain('bank-ca');
    expect(warningLines(app)).toEqual([
      "[warning] [c/B] ambient.networkPolicy: ambient.networkPolicy, ambient.waypointName are set, but this policy's output (ASM) has no ambient-mode objects: "
        + 'they change nothing: remove them, or give the policy an output with ambient-mode objects (EgressOutput.AMBIENT or ASM_AND_AMBIENT)',
    ]);
  });

  test('ambient options of the App, when no policy has ambient output; Istio options of an ambient policy', () => {
    const app = testApp();
    EgressRegistry.of(app).configure({ ambient: { authorizationDryRun: true } });
    new EgressTrafficPolicy(new Chart(app, 'c'), 'Egress', { gateway: 'gw', istio: { trustDomain: 'corp.example' } }).addRule('r').allowFrom(team).allowTo(api);
    synthObjects(app);
    expect(warningLines(app)).toEqual([
      "[warning] [c/Egress] istio.trustDomain: istio.trustDomain is set, but this policy's output (ASM) has no Istio objects: it changes nothing: "
        + 'remove it, or give the policy an output with Istio objects (EgressOutput.ISTIO or ASM_AND_ISTIO)',
      "[warning] [c/Egress] ambient: ambient.authorizationDryRun is set for the App, but no policy's output has ambient-mode objects: it changes nothing: "
        + 'remove it, or give the policy an output with ambient-mode objects (EgressOutput.AMBIENT or ASM_AND_AMBIENT)',
    ]);

    const ambient = testApp();
    new EgressTrafficPolicy(new Chart(ambient, 'c'), 'Egress', { gateway: 'gw', output: EgressOutput.ASM_AND_AMBIENT, istio: { trustDomain: 'corp.example' } })
      .addRule('r').allowFrom(EgressSource.namespace('team-a', { serviceAccountName: 'web' })).allowTo(api);
    synthObjects(ambient);
    expect(warningLines(ambient)).toEqual([
      "[warning] [c/Egress] istio.trustDomain: istio.trustDomain is set, but this policy's output (ASM_AND_AMBIENT) has no sidecar-mode Istio objects: "
        + 'it changes nothing: remove it, or give the policy an output with Istio objects (EgressOutput.ISTIO or ASM_AND_ISTIO)',
    ]);
  });
});
