import { existsSync, readFileSync, writeFileSync } from 'fs';
import { Construct, IConstruct } from 'constructs';
import { allocatePorts } from './allocation/allocate';
import { parsePortLock, PortLock, serializePortLock, updatePortLock } from './allocation/port-lock';
import { GatewayServicePort, servicePortsOf } from './gateway-service-port';
import { EgressModel, PolicyModel, RuleModel, SourceModel } from './model/model';
import { formatProblem, Problem, withFieldPrefix } from './model/problem';
import { validatePolicies } from './model/validate';
import { validateIstio } from './model/validate-istio';
import type { EgressTrafficPolicy } from './policy';
import { renderIstio } from './render/istio';
import type { EgressRule } from './rule';
import { EgressSettings } from './settings';

/** The id of the registry under the App. */
const REGISTRY_ID = 'AsmEgressRegistry';

/**
 * One gateway port in use, and what uses it.
 *
 * @example
 * for (const a of EgressRegistry.of(app).portAssignments) {
 *   console.log(`${a.gateway}:${a.port} ${a.shared ? 'shared HTTP' : 'dedicated'} ${a.services.join(', ')}`);
 * }
 */
export interface GatewayPortAssignment {
  /** The egress gateway. */
  readonly gateway: string;
  /** The gateway port. */
  readonly port: number;
  /** Whether a user set the port explicitly (it is never moved). */
  readonly explicit: boolean;
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
  private _settings: EgressSettings = {};
  private revision = 0;
  private memo?: { revision: number; model: EgressModel; errorsByPath: Map<string, string[]>; lock?: LockState };
  /** The model whose objects `render()` last created. */
  private rendered?: EgressModel;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    // Runs before cdk8s serialises any chart, for every way of synthesising (app.synth(),
    // synthYaml(), chart.toJson(), Testing.synth()): the App's own checks and outputs.
    this.node.addValidation({ validate: () => this.prepare() });
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
      throw new Error(`EgressRegistry.configure(): configure the App before declaring policies or rules (${first.node.path} was declared first)`);
    }
    this._settings = { ...this._settings, ...settings };
    return this;
  }

  /** Ports in use on every gateway of the App, in gateway and port order. */
  public get portAssignments(): GatewayPortAssignment[] {
    return this.model().assignments.map((a) => ({ ...a, services: [...a.services] }));
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
      rows.push([a.gateway, String(a.port), `${a.shared ? 'shared HTTP' : 'dedicated'}${a.explicit ? ', explicit' : ''}`, a.services.join(', ')]);
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
      throw new Error(`the egress policy of the App is invalid:\n${errors.map((p) => `  [${p.path}] ${formatProblem(p)}`).join('\n')}`);
    }
    return model.policies.find((p) => p.gateway === gateway)!;
  }

  /** The App's own checks and outputs, once the tree is complete. */
  private prepare(): string[] {
    const model = this.model();
    const lock = this.memo!.lock;
    if (lock?.error) return [lock.error];
    if (model.problems.some((p) => p.severity === 'error')) return [];
    if (lock) {
      const text = serializePortLock(updatePortLock(lock.previous, model.allocated));
      if (text !== lock.text) {
        if (this._settings.portLockFrozen) {
          return [`portLockFile: ${lock.file} does not record the ports this App allocates; synthesise without portLockFrozen and commit the updated file`];
        }
        writeFileSync(lock.file, text);
        lock.text = text;
      }
    }
    this.render(model);
    return [];
  }

  /** Creates the objects rendered from the whole App (Istio output), once per model. */
  private render(model: EgressModel): void {
    if (this.rendered === model) return;
    this.rendered = model;
    renderIstio(model, new Map(this.policies.map((p) => [p.gateway, p])));
  }

  private readLock(): LockState | undefined {
    const file = this._settings.portLockFile;
    if (!file) return undefined;
    if (!existsSync(file)) return { file };
    const text = readFileSync(file, 'utf8');
    try {
      return { file, text, previous: parsePortLock(text, file) };
    } catch (e) {
      return { file, text, error: `portLockFile: ${(e as Error).message}` };
    }
  }

  private model(): EgressModel {
    if (this.memo?.revision !== this.revision) {
      const lock = this.readLock();
      const model = buildModel(this.policies, this.rules, lock?.previous?.gateways ?? {});
      const errorsByPath = new Map<string, string[]>();
      for (const p of model.problems) {
        if (p.severity !== 'error') continue;
        errorsByPath.set(p.path, [...(errorsByPath.get(p.path) ?? []), formatProblem(p)]);
      }
      this.memo = { revision: this.revision, model, errorsByPath, lock };
      for (const p of model.problems.filter((x) => x.severity === 'warning')) {
        console.warn(`[warning] [${p.path}] ${formatProblem(p)}`);
      }
    }
    return this.memo.model;
  }
}

/** Constructs to model: one policy per gateway with all its rules, in a deterministic order. */
function buildModel(policies: EgressTrafficPolicy[], rules: EgressRule[], pinned: Record<string, Record<string, number>>): EgressModel {
  const problems: Problem[] = [];
  const byGateway = new Map<string, { policy: EgressTrafficPolicy; rules: RuleModel[] }>();
  const duplicates = new Set<IConstruct>();
  for (const policy of [...policies].sort(byPath)) {
    const first = byGateway.get(policy.gateway);
    if (first) {
      duplicates.add(policy);
      problems.push({
        path: policy.node.path,
        field: 'spec.byEgressGateway.name',
        message: `gateway '${policy.gateway}' already has its policy at ${first.policy.node.path}; ASM expects one policy per gateway: add rules to that one, or declare them as EgressRule with gateway '${policy.gateway}' in any chart`,
        severity: 'error',
      });
      continue;
    }
    byGateway.set(policy.gateway, { policy, rules: [] });
  }

  // The policy's own rules in the order they were added, then rules contributed from elsewhere by
  // path. Rules of a refused duplicate policy stay out: they would only repeat its error.
  const own = new Set(rules.filter((r) => r.node.scope === byGateway.get(r.gateway)?.policy));
  const contributed = rules.filter((r) => !own.has(r) && !duplicates.has(r.node.scope!)).sort(byPath);
  for (const rule of [...own, ...contributed]) {
    const entry = byGateway.get(rule.gateway);
    if (!entry) {
      problems.push({
        path: rule.node.path,
        field: 'gateway',
        message: `no EgressTrafficPolicy in the App declares gateway '${rule.gateway}'`,
        severity: 'error',
      });
      continue;
    }
    const sources: SourceModel[] = [];
    rule.sources.forEach((source, i) => {
      const resolved = source._resolve();
      problems.push(...withFieldPrefix(resolved.problems, `from[${i}]`).map((p) => ({ ...p, path: rule.node.path })));
      const { namespace, labels, serviceAccount, overrides } = resolved;
      sources.push({ namespace, labels, serviceAccount, overrides });
    });
    entry.rules.push({ path: rule.node.path, name: rule.name, sources, services: rule.services });
  }

  const models: PolicyModel[] = [...byGateway.values()]
    .map(({ policy, rules: policyRules }) => policy._toModel(policyRules))
    .sort((a, b) => a.gateway.localeCompare(b.gateway));
  problems.push(...validatePolicies(models));
  const allocation = allocatePorts(models, pinned);
  problems.push(...allocation.problems);
  problems.push(...validateIstio(models, allocation.ports));
  return { policies: models, ...allocation, problems };
}

function byPath(a: IConstruct, b: IConstruct): number {
  return a.node.path < b.node.path ? -1 : a.node.path > b.node.path ? 1 : 0;
}

/** The port lock file as read at the start of a synthesis. */
interface LockState {
  readonly file: string;
  /** Its text as on disk (kept current as it is rewritten). */
  text?: string;
  readonly previous?: PortLock;
  readonly error?: string;
}
