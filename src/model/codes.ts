// The stable code of every problem the library reports, by stage. Tools match problems by code,
// never by message text; the README lists them. A guardrail's code is its name.

/** Guardrails: refused by default, each can be overridden with a reason. */
export type GuardrailCode = 'INTERNAL_ADDRESS' | 'PRIVATE_ADDRESS' | 'WILDCARD_HOST' | 'PLAIN_HTTP' | 'MESH_WIDE_SOURCE' | 'UNENFORCED_SELECTOR';

/** A value wrong on its own (construction, or a field of a manifest). */
export type ValueCode =
  | 'REQUIRED' | 'INVALID_NAME' | 'INVALID_LABEL' | 'INVALID_PORT' | 'INVALID_HOST' | 'TOO_MANY_HOSTS' | 'DUPLICATE_HOST'
  | 'ADDRESS_NOT_TCP' | 'MIXED_HOSTS' | 'INVALID_OPTION' | 'INVALID_WORKLOAD'
  | 'OVERRIDE_MISPLACED' | 'OVERRIDE_DUPLICATE' | 'OVERRIDE_UNUSED' | 'INVALID_VERSION'
  /** A call that cannot be made: a wrong argument from an untyped language, a method called out of order. */
  | 'INVALID_ARGUMENT' | 'INVALID_CALL';

/** The App as a whole: policies, rules and services together. */
export type AppCode =
  | 'DUPLICATE_POLICY' | 'UNKNOWN_GATEWAY' | 'POLICY_WITHOUT_RULES' | 'RULE_WITHOUT_SOURCE' | 'RULE_WITHOUT_DESTINATION'
  | 'DUPLICATE_SOURCE' | 'DUPLICATE_SERVICE' | 'SERVICE_NAME_CONFLICT' | 'PROTOCOL_CONFLICT' | 'ASM_VERSION_TOO_OLD'
  | 'ASM_ALLOCATION_PORT_SET' | 'LONG_GATEWAY_NAME' | 'DUPLICATE_RULE' | 'IGNORED_SETTING';

/** Gateway ports. */
export type PortCode =
  | 'PROXY_PORT' | 'EXCLUDED_PORT' | 'PORT_CONFLICT' | 'PORT_RANGE_EXHAUSTED' | 'INVALID_PORT_RANGE'
  | 'PORT_LOCK_INVALID' | 'PORT_LOCK_STALE' | 'PORT_LOCK_MOVED';

/** What the open-source Istio output cannot express, or would get wrong. */
export type IstioCode =
  | 'ISTIO_OUTPUT_MISMATCH' | 'ISTIO_WILDCARD_HOST' | 'ISTIO_HOST_CONFLICT' | 'ISTIO_TCP_PORT_CONFLICT'
  | 'ISTIO_GATEWAY_CONFLICT' | 'ISTIO_SELECTOR_CONFLICT' | 'ISTIO_NETWORK_POLICY' | 'ISTIO_GATEWAY_SERVICE_PORTS'
  /**
   * Warnings: a source that no NetworkPolicy can select; a gateway port that stock gateway Services
   * translate; partial input; Sidecars whose input could not be checked for it.
   */
  | 'ISTIO_NETWORK_POLICY_SERVICE_ACCOUNT' | 'ISTIO_GATEWAY_PORT_TRANSLATED' | 'ISTIO_PARTIAL_INPUT' | 'ISTIO_SIDECAR_UNCHECKED';

/** What the Istio ambient-mode output (a waypoint as egress gateway) cannot express, or would get wrong. */
export type AmbientCode =
  | 'AMBIENT_WILDCARD_HOST' | 'AMBIENT_HOST_CONFLICT' | 'AMBIENT_TCP_WAYPOINT' | 'AMBIENT_WAYPOINT_CONFLICT'
  | 'AMBIENT_OUTPUT_MISMATCH' | 'AMBIENT_MESH_WIDE_SOURCE' | 'AMBIENT_NETWORK_POLICY'
  /** A warning: a source that no NetworkPolicy can select. */
  | 'AMBIENT_NETWORK_POLICY_SERVICE_ACCOUNT';

/** A manifest (YAML) that does not have the CRD's shape, or that ASM would take otherwise. */
export type ManifestCode =
  | 'MANIFEST_MISSING_FIELD' | 'MANIFEST_UNKNOWN_FIELD' | 'MANIFEST_WRONG_TYPE' | 'MANIFEST_INVALID_VALUE'
  | 'MANIFEST_UNSUPPORTED' | 'MANIFEST_DROPPED_FIELD' | 'MANIFEST_GATEWAY_PORTS' | 'MANIFEST_OVERRIDE_ANNOTATION'
  /** A warning: a field left out that the library fills in with its default (metadata.namespace: istio-egress). */
  | 'MANIFEST_DEFAULTED_FIELD'
  /** A synthesised file that cannot be read or parsed as YAML (the cdk8s validation plugin). */
  | 'MANIFEST_UNREADABLE';

export type ProblemCode = GuardrailCode | ValueCode | AppCode | PortCode | IstioCode | AmbientCode | ManifestCode;
