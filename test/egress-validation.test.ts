import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Chart, Include, Yaml } from 'cdk8s';
import { ValidationContext } from 'cdk8s-cli/plugins';
import { EgressRule, EgressSource, EgressTrafficPolicy, EgressValidation, EgressValidationProps, ExternalService, IEgressValidationContext } from '../src';
import { runCli } from './cli/util/run-cli';
import { testApp, EXAMPLE_MANIFESTS } from './util/synth';

// The cdk8s-cli validation plugin, called as cdk8s-cli calls it: with cdk8s-cli's own
// ValidationContext and report. `cdk8s synth` itself runs it in test/package/validation-synth.test.ts.

const FIXTURES = EXAMPLE_MANIFESTS;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'asm-egress-validation-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Runs the plugin on manifests and returns cdk8s-cli's report as JSON, and as the table it prints. */
async function validate(manifests: string[], props?: EgressValidationProps, metadata: { [name: string]: { path: string } } = {}) {
  const context = new ValidationContext(manifests, 'cdk8s-asm-egress', '0.0.0', metadata, false);
  await new EgressValidation(props).validate(pluginContextOf(context));
  return { json: context.report.toJson(), text: context.report.toString(), success: context.report.success };
}

/**
 * cdk8s-cli's context as the plugin declares it. The compiler checks every member (the report's
 * methods too) against the plugin's interfaces, except that `manifests` is cdk8s-cli's
 * `readonly string[]`, which jsii cannot express: the plugin declares `string[]`.
 */
function pluginContextOf(context: ValidationContext): IEgressValidationContext {
  return context as Omit<ValidationContext, 'manifests'> & { readonly manifests: string[] };
}

/** `ruleName @ resource manifest location: recommendation | fix`, one line per violation and resource. */
function violationLines(json: ReturnType<ValidationContext['report']['toJson']>): string[] {
  return json.violations.flatMap((v) => v.violatingConstructs.map((c) =>
    `${v.ruleName} @ ${c.resourceName} ${c.manifestPath} ${c.locations.join(',')}: ${v.recommendation} | ${v.fix}`));
}

const POLICY = (name: string, gateway: string, services: string, annotations = '') => `apiVersion: istio.alibabacloud.com/v1beta1
kind: ASMEgressTrafficPolicy
metadata:
  name: ${name}
  namespace: istio-egress
${annotations}spec:
  byEgressGateway:
    name: ${gateway}
  egressRules:
  - name: r
    from:
    - namespace: team-a
    to:
${services}`;

const HTTPS = (name: string, host: string, gatewayPort: number) => `    - name: ${name}
      hosts: ['${host}']
      port: {number: 443, protocol: HTTPS, name: https}
      byEgressGateway: {port: ${gatewayPort}}
`;

describe('EgressValidation', () => {
  test('the documented examples pass: success, no violation, the number of policies in the summary', async () => {
    const example2 = readFileSync(join(FIXTURES, 'example-2.yaml'), 'utf8');
    // Example 2 twice, for two gateways (twice for one gateway would be two policies for one gateway).
    const result = await validate([file('a.yaml', example2), file('b.yaml', example2.replace(/egressgateway-a/g, 'egressgateway-b'))]);
    expect(result.success).toBe(true);
    expect(result.json.violations).toEqual([]);
    expect(result.json.summary).toEqual({
      status: 'success', plugin: 'cdk8s-asm-egress', version: '0.0.0', metadata: { policies: '2', errors: '0', warnings: '0' },
    });
  });

  test('every problem that lint reports is one violation: code, message, fix, object name, file and field', async () => {
    const bad = file('bad.yaml', POLICY('egress-by-gw', 'gw', `${HTTPS('web', '*.example.com', 10443)}    - name: api
      hostz: [api.example.com]
      port: {number: 443, protocol: HTTPS, name: https}
      byEgressGateway: {port: 10444}
    - name: db
      hosts: [10.0.0.5]
      port: {number: 5432, protocol: TCP, name: tcp}
      byEgressGateway: {port: 10445}
`));
    const result = await validate([bad]);
    expect(result.success).toBe(false);
    expect(violationLines(result.json)).toEqual([
      `WILDCARD_HOST @ egress-by-gw ${bad} spec.egressRules[0].to[0].hosts[0]: '*.example.com' opens every subdomain of example.com `
        + "| list the hosts that the workloads need, or allow it with the line 'service web: WILDCARD_HOST: <reason>' in annotation egress.cdk8s-asm-egress.io/guardrail-overrides",
      `MANIFEST_MISSING_FIELD @ egress-by-gw ${bad} spec.egressRules[0].to[1].hosts: missing (required) | add the field`,
      `MANIFEST_UNKNOWN_FIELD @ egress-by-gw ${bad} spec.egressRules[0].to[1].hostz: unknown field (expected one of: name, hosts, port, byEgressGateway, httpsUpgrade) `
        + '| remove the field, or give it the name of a field that the CRD defines (listed in the recommendation)',
      `PRIVATE_ADDRESS @ egress-by-gw ${bad} spec.egressRules[0].to[2].hosts[0]: '10.0.0.5' is a private address (RFC 1918, 10.0.0.0/8), which reaches a private network `
        + "| remove it, or allow it with the line 'service db: PRIVATE_ADDRESS: <reason>' in annotation egress.cdk8s-asm-egress.io/guardrail-overrides",
    ]);
    expect(result.json.summary.metadata).toEqual({ policies: '1', errors: '4', warnings: '0' });

    expectSameAsLint(result.json, ['lint', bad]);
  });

  test("the report is cdk8s-cli's: construct paths from the App's metadata, the table it prints", async () => {
    const bad = file('bad.yaml', POLICY('egress-by-gw', 'gw', HTTPS('web', '*.example.com', 10443)));
    const result = await validate([bad], {}, { 'egress-by-gw': { path: 'app/Include/egress-by-gw' } });
    expect(result.json.violations[0].violatingConstructs[0]).toMatchObject({ constructPath: 'app/Include/egress-by-gw', resourceName: 'egress-by-gw' });
    expect(result.text).toContain('WILDCARD_HOST (1 occurrences)');
    expect(result.text).toContain('      > spec.egressRules[0].to[0].hosts[0]');
    expect(result.text).toContain(`    - Manifest Path: ${bad}`);
  });

  test('checks across the App: a YAML policy beside a policy of the constructs, in another file', async () => {
    // What `cdk8s synth` writes for an App whose chart has a construct policy and includes YAML for the same gateway.
    const app = testApp();
    const chart = new Chart(app, 'platform');
    new EgressTrafficPolicy(chart, 'Egress', { gateway: 'gw' }).addRule('web')
      .allowFrom(EgressSource.namespace('team-a')).allowTo(ExternalService.https('api', { hosts: ['api.example.com'], gatewayPort: 10443 }));
    const fromConstructs = file('platform.k8s.yaml', app.synthYaml());
    const included = file('included.k8s.yaml', [
      POLICY('egress-by-gw-again', 'gw', HTTPS('audit', 'audit.example.com', 10444)),
      POLICY('egress-by-gw-b', 'gw-b', HTTPS('api-tls', 'api.example.com', 10444).replace('protocol: HTTPS', 'protocol: TLS')),
    ].join('---\n'));

    const result = await validate([fromConstructs, included]);
    expect(result.success).toBe(false);
    expect(violationLines(result.json)).toEqual([
      `DUPLICATE_POLICY @ egress-by-gw-again ${included} spec.byEgressGateway.name: gateway 'gw' already has its policy at ${fromConstructs}:1:1; ASM expects one policy per gateway `
        + "| move this policy's spec.egressRules into that one, and delete this one",
      `PROTOCOL_CONFLICT @ egress-by-gw-b ${included} spec.egressRules[0].to[0].hosts[0]: api.example.com:443 is declared as TLS by 'api-tls' `
        + `but as HTTPS by 'api' (at ${fromConstructs}:10:7); one host and port can have only one protocol `
        + '| declare the host and port with one protocol everywhere, or give one of the services another port',
    ]);
    expectSameAsLint(result.json, ['lint', fromConstructs, included]);
  });

  test('a policy of the constructs and one included as YAML are checked alike', async () => {
    // The constructs refuse a wildcard host without an override; a policy included as YAML is not
    // checked by them, so the plugin catches it. Adopted through the constructs, it is refused too.
    const app = testApp();
    const chart = new Chart(app, 'platform');
    const yaml = file('policy.yaml', POLICY('egress-by-gw', 'gw', HTTPS('web', '*.example.com', 10443)));
    new Include(chart, 'Included', { url: yaml });
    const synthesised = file('platform.k8s.yaml', app.synthYaml());
    const result = await validate([synthesised]);
    expect(result.json.violations.map((v) => v.ruleName)).toEqual(['WILDCARD_HOST']);
    expect(() => EgressTrafficPolicy.fromManifest(new Chart(testApp(), 'c'), 'p', Yaml.load(yaml)[0])).toThrow(/WILDCARD_HOST|opens every subdomain/);
  });

  test('guardrail overrides are read from the annotation, and an override of nothing is refused', async () => {
    const annotation = (line: string) => `  annotations:\n    egress.cdk8s-asm-egress.io/guardrail-overrides: '${line}'\n`;
    const allowed = file('allowed.yaml', POLICY('egress-by-gw', 'gw', HTTPS('web', '*.example.com', 10443), annotation('service web: WILDCARD_HOST: CDN edge names, INFRA-7')));
    expect((await validate([allowed])).json.violations).toEqual([]);
    const stale = file('stale.yaml', POLICY('egress-by-gw', 'gw', HTTPS('web', 'www.example.com', 10443), annotation('service web: WILDCARD_HOST: CDN edge names, INFRA-7')));
    const result = await validate([stale]);
    expect(result.success).toBe(false);
    expect(result.json.violations.map((v) => [v.ruleName, v.violatingConstructs[0].locations])).toEqual([
      ['OVERRIDE_UNUSED', ['metadata.annotations.egress.cdk8s-asm-egress.io/guardrail-overrides']],
    ]);
  });

  test('strict: plain HTTP is a warning (listed, success), and an error with strict: true', async () => {
    const example3 = join(FIXTURES, 'example-3.yaml');
    const relaxed = await validate([example3]);
    expect(relaxed.success).toBe(true);
    expect(relaxed.json.violations.map((v) => [v.ruleName, v.recommendation.slice(0, 43)])).toEqual([
      ['PLAIN_HTTP', "warning: 'aliyun-com-http' sends plain HTTP"],
    ]);
    expect(relaxed.json.summary.metadata).toEqual({ policies: '1', errors: '0', warnings: '1' });
    const strict = await validate([example3], { strict: true });
    expect(strict.success).toBe(false);
    expect(strict.json.violations.map((v) => [v.ruleName, v.recommendation.slice(0, 34)])).toEqual([
      ['PLAIN_HTTP', "'aliyun-com-http' sends plain HTTP"],
    ]);
  });

  test('asmVersion: the ports left to ASM and TCP services of Example 3 need 1.24.6.45, as lint says', async () => {
    const example3 = join(FIXTURES, 'example-3.yaml');
    const result = await validate([example3], { asmVersion: '1.22.6.28' });
    expect(result.success).toBe(false);
    expect(new Set(result.json.violations.map((v) => v.ruleName))).toEqual(new Set(['MANIFEST_GATEWAY_PORTS', 'PLAIN_HTTP', 'ASM_VERSION_TOO_OLD']));
    expectSameAsLint(result.json, ['lint', '--asm-version', '1.22.6.28', example3]);
    expect(result.json.summary.metadata).toEqual({ policies: '1', errors: '7', warnings: '1' });
  });

  test('objects of other kinds are ignored, and an App without a policy passes', async () => {
    const other = file('other.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n---\napiVersion: v1\nkind: List\nitems: []\n');
    const result = await validate([other]);
    expect(result.success).toBe(true);
    expect(result.json.violations).toEqual([]);
    expect(result.json.summary.metadata).toEqual({ policies: '0', errors: '0', warnings: '0' });
    expect((await validate([])).success).toBe(true);
  });

  test('a policy inside a List is checked and named by its own metadata.name', async () => {
    const list = file('list.yaml', `apiVersion: v1\nkind: List\nitems:\n${POLICY('egress-by-gw', 'gw', HTTPS('web', '*.example.com', 10443))
      .split('\n').map((l, i) => (i === 0 ? `- ${l}` : `  ${l}`)).join('\n')}\n`);
    expect(violationLines((await validate([list])).json)[0]).toMatch(/^WILDCARD_HOST @ egress-by-gw \S+ items\[0\]\.spec\.egressRules\[0\]\.to\[0\]\.hosts\[0\]: /);
  });

  test('properties that are wrong fail the validation, naming the property, before any check', async () => {
    const example2 = join(FIXTURES, 'example-2.yaml');
    const result = await validate([example2], { asmVersion: '1.2', strikt: true, strict: 'yes' } as any);
    expect(result.success).toBe(false);
    expect(violationLines(result.json)).toEqual([
      "INVALID_OPTION @ EgressValidation cdk8s.yaml validations[].properties.strikt: 'strikt' is not a property of EgressValidation | remove it (properties: strict, asmVersion)",
      'INVALID_OPTION @ EgressValidation cdk8s.yaml validations[].properties.strict: must be true or false, not "yes" | write strict: true or strict: false',
      'INVALID_VERSION @ EgressValidation cdk8s.yaml validations[].properties.asmVersion: ASM version 1.2 has no ASMEgressTrafficPolicy: it needs 1.16.4 or later '
        + "| write a dotted ASM version, quoted: asmVersion: '1.24.6.45'",
    ]);
    const unquoted = await validate([example2], { asmVersion: 1.22 } as any);
    expect(violationLines(unquoted.json)).toEqual([
      "INVALID_VERSION @ EgressValidation cdk8s.yaml validations[].properties.asmVersion: must be a string, not 1.22 | quote the version: asmVersion: '1.24.6.45'",
    ]);
  });

  test('a file that is not YAML is a violation of its own, and the other files are still checked', async () => {
    const broken = file('broken.yaml', 'kind: [\n');
    const bad = file('bad.yaml', POLICY('egress-by-gw', 'gw', HTTPS('web', '*.example.com', 10443)));
    const result = await validate([broken, bad]);
    expect(result.success).toBe(false);
    expect(result.json.violations.map((v) => [v.ruleName, v.violatingConstructs[0].manifestPath])).toEqual([
      ['MANIFEST_UNREADABLE', broken], ['WILDCARD_HOST', bad],
    ]);
    expect(result.json.violations[0].recommendation).toMatch(new RegExp(`^${escape(broken)}:\\d+:\\d+: `));
  });
});

test('EgressRule from another chart: the construct policy and its contributed rule pass', async () => {
  const app = testApp();
  new EgressTrafficPolicy(new Chart(app, 'platform'), 'Egress', { gateway: 'gw' });
  new EgressRule(new Chart(app, 'payments'), 'Stripe', { gateway: 'gw', name: 'payments' })
    .allowFrom(EgressSource.namespace('payments')).allowTo(ExternalService.https('stripe', { hosts: ['api.stripe.com'] }));
  const manifests = app.charts.map((c, i) => file(`chart-${i}.k8s.yaml`, Yaml.stringify(...c.toJson())));
  const result = await validate(manifests);
  expect(result.json.violations).toEqual([]);
  expect(result.json.summary.metadata).toEqual({ policies: '1', errors: '0', warnings: '0' });
});

/**
 * The violations are the problems that `asm-egress lint` prints for the same files, one for one and
 * in the same order: field, message (a warning's with `warning: `) and fix, which lint joins with ': '.
 */
function expectSameAsLint(json: ReturnType<ValidationContext['report']['toJson']>, lintArgs: string[]): void {
  const lint = runCli(lintArgs);
  const printed = lint.stderr.trim().split('\n').slice(0, -1); // less the count
  expect(printed).toEqual(json.violations.map((v) => {
    const resource = v.violatingConstructs[0];
    const lineOf = `${escape(resource.manifestPath)}:\\d+:\\d+: `;
    // A problem of the manifest's shape has a fix in the report only (lint's message says it).
    return expect.stringMatching(new RegExp(`^${lineOf}${escape(resource.locations[0])}: ${escape(v.recommendation)}(: ${escape(v.fix)})?$`));
  }));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
