import type { ResolvedAmbientOptions } from '../ambient/options';
import type { AsmApiVersion } from '../asm-api-version';
import type { AsmVersion } from '../asm-version';
import type { EgressOutput } from '../egress-output';
import type { GatewayPortAllocation } from '../gateway-port-allocation';
import type { GuardrailOverride } from '../guardrail-override';
import type { ResolvedIstioOptions } from '../istio/options';
import type { PortRange } from '../port-range';
import { Protocol } from '../protocol';
import type { ServerVerification } from '../server-verification';
import { isSharedProtocol } from './output';
import type { Problem } from './problem';

// The egress model of a whole App: plain data, built once per synthesis from the constructs (or
// from manifests adopted as constructs), then checked, given gateway ports and rendered. Nothing
// here refers to a construct: each policy and rule names its input by a `subject` (the construct
// path), which the edges turn into a construct path or a file position.

/** An external service as the model knows it; one object per `ExternalService` value. */
export interface ServiceModel {
  readonly name: string;
  readonly protocol: Protocol;
  readonly port: number;
  readonly portName: string;
  readonly hosts: string[];
  /** The gateway port set by the user, if any. */
  readonly gatewayPort?: number;
  /** The HTTPS port the gateway upgrades HTTP to, if it does. */
  readonly httpsUpgradePort?: number;
  /** How the gateway verifies the server when it upgrades (Istio output). */
  readonly serverVerification?: ServerVerification;
  /** Whether the user chose `serverVerification` (rather than the default). */
  readonly serverVerificationSet?: boolean;
  readonly overrides: GuardrailOverride[];
  /** Whether the hosts are IP addresses rather than names. */
  readonly ipAddressed: boolean;
  /** Protocol class, sorted hosts and port: services with one key are one destination and share a gateway port. */
  readonly destinationKey: string;
}

/** A source of traffic. */
export interface SourceModel {
  /** The namespace, or `*` for every namespace (only with a MESH_WIDE_SOURCE override). */
  readonly namespace: string;
  readonly labels?: Record<string, string>;
  readonly serviceAccount?: string;
  /** The cdk8s-plus workload it was read from (construct path), for messages. */
  readonly workload?: string;
  /** Guardrails overridden for this source. */
  readonly overrides?: GuardrailOverride[];
}

/** A source as plain data, and what is wrong with its input. */
export interface ResolvedSource {
  readonly source: SourceModel;
  readonly problems: Problem[];
}

/** A rule: its sources may reach its services. */
export interface RuleModel {
  readonly subject: string;
  readonly name?: string;
  readonly sources: SourceModel[];
  readonly services: ServiceModel[];
}

/** What a policy is, before its rules are gathered from the App. */
export interface PolicySettingsModel {
  readonly subject: string;
  readonly gateway: string;
  readonly name: string;
  readonly namespace: string;
  readonly apiVersion: AsmApiVersion;
  readonly asmVersion: AsmVersion;
  /** Who chose the ASM version: the policy's prop, the App's settings, or the default. */
  readonly asmVersionFrom: 'policy' | 'app' | 'default';
  readonly portAllocation: GatewayPortAllocation;
  readonly portRange: PortRange;
  readonly excludedPorts: number[];
  /** What the policy synthesises. */
  readonly output: EgressOutput;
  /** How it is rendered as Istio objects, and which objects describe its gateway. */
  readonly istio: ResolvedIstioOptions;
  /** How it is rendered for Istio's ambient mode (a waypoint as egress gateway). */
  readonly ambient: ResolvedAmbientOptions;
  /** Whether guardrails that warn (plain HTTP) are errors in this policy. */
  readonly strictGuardrails: boolean;
  /** The options of each output target that the user set (the rest are defaults). */
  readonly optionsSet: { readonly istio: OptionsSet; readonly ambient: OptionsSet };
}

/** Options set for the App and for the policy, by name. */
export interface OptionsSet {
  readonly app: string[];
  readonly policy: string[];
}

/** The one policy of an egress gateway, with every rule contributed to it from the App. */
export interface PolicyModel extends PolicySettingsModel {
  readonly rules: RuleModel[];
}

/** One gateway port and what uses it. */
export interface PortAssignmentModel {
  readonly gateway: string;
  readonly port: number;
  /** Whether a user set it (never moved), rather than the allocator. */
  readonly isExplicit: boolean;
  /** Whether HTTP services share it. */
  readonly shared: boolean;
  /** Services that use it, as `name` (unique, sorted). */
  readonly services: string[];
}

export interface EgressModel {
  /** One per gateway, ordered by gateway name. */
  readonly policies: PolicyModel[];
  /** Gateway port of each service, per gateway (empty for gateways whose ports ASM allocates). */
  readonly ports: Map<string, Map<ServiceModel, number>>;
  /** Every port in use, per gateway, in port order. */
  readonly assignments: PortAssignmentModel[];
  /** Allocated (not explicit) ports per gateway and destination key: what a port lock records. */
  readonly allocated: Record<string, Record<string, number>>;
  /** Every problem of the App: errors and warnings. */
  readonly problems: Problem[];
}

/** A service from its values, with its destination key. */
export function serviceModel(values: Omit<ServiceModel, 'destinationKey'>): ServiceModel {
  const cls = isSharedProtocol(values.protocol) ? 'HTTP' : values.protocol === Protocol.TCP ? 'TCP' : 'TLS';
  const hosts = values.hosts.length === 1 ? values.hosts[0] : [...values.hosts].sort().join(',');
  // Every field present (undefined when absent): one object shape for every service of the App.
  return {
    name: values.name,
    protocol: values.protocol,
    port: values.port,
    portName: values.portName,
    hosts: values.hosts,
    gatewayPort: values.gatewayPort,
    httpsUpgradePort: values.httpsUpgradePort,
    serverVerification: values.serverVerification,
    serverVerificationSet: values.serverVerificationSet,
    overrides: values.overrides,
    ipAddressed: values.ipAddressed,
    destinationKey: `${cls}|${hosts}|${values.port}`,
  };
}

/** Every service of a policy, with the rule it appears in and its index there. */
export function servicesOf(policy: PolicyModel): Array<{ service: ServiceModel; rule: RuleModel; index: number }> {
  return policy.rules.flatMap((rule) => rule.services.map((service, index) => ({ service, rule, index })));
}

/** Whether two services are the same definition (one service declared twice). */
export function sameService(a: ServiceModel, b: ServiceModel): boolean {
  return a === b || (a.name === b.name && a.protocol === b.protocol && a.port === b.port
    && a.portName === b.portName && a.gatewayPort === b.gatewayPort
    && a.httpsUpgradePort === b.httpsUpgradePort && a.hosts.join(',') === b.hosts.join(',')
    && String(a.serverVerification) === String(b.serverVerification)
    && overridesKey(a.overrides) === overridesKey(b.overrides));
}

function overridesKey(overrides: GuardrailOverride[]): string {
  return overrides.map((o) => `${o.guardrail.name}: ${o.reason}`).sort().join('\n');
}
