import { Construct } from 'constructs';
import { dnsLabelError } from './checks/syntax';
import { EgressRegistry } from './egress-registry';
import { EgressSource } from './egress-source';
import { ExternalService } from './external-service';
import { inputError } from './model/error';
import { problem } from './model/problem';
import type { RuleDeclaration } from './pipeline/build';

/**
 * Properties of an `EgressRule`.
 *
 * @example
 * new EgressRule(teamChart, 'Payments', { gateway: 'egressgateway-a', name: 'payments' })
 *   .allowFrom(EgressSource.namespace('payments'))
 *   .allowTo(ExternalService.https('stripe', { hosts: ['api.stripe.com'] }));
 */
export interface EgressRuleProps {
  /**
   * Name of the rule, as written in the CRD.
   * @default - unnamed
   */
  readonly name?: string;

  /**
   * The egress gateway whose policy this rule belongs to. A rule declared in any chart of the App
   * joins the one `EgressTrafficPolicy` of that gateway, so teams can contribute rules from their
   * own charts. Not needed for rules made with `EgressTrafficPolicy.addRule()`.
   * @default - the gateway of the enclosing `EgressTrafficPolicy`
   */
  readonly gateway?: string;
}

/**
 * One egress rule: these sources may reach these external services through the gateway.
 *
 * @example
 * policy.addRule('sleep-a')
 *   .allowFrom(EgressSource.namespace('mytest', { workloadSelector: { app: 'sleep-a' } }))
 *   .allowTo(httpbin, aliyun);
 *
 * // from another chart of the same App:
 * new EgressRule(teamChart, 'Payments', { gateway: 'egressgateway-a' })
 *   .allowFrom(EgressSource.fromWorkload(paymentsDeployment))
 *   .allowTo(stripe);
 */
export class EgressRule extends Construct {
  /** Name of the rule in the CRD, if it has one. */
  public readonly name?: string;
  /** The egress gateway this rule goes through. */
  public readonly gateway: string;

  private readonly _sources: EgressSource[] = [];
  private readonly _services: ExternalService[] = [];
  private readonly registry: EgressRegistry;

  constructor(scope: Construct, id: string, props: EgressRuleProps = {}) {
    super(scope, id);
    const enclosing = EgressRegistry._enclosingPolicyGateway(scope);
    const gateway = props.gateway ?? enclosing;
    if (gateway === undefined) {
      throw inputError(`EgressRule ${this.node.path}: gateway is required for a rule outside an EgressTrafficPolicy`,
        problem('REQUIRED', ['gateway'], 'is required for a rule outside an EgressTrafficPolicy', { subject: this.node.path }));
    }
    if (enclosing !== undefined && gateway !== enclosing) {
      const message = `gateway '${gateway}' differs from the enclosing policy's gateway '${enclosing}'`;
      throw inputError(`EgressRule ${this.node.path}: ${message}`, problem('INVALID_ARGUMENT', ['gateway'], message, { subject: this.node.path }));
    }
    const gatewayError = dnsLabelError(gateway);
    if (gatewayError) {
      throw inputError(`EgressRule ${this.node.path}: gateway: ${gatewayError}`, problem('INVALID_NAME', ['gateway'], gatewayError, { subject: this.node.path }));
    }
    if (props.name !== undefined && props.name.trim() === '') {
      throw inputError(`EgressRule ${this.node.path}: name must not be empty when given`,
        problem('INVALID_NAME', ['name'], 'must not be empty when given', { subject: this.node.path }));
    }
    this.name = props.name;
    this.gateway = gateway;
    this.registry = EgressRegistry.of(this);
    this.registry._registerRule(this);
  }

  /** Adds sources of traffic (request initiators). */
  public allowFrom(...sources: EgressSource[]): EgressRule {
    this.checkArguments('allowFrom', 'EgressSource', sources, (s) => s instanceof EgressSource);
    this._sources.push(...sources);
    this.registry._changed();
    return this;
  }

  /** Adds external services that the sources may reach. */
  public allowTo(...services: ExternalService[]): EgressRule {
    this.checkArguments('allowTo', 'ExternalService', services, (s) => s instanceof ExternalService);
    this._services.push(...services);
    this.registry._changed();
    return this;
  }

  /** Untyped callers (JavaScript) can pass anything: say so here rather than fail at synthesis. */
  private checkArguments(method: string, type: string, values: unknown[], valid: (value: unknown) => boolean): void {
    const bad = values.findIndex((v) => !valid(v));
    if (bad >= 0) {
      const message = `${method}() takes ${type} values; argument ${bad + 1} is ${values[bad] === null ? 'null' : typeof values[bad]}`;
      throw inputError(`EgressRule ${this.node.path}: ${message}`, problem('INVALID_ARGUMENT', [method], message, { subject: this.node.path }));
    }
  }

  /** The sources of this rule (a copy). */
  public get sources(): EgressSource[] {
    return [...this._sources];
  }

  /** The external services of this rule (a copy). */
  public get services(): ExternalService[] {
    return [...this._services];
  }

  /**
   * The rule as the App's model takes it, its sources read now (workloads are read at synthesis).
   * @param declaredIn the construct path of the policy the rule was declared in, if any
   * @internal
   */
  public _declaration(declaredIn: string | undefined): RuleDeclaration {
    return {
      subject: this.node.path,
      gateway: this.gateway,
      ...(this.name !== undefined ? { name: this.name } : {}),
      ...(declaredIn !== undefined ? { declaredIn } : {}),
      sources: this._sources.map((s) => s._resolve()),
      services: this._services.map((s) => s._model),
    };
  }
}
