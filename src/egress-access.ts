// What a policy allows, as plain data: which sources reach which destinations, and how.

/** A workload that sends traffic, as a query names it: its namespace, pod labels and service account. */
export interface EgressWorkload {
  /** Namespace of the workload. */
  readonly namespace: string;

  /**
   * Labels of the workload's pods.
   * @default - no labels: only rules without a workload selector match
   */
  readonly labels?: { [key: string]: string };

  /**
   * Service account that the workload's pods run as. It matters only for sources that the output
   * admits by service account (see `EgressSourceSelector.serviceAccount`).
   * @default 'default' (the one Kubernetes gives a pod that names none)
   */
  readonly serviceAccount?: string;
}

/**
 * The sources a rule allows: a namespace, an optional workload selector and, where the output
 * admits them by it, a service account.
 */
export interface EgressSourceSelector {
  /** Namespace of the sources; `*` for every namespace. */
  readonly namespace: string;

  /**
   * Labels that the source pods must all have.
   * @default - every workload of the namespace
   */
  readonly workloadSelector?: { [key: string]: string };

  /**
   * The service account that the sources must run as: the one whose principal
   * (`<trust domain>/ns/<namespace>/sa/<name>`) the Istio output's gateway or the ambient output's
   * waypoint admits them by, read from their AuthorizationPolicies (ASM's CRD has no such field).
   * When the gateway or waypoint admits the namespace on that port by several service accounts,
   * there is one access for each.
   * @default - any service account: the output is ASM alone, or admits the whole namespace
   */
  readonly serviceAccount?: string;

  /**
   * The workload the selector stands for, as `Deployment team-a/web`, when it selects by the label
   * that cdk8s-plus gives a workload's pods (`cdk8s.io/metadata.addr`, a hash of its construct
   * path) and the manifests read hold exactly one workload with those labels.
   * @default - not named: the selector does not use the label, or no single workload carries it
   */
  readonly workload?: string;
}

/** An external destination, as the application addresses it. */
export interface EgressDestination {
  /** Host name (lower case, possibly a `*.` wildcard) or IP address (canonical form). */
  readonly host: string;
  /** Port that the application connects to. */
  readonly port: number;
  /** Protocol that the application speaks (`HTTP`, `HTTPS`, `TLS`, `TCP`, ...). */
  readonly protocol: string;
}

/** One source and destination that a policy allows, and the way the traffic takes. */
export interface EgressAccess {
  /** The sources. */
  readonly source: EgressSourceSelector;
  /** The destination. */
  readonly destination: EgressDestination;
  /** The egress gateway that the traffic passes through. */
  readonly gateway: string;

  /**
   * The gateway port that the traffic passes through.
   * @default - none written: ASM allocates it at run time
   */
  readonly gatewayPort?: number;

  /** Whether the gateway originates TLS (HTTP from the application, HTTPS to the destination). */
  readonly tlsOrigination: boolean;
  /** Port that the gateway connects to: the HTTPS port with TLS origination, else the destination port. */
  readonly upstreamPort: number;
  /** Name of the external service (`to[].name`) that allows it. */
  readonly service: string;

  /**
   * Name of the rule that allows it.
   * @default - the rule has no name
   */
  readonly rule?: string;

  /** The policy object that allows it, as `<namespace>/<name>`. */
  readonly policy: string;
}

/** Whether a workload may reach a destination, and how. */
export interface EgressReachability {
  /** Whether any rule allows it. */
  readonly allowed: boolean;

  /**
   * The egress gateway (of the first matching rule).
   * @default - not allowed
   */
  readonly gateway?: string;

  /**
   * The gateway port (of the first matching rule).
   * @default - not allowed, or ASM allocates the port
   */
  readonly gatewayPort?: number;

  /**
   * Whether the gateway originates TLS (for the first matching rule).
   * @default - not allowed
   */
  readonly tlsOrigination?: boolean;

  /**
   * Protocol of the destination.
   * @default - not allowed
   */
  readonly protocol?: string;

  /**
   * Name of the external service that allows it (of the first matching rule).
   * @default - not allowed
   */
  readonly service?: string;

  /**
   * Name of the first matching rule.
   * @default - not allowed, or the rule has no name
   */
  readonly rule?: string;

  /**
   * Whether the matching rules disagree on the route: another gateway, gateway port or TLS
   * origination (see `matches` for each). The route described above is the first one's.
   * @default - false: not allowed, or every matching rule takes the same route
   */
  readonly ambiguous?: boolean;

  /** Every allowed pair that matches, in the order of the policies and rules; the first one is described above. */
  readonly matches: EgressAccess[];
}

/**
 * A guardrail that a policy overrides, as its overrides annotation
 * (`egress.cdk8s-asm-egress.io/guardrail-overrides`) lists it: what a review of a change must see.
 *
 * @example
 * const override: EgressGuardrailOverride = {
 *   gateway: 'egressgateway-a',
 *   policy: 'istio-egress/egress-by-egressgateway-a',
 *   subject: 'service billing-db',
 *   guardrail: 'PRIVATE_ADDRESS',
 *   reason: 'billing DB in the peered VPC, INFRA-412',
 * };
 */
export interface EgressGuardrailOverride {
  /** The egress gateway of the policy. */
  readonly gateway: string;
  /** The policy object, as `<namespace>/<name>`. */
  readonly policy: string;
  /** What is excepted: `service <name>`, or `source <namespace>{<selector>}`. */
  readonly subject: string;
  /** The guardrail overridden, e.g. `PRIVATE_ADDRESS`. */
  readonly guardrail: string;
  /** Why, as written. */
  readonly reason: string;
}
