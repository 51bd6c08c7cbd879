/**
 * Where the NetworkPolicies of `IstioOptions.networkPolicy` let a source's pods connect for one
 * purpose (DNS, or the mesh control plane): pods selected by namespace and labels, IP blocks, or
 * both. Give at least one of the two.
 *
 * @example
 * // Node-local DNS on its link-local address, and ASM's managed control plane outside the cluster.
 * EgressRegistry.of(app).configure({
 *   output: EgressOutput.ISTIO,
 *   istio: {
 *     networkPolicy: true,
 *     networkPolicyDns: { ipBlocks: ['169.254.20.10/32'] },
 *     networkPolicyControlPlane: { ipBlocks: ['192.168.0.10/32'] },
 *   },
 * });
 */
export interface NetworkPolicyDestination {
  /**
   * Namespace of the destination pods. Needs `podLabels`.
   * @default - no pods: only `ipBlocks`
   */
  readonly namespace?: string;

  /**
   * Labels of the destination pods in `namespace` (at least one). Needs `namespace`.
   * @default - no pods: only `ipBlocks`
   */
  readonly podLabels?: { [key: string]: string };

  /**
   * Destination addresses as CIDR blocks (`10.0.0.10/32`, `fd00::/64`), for destinations that are
   * not pods of the cluster: a node-local DNS cache, or ASM's managed control plane. A block of
   * every address (`/0`) is refused: it would let pods that bypass their sidecar reach any host.
   * @default - no addresses: only the pods
   */
  readonly ipBlocks?: string[];
}
