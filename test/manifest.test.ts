import { Chart, Yaml } from 'cdk8s';
import { fixture, synthError, synthObjects, testApp, warningLines } from './util/synth';
import { Example3 } from '../examples/documented-examples';
import { AsmVersion, EgressErrors, EgressRegistry, EgressSource, EgressTrafficPolicy, ExternalService, GatewayPortAllocation, ProblemSeverity } from '../src';
import { readPolicyManifest } from '../src/manifest/read-policy';
import { formatField } from '../src/model/problem';

// EgressTrafficPolicy.fromManifest(): existing YAML adopted into a cdk8s App.

function setup() {
  const app = testApp();
  return { app, chart: new Chart(app, 'platform') };
}

/** A small valid manifest, changed by `edit`. */
function manifest(edit: (m: any) => void = () => undefined): any {
  const m = {
    apiVersion: 'istio.alibabacloud.com/v1beta1',
    kind: 'ASMEgressTrafficPolicy',
    metadata: { name: 'egress-by-gw-a', namespace: 'istio-egress' },
    spec: {
      byEgressGateway: { name: 'gw-a' },
      egressRules: [{
        name: 'shop',
        from: [{ namespace: 'shop', workloadSelector: { app: 'web' } }],
        to: [{ name: 'pay', hosts: ['pay.example.com'], port: { name: 'https', number: 443, protocol: 'HTTPS' }, byEgressGateway: { port: 15443 } }],
      }],
    },
  };
  edit(m);
  return m;
}

describe('EgressTrafficPolicy.fromManifest', () => {
  test.each(['example-1.yaml', 'example-2.yaml', 'example-3.yaml'])('%s synthesises as written', (name) => {
    const { app, chart } = setup();
    const [object] = Yaml.load(`examples/manifests/${name}`);
    EgressTrafficPolicy.fromManifest(chart, 'Adopted', object);
    expect(synthObjects(app)).toEqual([fixture(name)]);
  });

  test('an adopted policy takes more rules, and joins the App-wide checks', () => {
    const { app, chart } = setup();
    const policy = EgressTrafficPolicy.fromManifest(chart, 'Adopted', manifest());
    expect(policy.gateway).toBe('gw-a');
    policy.addRule('audit')
      .allowFrom(EgressSource.namespace('audit'))
      .allowTo(ExternalService.https('pay', { hosts: ['pay.example.com'], gatewayPort: 15443 }));
    const [object] = synthObjects(app);
    expect(object.spec.egressRules.map((r: any) => r.name)).toEqual(['shop', 'audit']);

    // A rule of the manifest in a problem found at synthesis: its construct path names its field.
    const other = setup();
    EgressTrafficPolicy.fromManifest(other.chart, 'Adopted', manifest((m) => { m.spec.egressRules[0].to[0].port.protocol = 'TCP'; }),
      { asmVersion: AsmVersion.of('1.22.6.28') });
    expect(synthError(other.app)).toBe([
      'Validation failed with the following errors:',
      "  [platform/Adopted/egressRules[0]] to[0].port.protocol: 'pay' is a TCP service; ASM supports TCP from version 1.24.6.45, this policy targets 1.22.6.28: "
        + "raise this policy's asmVersion to 1.24.6.45 or later if the mesh runs it, or remove the service",
    ].join('\n'));
  });

  test('throws once, listing every problem of the manifest with its field', () => {
    const { chart } = setup();
    const bad = manifest((m) => {
      m.apiVersion = 'istio.alibabacloud.com/v2';
      m.spec.byEgressGateway.name = 'GW';
      m.spec.egressRules[0].from[0].workloadSelector.app = 7;
      m.spec.egressRules[0].to[0].hosts.push('*');
      m.spec.egressRules[0].to[0].port.protocol = 'MONGO';
      m.spec.egressRules[0].to.push({ name: 'x', hosts: ['x.example.com'], port: { name: 'http', number: 80, protocol: 'HTTP' } });
    });
    expect(() => EgressTrafficPolicy.fromManifest(chart, 'Adopted', bad)).toThrow([
      'ASMEgressTrafficPolicy manifest of platform/Adopted is invalid:',
      "  apiVersion: 'istio.alibabacloud.com/v2' is not an API version of ASMEgressTrafficPolicy: use istio.alibabacloud.com/v1beta1 or istio.alibabacloud.com/v1",
      '  spec.egressRules[0].from[0].workloadSelector.app: must be a string, not a number (7): quote the value',
      '  spec.egressRules[0].to[0].port.protocol: MONGO is a protocol of the CRD that cdk8s-asm-egress does not support (supported: HTTP, HTTPS, TLS, TCP)',
      "  spec.egressRules[0].to[0].hosts[1]: a bare '*' matches every host and is not allowed",
      '  spec.egressRules[0].to[1].byEgressGateway.port: missing, while other services of this policy set theirs (spec.egressRules[0].to[0].byEgressGateway.port): ASM allocates gateway ports only when every service leaves its port empty; set this one too, or remove them all',
      "  spec.byEgressGateway.name: 'GW' is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)",
    ].join('\n'));
    // As data too, each at the construct path that the message names.
    const error = errorThrownBy(() => EgressTrafficPolicy.fromManifest(chart, 'Again', bad));
    expect(EgressErrors.isEgressError(error)).toBe(true);
    expect(EgressErrors.problemsOf(error).map((p) => [p.path, p.code, p.field])).toEqual([
      ['platform/Again', 'MANIFEST_INVALID_VALUE', 'apiVersion'],
      ['platform/Again', 'MANIFEST_WRONG_TYPE', 'spec.egressRules[0].from[0].workloadSelector.app'],
      ['platform/Again', 'MANIFEST_UNSUPPORTED', 'spec.egressRules[0].to[0].port.protocol'],
      ['platform/Again', 'INVALID_HOST', 'spec.egressRules[0].to[0].hosts[1]'],
      ['platform/Again', 'MANIFEST_GATEWAY_PORTS', 'spec.egressRules[0].to[1].byEgressGateway.port'],
      ['platform/Again', 'INVALID_NAME', 'spec.byEgressGateway.name'],
    ]);
  });

  test('gateway ports: as written by default, or filled in by the library', () => {
    const [example3] = Yaml.load('examples/manifests/example-3.yaml');
    const asWritten = setup();
    expect(EgressTrafficPolicy.fromManifest(asWritten.chart, 'P', example3).portAllocation).toBe(GatewayPortAllocation.ASM);

    // Filled in: exactly the ports that the constructs allocate for the same policy.
    const filled = setup();
    EgressTrafficPolicy.fromManifest(filled.chart, 'P', example3, { portAllocation: GatewayPortAllocation.LIBRARY });
    const constructs = testApp();
    new Example3(constructs, 'example-3', GatewayPortAllocation.LIBRARY);
    expect(synthObjects(filled.app)).toEqual(synthObjects(constructs));

    // ASM allocates only from 1.24.6.45: before, every port must be written.
    const old = setup();
    expect(() => EgressTrafficPolicy.fromManifest(old.chart, 'P', example3, { asmVersion: AsmVersion.of('1.22.6.28') }))
      .toThrow(/spec\.egressRules\[0\]\.to\[4\]\.byEgressGateway\.port: missing: ASM 1\.22\.6\.28 does not allocate gateway ports/);
  });

  test('guardrail overrides come from the annotation that the library writes', () => {
    const annotated = manifest((m) => {
      m.spec.egressRules[0].to[0].hosts = ['10.1.2.3'];
      m.spec.egressRules[0].to[0].port.protocol = 'TCP';
      m.metadata.annotations = { 'egress.cdk8s-asm-egress.io/guardrail-overrides': 'service pay: PRIVATE_ADDRESS: payments VPC peering' };
    });
    const { app, chart } = setup();
    EgressTrafficPolicy.fromManifest(chart, 'Adopted', annotated);
    const [object] = synthObjects(app);
    expect(object.metadata.annotations).toEqual(annotated.metadata.annotations);
    expect(object.spec.egressRules[0].to[0].hosts).toEqual(['10.1.2.3']);

    const bare = manifest((m) => {
      m.spec.egressRules[0].to[0].hosts = ['10.1.2.3'];
      m.spec.egressRules[0].to[0].port.protocol = 'TCP';
    });
    expect(() => EgressTrafficPolicy.fromManifest(setup().chart, 'Adopted', bare)).toThrow(
      "spec.egressRules[0].to[0].hosts[0]: '10.1.2.3' is a private address (RFC 1918, 10.0.0.0/8), which reaches a private network: remove it, or allow it with the line 'service pay: PRIVATE_ADDRESS: <reason>' in annotation egress.cdk8s-asm-egress.io/guardrail-overrides");
  });

  test('read for a query, the overrides annotation is kept for review: its format checked, overrides of nothing kept', () => {
    const annotated = (text: string) => manifest((m) => {
      m.metadata.annotations = { 'egress.cdk8s-asm-egress.io/guardrail-overrides': text };
    });
    const lines = 'service pay: PRIVATE_ADDRESS: payments VPC peering\nsource shop{app=web}: MESH_WIDE_SOURCE: not needed';
    const read = readPolicyManifest(annotated(lines), { query: true });
    expect(read.problems).toEqual([]);
    expect(read.spec.overrideLines).toEqual([
      { subject: 'service', name: 'pay', guardrail: 'PRIVATE_ADDRESS', reason: 'payments VPC peering' },
      { subject: 'source', name: 'shop{app=web}', guardrail: 'MESH_WIDE_SOURCE', reason: 'not needed' },
    ]);
    // Adoption refuses overrides that nothing needs; a query reads what the object says.
    expect(readPolicyManifest(annotated(lines)).problems.map((p) => p.code)).toEqual(['OVERRIDE_UNUSED', 'OVERRIDE_UNUSED']);
    // A line that is not an override is an error either way, with the same message.
    const broken = annotated('service pay PRIVATE_ADDRESS');
    expect(readPolicyManifest(broken, { query: true }).problems).toEqual(readPolicyManifest(broken).problems);
    expect(readPolicyManifest(broken, { query: true }).problems.map((p) => [p.code, formatField(p.field)])).toEqual([
      ['MANIFEST_OVERRIDE_ANNOTATION', 'metadata.annotations.egress.cdk8s-asm-egress.io/guardrail-overrides'],
    ]);
    expect(readPolicyManifest(manifest(), { query: true }).spec.overrideLines).toEqual([]);
  });

  test('fields that mean nothing to apply are dropped with a warning; null is a field left out', () => {
    const { app, chart } = setup();
    EgressTrafficPolicy.fromManifest(chart, 'Adopted', manifest((m) => {
      m.metadata.resourceVersion = '4711';
      m.status = { status: 'Synced' };
      m.spec.egressRules[0].from[0].workloadSelector = null;
      m.spec.egressRules[0].to[0].httpsUpgrade = null;
    }));
    expect(synthObjects(app)).toEqual([manifest((m) => { delete m.spec.egressRules[0].from[0].workloadSelector; })]);
    expect(warningLines(app)).toEqual([
      '[warning] [platform/Adopted] status: set by ASM at run time; dropped',
      '[warning] [platform/Adopted] metadata.resourceVersion: set by the API server; dropped',
    ]);
    expect(EgressRegistry.of(app).warnings.map((w) => w.code)).toEqual(['MANIFEST_DROPPED_FIELD', 'MANIFEST_DROPPED_FIELD']);
  });

  test('a manifest without namespace goes to istio-egress, with a warning', () => {
    const { app, chart } = setup();
    EgressTrafficPolicy.fromManifest(chart, 'Adopted', manifest((m) => { delete m.metadata.namespace; }));
    expect(warningLines(app)).toEqual([
      "[warning] [platform/Adopted] metadata.namespace: not set: the policy goes to 'istio-egress', ASM's convention (set it to keep the manifest and the output alike)",
    ]);
    // Nothing is dropped: the field is filled in, a code of its own.
    expect(EgressRegistry.of(app).warnings.map((w) => [w.code, w.severity])).toEqual([['MANIFEST_DEFAULTED_FIELD', ProblemSeverity.WARNING]]);
    expect(synthObjects(app)[0].metadata).toEqual({ name: 'egress-by-gw-a', namespace: 'istio-egress' });
  });
});

function errorThrownBy(make: () => unknown): unknown {
  try {
    make();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}
