import { Construct } from 'constructs';
import { AsmApiVersion } from './asm-api-version';
import { AsmVersion } from './asm-version';
import { EgressOutput } from './egress-output';
import { ExternalService } from './external-service';
import { GatewayPortAllocation } from './gateway';
import { Guardrail, GuardrailOverride } from './guardrail';
import { EgressInputError, formatProblem, Problem, problem, throwIfErrors } from './model/problem';
import { formatSelector } from './model/selector';
import { dnsLabelError, dnsSubdomainError, labelKeyError, labelValueError, portError } from './model/syntax';
import { EgressTrafficPolicy } from './policy';
import { Protocol } from './protocol';
import { EgressRegistry } from './registry';
import { parseGuardrailOverrideLines } from './render/guardrail-overrides';
import { EgressRule } from './rule';
import { ALL_NAMESPACES, EgressSource } from './source';

// Existing ASMEgressTrafficPolicy manifests (plain JSON, e.g. parsed YAML) mapped onto the
// constructs, so that adopted YAML and TypeScript go through the same validation and allocator.
// Every problem is collected with its CRD field path from the manifest's root
// (`spec.egressRules[0].to[1].hosts[0]`), never just the first. Queries (EgressQuery, `asm-egress
// diff`) read manifests with the same reader, without the guardrails (ParseOptions.query).

/** Options of `EgressTrafficPolicy.fromManifest()`. */
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

const GROUP = 'istio.alibabacloud.com';
const KIND = 'ASMEgressTrafficPolicy';
// Maps, not objects: a manifest's text must never find `constructor` or `__proto__` in a table.
const API_VERSIONS = new Map<string, AsmApiVersion>([[AsmApiVersion.V1BETA1, AsmApiVersion.V1BETA1], [AsmApiVersion.V1, AsmApiVersion.V1]]);
/** Protocols of the CRD's enum that the library does not model. */
const UNSUPPORTED_PROTOCOLS = ['GRPC', 'HTTP2', 'MONGO'];
/** Metadata that the API server sets: meaningless in a manifest to apply, so dropped. */
const SERVER_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'];
/** Policy props that the policy construct reports, and the manifest fields they come from. */
const POLICY_PROP_FIELDS = new Map([['gateway', 'spec.byEgressGateway.name'], ['name', 'metadata.name'], ['namespace', 'metadata.namespace']]);

/** A source of a manifest's rule that is valid on its own. @internal */
export interface ManifestSource {
  /** Its index in the rule's `from`. */
  readonly index: number;
  readonly namespace: string;
  readonly workloadSelector?: Record<string, string>;
  readonly overrides: GuardrailOverride[];
  readonly source: EgressSource;
}

/** A service of a manifest's rule that is valid on its own. @internal */
export interface ManifestService {
  /** Its index in the rule's `to`. */
  readonly index: number;
  readonly service: ExternalService;
}

/** A rule of a manifest, with the sources and services that are valid on their own. @internal */
export interface ManifestRule {
  /** Its field in the manifest, `spec.egressRules[<i>]`. */
  readonly field: string;
  readonly name?: string;
  readonly sources: ManifestSource[];
  readonly services: ManifestService[];
}

/** A manifest as the library understands it: what the constructs are built from. @internal */
export interface ManifestPolicy {
  readonly apiVersion: AsmApiVersion;
  /** Undefined when the manifest has no usable gateway name: no policy can be built. */
  readonly gateway?: string;
  readonly name?: string;
  /** Undefined when the manifest has none: the policy's default applies. */
  readonly namespace?: string;
  readonly labels: Record<string, string>;
  /** Annotations other than the guardrail overrides (which go to the services and sources). */
  readonly annotations: Record<string, string>;
  readonly portAllocation: GatewayPortAllocation;
  readonly rules: ManifestRule[];
}

/** The constructs built from a manifest and every problem of it. @internal */
export interface ManifestBuild {
  readonly parsed: ManifestPolicy;
  /** Undefined when the policy could not be built. */
  readonly policy?: EgressTrafficPolicy;
  /** Problems of the manifest on its own; fields are paths from the manifest's root. */
  readonly problems: Problem[];
  /** What each construct built stands for in the manifest, by construct path: the policy, or a rule. */
  readonly parts: Map<string, { readonly rule?: ManifestRule }>;
}

/**
 * Builds an `EgressTrafficPolicy` and its rules from a manifest, collecting every problem instead
 * of throwing. Parts that are invalid on their own are left out of the constructs, so that the
 * App-wide checks still run on the rest.
 * @internal
 */
export function buildFromManifest(scope: Construct, id: string, manifest: unknown, options: FromManifestOptions = {}): ManifestBuild {
  const asmVersion = options.asmVersion ?? EgressRegistry.of(scope).settings.asmVersion ?? AsmVersion.LATEST;
  const { parsed, problems } = parseManifest(manifest, { asmVersion, portAllocation: options.portAllocation });
  const parts = new Map<string, { readonly rule?: ManifestRule }>();
  if (parsed.gateway === undefined) return { parsed, problems, parts };

  let policy: EgressTrafficPolicy;
  try {
    policy = new EgressTrafficPolicy(scope, id, {
      gateway: parsed.gateway,
      name: parsed.name,
      namespace: parsed.namespace,
      apiVersion: parsed.apiVersion,
      asmVersion: options.asmVersion,
      output: options.output,
      portAllocation: parsed.portAllocation,
    });
  } catch (e) {
    if (!(e instanceof EgressInputError)) throw e;
    // The policy throws after joining the tree; leave no half-built construct behind.
    scope.node.tryRemoveChild(id);
    // The props' values were checked with the manifest (checkPolicyProps): each problem once.
    const reported = (p: Problem) => problems.some((q) => q.field === p.field && q.message === p.message);
    problems.push(...e.problems.map((p) => ({ ...p, field: POLICY_PROP_FIELDS.get(p.field) ?? p.field })).filter((p) => !reported(p)));
    return { parsed, problems, parts };
  }
  parts.set(policy.node.path, {});
  for (const [key, value] of Object.entries(parsed.labels)) policy.apiObject?.metadata.addLabel(key, value);
  for (const [key, value] of Object.entries(parsed.annotations)) policy.apiObject?.metadata.addAnnotation(key, value);
  for (const rule of parsed.rules) {
    // Ids from the manifest's own field: unique whatever the rule names, and telling in errors.
    const construct = new EgressRule(policy, rule.field.slice('spec.'.length), { name: rule.name })
      .from(...rule.sources.map((s) => s.source))
      .to(...rule.services.map((s) => s.service));
    parts.set(construct.node.path, { rule });
  }
  return { parsed, policy, problems, parts };
}

/**
 * An App-wide problem of a construct built from a manifest, with its field in the manifest, or
 * undefined when the manifest's own checks already report it (a rule without sources, a policy
 * without rules).
 * @internal
 */
export function manifestProblemOf(build: ManifestBuild, p: Problem): Problem | undefined {
  const part = build.parts.get(p.path);
  if (part === undefined) return undefined;
  const rule = part.rule;
  if (!rule) {
    if (p.field === 'spec.egressRules') return undefined;
    if (p.field.startsWith('spec.') || p.field.startsWith('metadata.')) return p;
    // Library settings with no field in the CRD (port range, excluded ports): the gateway's.
    return { ...p, field: 'spec.byEgressGateway.name' };
  }
  if (p.field === 'from' || p.field === 'to') return undefined;
  // The rule holds only the valid sources and services: index i of the rule is the manifest's index.
  const match = /^(from|to)\[(\d+)\](.*)$/.exec(p.field);
  if (!match) return { ...p, field: p.field ? `${rule.field}.${p.field}` : rule.field };
  const i = Number(match[2]);
  const indexed = match[1] === 'from' ? rule.sources[i] : rule.services[i];
  if (!indexed) return { ...p, field: `${rule.field}.${p.field}` }; // added to the rule after adoption
  if (match[1] === 'from') {
    const source = rule.sources[i];
    return { ...p, field: `${rule.field}.from[${source.index}]${match[3]}`, message: yamlOverrideHint(p.message, sourceSubject(source)) };
  }
  const service = rule.services[i];
  return { ...p, field: `${rule.field}.to[${service.index}]${match[3]}`, message: yamlOverrideHint(p.message, `service ${service.service.name}`) };
}

/** `EgressTrafficPolicy.fromManifest()`: throws one error listing every problem. @internal */
export function policyFromManifest(scope: Construct, id: string, manifest: any, options: FromManifestOptions = {}): EgressTrafficPolicy {
  const build = buildFromManifest(scope, id, manifest, options);
  const path = scope.node.path ? `${scope.node.path}/${id}` : id;
  for (const p of build.problems.filter((x) => x.severity === 'warning')) {
    console.warn(`[warning] [${path}] ${formatProblem(p)}`);
  }
  throwIfErrors(`${KIND} manifest of ${path}`, build.problems);
  return build.policy!;
}

/** Whether a Kubernetes object is an ASMEgressTrafficPolicy (of any API version: a wrong one is a problem of the policy). @internal */
export function isPolicyManifest(value: unknown): boolean {
  return isMapping(value) && value.kind === KIND;
}

/** How `parseManifest()` reads a manifest. @internal */
export interface ParseOptions {
  /**
   * The ASM version that the gateway ports as written are checked against.
   * @default AsmVersion.LATEST
   */
  readonly asmVersion?: AsmVersion;

  /**
   * Who allocates the gateway ports that the manifest leaves empty.
   * @default - as written, checked against `asmVersion` (see FromManifestOptions.portAllocation)
   */
  readonly portAllocation?: GatewayPortAllocation;

  /**
   * Read for a query (EgressQuery, `asm-egress diff`): what the manifest allows, as it allows it.
   * Its shape and values are checked as for adoption, with the same messages, but not the
   * library's policy on what may be allowed, which is lint's to judge: the guardrails do not apply
   * (a hand-written wildcard host or `namespace: '*'` is read without an override, and the
   * overrides annotation is an annotation like any other), and gateway ports are taken as
   * written, not checked against ASM's allocation.
   * @default false
   */
  readonly query?: boolean;
}

/** Reads a manifest: its shape checked field by field, its parts built as values. @internal */
export function parseManifest(manifest: unknown, options: ParseOptions = {}): { parsed: ManifestPolicy; problems: Problem[] } {
  const query = options.query === true;
  const r = new FieldReader();
  const top = r.mapping(manifest, '', ['apiVersion', 'kind', 'metadata', 'spec', 'status']) ?? {};

  const apiVersionText = r.string(top, 'apiVersion', '', true);
  const apiVersion = apiVersionText !== undefined ? API_VERSIONS.get(apiVersionText) : undefined;
  if (apiVersionText !== undefined && apiVersion === undefined) {
    r.error('apiVersion', `'${apiVersionText}' is not an API version of ${KIND}: use ${GROUP}/v1beta1 or ${GROUP}/v1`);
  }
  const kind = r.string(top, 'kind', '', true);
  if (kind !== undefined && kind !== KIND) r.error('kind', `'${kind}' is not ${KIND}`);
  if (top.status != null) r.warn('status', 'set by ASM at run time; dropped');

  const metadata = readMetadata(r, top.metadata);
  const overrides = new OverrideLines(r, query ? undefined : metadata.overrides);
  const spec = top.spec == null ? r.missing('spec') : r.mapping(top.spec, 'spec', ['byEgressGateway', 'egressRules']);

  let gateway: string | undefined;
  if (spec && spec.byEgressGateway == null) r.missing('spec.byEgressGateway');
  const policyGateway = spec?.byEgressGateway == null ? undefined : r.mapping(spec.byEgressGateway, 'spec.byEgressGateway', ['name', 'port']);
  if (policyGateway) {
    gateway = r.string(policyGateway, 'name', 'spec.byEgressGateway', true);
    if (policyGateway.port != null) {
      r.error('spec.byEgressGateway.port', 'a policy-wide gateway port is not supported: set byEgressGateway.port on each service (to[]) instead');
    }
  }

  const context: ReadContext = { r, overrides, portSlots: [], query };
  const rules: ManifestRule[] = [];
  (spec ? r.list(spec, 'egressRules', 'spec', true) : undefined)?.forEach((value, i) => {
    const rule = readRule(context, value, `spec.egressRules[${i}]`);
    if (rule) rules.push(rule);
  });
  overrides.reportUnmatched();
  const portAllocation = query
    ? gatewayPortsAsWritten(context.portSlots)
    : gatewayPortMode(r, context.portSlots, options.asmVersion ?? AsmVersion.LATEST, options.portAllocation);
  if (gateway !== undefined) checkPolicyProps(r, gateway, metadata);

  return {
    parsed: {
      apiVersion: apiVersion ?? AsmApiVersion.V1BETA1,
      gateway,
      name: metadata.name,
      namespace: metadata.namespace,
      labels: metadata.labels,
      annotations: metadata.annotations,
      portAllocation,
      rules,
    },
    problems: r.problems,
  };
}

/**
 * The values that the policy's props take, checked as EgressTrafficPolicy checks them (last, as
 * it does after the manifest is read), so that a manifest is checked without building a policy:
 * the gateway's name, and the object's name (by default `egress-by-<gateway>`) and namespace.
 * The policy built from the manifest finds the same problems; `buildFromManifest()` reports them once.
 */
function checkPolicyProps(r: FieldReader, gateway: string, metadata: ManifestMetadata): void {
  const add = (field: string, message: string | undefined) => message && r.error(field, message);
  add(POLICY_PROP_FIELDS.get('gateway')!, dnsLabelError(gateway));
  add(POLICY_PROP_FIELDS.get('name')!, dnsSubdomainError(metadata.name ?? `egress-by-${gateway}`));
  if (metadata.namespace !== undefined) add(POLICY_PROP_FIELDS.get('namespace')!, dnsLabelError(metadata.namespace));
}

interface ReadContext {
  readonly r: FieldReader;
  readonly overrides: OverrideLines;
  /** Every service's `byEgressGateway`, and whether it sets a port. */
  readonly portSlots: Array<{ field: string; set: boolean }>;
  /** Read for a query: no guardrails (see ParseOptions.query). */
  readonly query: boolean;
}

interface ManifestMetadata {
  readonly name?: string;
  readonly namespace?: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  /** The guardrail-overrides annotation. */
  readonly overrides?: string;
}

function readMetadata(r: FieldReader, value: unknown): ManifestMetadata {
  const result = { labels: {}, annotations: {} };
  if (value == null) {
    r.missing('metadata');
    return result;
  }
  const known = ['name', 'namespace', 'labels', 'annotations', ...SERVER_METADATA];
  const metadata = r.mapping(value, 'metadata', known, (key) => `'${key}' is not supported by cdk8s-asm-egress (supported: name, namespace, labels, annotations)`);
  if (!metadata) return result;
  for (const key of SERVER_METADATA) {
    if (metadata[key] != null) r.warn(`metadata.${key}`, 'set by the API server; dropped');
  }
  const name = r.string(metadata, 'name', 'metadata', true);
  const namespace = r.string(metadata, 'namespace', 'metadata');
  if (metadata.namespace == null) {
    r.warn('metadata.namespace', "not set: the policy goes to 'istio-egress', ASM's convention (set it to keep the manifest and the output alike)");
  }
  const labels = r.stringMap(metadata, 'labels', 'metadata', 'labels');
  const { [GuardrailOverride.ANNOTATION]: overrides, ...annotations } = r.stringMap(metadata, 'annotations', 'metadata', 'annotations');
  return { name, namespace, labels, annotations, overrides };
}

function readRule(c: ReadContext, value: unknown, field: string): ManifestRule | undefined {
  const rule = c.r.mapping(value, field, ['name', 'from', 'to']);
  if (!rule) return undefined;
  let name = c.r.string(rule, 'name', field);
  if (name !== undefined && name.trim() === '') {
    c.r.error(`${field}.name`, 'must not be empty: name the rule, or leave the field out');
    name = undefined;
  }
  const sources: ManifestSource[] = [];
  c.r.list(rule, 'from', field, true)?.forEach((item, index) => {
    const source = readSource(c, item, `${field}.from[${index}]`, index);
    if (source) sources.push(source);
  });
  const services: ManifestService[] = [];
  c.r.list(rule, 'to', field, true)?.forEach((item, index) => {
    const service = readService(c, item, `${field}.to[${index}]`);
    if (service) services.push({ index, service });
  });
  return { field, name, sources, services };
}

function readSource(c: ReadContext, value: unknown, field: string, index: number): ManifestSource | undefined {
  const r = c.r;
  const from = r.mapping(value, field, ['namespace', 'workloadSelector']);
  if (!from) return undefined;
  const namespace = r.string(from, 'namespace', field, true);
  const labels = r.stringMap(from, 'workloadSelector', field);
  if (isMapping(from.workloadSelector) && Object.keys(from.workloadSelector).length === 0) {
    r.warn(`${field}.workloadSelector`, 'empty: it selects every workload of the namespace, as if left out; dropped');
  }
  if (namespace === undefined) return undefined;
  const workloadSelector = Object.keys(labels).length > 0 ? labels : undefined;
  const subject = `source ${formatSelector(namespace, workloadSelector)}`;
  const guardrailOverrides = c.overrides.take(subject);
  try {
    // `*` is Istio's notation for every namespace, what EgressSource.allNamespaces() writes.
    const source = buildValue(c, guardrailOverrides, (allowed) => (namespace === ALL_NAMESPACES
      ? EgressSource.allNamespaces({ workloadSelector, guardrailOverrides: allowed })
      : EgressSource.namespace(namespace, { workloadSelector, guardrailOverrides: allowed })));
    return { index, namespace, workloadSelector, overrides: guardrailOverrides, source };
  } catch (e) {
    if (!(e instanceof EgressInputError)) throw e;
    for (const p of e.problems) r.add(valueProblem(p, field, subject));
    return undefined;
  }
}

function readService(c: ReadContext, value: unknown, field: string): ExternalService | undefined {
  const r = c.r;
  const to = r.mapping(value, field, ['name', 'hosts', 'port', 'byEgressGateway', 'httpsUpgrade']);
  if (!to) return undefined;
  // The shape is checked here and the values by the factory. Where the shape is wrong, a valid
  // stand-in goes to the factory, and its report on that field is dropped (already reported).
  const errorsBefore = r.errorCount;
  const bad = new Set<string>();
  const check = <T>(sub: string, read: () => T): T => {
    const count = r.errorCount;
    const result = read();
    if (r.errorCount > count) bad.add(sub);
    return result;
  };

  const name = check('name', () => r.string(to, 'name', field, true));
  const hosts = (check('hosts', () => r.list(to, 'hosts', field, true)) ?? []).map((host, h) => {
    if (typeof host === 'string') return host;
    r.error(`${field}.hosts[${h}]`, `must be a string, not ${describe(host)}`);
    bad.add(`hosts[${h}]`);
    return '';
  });

  let protocol: Protocol | undefined;
  let portNumber: number | undefined;
  let portName: string | undefined;
  const portField = `${field}.port`;
  const port = to.port == null ? r.missing(portField) : r.mapping(to.port, portField, ['number', 'protocol', 'name', 'targetPort']);
  if (port) {
    portNumber = check('port.number', () => r.number(port, 'number', portField, true));
    portName = r.string(port, 'name', portField, true);
    protocol = readProtocol(r, port, portField);
    if (port.targetPort != null) r.error(`${portField}.targetPort`, 'not supported by cdk8s-asm-egress: the gateway reaches the service on port.number');
  }

  let gatewayPort: number | undefined;
  const gatewayField = `${field}.byEgressGateway`;
  const gateway = to.byEgressGateway == null ? undefined : r.mapping(to.byEgressGateway, gatewayField, ['port', 'name']);
  if (gateway) {
    gatewayPort = r.number(gateway, 'port', gatewayField);
    if (gateway.name != null) {
      r.error(`${gatewayField}.name`, "not supported by cdk8s-asm-egress: a service goes through its policy's gateway (spec.byEgressGateway.name)");
    }
  }
  c.portSlots.push({ field: gatewayField, set: gateway?.port != null });

  let upgradePort: number | undefined;
  const upgradeField = `${field}.httpsUpgrade`;
  const upgrade = to.httpsUpgrade == null ? undefined : r.mapping(to.httpsUpgrade, upgradeField, ['enabled', 'port']);
  if (upgrade) {
    const enabled = r.boolean(upgrade, 'enabled', upgradeField, true);
    const upgradeTo = r.number(upgrade, 'port', upgradeField);
    if (enabled === true) {
      if (upgrade.port == null) r.error(`${upgradeField}.port`, 'missing: an enabled httpsUpgrade needs the HTTPS port of the external service (usually 443)');
      if (protocol !== undefined && protocol !== Protocol.HTTP) {
        r.error(`${upgradeField}.enabled`, `only HTTP services can be upgraded to HTTPS; this one is ${protocol}`);
      } else {
        upgradePort = upgradeTo ?? 443;
      }
    } else if (enabled === false) {
      if (upgradeTo !== undefined) r.checkPort(`${upgradeField}.port`, upgradeTo);
      r.warn(`${upgradeField}.enabled`, 'false: the gateway does not upgrade this service, as if httpsUpgrade were left out; dropped');
    }
  }

  const subject = `service ${name ?? ''}`;
  const options = {
    hosts,
    port: portNumber ?? 1,
    portName: portName ?? 'placeholder',
    gatewayPort,
  };
  const guardrailOverrides = name !== undefined ? c.overrides.take(subject) : [];
  try {
    // TCP is the most permissive stand-in for an unusable protocol (it accepts IP addresses too).
    const factory = protocolFactory(protocol ?? Protocol.TCP);
    const service = buildValue(c, guardrailOverrides, (allowed) =>
      factory(name ?? 'placeholder', { ...options, guardrailOverrides: allowed }, upgradePort));
    return r.errorCount > errorsBefore ? undefined : service;
  } catch (e) {
    if (!(e instanceof EgressInputError)) throw e;
    const reported = (f: string) => [...bad].some((b) => f === b || f.startsWith(`${b}.`) || f.startsWith(`${b}[`));
    for (const p of e.problems.filter((x) => !reported(x.field))) r.add(valueProblem(p, field, subject));
    return undefined;
  }
}

/**
 * A problem of a service or source value, as a problem of the manifest: overrides live in the
 * policy's annotation, so that is where their problems point, and how to allow what a guardrail
 * refuses is said in YAML.
 */
function valueProblem(p: Problem, field: string, subject: string): Problem {
  const inOverrides = p.field.startsWith('guardrailOverrides');
  const selector = /^workloadSelector\.(.*)$/s.exec(p.field);
  const sub = selector ? labelField('workloadSelector', selector[1]) : p.field;
  return {
    ...p,
    field: inOverrides ? `metadata.annotations.${GuardrailOverride.ANNOTATION}` : `${field}.${sub}`,
    message: inOverrides ? `${subject}: ${p.message}` : yamlOverrideHint(p.message, subject),
  };
}

/**
 * The TypeScript way to override a guardrail, which every guardrail's message ends with (see
 * model/guardrails.ts), naming the guardrail.
 */
const OVERRIDE_HINT = /GuardrailOverride\.allow\(Guardrail\.([A-Z_]+), reason\)/;

/** Guardrail messages end with the TypeScript way to override; manifests override in an annotation. */
function yamlOverrideHint(message: string, subject: string): string {
  return message.replace(OVERRIDE_HINT,
    (_, guardrail) => `the line '${subject}: ${guardrail}: <reason>' in annotation ${GuardrailOverride.ANNOTATION}`);
}

/**
 * A service or source built from its values: with the overrides of the policy's annotation, or,
 * read for a query, with none but those its guardrails need, so that every other check of the
 * value still applies, with its own message. Throws the value's `EgressInputError` otherwise.
 */
function buildValue<T>(c: ReadContext, overrides: GuardrailOverride[], build: (overrides: GuardrailOverride[]) => T): T {
  if (!c.query) return build(overrides);
  try {
    return build([]);
  } catch (e) {
    if (!(e instanceof EgressInputError)) throw e;
    const guardrailOf = (p: Problem) => GUARDRAILS.get(OVERRIDE_HINT.exec(p.message)?.[1] ?? '');
    const others = e.problems.filter((p) => guardrailOf(p) === undefined);
    if (others.length > 0) throw new EgressInputError(e.subject, others);
    const needed = new Set(e.problems.map((p) => guardrailOf(p)!));
    return build([...needed].map((g) => GuardrailOverride.allow(g, 'read by a query, which applies no guardrails')));
  }
}

function sourceSubject(source: ManifestSource): string {
  return `source ${formatSelector(source.namespace, source.workloadSelector)}`;
}

/** The guardrail overrides of a manifest's annotation, handed out to the services and sources they name. */
class OverrideLines {
  private readonly bySubject = new Map<string, Array<{ override: GuardrailOverride; used: boolean }>>();
  private readonly field = `metadata.annotations.${GuardrailOverride.ANNOTATION}`;

  constructor(private readonly r: FieldReader, text: string | undefined) {
    if (text === undefined) return;
    let lines;
    try {
      lines = parseGuardrailOverrideLines(text);
    } catch (e) {
      r.error(this.field, (e as Error).message.replace(`${GuardrailOverride.ANNOTATION}: `, ''));
      return;
    }
    for (const line of lines) {
      const guardrail = GUARDRAILS.get(line.guardrail);
      if (!guardrail) {
        r.error(this.field, `'${line.guardrail}' is not a guardrail (one of: ${[...GUARDRAILS.keys()].join(', ')})`);
        continue;
      }
      const subject = `${line.subject} ${line.name}`;
      const entry = { override: GuardrailOverride.allow(guardrail, line.reason), used: false };
      this.bySubject.set(subject, [...(this.bySubject.get(subject) ?? []), entry]);
    }
  }

  /** The overrides of `service <name>` or `source <selector>`. */
  public take(subject: string): GuardrailOverride[] {
    const entries = this.bySubject.get(subject) ?? [];
    for (const entry of entries) entry.used = true;
    return entries.map((entry) => entry.override);
  }

  /** Lines that name no service or source of the policy: an override of nothing. */
  public reportUnmatched(): void {
    for (const [subject, entries] of this.bySubject) {
      for (const entry of entries.filter((e) => !e.used)) {
        this.r.error(this.field, `'${subject}: ${entry.override.guardrail.name}: ${entry.override.reason}' names no ${subject.split(' ')[0]} of this policy`);
      }
    }
  }
}

const GUARDRAILS = new Map<string, Guardrail>(
  [Guardrail.INTERNAL_ADDRESS, Guardrail.PRIVATE_ADDRESS, Guardrail.WILDCARD_HOST, Guardrail.PLAIN_HTTP, Guardrail.MESH_WIDE_SOURCE]
    .map((g) => [g.name, g]));

interface ServiceInput {
  readonly hosts: string[];
  readonly port: number;
  readonly portName: string;
  readonly gatewayPort?: number;
  readonly guardrailOverrides: GuardrailOverride[];
}

type ServiceFactory = (name: string, options: ServiceInput, upgradePort?: number) => ExternalService;

function protocolFactory(protocol: Protocol): ServiceFactory {
  switch (protocol) {
    case Protocol.HTTP:
      return (name, options, upgradePort) =>
        ExternalService.http(name, { ...options, httpsUpgrade: upgradePort !== undefined ? { port: upgradePort } : undefined });
    case Protocol.HTTPS: return (name, options) => ExternalService.https(name, options);
    case Protocol.TLS: return (name, options) => ExternalService.tls(name, options);
    case Protocol.TCP: return (name, options) => ExternalService.tcp(name, options);
  }
}

function readProtocol(r: FieldReader, port: Record<string, unknown>, portField: string): Protocol | undefined {
  const text = r.string(port, 'protocol', portField, true);
  if (text === undefined) return undefined;
  const supported = Object.values(Protocol) as string[];
  if (supported.includes(text)) return text as Protocol;
  if (UNSUPPORTED_PROTOCOLS.includes(text)) {
    r.error(`${portField}.protocol`, `${text} is a protocol of the CRD that cdk8s-asm-egress does not support (supported: ${supported.join(', ')})`);
  } else {
    r.error(`${portField}.protocol`, `'${text}' is not a protocol of the CRD (supported: ${supported.join(', ')}, in upper case)`);
  }
  return undefined;
}

/** Who allocates the gateway ports as the manifest is written, unchecked: ASM when no service sets one. */
function gatewayPortsAsWritten(slots: Array<{ field: string; set: boolean }>): GatewayPortAllocation {
  return slots.length > 0 && slots.every((s) => !s.set) ? GatewayPortAllocation.ASM : GatewayPortAllocation.LIBRARY;
}

/**
 * Who allocates the gateway ports, and what ASM would reject about them as written: it allocates
 * only from 1.24.6.45 and only when every service of the policy leaves its port empty.
 */
function gatewayPortMode(r: FieldReader, slots: Array<{ field: string; set: boolean }>, asmVersion: AsmVersion,
  requested?: GatewayPortAllocation): GatewayPortAllocation {
  if (requested !== undefined) return requested;
  const missing = slots.filter((s) => !s.set);
  if (missing.length === 0) return GatewayPortAllocation.LIBRARY;
  if (missing.length < slots.length) {
    const example = slots.find((s) => s.set)!.field;
    for (const s of missing) {
      r.error(`${s.field}.port`, `missing, while other services of this policy set theirs (${example}.port): ASM allocates gateway ports only when every service leaves its port empty; set this one too, or remove them all`);
    }
    return GatewayPortAllocation.LIBRARY;
  }
  if (!asmVersion.allocatesGatewayPorts) {
    for (const s of missing) {
      r.error(`${s.field}.port`, `missing: ASM ${asmVersion} does not allocate gateway ports (it does from ${AsmVersion.V1_24_6_45}, when every service leaves its port empty)`);
    }
    return GatewayPortAllocation.LIBRARY;
  }
  return GatewayPortAllocation.ASM;
}

/** Reads fields of plain JSON, recording every problem with its field path. */
class FieldReader {
  public readonly problems: Problem[] = [];

  /** Errors so far (warnings left out). */
  public errorCount = 0;

  public add(p: Problem): void {
    this.problems.push(p);
    if (p.severity === 'error') this.errorCount++;
  }

  public error(field: string, message: string): void {
    this.add(problem(field, message));
  }

  public warn(field: string, message: string): void {
    this.add(problem(field, message, 'warning'));
  }

  /** A port number that nothing else checks (a disabled upgrade's). */
  public checkPort(field: string, port: number): void {
    const message = portError(port);
    if (message) this.error(field, message);
  }

  public missing(field: string): undefined {
    this.error(field, 'missing (required)');
    return undefined;
  }

  /** A mapping; each field not in `known` is an error. */
  public mapping(value: unknown, field: string, known: string[], unknownMessage?: (key: string) => string): Record<string, unknown> | undefined {
    if (!isMapping(value)) {
      this.error(field || '(document)', `must be a mapping, not ${describe(value)}`);
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        this.error(join(field, key), unknownMessage?.(key) ?? `unknown field (expected one of: ${known.join(', ')})`);
      }
    }
    return value;
  }

  public string(obj: Record<string, unknown>, key: string, parent: string, required = false): string | undefined {
    return this.typed(obj, key, parent, required, 'a string', (v): v is string => typeof v === 'string');
  }

  public number(obj: Record<string, unknown>, key: string, parent: string, required = false): number | undefined {
    return this.typed(obj, key, parent, required, 'an integer', (v): v is number => typeof v === 'number');
  }

  public boolean(obj: Record<string, unknown>, key: string, parent: string, required = false): boolean | undefined {
    return this.typed(obj, key, parent, required, 'true or false', (v): v is boolean => typeof v === 'boolean');
  }

  public list(obj: Record<string, unknown>, key: string, parent: string, required = false): unknown[] | undefined {
    const items = this.typed(obj, key, parent, required, 'a list', (v): v is unknown[] => Array.isArray(v));
    if (items && items.length === 0 && required) this.error(join(parent, key), 'must not be empty (at least one item is required)');
    return items;
  }

  /**
   * A map of strings (labels, annotations, a workload selector). With `check`, keys (and values)
   * are checked as Kubernetes checks labels or annotations; a workload selector's are checked by
   * EgressSource.
   */
  public stringMap(obj: Record<string, unknown>, key: string, parent: string, check?: 'labels' | 'annotations'): Record<string, string> {
    const value = obj[key];
    const field = join(parent, key);
    if (value == null) return {};
    if (!isMapping(value)) {
      this.error(field, `must be a mapping of strings, not ${describe(value)}`);
      return {};
    }
    const result: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== 'string') {
        this.error(labelField(field, k), `must be a string, not ${describe(v)}: quote the value`);
        continue;
      }
      const message = check === 'labels' ? labelKeyError(k) ?? labelValueError(k, v) : check === 'annotations' ? labelKeyError(k) : undefined;
      if (message) this.error(labelField(field, k), message.replace(/^label key/, check === 'annotations' ? 'annotation key' : 'label key'));
      // Defined, not assigned: a key `__proto__` must stay a key (and be refused as one), not vanish.
      else Object.defineProperty(result, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
    return result;
  }

  private typed<T>(obj: Record<string, unknown>, key: string, parent: string, required: boolean, what: string,
    test: (v: unknown) => v is T): T | undefined {
    const field = join(parent, key);
    // Kubernetes takes null (`field:` with no value) as a field left out.
    if (obj[key] == null) {
      if (required) this.missing(field);
      return undefined;
    }
    const value = obj[key];
    if (!test(value)) {
      this.error(field, `must be ${what}, not ${describe(value)}`);
      return undefined;
    }
    return value;
  }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !ArrayBuffer.isView(value);
}

/** The field `key` of `parent`; keys that are not plain names are quoted, as in `a["b.c"]`. */
function join(parent: string, key: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(key)) return `${parent}[${quoteKey(key)}]`;
  return parent ? `${parent}.${key}` : key;
}

/**
 * The entry `key` of a label map: `workloadSelector.app.kubernetes.io/name`, as the library
 * writes it, unless the key would break the field up (spaces, colons, brackets, quotes).
 */
function labelField(parent: string, key: string): string {
  return /^[^\s:[\]"]+$/.test(key) ? `${parent}.${key}` : `${parent}[${quoteKey(key)}]`;
}

/** A key as a JSON string without spaces or colons, so that `FILE:LINE: field: message` stays one field. */
function quoteKey(key: string): string {
  return JSON.stringify(key).replace(/[\s:]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A value as a message names it. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return `a timestamp (${value.toISOString()})`;
  switch (typeof value) {
    case 'string': return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)})`;
    case 'number': return `a number (${value})`;
    case 'boolean': return `a boolean (${value})`;
    case 'bigint': return `a number (${value})`;
    case 'object': return 'a mapping';
    default: return typeof value;
  }
}
