import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { AsmApiVersion } from './asm-api-version';
import { AsmVersion } from './asm-version';
import { includesAsm, EgressOutput } from './egress-output';
import { ExternalService } from './external-service';
import { GatewayPortAllocation, PortRange } from './gateway';
import { GuardrailOverride } from './guardrail';
import * as l1 from './imports/istio.alibabacloud.com';
import { IstioOptions, istioOptionProblems, ResolvedIstioOptions, resolveIstioOptions } from './istio-options';
import { FromManifestOptions, policyFromManifest } from './manifest';
import { PolicyModel, RuleModel } from './model/model';
import { Problem, problem, throwIfErrors } from './model/problem';
import { dnsLabelError, dnsSubdomainError, portError } from './model/syntax';
import { EgressRegistry } from './registry';
import { renderAsmSpec } from './render/asm';
import { guardrailOverrideAnnotations } from './render/guardrail-overrides';
import { EgressRule } from './rule';

/** The namespace ASM's convention puts egress policies in. */
const POLICY_NAMESPACE = 'istio-egress';

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
}

/**
 * The egress policy of one egress gateway: an `ASMEgressTrafficPolicy` holding every rule that
 * the App declares for that gateway, in this chart or any other.
 *
 * @example
 * const policy = new EgressTrafficPolicy(chart, 'EgressA', { gateway: 'egressgateway-a' });
 * policy.addRule('sleep-a')
 *   .from(EgressSource.namespace('mytest', { workloadSelector: { app: 'sleep-a' } }))
 *   .to(ExternalService.http('httpbin-service-http', { hosts: ['www.httpbin.org', 'httpbin.org'], gatewayPort: 80 }));
 */
export class EgressTrafficPolicy extends Construct {
  /**
   * Adopts an existing `ASMEgressTrafficPolicy` manifest (v1beta1 or v1, as parsed from YAML):
   * builds the policy and its rules with this library's constructs, so that it is validated and
   * allocated with the rest of the App. More rules can be added to it as usual.
   *
   * @param manifest the object, e.g. one document of `Yaml.load()`
   * @throws listing every problem of the manifest, each with its field (`spec.egressRules[0].to[1].hosts[0]`)
   *
   * @example
   * const [manifest] = Yaml.load('egress-policy.yaml');
   * const policy = EgressTrafficPolicy.fromManifest(chart, 'Egress', manifest);
   * policy.addRule('payments').from(EgressSource.fromWorkload(payments)).to(stripe);
   */
  public static fromManifest(scope: Construct, id: string, manifest: any, options: FromManifestOptions = {}): EgressTrafficPolicy {
    return policyFromManifest(scope, id, manifest, options);
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
  private readonly portRange: PortRange;
  private readonly excludedPorts: number[];
  private readonly strictGuardrails: boolean;
  private readonly istio: ResolvedIstioOptions;
  private readonly registry: EgressRegistry;
  private ruleCount = 0;

  constructor(scope: Construct, id: string, props: EgressTrafficPolicyProps) {
    super(scope, id);
    if (typeof props?.gateway !== 'string') {
      // Only reachable from JavaScript or other jsii languages, where the type is not checked.
      throw new Error(`EgressTrafficPolicy ${this.node.path} is invalid:\n  gateway: is required (the name of the egress gateway)`);
    }
    this.registry = EgressRegistry.of(this);
    const settings = this.registry.settings;
    this.gateway = props.gateway;
    this.name = props.name ?? `egress-by-${props.gateway}`;
    this.namespace = props.namespace ?? POLICY_NAMESPACE;
    this.asmVersion = props.asmVersion ?? settings.asmVersion ?? AsmVersion.LATEST;
    this.output = props.output ?? settings.output ?? EgressOutput.ASM;
    this.apiVersion = props.apiVersion ?? AsmApiVersion.V1BETA1;
    this.portAllocation = props.portAllocation ?? GatewayPortAllocation.LIBRARY;
    this.portRange = props.portRange ?? PortRange.DEFAULT;
    this.excludedPorts = [...(props.excludedPorts ?? [])];
    this.strictGuardrails = props.strictGuardrails ?? settings.strictGuardrails ?? false;
    this.istio = resolveIstioOptions(this.gateway, settings.istio, props.istio);
    throwIfErrors(`EgressTrafficPolicy ${this.node.path}`, this.checkProps());

    this.registry._registerPolicy(this);
    const path = this.node.path;
    this.node.addValidation({ validate: () => this.registry._errorsAt(path) });

    if (includesAsm(this.output)) {
      const L1 = this.apiVersion === AsmApiVersion.V1 ? l1.AsmEgressTrafficPolicyV1 : l1.AsmEgressTrafficPolicy;
      this.apiObject = new L1(this, 'Resource', {
        metadata: { name: this.name, namespace: this.namespace },
        spec: Lazy.any({ produce: () => this._toKube() }),
      });
      // Overridden guardrails stay reviewable in the output; no annotation when none is overridden.
      this.apiObject.metadata.addAnnotation(GuardrailOverride.ANNOTATION, Lazy.any({
        produce: () => guardrailOverrideAnnotations(this.registry._validPolicyModel(this.gateway))[GuardrailOverride.ANNOTATION],
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
      throw new Error(`EgressTrafficPolicy ${this.node.path}: addRule('${name}'): the policy already has a rule with this name (or id)`);
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
      throw new Error(`${this.node.path}: gateway ports of '${this.gateway}' are allocated by ASM at run time`);
    }
    const port = this.registry._model().ports.get(this.gateway)?.get(service);
    if (port === undefined) {
      throw new Error(`${this.node.path}: service '${service.name}' has no port on gateway '${this.gateway}' (it is not in this policy, or the policy has errors)`);
    }
    return port;
  }

  /** @internal */
  public _toModel(rules: RuleModel[]): PolicyModel {
    return {
      path: this.node.path,
      gateway: this.gateway,
      name: this.name,
      namespace: this.namespace,
      apiVersion: this.apiVersion,
      asmVersion: this.asmVersion,
      portAllocation: this.portAllocation,
      portRange: this.portRange,
      excludedPorts: this.excludedPorts,
      rules,
      strictGuardrails: this.strictGuardrails,
      output: this.output,
      istio: this.istio,
    };
  }

  /** The CRD spec of this policy, from the model of the whole App. @internal */
  public _toKube(): any {
    const policy = this.registry._validPolicyModel(this.gateway);
    return renderAsmSpec(policy, this.registry._model().ports.get(this.gateway));
  }

  private checkProps(): Problem[] {
    const problems: Problem[] = [];
    const add = (field: string, message: string | undefined) => message && problems.push(problem(field, message));
    add('gateway', dnsLabelError(this.gateway));
    add('name', dnsSubdomainError(this.name));
    add('namespace', dnsLabelError(this.namespace));
    this.excludedPorts.forEach((port, i) => add(`excludedPorts[${i}]`, portError(port)));
    problems.push(...istioOptionProblems(this.istio));
    return problems;
  }
}
