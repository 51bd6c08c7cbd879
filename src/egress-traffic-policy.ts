import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { ambientOptionProblems, resolveAmbientOptions } from './ambient/options';
import type { AmbientOptions } from './ambient-options';
import { renderAsmSpec } from './asm/render';
import { AsmApiVersion } from './asm-api-version';
import { AsmVersion } from './asm-version';
import { policyValueProblems } from './checks/values';
import { EgressOutput } from './egress-output';
import { EgressRegistry } from './egress-registry';
import { EgressRule } from './egress-rule';
import { EgressSource } from './egress-source';
import { ExternalService } from './external-service';
import { GatewayPortAllocation } from './gateway-port-allocation';
import { GuardrailOverride } from './guardrail-override';
import { istioOptionProblems, resolveIstioOptions } from './istio/options';
import { IstioOptions } from './istio-options';
import type { Adoption } from './manifest/adoption';
import { readPolicyManifest } from './manifest/read-policy';
import { EgressError, inputError, throwIfInvalid } from './model/error';
import { guardrailOverrideAnnotations } from './model/guardrail-annotation';
import type { PolicySettingsModel } from './model/model';
import { includesAsm } from './model/output';
import { formatField, problem, Problem } from './model/problem';
import { OrderedApiObject } from './pipeline/ordered-api-object';
import { PortRange } from './port-range';

/** The namespace ASM's convention puts egress policies in. */
const POLICY_NAMESPACE = 'istio-egress';

/** The names of the options given a value. */
function optionsSet(options: IstioOptions | AmbientOptions | undefined): string[] {
  return Object.entries(options ?? {}).filter(([, value]) => value !== undefined).map(([key]) => key);
}

/** Where the policy's props come from in a manifest. */
const PROP_FIELDS: Record<string, string[]> = {
  gateway: ['spec', 'byEgressGateway', 'name'],
  name: ['metadata', 'name'],
  namespace: ['metadata', 'namespace'],
};

/**
 * Properties of an `EgressTrafficPolicy`.
 *
 * @example
 * new EgressTrafficPolicy(chart, 'Egress', {
 *   gateway: 'egressgateway-a',
 *   asmVersion: AsmVersion.of('1.22.6.28'),
 *   portRange: PortRange.between(20000, 20999),
 *   excludedPorts: [20021],
 * });
 */
export interface EgressTrafficPolicyProps {
  /** Name of the egress gateway that this policy controls. */
  readonly gateway: string;

  /**
   * Name of the policy object.
   * @default `egress-by-<gateway>`, ASM's convention
   */
  readonly name?: string;

  /**
   * Namespace of the policy object.
   * @default 'istio-egress', ASM's convention
   */
  readonly namespace?: string;

  /**
   * The ASM version the policy must work on: it decides which features may be used.
   * @default - the App's setting (`EgressRegistry.configure()`), else AsmVersion.LATEST
   */
  readonly asmVersion?: AsmVersion;

  /**
   * What the policy synthesises: the ASM object, the equivalent Istio objects, or both.
   * @default - the App's setting (`EgressRegistry.configure()`), else EgressOutput.ASM
   */
  readonly output?: EgressOutput;

  /**
   * API version of the emitted object.
   * @default AsmApiVersion.V1BETA1
   */
  readonly apiVersion?: AsmApiVersion;

  /**
   * Who allocates the gateway ports that services leave unset.
   * @default GatewayPortAllocation.LIBRARY
   */
  readonly portAllocation?: GatewayPortAllocation;

  /**
   * Range that the library allocates gateway ports from.
   * @default PortRange.DEFAULT (10000-20000)
   */
  readonly portRange?: PortRange;

  /**
   * Ports that the gateway uses for other purposes (health checks, metrics, other listeners):
   * never allocated, and an error when a service sets one explicitly.
   * @default - none
   */
  readonly excludedPorts?: number[];

  /**
   * Make guardrails that only warn fail synthesis: plain HTTP without `httpsUpgrade` (and without
   * a `Guardrail.PLAIN_HTTP` override) becomes an error in this policy.
   * @default - the App's setting (`EgressRegistry.configure()`), else false
   */
  readonly strictGuardrails?: boolean;

  /**
   * How the policy is rendered as open-source Istio objects (with an output that includes them),
   * and which objects describe its egress gateway; overrides the App's `istio` field by field.
   * @default - the App's setting (`EgressRegistry.configure()`), else the defaults of `IstioOptions`
   */
  readonly istio?: IstioOptions;

  /**
   * How the policy is rendered for Istio's ambient mode (with an output that includes it);
   * overrides the App's `ambient` field by field.
   * @default - the App's setting (`EgressRegistry.configure()`), else the defaults of `AmbientOptions`
   */
  readonly ambient?: AmbientOptions;
}

/**
 * Options of `EgressTrafficPolicy.fromManifest()`.
 *
 * @example
 * EgressTrafficPolicy.fromManifest(chart, 'Egress', manifest, { asmVersion: AsmVersion.of('1.22.6.28') });
 */
export interface FromManifestOptions {
  /**
   * The ASM version the policy must work on.
   * @default - the App's setting (`EgressRegistry.configure()`), else AsmVersion.LATEST
   */
  readonly asmVersion?: AsmVersion;

  /**
   * What the policy synthesises.
   * @default - the App's setting (`EgressRegistry.configure()`), else EgressOutput.ASM
   */
  readonly output?: EgressOutput;

  /**
   * Who allocates the gateway ports that the manifest leaves empty. `LIBRARY` fills in every
   * missing port; `ASM` requires all of them to be empty.
   * @default - as the manifest is written: ASM when every service leaves its gateway port empty
   * (which needs ASM 1.24.6.45), otherwise every service must set one, as ASM requires
   */
  readonly portAllocation?: GatewayPortAllocation;
}

/**
 * The egress policy of one egress gateway: an `ASMEgressTrafficPolicy` holding every rule that
 * the App declares for that gateway, in this chart or any other.
 *
 * @example
 * const policy = new EgressTrafficPolicy(chart, 'EgressA', { gateway: 'egressgateway-a' });
 * policy.addRule('sleep-a')
 *   .allowFrom(EgressSource.namespace('mytest', { workloadSelector: { app: 'sleep-a' } }))
 *   .allowTo(ExternalService.http('httpbin-service-http', { hosts: ['www.httpbin.org', 'httpbin.org'], gatewayPort: 80 }));
 */
export class EgressTrafficPolicy extends Construct {
  /**
   * Adopts an existing `ASMEgressTrafficPolicy` manifest (v1beta1 or v1, as parsed from YAML):
   * builds the policy and its rules with this library's constructs, so that it is validated and
   * allocated with the rest of the App. More rules can be added to it as usual. Fields that mean
   * nothing to apply (`status`, server-set metadata) are dropped with a warning
   * (`EgressRegistry.warnings`).
   *
   * @param manifest the object, e.g. one document of `Yaml.load()`
   * @throws listing every problem of the manifest, each with its field (`spec.egressRules[0].to[1].hosts[0]`)
   *
   * @example
   * const manifest = Yaml.load('egress-policy.yaml')[0];
   * const policy = EgressTrafficPolicy.fromManifest(chart, 'Egress', manifest);
   * policy.addRule('payments').allowFrom(EgressSource.fromWorkload(payments)).allowTo(stripe);
   */
  public static fromManifest(scope: Construct, id: string, manifest: any, options: FromManifestOptions = {}): EgressTrafficPolicy {
    const adoption = EgressTrafficPolicy._adopt(scope, id, manifest, options);
    const path = scope.node.path ? `${scope.node.path}/${id}` : id;
    const problems = adoption.problems.map((p) => ({ ...p, subject: path }));
    throwIfInvalid(`ASMEgressTrafficPolicy manifest of ${path}`, problems, 'manifest');
    EgressRegistry.of(scope)._report(problems);
    return adoption.policy!;
  }

  /**
   * Builds a policy and its rules from a manifest, collecting every problem instead of throwing:
   * parts that are wrong on their own are left out, so that the App's checks still run on the rest.
   * @internal
   */
  public static _adopt(scope: Construct, id: string, manifest: unknown, options: FromManifestOptions = {}): Adoption {
    const asmVersion = options.asmVersion ?? EgressRegistry.of(scope).settings.asmVersion ?? AsmVersion.LATEST;
    const { spec, problems } = readPolicyManifest(manifest, { asmVersion, portAllocation: options.portAllocation });
    const parts = new Map<string, { readonly rule?: Adoption['spec']['rules'][number] }>();
    const namesWrong = problems.some((p) => p.severity === 'error' && Object.values(PROP_FIELDS).some((f) => formatField(f) === formatField(p.field)));
    if (spec.gateway === undefined || namesWrong) return { spec, problems, parts };

    let policy: EgressTrafficPolicy;
    try {
      policy = new EgressTrafficPolicy(scope, id, {
        gateway: spec.gateway,
        name: spec.name,
        namespace: spec.namespace,
        apiVersion: spec.apiVersion,
        asmVersion: options.asmVersion,
        output: options.output,
        portAllocation: spec.portAllocation,
      });
    } catch (e) {
      if (!EgressError.is(e)) throw e;
      // The policy throws after joining the tree (on the App's Istio settings, say): leave no
      // half-built construct behind, and report at the fields of the manifest.
      scope.node.tryRemoveChild(id);
      problems.push(...e.problems.map((p) => ({ ...p, field: PROP_FIELDS[p.field[0]] ?? p.field })));
      return { spec, problems, parts };
    }
    parts.set(policy.node.path, {});
    for (const [key, value] of Object.entries(spec.labels)) policy.apiObject?.metadata.addLabel(key, value);
    for (const [key, value] of Object.entries(spec.annotations)) policy.apiObject?.metadata.addAnnotation(key, value);
    for (const rule of spec.rules) {
      // Ids from the manifest's own field: unique whatever the rule names, and telling in errors.
      const construct = new EgressRule(policy, formatField(rule.field.slice(1)), { name: rule.name })
        .allowFrom(...rule.sources.map((s) => EgressSource._fromModel(s.source)))
        .allowTo(...rule.services.map((s) => ExternalService._fromModel(s.service)));
      parts.set(construct.node.path, { rule });
    }
    return { spec, policy, problems, parts };
  }

  /** The egress gateway. */
  public readonly gateway: string;
  /** Name of the policy object. */
  public readonly name: string;
  /** Namespace of the policy object. */
  public readonly namespace: string;
  /** The ASM version the policy targets. */
  public readonly asmVersion: AsmVersion;
  /** Who allocates unset gateway ports. */
  public readonly portAllocation: GatewayPortAllocation;
  /** What the policy synthesises. */
  public readonly output: EgressOutput;
  /** The emitted `ASMEgressTrafficPolicy`, unless the output is Istio objects only. */
  public readonly apiObject?: ApiObject;
  /** API version of the emitted `ASMEgressTrafficPolicy`. */
  public readonly apiVersion: AsmApiVersion;

  private readonly settings: PolicySettingsModel;
  private readonly registry: EgressRegistry;
  private ruleCount = 0;

  constructor(scope: Construct, id: string, props: EgressTrafficPolicyProps) {
    super(scope, id);
    const what = `EgressTrafficPolicy ${this.node.path}`;
    if (typeof props?.gateway !== 'string') {
      // Only reachable from JavaScript or other jsii languages, where the type is not checked.
      throwIfInvalid(what, [problem('REQUIRED', ['gateway'], 'is required (the name of the egress gateway)')]);
    }
    this.registry = EgressRegistry.of(this);
    const app = this.registry.settings;
    this.gateway = props.gateway;
    this.name = props.name ?? `egress-by-${props.gateway}`;
    this.namespace = props.namespace ?? POLICY_NAMESPACE;
    this.asmVersion = props.asmVersion ?? app.asmVersion ?? AsmVersion.LATEST;
    this.output = props.output ?? app.output ?? EgressOutput.ASM;
    this.apiVersion = props.apiVersion ?? AsmApiVersion.V1BETA1;
    this.portAllocation = props.portAllocation ?? GatewayPortAllocation.LIBRARY;
    this.settings = {
      subject: this.node.path,
      gateway: this.gateway,
      name: this.name,
      namespace: this.namespace,
      apiVersion: this.apiVersion,
      asmVersion: this.asmVersion,
      asmVersionFrom: props.asmVersion !== undefined ? 'policy' : app.asmVersion !== undefined ? 'app' : 'default',
      portAllocation: this.portAllocation,
      portRange: props.portRange ?? PortRange.DEFAULT,
      excludedPorts: [...(props.excludedPorts ?? [])],
      output: this.output,
      istio: resolveIstioOptions(this.gateway, app.istio, props.istio),
      ambient: resolveAmbientOptions(this.gateway, this.namespace, app.ambient, props.ambient),
      strictGuardrails: props.strictGuardrails ?? app.strictGuardrails ?? false,
      optionsSet: {
        istio: { app: optionsSet(app.istio), policy: optionsSet(props.istio) },
        ambient: { app: optionsSet(app.ambient), policy: optionsSet(props.ambient) },
      },
    };
    const problems: Problem[] = [
      ...policyValueProblems({ gateway: this.gateway, name: this.name, namespace: this.namespace, excludedPorts: this.settings.excludedPorts }),
      ...istioOptionProblems(this.settings.istio),
      ...ambientOptionProblems(this.settings.ambient),
    ];
    throwIfInvalid(what, problems);

    this.registry._registerPolicy(this);

    if (includesAsm(this.output)) {
      this.apiObject = new OrderedApiObject(this, 'Resource', {
        apiVersion: this.apiVersion,
        kind: 'ASMEgressTrafficPolicy',
        metadata: { name: this.name, namespace: this.namespace },
        spec: Lazy.any({ produce: () => this._toKube() }),
      });
      // Overridden guardrails stay reviewable in the output; no annotation when none is overridden.
      this.apiObject.metadata.addAnnotation(GuardrailOverride.ANNOTATION, Lazy.any({
        produce: () => this._overrideAnnotations()[GuardrailOverride.ANNOTATION],
      }));
    }
  }

  /**
   * Adds a rule to this policy.
   * @param name the rule's name in the CRD (also its construct id)
   */
  public addRule(name?: string): EgressRule {
    this.ruleCount++;
    let id = name ?? `Rule${this.ruleCount}`;
    if (name !== undefined && this.node.tryFindChild(name)) {
      const message = `addRule('${name}'): the policy already has a rule with this name (or id)`;
      throw inputError(`EgressTrafficPolicy ${this.node.path}: ${message}`, problem('DUPLICATE_RULE', ['name'], message, { subject: this.node.path }));
    }
    // An unnamed rule takes the next free id, even when a named rule took `RuleN`.
    while (this.node.tryFindChild(id)) id = `Rule${++this.ruleCount}`;
    return new EgressRule(this, id, { name });
  }

  /**
   * The gateway port of a service in this policy: the explicit one, or the one allocated for the
   * whole App. Call it once every policy and rule is declared.
   * @throws if the service is not in this policy, or ASM allocates the ports
   */
  public gatewayPortOf(service: ExternalService): number {
    if (this.portAllocation === GatewayPortAllocation.ASM) {
      const message = `gateway ports of '${this.gateway}' are allocated by ASM at run time`;
      throw inputError(`${this.node.path}: ${message}`, problem('INVALID_CALL', ['portAllocation'], message, { subject: this.node.path }));
    }
    const port = this.registry._model().ports.get(this.gateway)?.get(service._model);
    if (port === undefined) {
      const message = `service '${service.name}' has no port on gateway '${this.gateway}' (it is not in this policy, or the policy has errors)`;
      throw inputError(`${this.node.path}: ${message}`, problem('INVALID_CALL', [], message, { subject: this.node.path }));
    }
    return port;
  }

  /** What the policy is, for the App's model. @internal */
  public get _settings(): PolicySettingsModel {
    return this.settings;
  }

  /** The annotations that record the policy's guardrail overrides: none when it overrides none. @internal */
  public _overrideAnnotations(): { [key: string]: string } {
    return guardrailOverrideAnnotations(this.registry._validPolicyModel(this.gateway));
  }

  /** The CRD spec of this policy, from the model of the whole App. @internal */
  public _toKube(): any {
    const policy = this.registry._validPolicyModel(this.gateway);
    return renderAsmSpec(policy, this.registry._model().ports.get(this.gateway));
  }
}
