import { Construct, IConstruct } from 'constructs';
import { portLockUpdate, readPortLock, stalePortLock, writePortLock } from './allocation/port-lock-file';
import { servicePortsOf } from './allocation/service-ports';
import type { EgressProblem } from './egress-problem';
import type { EgressRule } from './egress-rule';
import type { EgressSettings } from './egress-settings';
import type { EgressTrafficPolicy } from './egress-traffic-policy';
import type { GatewayServicePort } from './gateway-service-port';
import { EgressError, publicProblem } from './model/error';
import type { EgressModel, PolicyModel } from './model/model';
import { fieldAndMessage, hasErrors, Problem, problem } from './model/problem';
import { buildModel } from './pipeline/build';
import { ambientStage, istioStage, needsAmbientStage, needsIstioStage } from './pipeline/stages';

/** The id of the registry under the App. */
const REGISTRY_ID = 'AsmEgressRegistry';

/**
 * One gateway port in use, and what uses it.
 *
 * @example
 * for (const a of EgressRegistry.of(app).portAssignments) {
 *   console.log(`${a.gateway}:${a.port} shared=${a.shared} ${a.services.join(', ')}`);
 * }
 */
export interface GatewayPortAssignment {
  /** The egress gateway. */
  readonly gateway: string;
  /** The gateway port. */
  readonly port: number;
  /** Whether a user set the port explicitly (it is never moved). */
  readonly isExplicit: boolean;
  /** Whether HTTP services share the port. */
  readonly shared: boolean;
  /** Names of the services that use the port. */
  readonly services: string[];
}

/**
 * The egress model of the whole App: every `EgressTrafficPolicy` and `EgressRule` of every chart
 * registers here. One per App, created by the first policy or rule.
 *
 * At synthesis it builds the model once (all charts), validates it, allocates gateway ports per
 * gateway, and hands each policy its slice. Read the allocated ports from it once the App is
 * complete, for example to print them or to configure the gateway's Service.
 *
 * @example
 * const ports = EgressRegistry.of(app).gatewayPorts('egressgateway-a');
 */
export class EgressRegistry extends Construct {
  /** The registry of the App that `scope` belongs to, created if needed. */
  public static of(scope: IConstruct): EgressRegistry {
    const root = scope.node.root;
    const existing = root.node.tryFindChild(REGISTRY_ID);
    if (existing) return existing as EgressRegistry;
    return new EgressRegistry(root as Construct, REGISTRY_ID);
  }

  /**
   * The gateway of `scope` when it is an EgressTrafficPolicy.
   * @internal
   */
  public static _enclosingPolicyGateway(scope: IConstruct): string | undefined {
    const registry = scope.node.root.node.tryFindChild(REGISTRY_ID) as EgressRegistry | undefined;
    return registry?.policies.find((p) => p === scope)?.gateway;
  }

  private readonly policies: EgressTrafficPolicy[] = [];
  private readonly rules: EgressRule[] = [];
  /** Problems found outside the model, by adapters (a manifest's dropped fields). */
  private readonly reported: Problem[] = [];
  private _settings: EgressSettings = {};
  private revision = 0;
  private memo?: {
    revision: number;
    model: EgressModel;
    errorsByPath: Map<string, string[]>;
    /** Writes the port lock file's new text: done when the App is valid. */
    writeLock?: () => void;
    /** Whether the model was built by the synthesis under way. */
    forSynthesis: boolean;
  };
  /** The model whose objects the outputs last created, and the warnings printed for it. */
  private rendered?: EgressModel;
  /** The model that `prepare()` last prepared. */
  private prepared?: EgressModel;
  /** Constructs that report their errors: each gets one validation, the first time it has an error. */
  private readonly reporting = new Set<IConstruct>();
  /** Whether the Istio and ambient stages have created objects, which a later model may need to replace. */
  private readonly staged = { istio: false, ambient: false };
  private readonly printed = new Set<string>();

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    // cdk8s validates every construct of the App, the App first, before it serialises any chart,
    // for every way of synthesising (app.synth(), synthYaml(), chart.toJson(), Testing.synth()).
    // On the App, the App's checks and outputs run first; the constructs with errors then get a
    // validation that reports them at their path, in time to be validated in the same pass. The
    // others get none: cdk8s validates the whole App once per chart, which for thousands of rules
    // in a hundred charts made their validations a cost of its own.
    scope.node.addValidation({ validate: () => (this.prepare(), []) });
    // The registry's own errors (the port lock file's) are reported here.
    this.node.addValidation({ validate: () => (this.prepare(), this._errorsAt(this.node.path)) });
  }

  /** The App-wide settings. */
  public get settings(): EgressSettings {
    return { ...this._settings };
  }

  /**
   * Sets App-wide settings, which every policy uses unless it overrides them. Call it before
   * declaring any policy or rule, so that every construct sees the same settings.
   *
   * @example
   * EgressRegistry.of(app).configure({ output: EgressOutput.ASM_AND_ISTIO, portLockFile: 'egress-ports.lock.json' });
   */
  public configure(settings: EgressSettings): EgressRegistry {
    const first = [...this.policies, ...this.rules][0];
    if (first) {
      const message = `configure the App before declaring policies or rules (${first.node.path} was declared first)`;
      throw new EgressError(`EgressRegistry.configure(): ${message}`, [problem('INVALID_CALL', [], message, { subject: this.node.path })], 'constructs');
    }
    this._settings = { ...this._settings, ...settings };
    return this;
  }

  /** Ports in use on every gateway of the App, in gateway and port order. */
  public get portAssignments(): GatewayPortAssignment[] {
    return this.model().assignments.map((a) => ({ ...a, services: [...a.services] }));
  }

  /**
   * The errors of the App, as data: what synthesis would fail with (cdk8s reports them as text,
   * each at its construct). Empty when the App is valid.
   */
  public get errors(): EgressProblem[] {
    return this.model().problems.filter((p) => p.severity === 'error').map((p) => publicProblem(p, 'constructs'));
  }

  /**
   * The warnings of the App (plain HTTP without an upgrade, say), each once, in the order found.
   * Synthesis prints them once to standard error unless `EgressSettings.printWarnings` is false;
   * read them here in tests and tools.
   */
  public get warnings(): EgressProblem[] {
    return this.warningProblems().map((p) => publicProblem(p, 'constructs'));
  }

  /**
   * The gateway ports in use on one gateway: each must also be a port of the gateway's Service.
   * Empty when ASM allocates the ports.
   */
  public gatewayPorts(gateway: string): number[] {
    return this.model().assignments.filter((a) => a.gateway === gateway).map((a) => a.port);
  }

  /**
   * The ports that one gateway's Service must expose, as Kubernetes ServicePorts: for the values of
   * the gateway's Helm chart, or your own Service. Empty when ASM allocates the ports.
   *
   * @example
   * const ports = EgressRegistry.of(app).gatewayServicePorts('egressgateway-a');
   * writeFileSync('egress-gateway-values.json', JSON.stringify({ service: { ports } }));
   */
  public gatewayServicePorts(gateway: string): GatewayServicePort[] {
    return servicePortsOf(this.model().assignments.filter((a) => a.gateway === gateway));
  }

  /** The port table as text, for example to print after synthesis. */
  public formatPortTable(): string {
    const rows = [['GATEWAY', 'PORT', 'KIND', 'SERVICES']];
    for (const a of this.model().assignments) {
      rows.push([a.gateway, String(a.port), `${a.shared ? 'shared HTTP' : 'dedicated'}${a.isExplicit ? ', explicit' : ''}`, a.services.join(', ')]);
    }
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n') + '\n';
  }

  /** @internal */
  public _registerPolicy(policy: EgressTrafficPolicy): void {
    this.policies.push(policy);
    this._changed();
  }

  /** @internal */
  public _registerRule(rule: EgressRule): void {
    this.rules.push(rule);
    this._changed();
  }

  /** Problems that an adapter found outside the model; their warnings join the App's. @internal */
  public _report(problems: Problem[]): void {
    this.reported.push(...problems);
  }

  /** Marks the model stale: a construct changed. @internal */
  public _changed(): void {
    this.revision++;
  }

  /**
   * Validation errors of the construct at `path`, as cdk8s validation reports them. Takes the path
   * rather than the construct: cdk8s validates the whole App once per chart, and recomputing paths
   * each time adds up in large Apps.
   * @internal
   */
  public _errorsAt(path: string): string[] {
    this.model();
    return this.memo!.errorsByPath.get(path) ?? [];
  }

  /**
   * The model of the whole App, built once per change of the constructs.
   * @internal
   */
  public _model(): EgressModel {
    return this.model();
  }

  /** The model of the policy of `gateway`; throws, listing them, if the App has errors. @internal */
  public _validPolicyModel(gateway: string): PolicyModel {
    const model = this.model();
    const errors = model.problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) {
      throw new EgressError(`the egress policy of the App is invalid:\n${errors.map((p) => `  [${p.subject}] ${fieldAndMessage(p, 'constructs')}`).join('\n')}`,
        errors, 'constructs');
    }
    return model.policies.find((p) => p.gateway === gateway)!;
  }

  /**
   * The one hook of synthesis, run by cdk8s validation once the tree is complete: the App's
   * checks, the port lock, the warnings, and the outputs that depend on the whole App (the Istio
   * objects of sidecar and ambient mode; cdk8s has no aspects, so they are created here, once per model). The ASM objects
   * need no hook: each policy renders its own, lazily.
   */
  private prepare(): void {
    const model = this.model(true);
    if (this.prepared !== model) {
      this.prepared = model;
      this.prepareModel(model);
    }
  }

  private prepareModel(model: EgressModel): void {
    this.reportErrorsAtConstructs();
    this.printWarnings();
    if (model.problems.some((p) => p.severity === 'error')) return;
    this.memo!.writeLock?.();
    if (this.rendered !== model) {
      this.rendered = model;
      const scopes = new Map(this.policies.map((p) => [p.gateway, p]));
      this.staged.istio ||= model.policies.some(needsIstioStage);
      this.staged.ambient ||= model.policies.some(needsAmbientStage);
      if (this.staged.istio) istioStage().renderIstio(model, scopes);
      if (this.staged.ambient) ambientStage().renderAmbient(model, scopes);
    }
  }

  /** Gives each policy and rule with errors a validation that reports them, as cdk8s reports errors: at the construct. */
  private reportErrorsAtConstructs(): void {
    const errorsByPath = this.memo!.errorsByPath;
    if (errorsByPath.size === 0) return;
    for (const construct of [...this.policies, ...this.rules]) {
      const path = construct.node.path;
      if (this.reporting.has(construct) || !errorsByPath.has(path)) continue;
      this.reporting.add(construct);
      construct.node.addValidation({ validate: () => this._errorsAt(path) });
    }
  }

  private warningProblems(): Problem[] {
    return [...this.reported, ...this.model().problems].filter((p) => p.severity === 'warning');
  }

  /** Each warning once per App, whatever the number of syntheses and charts. */
  private printWarnings(): void {
    if (this._settings.printWarnings === false) return;
    for (const p of this.warningProblems()) {
      const line = `[warning] [${p.subject}] ${fieldAndMessage(p, 'constructs')}`;
      if (this.printed.has(line)) continue;
      this.printed.add(line);
      process.stderr.write(`${line}\n`);
    }
  }

  /**
   * @param atSynthesis whether synthesis asks. Each synthesis builds its own model, which then
   * serves each of its charts: what changed since an earlier model without telling the registry
   * (a workload's labels after an early `gatewayPortOf()`, a chart removed from the tree) counts.
   */
  private model(atSynthesis = false): EgressModel {
    if (atSynthesis && this.memo?.forSynthesis === false) this._changed();
    if (this.memo?.revision !== this.revision) {
      const lock = readPortLock(this._settings.portLockFile);
      // A construct removed from the tree (`tryRemoveChild`) is no longer part of the App.
      const attachedPolicies = this.policies.filter(isAttached);
      const policies = new Set<IConstruct>(attachedPolicies);
      const built = buildModel(
        attachedPolicies.map((p) => p._settings),
        this.rules.filter(isAttached).map((r) => r._declaration(policies.has(r.node.scope!) ? r.node.scope!.node.path : undefined)),
        lock?.previous?.gateways ?? {},
      );
      // The port lock file's problems are the registry's, and come first: ports follow from it.
      const update = lock && !lock.problem ? portLockUpdate(lock, built.allocated) : undefined;
      const frozen = this._settings.portLockFrozen === true;
      const lockProblem = lock?.problem ?? (update !== undefined && frozen && !hasErrors(built.problems) ? stalePortLock(lock!) : undefined);
      const model = lockProblem ? { ...built, problems: [{ ...lockProblem, subject: this.node.path }, ...built.problems] } : built;
      const errorsByPath = new Map<string, string[]>();
      for (const p of model.problems) {
        if (p.severity !== 'error' || p.subject === undefined) continue;
        errorsByPath.set(p.subject, [...(errorsByPath.get(p.subject) ?? []), fieldAndMessage(p, 'constructs')]);
      }
      const writeLock = update !== undefined && !frozen ? () => writePortLock(lock!, update) : undefined;
      const memo = { revision: this.revision, model, errorsByPath, writeLock, forSynthesis: atSynthesis };
      // cdk8s validates the App once per chart, all within one synchronous synthesis.
      if (atSynthesis) queueMicrotask(() => (memo.forSynthesis = false));
      this.memo = memo;
    }
    return this.memo.model;
  }
}

/** Whether each scope above the construct still holds it, up to the root. */
function isAttached(construct: IConstruct): boolean {
  for (let c = construct; c.node.scope !== undefined; c = c.node.scope) {
    if (c.node.scope.node.tryFindChild(c.node.id) !== c) return false;
  }
  return true;
}
