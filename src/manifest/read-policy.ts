import { describe, FieldReader, isMapping } from './field-reader';
import { AsmApiVersion } from '../asm-api-version';
import { AsmVersion } from '../asm-version';
import { gatewayPortMode, gatewayPortsAsWritten } from './gateway-ports';
import { OVERRIDES_FIELD, OverrideLines } from './override-lines';
import { serviceGuardrailProblems, sourceGuardrailProblems } from '../checks/guardrails';
import { portError } from '../checks/syntax';
import { isAddress, policyValueProblems, serviceValueProblems, sourceValueProblems } from '../checks/values';
import { GatewayPortAllocation } from '../gateway-port-allocation';
import { GuardrailOverride } from '../guardrail-override';
import type { GuardrailOverrideLine } from '../model/guardrail-annotation';
import { serviceModel, type ServiceModel, type SourceModel } from '../model/model';
import { FieldPath, msg, Problem } from '../model/problem';
import { ALL_NAMESPACES, formatSelector } from '../model/selector';
import { Protocol } from '../protocol';
import { ServerVerification } from '../server-verification';

// An ASMEgressTrafficPolicy manifest (plain JSON, e.g. parsed YAML) read into plain specs: pure,
// no constructs. Every problem is collected with its field from the manifest's root
// (`spec.egressRules[0].to[1].hosts[0]`), never just the first; values are checked with the
// checks the factories use. Parts that are wrong on their own are left out of the spec, so that
// the checks across the App still run on the rest. Adoption (`EgressTrafficPolicy.fromManifest`)
// builds constructs from the spec; queries read the spec directly.

export const POLICY_GROUP = 'istio.alibabacloud.com';
export const POLICY_KIND = 'ASMEgressTrafficPolicy';
// Maps, not objects: a manifest's text must never find `constructor` or `__proto__` in a table.
const API_VERSIONS = new Map<string, AsmApiVersion>([[AsmApiVersion.V1BETA1, AsmApiVersion.V1BETA1], [AsmApiVersion.V1, AsmApiVersion.V1]]);
/** Protocols of the CRD's enum that the library does not model. */
const UNSUPPORTED_PROTOCOLS = ['GRPC', 'HTTP2', 'MONGO'];
/** Metadata that the API server sets: meaningless in a manifest to apply, so dropped. */
const SERVER_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'];

/** A source of a manifest's rule that is valid on its own. */
export interface SourceSpec {
  /** Its index in the rule's `from`. */
  readonly index: number;
  readonly source: SourceModel;
}

/** A service of a manifest's rule that is valid on its own. */
export interface ServiceSpec {
  /** Its index in the rule's `to`. */
  readonly index: number;
  readonly service: ServiceModel;
}

/** A rule of a manifest, with the sources and services that are valid on their own. */
export interface RuleSpec {
  /** Its field in the manifest, `spec.egressRules[<i>]`. */
  readonly field: FieldPath;
  readonly name?: string;
  readonly sources: SourceSpec[];
  readonly services: ServiceSpec[];
}

/** A manifest as the library understands it. */
export interface PolicySpec {
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
  readonly rules: RuleSpec[];
  /**
   * The lines of the guardrail-overrides annotation that name a known guardrail, as written (also
   * those that name nothing of the policy, which adoption refuses): what a review lists.
   */
  readonly overrideLines: GuardrailOverrideLine[];
}

/** How a manifest is read. */
export interface ReadOptions {
  /**
   * The ASM version that the gateway ports as written are checked against.
   * @default AsmVersion.LATEST
   */
  readonly asmVersion?: AsmVersion;

  /**
   * Who allocates the gateway ports that the manifest leaves empty.
   * @default - as written, checked against `asmVersion`: ASM when every service leaves its port
   * empty (which needs ASM 1.24.6.45), otherwise every service must set one, as ASM requires
   */
  readonly portAllocation?: GatewayPortAllocation;

  /**
   * Read for a query (EgressQuery, `asm-egress diff`): what the manifest allows, as it allows it.
   * Its shape and values are checked as for adoption, with the same messages, but not the
   * library's policy on what may be allowed, which is lint's to judge: the guardrails do not apply
   * (a hand-written wildcard host or `namespace: '*'` is read without an override; the overrides
   * annotation is read for review, its lines checked as adoption checks them, but an override
   * that names nothing of the policy is not refused), and gateway ports are taken as written, not
   * checked against ASM's allocation.
   * @default false
   */
  readonly query?: boolean;
}

/** Whether a Kubernetes object is an ASMEgressTrafficPolicy (of any API version: a wrong one is a problem of the policy). */
export function isPolicyManifest(value: unknown): boolean {
  return isMapping(value) && value.kind === POLICY_KIND;
}

/** Reads a manifest: its shape checked field by field, its values as the factories check them. */
export function readPolicyManifest(manifest: unknown, options: ReadOptions = {}): { spec: PolicySpec; problems: Problem[] } {
  const query = options.query === true;
  const r = new FieldReader();
  const top = r.mapping(manifest, [], ['apiVersion', 'kind', 'metadata', 'spec', 'status']) ?? {};

  const apiVersionText = r.string(top, 'apiVersion', [], true);
  const apiVersion = apiVersionText !== undefined ? API_VERSIONS.get(apiVersionText) : undefined;
  if (apiVersionText !== undefined && apiVersion === undefined) {
    r.error(['apiVersion'], `'${apiVersionText}' is not an API version of ${POLICY_KIND}: use ${POLICY_GROUP}/v1beta1 or ${POLICY_GROUP}/v1`);
  }
  const kind = r.string(top, 'kind', [], true);
  if (kind !== undefined && kind !== POLICY_KIND) r.error(['kind'], `'${kind}' is not ${POLICY_KIND}`);
  if (top.status != null) r.warn(['status'], 'set by ASM at run time; dropped', 'MANIFEST_DROPPED_FIELD');

  const metadata = readMetadata(r, top.metadata);
  const overrides = new OverrideLines(r, metadata.overrides);
  const spec = top.spec == null ? r.missing(['spec']) : r.mapping(top.spec, ['spec'], ['byEgressGateway', 'egressRules']);

  let gateway: string | undefined;
  if (spec && spec.byEgressGateway == null) r.missing(['spec', 'byEgressGateway']);
  const policyGateway = spec?.byEgressGateway == null ? undefined : r.mapping(spec.byEgressGateway, ['spec', 'byEgressGateway'], ['name', 'port']);
  if (policyGateway) {
    gateway = r.string(policyGateway, 'name', ['spec', 'byEgressGateway'], true);
    if (policyGateway.port != null) {
      r.error(['spec', 'byEgressGateway', 'port'], 'a policy-wide gateway port is not supported: set byEgressGateway.port on each service (to[]) instead',
        'MANIFEST_UNSUPPORTED');
    }
  }

  const context: ReadContext = { r, overrides, portSlots: [], query };
  const rules: RuleSpec[] = [];
  (spec ? r.list(spec, 'egressRules', ['spec'], true) : undefined)?.forEach((value, i) => {
    const rule = readRule(context, value, ['spec', 'egressRules', i]);
    if (rule) rules.push(rule);
  });
  if (!query) overrides.reportUnmatched();
  const portAllocation = query
    ? gatewayPortsAsWritten(context.portSlots)
    : gatewayPortMode(r, context.portSlots, options.asmVersion ?? AsmVersion.LATEST, options.portAllocation);
  if (gateway !== undefined) checkPolicyNames(r, gateway, metadata);

  return {
    spec: {
      apiVersion: apiVersion ?? AsmApiVersion.V1BETA1,
      gateway,
      name: metadata.name,
      namespace: metadata.namespace,
      labels: metadata.labels,
      annotations: metadata.annotations,
      portAllocation,
      rules,
      overrideLines: overrides.lines,
    },
    problems: r.problems,
  };
}

/** Where the policy's own names come from in a manifest. */
const POLICY_NAME_FIELDS: Record<string, FieldPath> = {
  gateway: ['spec', 'byEgressGateway', 'name'],
  name: ['metadata', 'name'],
  namespace: ['metadata', 'namespace'],
};

/**
 * The names that the policy's props take, checked as EgressTrafficPolicy checks them (last, as it
 * does after the manifest is read): the gateway's name, the object's name (by default
 * `egress-by-<gateway>`) and namespace.
 */
function checkPolicyNames(r: FieldReader, gateway: string, metadata: ManifestMetadata): void {
  const values = { gateway, name: metadata.name ?? `egress-by-${gateway}`, ...(metadata.namespace !== undefined ? { namespace: metadata.namespace } : {}) };
  for (const p of policyValueProblems(values)) r.add({ ...p, field: POLICY_NAME_FIELDS[p.field[0]] });
}

interface ReadContext {
  readonly r: FieldReader;
  readonly overrides: OverrideLines;
  /** Every service's `byEgressGateway`, and whether it sets a port. */
  readonly portSlots: Array<{ field: FieldPath; set: boolean }>;
  /** Read for a query: no guardrails (see ReadOptions.query). */
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
    r.missing(['metadata']);
    return result;
  }
  const known = ['name', 'namespace', 'labels', 'annotations', ...SERVER_METADATA];
  const metadata = r.mapping(value, ['metadata'], known, (key) => ({
    message: `'${key}' is not supported by cdk8s-asm-egress (supported: name, namespace, labels, annotations)`,
    code: 'MANIFEST_UNSUPPORTED',
  }));
  if (!metadata) return result;
  for (const key of SERVER_METADATA) {
    if (metadata[key] != null) r.warn(['metadata', key], 'set by the API server; dropped', 'MANIFEST_DROPPED_FIELD');
  }
  const name = r.string(metadata, 'name', ['metadata'], true);
  const namespace = r.string(metadata, 'namespace', ['metadata']);
  if (metadata.namespace == null) {
    r.warn(['metadata', 'namespace'], "not set: the policy goes to 'istio-egress', ASM's convention (set it to keep the manifest and the output alike)",
      'MANIFEST_DEFAULTED_FIELD');
  }
  const labels = r.stringMap(metadata, 'labels', ['metadata'], 'labels');
  const { [GuardrailOverride.ANNOTATION]: overrides, ...annotations } = r.stringMap(metadata, 'annotations', ['metadata'], 'annotations');
  return { name, namespace, labels, annotations, overrides };
}

function readRule(c: ReadContext, value: unknown, field: FieldPath): RuleSpec | undefined {
  const rule = c.r.mapping(value, field, ['name', 'from', 'to']);
  if (!rule) return undefined;
  let name = c.r.string(rule, 'name', field);
  if (name !== undefined && name.trim() === '') {
    c.r.error([...field, 'name'], 'must not be empty: name the rule, or leave the field out');
    name = undefined;
  }
  const sources: SourceSpec[] = [];
  c.r.list(rule, 'from', field, true)?.forEach((item, index) => {
    const source = readSource(c, item, [...field, 'from', index]);
    if (source) sources.push({ index, source });
  });
  const services: ServiceSpec[] = [];
  c.r.list(rule, 'to', field, true)?.forEach((item, index) => {
    const service = readService(c, item, [...field, 'to', index]);
    if (service) services.push({ index, service });
  });
  return { field, ...(name !== undefined ? { name } : {}), sources, services };
}

function readSource(c: ReadContext, value: unknown, field: FieldPath): SourceModel | undefined {
  const r = c.r;
  const from = r.mapping(value, field, ['namespace', 'workloadSelector']);
  if (!from) return undefined;
  const namespace = r.string(from, 'namespace', field, true);
  const labels = r.stringMap(from, 'workloadSelector', field);
  if (isMapping(from.workloadSelector) && Object.keys(from.workloadSelector).length === 0) {
    r.warn([...field, 'workloadSelector'], 'empty: it selects every workload of the namespace, as if left out; dropped', 'MANIFEST_DROPPED_FIELD');
  }
  if (namespace === undefined) return undefined;
  const workloadSelector = Object.keys(labels).length > 0 ? labels : undefined;
  const subject = `source ${formatSelector(namespace, workloadSelector)}`;
  const overrides = c.overrides.take(subject);
  // `*` is Istio's notation for every namespace, what EgressSource.allNamespaces() writes.
  const meshWide = namespace === ALL_NAMESPACES;
  const problems = [
    ...sourceValueProblems({ ...(meshWide ? {} : { namespace }), labels: workloadSelector }),
    ...(c.query ? [] : sourceGuardrailProblems(meshWide ? 'EgressSource.allNamespaces()' : undefined, overrides, subject, workloadSelector !== undefined)),
  ];
  for (const p of problems) r.add(valueProblem(p, field, subject));
  if (problems.some((p) => p.severity === 'error')) return undefined;
  return { namespace, ...(workloadSelector ? { labels: workloadSelector } : {}), overrides };
}

function readService(c: ReadContext, value: unknown, field: FieldPath): ServiceModel | undefined {
  const r = c.r;
  const to = r.mapping(value, field, ['name', 'hosts', 'port', 'byEgressGateway', 'httpsUpgrade']);
  if (!to) return undefined;
  // The shape is checked here, the values with the factories' checks; a field whose shape is
  // wrong is left out of those (it is reported already).
  const errorsBefore = r.errorCount;
  const name = r.string(to, 'name', field, true);
  const hosts = r.list(to, 'hosts', field, true)?.map((host, h) => {
    if (typeof host === 'string') return host;
    r.error([...field, 'hosts', h], `must be a string, not ${describe(host)}`, 'MANIFEST_WRONG_TYPE');
    return undefined;
  });

  let protocol: Protocol | undefined;
  let portNumber: number | undefined;
  let portName: string | undefined;
  const portField = [...field, 'port'];
  const port = to.port == null ? r.missing(portField) : r.mapping(to.port, portField, ['number', 'protocol', 'name', 'targetPort']);
  if (port) {
    portNumber = r.number(port, 'number', portField, true);
    portName = r.string(port, 'name', portField, true);
    protocol = readProtocol(r, port, portField);
    if (port.targetPort != null) {
      r.error([...portField, 'targetPort'], 'not supported by cdk8s-asm-egress: the gateway reaches the service on port.number', 'MANIFEST_UNSUPPORTED');
    }
  }

  let gatewayPort: number | undefined;
  const gatewayField = [...field, 'byEgressGateway'];
  const gateway = to.byEgressGateway == null ? undefined : r.mapping(to.byEgressGateway, gatewayField, ['port', 'name']);
  if (gateway) {
    gatewayPort = r.number(gateway, 'port', gatewayField);
    if (gateway.name != null) {
      r.error([...gatewayField, 'name'], "not supported by cdk8s-asm-egress: a service goes through its policy's gateway (spec.byEgressGateway.name)",
        'MANIFEST_UNSUPPORTED');
    }
  }
  c.portSlots.push({ field: gatewayField, set: gateway?.port != null });

  let upgradePort: number | undefined;
  const upgradeField = [...field, 'httpsUpgrade'];
  const upgrade = to.httpsUpgrade == null ? undefined : r.mapping(to.httpsUpgrade, upgradeField, ['enabled', 'port']);
  if (upgrade) {
    const enabled = r.boolean(upgrade, 'enabled', upgradeField, true);
    const upgradeTo = r.number(upgrade, 'port', upgradeField);
    if (enabled === true) {
      if (upgrade.port == null) {
        r.error([...upgradeField, 'port'], 'missing: an enabled httpsUpgrade needs the HTTPS port of the external service (usually 443)', 'MANIFEST_MISSING_FIELD');
      }
      if (protocol !== undefined && protocol !== Protocol.HTTP) {
        r.error([...upgradeField, 'enabled'], `only HTTP services can be upgraded to HTTPS; this one is ${protocol}`);
      } else {
        upgradePort = upgradeTo ?? 443;
      }
    } else if (enabled === false) {
      const message = upgradeTo !== undefined ? portError(upgradeTo) : undefined;
      if (message) r.error([...upgradeField, 'port'], message, 'INVALID_PORT');
      r.warn([...upgradeField, 'enabled'], 'false: the gateway does not upgrade this service, as if httpsUpgrade were left out; dropped',
        'MANIFEST_DROPPED_FIELD');
    }
  }

  // An unusable protocol is checked as TCP, the most permissive (it accepts IP addresses too).
  const checkedAs = protocol ?? Protocol.TCP;
  const upgrades = checkedAs === Protocol.HTTP && upgradePort !== undefined;
  const subject = `service ${name ?? ''}`;
  const overrides = name !== undefined ? c.overrides.take(subject) : [];
  const { problems, kinds } = serviceValueProblems({
    ...(name !== undefined ? { name } : {}),
    protocol: checkedAs,
    ...(portNumber !== undefined ? { port: portNumber } : {}),
    ...(portName !== undefined ? { portName } : {}),
    hosts,
    gatewayPort,
    ...(upgrades ? { httpsUpgradePort: upgradePort } : {}),
  });
  if (!c.query && hosts !== undefined) {
    problems.push(...serviceGuardrailProblems(name ?? '', hosts.map((h) => h ?? ''), checkedAs === Protocol.HTTP && !upgrades, overrides));
  }
  for (const p of problems) r.add(valueProblem(p, field, subject));
  if (r.errorCount > errorsBefore) return undefined;
  return serviceModel({
    name: name!,
    protocol: protocol!,
    port: portNumber!,
    portName: portName!,
    hosts: hosts as string[],
    ...(gatewayPort !== undefined ? { gatewayPort } : {}),
    // A manifest cannot say how to verify the server: the default, as for ExternalService.http().
    ...(upgrades ? { httpsUpgradePort: upgradePort, serverVerification: ServerVerification.systemCertificates() } : {}),
    overrides,
    ipAddressed: kinds.length > 0 && kinds.every(isAddress),
  });
}

/**
 * A problem of a service or source value, as a problem of the manifest: overrides live in the
 * policy's annotation, so that is where their problems point, naming the service or source.
 */
function valueProblem(p: Problem, field: FieldPath, subject: string): Problem {
  if (p.field[0] === 'guardrailOverrides') return { ...p, field: OVERRIDES_FIELD, message: msg`${subject}: ${p.message}` };
  return { ...p, field: [...field, ...p.field] };
}

function readProtocol(r: FieldReader, port: Record<string, unknown>, portField: FieldPath): Protocol | undefined {
  const text = r.string(port, 'protocol', portField, true);
  if (text === undefined) return undefined;
  const supported = Object.values(Protocol) as string[];
  if (supported.includes(text)) return text as Protocol;
  if (UNSUPPORTED_PROTOCOLS.includes(text)) {
    r.error([...portField, 'protocol'], `${text} is a protocol of the CRD that cdk8s-asm-egress does not support (supported: ${supported.join(', ')})`,
      'MANIFEST_UNSUPPORTED');
  } else {
    r.error([...portField, 'protocol'], `'${text}' is not a protocol of the CRD (supported: ${supported.join(', ')}, in upper case)`);
  }
  return undefined;
}
