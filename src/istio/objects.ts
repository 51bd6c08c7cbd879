import type * as net from '../imports/networking.istio.io';
import type * as sec from '../imports/security.istio.io';
import type { PolicyModel, ServiceModel } from '../model/model';

// The plain objects that the Istio planner emits, and what it builds them from.

/** A Kubernetes Service, as plain data (the planner emits one per gateway port). */
export interface ServiceProps {
  readonly metadata: { readonly name: string; readonly namespace: string; readonly annotations?: Record<string, string> };
  readonly spec: {
    readonly type: 'ClusterIP';
    readonly selector: Record<string, string>;
    readonly ports: Array<{ readonly name: string; readonly port: number; readonly targetPort: number; readonly protocol: 'TCP' }>;
  };
}

/** One object to create. Istio props follow the `v1` L1 classes; `v1beta1` has the same schema. */
export type IstioObject =
  | { readonly kind: 'ServiceEntry'; readonly props: net.ServiceEntryProps }
  | { readonly kind: 'VirtualService'; readonly props: net.VirtualServiceProps }
  | { readonly kind: 'DestinationRule'; readonly props: net.DestinationRuleProps }
  | { readonly kind: 'Gateway'; readonly props: net.GatewayProps }
  | { readonly kind: 'Sidecar'; readonly props: net.SidecarProps }
  | { readonly kind: 'AuthorizationPolicy'; readonly props: sec.AuthorizationPolicyProps }
  | { readonly kind: 'Service'; readonly props: ServiceProps };

/** The annotation that makes an AuthorizationPolicy log instead of enforce. */
export const DRY_RUN_ANNOTATION = 'istio.io/dry-run';

/** One gateway port in use, and what uses it. */
export interface GatewayPortUse {
  readonly port: number;
  /** Its services, by name. */
  readonly services: ServiceModel[];
  /** Whether HTTP services share it (an HTTPS server), rather than one TLS or TCP service (a TLS server). */
  readonly http: boolean;
  /** Namespaces of the sources that may use it (`*` for every namespace). */
  readonly namespaces: Set<string>;
}

/** What the Istio objects of one policy are built from. */
export interface Context {
  readonly policy: PolicyModel;
  readonly ports: Map<ServiceModel, number>;
  /** Distinct services of the policy, by name. */
  readonly services: ServiceModel[];
  /** Namespaces of the sources that may reach each service (by name). */
  readonly sourceNamespaces: Map<string, Set<string>>;
  /** Every gateway port in use, in port order. */
  readonly gatewayPorts: GatewayPortUse[];
  readonly gatewayNamespace: string;
  /** The Gateway as VirtualServices name it: `<namespace>/<name>`. */
  readonly gatewayRef: string;
}

/** The subset of a gateway port's DestinationRule that sidecars route through (its only one). */
export const GATEWAY_PORT_SUBSET = 'egress';
