import type { AsmApiVersion } from '../asm-api-version';
import type { AsmVersion } from '../asm-version';
import type { EgressOutput } from '../egress-output';
import type { ExternalService } from '../external-service';
import type { GatewayPortAllocation, PortRange } from '../gateway';
import type { GuardrailOverride } from '../guardrail';
import type { ResolvedIstioOptions } from '../istio-options';
import type { Problem } from './problem';

// The egress model of a whole App: plain data built from the constructs once per synthesis, then
// validated, given gateway ports and rendered. Nothing here refers to a construct.

/** A source of traffic. @internal */
export interface SourceModel {
  /** The namespace, or `*` for every namespace (only with a MESH_WIDE_SOURCE override). */
  readonly namespace: string;
  readonly labels?: Record<string, string>;
  readonly serviceAccount?: string;
  /** Guardrails overridden for this source. */
  readonly overrides?: GuardrailOverride[];
}

/** A rule: its sources may reach its services. @internal */
export interface RuleModel {
  /** Construct path of the rule. */
  readonly path: string;
  readonly name?: string;
  readonly sources: SourceModel[];
  readonly services: ExternalService[];
}

/** The one policy of an egress gateway, with every rule contributed to it from the App. @internal */
export interface PolicyModel {
  readonly path: string;
  readonly gateway: string;
  readonly name: string;
  readonly namespace: string;
  readonly apiVersion: AsmApiVersion;
  readonly asmVersion: AsmVersion;
  readonly portAllocation: GatewayPortAllocation;
  readonly portRange: PortRange;
  readonly excludedPorts: number[];
  readonly rules: RuleModel[];
  /** What the policy synthesises. */
  readonly output?: EgressOutput;
  /** How it is rendered as Istio objects, and which objects describe its gateway. */
  readonly istio?: ResolvedIstioOptions;
  /** Whether guardrails that warn (plain HTTP) are errors in this policy. */
  readonly strictGuardrails?: boolean;
}

/** One gateway port and what uses it. @internal */
export interface PortAssignmentModel {
  readonly gateway: string;
  readonly port: number;
  /** Whether a user set it (never moved), rather than the allocator. */
  readonly explicit: boolean;
  /** Whether HTTP services share it. */
  readonly shared: boolean;
  /** Services that use it, as `name` (unique, sorted). */
  readonly services: string[];
}

/** @internal */
export interface EgressModel {
  /** One per gateway, ordered by gateway name. */
  readonly policies: PolicyModel[];
  /** Gateway port of each service, per gateway (empty for gateways whose ports ASM allocates). */
  readonly ports: Map<string, Map<ExternalService, number>>;
  /** Every port in use, per gateway, in port order. */
  readonly assignments: PortAssignmentModel[];
  /** Allocated (not explicit) ports per gateway and destination key: what a port lock records. */
  readonly allocated: Record<string, Record<string, number>>;
  readonly problems: Problem[];
}

/** Every service of a policy, with the rule it appears in and its index there. @internal */
export function servicesOf(policy: PolicyModel): Array<{ service: ExternalService; rule: RuleModel; index: number }> {
  return policy.rules.flatMap((rule) => rule.services.map((service, index) => ({ service, rule, index })));
}
