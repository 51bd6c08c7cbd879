import { AsmVersion } from './asm-version';
import type * as ValidateManifests from './cli/validate-manifests';

// A validation plugin of cdk8s-cli (`validations:` in cdk8s.yaml): after `cdk8s synth`, every
// synthesised manifest goes through the checks of `asm-egress lint`, with the same loader, so that
// policies that arrive as YAML (Include, Helm, other libraries) are checked like the library's own,
// and together with them. cdk8s-cli is not a dependency: the interfaces below are structurally
// identical to its own (jsii cannot expose another package's types, nor their unions).

/**
 * Properties of `EgressValidation`: the `properties` of its entry in `cdk8s.yaml`.
 *
 * @example
 * new EgressValidation({ strict: true, asmVersion: '1.22.6.28' });
 */
export interface EgressValidationProps {
  /**
   * Make guardrail warnings (plain HTTP without an HTTPS upgrade, unless overridden) errors, as
   * `asm-egress lint --strict` does.
   * @default false
   */
  readonly strict?: boolean;

  /**
   * The ASM version that the policies must work on, as `asm-egress lint --asm-version` takes it.
   * @default - the newest documented behaviour (1.24.6.45)
   */
  readonly asmVersion?: string;
}

/**
 * A resource that breaks a rule, as cdk8s-cli's validation report takes it.
 *
 * @example
 * const resource: EgressValidationResource = {
 *   resourceName: 'egress-by-egressgateway-a',
 *   manifestPath: 'dist/app.k8s.yaml',
 *   locations: ['spec.egressRules[0].to[1].hosts[0]'],
 * };
 */
export interface EgressValidationResource {
  /** The object's `metadata.name`, which cdk8s-cli maps to its construct path. */
  readonly resourceName: string;
  /** The synthesised file that holds the object. */
  readonly manifestPath: string;
  /** The fields at fault, from the object's root: `spec.egressRules[0].to[1].hosts[0]`. */
  readonly locations: string[];
}

/**
 * One problem, as cdk8s-cli's validation report takes it.
 *
 * @example
 * const violation: EgressValidationViolation = {
 *   ruleName: 'WILDCARD_HOST',
 *   recommendation: "'*.example.com' opens every subdomain of example.com",
 *   fix: "allow it with the line 'service web: WILDCARD_HOST: <reason>' in annotation egress.cdk8s-asm-egress.io/guardrail-overrides",
 *   violatingResources: [{ resourceName: 'egress-by-gw', manifestPath: 'dist/app.k8s.yaml', locations: ['spec.egressRules[0].to[0].hosts[0]'] }],
 * };
 */
export interface EgressValidationViolation {
  /** The problem's stable code (`WILDCARD_HOST`, `DUPLICATE_POLICY`, ...). */
  readonly ruleName: string;
  /** What is wrong (warnings start with `warning: `). */
  readonly recommendation: string;
  /** How to fix it. */
  readonly fix: string;
  /** The object at fault. */
  readonly violatingResources: EgressValidationResource[];
}

/**
 * The report that cdk8s-cli hands a validation plugin (its `ValidationReport`).
 *
 * @example
 * context.report.submit('success', { policies: '2' });
 */
export interface IEgressValidationReport {
  /** Adds a violation to the report. */
  addViolation(violation: EgressValidationViolation): void;
  /**
   * Submits the report.
   * @param status `success` or `failure`; a failure makes `cdk8s synth` exit with status 2
   * @param metadata shown in the report's summary
   */
  submit(status: string, metadata?: { [key: string]: string }): void;
}

/**
 * What cdk8s-cli hands a validation plugin (its `ValidationContext`).
 *
 * @example
 * for (const manifest of context.manifests) console.log(manifest);
 */
export interface IEgressValidationContext {
  /**
   * Paths of the synthesised manifests (cdk8s-cli declares a `readonly string[]`, which jsii cannot
   * express; the plugin never changes it).
   */
  readonly manifests: string[];
  /** The report to fill in and submit. */
  readonly report: IEgressValidationReport;
}

/** Where a problem of the plugin's own properties is reported. */
const CONFIG_FILE = 'cdk8s.yaml';
const PROPERTY_NAMES = ['strict', 'asmVersion'];

/**
 * A cdk8s-cli validation plugin: after `cdk8s synth`, checks every `ASMEgressTrafficPolicy` of the
 * synthesised manifests as `asm-egress lint` does (the CRD's shape, the checks of the whole App such
 * as one policy per gateway and port conflicts, guardrails and their overrides), whether the
 * policies come from this library's constructs or arrive as YAML (`Include`, Helm, other
 * libraries). Every problem is one violation, named by its stable code, at the object's name and
 * the field; an error fails the synthesis (exit status 2). Objects of other kinds are ignored.
 *
 * Configure it in `cdk8s.yaml` (a local path loads it from the project's own `node_modules`; a bare
 * package name makes cdk8s-cli install it into its plugin cache from the registry):
 *
 * ```yaml
 * validations:
 *   - package: ./node_modules/cdk8s-asm-egress
 *     class: EgressValidation
 *     version: 1.0.0 # the installed version, exact
 *     properties: { strict: true }
 * ```
 *
 * @example
 * // What cdk8s-cli does with the entry of cdk8s.yaml:
 * const plugin = new EgressValidation({ strict: true });
 * plugin.validate(context);
 */
export class EgressValidation {
  private readonly asmVersion?: AsmVersion;
  private readonly strict: boolean;
  /** Problems of the properties themselves, reported when the plugin runs. */
  private readonly configViolations: EgressValidationViolation[] = [];

  constructor(props: EgressValidationProps = {}) {
    // The properties come from YAML, unchecked by any compiler.
    const given = (props ?? {}) as Record<string, unknown>;
    const bad = (ruleName: string, property: string, recommendation: string, fix: string) => this.configViolations.push({
      ruleName,
      recommendation,
      fix,
      violatingResources: [{
        resourceName: 'EgressValidation',
        manifestPath: CONFIG_FILE,
        locations: [`validations[].properties${property ? `.${property}` : ''}`],
      }],
    });
    if (typeof given !== 'object' || Array.isArray(given)) {
      bad('INVALID_OPTION', '', 'the properties of EgressValidation must be a mapping', `set them as { ${PROPERTY_NAMES.map((n) => `${n}: ...`).join(', ')} }`);
    } else {
      for (const key of Object.keys(given).filter((k) => !PROPERTY_NAMES.includes(k))) {
        bad('INVALID_OPTION', key, `'${key}' is not a property of EgressValidation`, `remove it (properties: ${PROPERTY_NAMES.join(', ')})`);
      }
    }
    this.strict = given.strict === true;
    if (given.strict !== undefined && typeof given.strict !== 'boolean') {
      bad('INVALID_OPTION', 'strict', `must be true or false, not ${JSON.stringify(given.strict)}`, 'write strict: true or strict: false');
    }
    if (given.asmVersion !== undefined) {
      if (typeof given.asmVersion !== 'string') {
        bad('INVALID_VERSION', 'asmVersion', `must be a string, not ${JSON.stringify(given.asmVersion)}`, "quote the version: asmVersion: '1.24.6.45'");
      } else {
        try {
          this.asmVersion = AsmVersion.of(given.asmVersion);
        } catch (e) {
          bad('INVALID_VERSION', 'asmVersion', (e as Error).message, "write a dotted ASM version, quoted: asmVersion: '1.24.6.45'");
        }
      }
    }
  }

  /**
   * Checks the synthesised manifests and submits the report: `failure` when any policy has an
   * error, `success` otherwise (warnings are listed in either case).
   */
  public async validate(context: IEgressValidationContext): Promise<void> {
    const report = context.report;
    if (this.configViolations.length > 0) {
      for (const v of this.configViolations) report.addViolation(v);
      report.submit('failure', { errors: String(this.configViolations.length) });
      return;
    }

    // The command line's loader (and its YAML parser) loads when the plugin runs, not with the library.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { validateManifests }: typeof ValidateManifests = require('./cli/validate-manifests');
    const result = validateManifests(context.manifests, { asmVersion: this.asmVersion, strictGuardrails: this.strict });
    for (const v of result.violations) report.addViolation(v);
    report.submit(result.status, result.metadata);
  }
}
