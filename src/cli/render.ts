import { Yaml } from 'cdk8s';
import { EgressOutput } from '../egress-output';
import { EgressSettings } from '../egress-settings';
import { GatewayPortAllocation } from '../gateway-port-allocation';
import { IstioApiVersion } from '../istio-api-version';
import { Command, EXIT_INVALID, EXIT_OK, usageError } from './command';
import { readInputs } from './input';
import { ASM_VERSION_OPTION, loadPolicies, parseAsmVersion, STRICT_OPTION, QUIET_OPTION } from './load';
import { countText, plural, printDiagnostics } from './output';
import { uncheckedSidecarWarnings } from './partial-input';

const ISTIO_APIS = new Map([['v1', IstioApiVersion.V1], ['v1beta1', IstioApiVersion.V1BETA1]]);

/**
 * `asm-egress render`: the policies as the library synthesises them, every gateway port filled in
 * by its allocator (so ASM's own allocation rules do not apply), with the Istio objects (sidecar or
 * ambient mode) on request.
 */
export const renderCommand: Command = {
  name: 'render',
  summary: 'Write the policies with every gateway port allocated (and the Istio objects)',
  synopsis: 'render [--quiet] [--istio | --ambient] [--istio-api v1|v1beta1] [--asm-version VERSION] [--strict] FILE...',
  description: [
    'Checks the policies like lint, then writes one multi-document YAML stream to standard output:',
    "every ASMEgressTrafficPolicy with all gateway ports filled in by the library's allocator",
    '(ports that the input sets are kept), and with --istio the open-source Istio objects that',
    'implement them through a sidecar-mode egress gateway, or with --ambient those of Istio\'s',
    'ambient mode, through a waypoint (a waypoint cannot see pod labels: a source with a',
    'workloadSelector needs the UNENFORCED_SELECTOR line in the guardrail-overrides annotation,',
    'which widens it to its namespace). Writes nothing to standard output when the input breaks a rule.',
  ],
  options: {
    'quiet': QUIET_OPTION,
    'istio': { type: 'boolean', description: 'also write the Istio objects of each policy (sidecar mode)' },
    'ambient': { type: 'boolean', description: 'also write the Istio ambient-mode objects of each policy (waypoint egress gateway)' },
    'istio-api': { type: 'string', valueName: 'v1|v1beta1', description: 'API version of the Istio objects (default: v1); needs --istio or --ambient' },
    'asm-version': ASM_VERSION_OPTION,
    'strict': STRICT_OPTION,
  },
  run(args, io) {
    const asmVersion = parseAsmVersion(args.values['asm-version'] as string | undefined, 'render');
    const istio = args.values.istio === true;
    const ambient = args.values.ambient === true;
    const istioApi = args.values['istio-api'] as string | undefined;
    if (istio && ambient) throw usageError('--istio and --ambient exclude each other (sidecar or ambient mode: one Istio output)', 'render');
    if (istioApi !== undefined && !ISTIO_APIS.has(istioApi)) throw usageError(`--istio-api must be v1 or v1beta1, not '${istioApi}'`, 'render');
    if (istioApi !== undefined && !istio && !ambient) throw usageError('--istio-api needs --istio or --ambient', 'render');
    const apiVersion = istioApi !== undefined ? { apiVersion: ISTIO_APIS.get(istioApi) } : undefined;
    const settings: EgressSettings = {
      asmVersion,
      strictGuardrails: args.values.strict === true,
      output: istio ? EgressOutput.ASM_AND_ISTIO : ambient ? EgressOutput.ASM_AND_AMBIENT : EgressOutput.ASM,
      ...(apiVersion && istio ? { istio: apiVersion } : {}),
      ...(apiVersion && ambient ? { ambient: apiVersion } : {}),
    };

    const inputs = readInputs(args.positionals, io, 'render');
    const loaded = loadPolicies(inputs, { settings, portAllocation: GatewayPortAllocation.LIBRARY });
    const quiet = args.values.quiet === true;
    if (loaded.errorCount > 0) {
      printDiagnostics(loaded.diagnostics, io, quiet);
      io.stderr(`asm-egress render: ${countText(loaded.diagnostics)} in ${plural(inputs.files.length, 'file')}\n`);
      return EXIT_INVALID;
    }
    let objects: any[];
    try {
      objects = loaded.chart.toJson();
    } catch (e) {
      // Checks of the App beyond the policies' own (none today); reported as they come.
      printDiagnostics(loaded.diagnostics, io, quiet);
      io.stderr(`asm-egress render: ${(e as Error).message}\n`);
      return EXIT_INVALID;
    }
    // Known only once the Sidecars are rendered: which policies each namespace's were merged from.
    printDiagnostics([...loaded.diagnostics, ...(istio ? uncheckedSidecarWarnings(inputs, objects, loaded.policies) : [])], io, quiet);
    io.stdout(Yaml.stringify(...objects));
    return EXIT_OK;
  },
};
