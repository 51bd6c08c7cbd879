/**
 * A check that refuses dangerous egress by default. Every guardrail can be overridden for one
 * service (or, for `MESH_WIDE_SOURCE`, one source) with a `GuardrailOverride` and a reason; the
 * synthesised policy lists each override in its `GuardrailOverride.ANNOTATION` annotation, so
 * exceptions stay visible in review.
 *
 * @example
 * ExternalService.tcp('billing-db', {
 *   hosts: ['10.20.0.15'],
 *   port: 5432,
 *   guardrailOverrides: [GuardrailOverride.allow(Guardrail.PRIVATE_ADDRESS, 'billing DB in the peered VPC, INFRA-412')],
 * });
 */
export class Guardrail {
  /**
   * No host that reaches inside the cluster or the cloud host: loopback, link-local (where cloud
   * instance metadata lives: 169.254.169.254, fd00:ec2::254), Alibaba Cloud's metadata address
   * 100.100.100.200, unspecified, multicast and reserved addresses, IPv6 forms that embed such an
   * IPv4 address, and names such as `*.localhost`, `*.cluster.local`, `*.svc`, `*.local` and the
   * metadata names `metadata.google.internal` and `metadata.tencentyun.com`.
   */
  public static readonly INTERNAL_ADDRESS = new Guardrail('INTERNAL_ADDRESS', false);

  /**
   * No host in a private network: RFC 1918 (10/8, 172.16/12, 192.168/16), carrier-grade NAT
   * (100.64/10), IPv6 unique local (fc00::/7) and site-local (fec0::/10) addresses, and names under
   * the private-use top-level domain `.internal`.
   */
  public static readonly PRIVATE_ADDRESS = new Guardrail('PRIVATE_ADDRESS', false);

  /** No wildcard host (`*.example.com`): it opens every subdomain of a domain. */
  public static readonly WILDCARD_HOST = new Guardrail('WILDCARD_HOST', false);

  /**
   * No plain HTTP to an external host unless the gateway upgrades it to HTTPS (`httpsUpgrade`).
   * A warning, or an error with `strictGuardrails`.
   */
  public static readonly PLAIN_HTTP = new Guardrail('PLAIN_HTTP', false);

  /** No source that selects workloads in every namespace of the mesh (an empty namespace selector). */
  public static readonly MESH_WIDE_SOURCE = new Guardrail('MESH_WIDE_SOURCE', true);

  /**
   * No `workloadSelector` source that an output cannot enforce. In ambient output
   * (`EgressOutput.AMBIENT`) the waypoint admits service accounts and namespaces, never pod labels:
   * a selector source without a service account (`serviceAccountName`, or a cdk8s-plus workload
   * with one) is refused there. The override widens the source to its whole namespace (every
   * namespace for a mesh-wide source), visibly: checked in policies whose output is ambient.
   */
  public static readonly UNENFORCED_SELECTOR = new Guardrail('UNENFORCED_SELECTOR', true);

  /**
   * @param name the guardrail's name, as written in messages and in the overrides annotation
   * @param _forSources whether it applies to sources (else to external services)
   */
  private constructor(public readonly name: string, private readonly _forSources: boolean) {}

  /** Whether the guardrail checks sources rather than external services. @internal */
  public get _appliesToSources(): boolean {
    return this._forSources;
  }

  public toString(): string {
    return this.name;
  }
}
