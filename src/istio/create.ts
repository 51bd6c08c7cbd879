import { isIP } from 'net';
import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { labelsPart, objectName } from './names';
import { hasNetworkPolicy, protectedPodsOf } from './network-policy';
import { IstioObject, planPolicy, planSidecar } from './plan';
import { labelsKey, rendersIstio, sidecarScopes } from './sidecar-scopes';
import { servicePortsOf } from '../allocation/service-ports';
import * as net from '../imports/networking.istio.io';
import * as sec from '../imports/security.istio.io';
import { IstioApiVersion } from '../istio-api-version';
import { guardrailOverrideAnnotations } from '../model/guardrail-annotation';
import type { EgressModel, PolicyModel } from '../model/model';
import { includesAsm, includesIstio } from '../model/output';
import type { NetworkPolicyDestination } from '../network-policy-destination';

/** Id of the construct, under each policy, that holds the objects rendered at synthesis. */
export const ISTIO_CONTAINER_ID = 'Istio';

/** The L1 class of each kind, per API version. */
const L1: Record<Exclude<IstioObject['kind'], 'Service'>, Record<IstioApiVersion, new (scope: Construct, id: string, props: any) => ApiObject>> = {
  ServiceEntry: { [IstioApiVersion.V1]: net.ServiceEntry, [IstioApiVersion.V1BETA1]: net.ServiceEntryV1Beta1 },
  VirtualService: { [IstioApiVersion.V1]: net.VirtualService, [IstioApiVersion.V1BETA1]: net.VirtualServiceV1Beta1 },
  DestinationRule: { [IstioApiVersion.V1]: net.DestinationRule, [IstioApiVersion.V1BETA1]: net.DestinationRuleV1Beta1 },
  Gateway: { [IstioApiVersion.V1]: net.Gateway, [IstioApiVersion.V1BETA1]: net.GatewayV1Beta1 },
  Sidecar: { [IstioApiVersion.V1]: net.Sidecar, [IstioApiVersion.V1BETA1]: net.SidecarV1Beta1 },
  AuthorizationPolicy: { [IstioApiVersion.V1]: sec.AuthorizationPolicy, [IstioApiVersion.V1BETA1]: sec.AuthorizationPolicyV1Beta1 },
};

/**
 * Creates, under each policy construct, the objects that the App's model asks for: the Istio
 * objects, the gateway's Service or IstioGateway, NetworkPolicies, and the Sidecars merged across
 * policies (each in the chart of its home policy). Replaces whatever a previous call created.
 * @param model a model without errors
 * @param scopes the construct of each gateway's policy
 */
export function renderIstio(model: EgressModel, scopes: Map<string, Construct>): void {
  for (const scope of scopes.values()) scope.node.tryRemoveChild(ISTIO_CONTAINER_ID);
  const containers = new Map<string, Construct>();
  const container = (gateway: string): Construct => {
    let c = containers.get(gateway);
    if (!c) {
      c = new Construct(scopes.get(gateway)!, ISTIO_CONTAINER_ID);
      containers.set(gateway, c);
    }
    return c;
  };

  for (const policy of model.policies) {
    const istio = policy.istio;
    const ports = model.ports.get(policy.gateway) ?? new Map();
    if (rendersIstio(policy)) {
      // Like the ASM object, every object of the policy records its overridden guardrails.
      const annotations = Object.entries(guardrailOverrideAnnotations(policy));
      for (const object of planPolicy(policy, ports)) {
        const created = create(container(policy.gateway), object, istio.apiVersion);
        for (const [key, value] of annotations) created.metadata.addAnnotation(key, value);
      }
    }
    const servicePorts = servicePortsOf(model.assignments.filter((a) => a.gateway === policy.gateway));
    if (istio.gatewayService && includesIstio(policy.output)) {
      const service = new kplus.Service(container(policy.gateway), 'GatewayService', {
        metadata: { name: istio.gatewayServiceName, namespace: istio.gatewayNamespace },
        type: kplus.ServiceType.CLUSTER_IP,
        ports: servicePorts.map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort, protocol: kplus.Protocol.TCP })),
      });
      for (const [key, value] of Object.entries(istio.gatewayLabels)) service.selectLabel(key, value);
    }
    if (istio.istioGateway && includesAsm(policy.output)) {
      // ASM's gateway resource; no CRD is published, hence a plain ApiObject with only what this App decides.
      new ApiObject(container(policy.gateway), 'IstioGateway', {
        apiVersion: 'istio.alibabacloud.com/v1beta1',
        kind: 'IstioGateway',
        metadata: { name: policy.gateway, namespace: istio.gatewayNamespace },
        spec: { gatewayType: 'egress', serviceType: 'ClusterIP', ports: servicePorts.map((p) => ({ ...p })) },
      });
    }
    if (istio.networkPolicy) networkPolicies(container(policy.gateway), policy);
  }

  for (const scope of sidecarScopes(model.policies, model.ports).scopes) {
    create(container(scope.home.gateway), planSidecar(scope), scope.home.istio.apiVersion);
  }
}

function create(scope: Construct, object: IstioObject, apiVersion: IstioApiVersion): ApiObject {
  const { name, namespace } = object.props.metadata!;
  const id = `${object.kind}.${namespace}.${name}`;
  // A gateway port's Service: plain data, as planned.
  if (object.kind === 'Service') return new ApiObject(scope, id, { apiVersion: 'v1', kind: 'Service', ...object.props });
  return new L1[object.kind][apiVersion](scope, id, object.props);
}

/**
 * Per source selector: its pods may reach the egress gateway's pods, DNS and the control plane,
 * and nothing else that another NetworkPolicy does not allow.
 */
function networkPolicies(scope: Construct, policy: PolicyModel): void {
  const istio = policy.istio;
  const done = new Set<string>();
  for (const rule of policy.rules) {
    for (const source of rule.sources) {
      const key = `${source.namespace}|${labelsKey(source.labels)}`;
      if (done.has(key) || !hasNetworkPolicy(source)) continue;
      done.add(key);
      // Never select the pods the policy lets the source reach (checked: each is selected by one label).
      const expressions = protectedPodsOf(source, istio)
        .flatMap((pods) => Object.entries(pods.labels).map(([k, v]) => kplus.LabelExpression.notIn(k, [v])));
      const base = `egress-via-${policy.gateway}`;
      const name = source.labels ? objectName(base, labelsPart(source.labels)) : objectName(base);
      const id = `NetworkPolicy.${source.namespace}.${name}`;
      const peer = (suffix: string) => `${id}.${suffix}`;
      new kplus.NetworkPolicy(scope, id, {
        metadata: { name, namespace: source.namespace },
        selector: source.labels || expressions.length > 0
          ? kplus.Pods.select(scope, peer('Pods'), { labels: source.labels, expressions })
          : kplus.Pods.all(scope, peer('Pods')),
        egress: {
          default: kplus.NetworkPolicyTrafficDefault.DENY,
          rules: [
            {
              peer: kplus.Pods.select(scope, peer('Gateway'), {
                labels: istio.gatewayLabels,
                namespaces: kplus.Namespaces.select(scope, peer('GatewayNamespace'), { names: [istio.gatewayNamespace] }),
              }),
            },
            // DNS, and the sidecar's xDS and certificates: only to where they are served, so that a
            // pod that bypasses its sidecar cannot reach other hosts (or DNS servers) on these ports.
            ...destinationRules(scope, peer('Dns'), istio.networkPolicyDns, [kplus.NetworkPolicyPort.udp(53), kplus.NetworkPolicyPort.tcp(53)]),
            ...destinationRules(scope, peer('ControlPlane'), istio.networkPolicyControlPlane, [kplus.NetworkPolicyPort.tcp(15012)]),
          ],
        },
      });
    }
  }
}

/** Egress rules to a destination's pods and IP blocks, on the given ports. */
function destinationRules(
  scope: Construct, id: string, destination: NetworkPolicyDestination, ports: kplus.NetworkPolicyPort[],
): kplus.NetworkPolicyRule[] {
  const pods = destination.namespace !== undefined && destination.podLabels !== undefined
    ? [kplus.Pods.select(scope, `${id}.Pods`, {
      labels: destination.podLabels,
      namespaces: kplus.Namespaces.select(scope, `${id}.Namespace`, { names: [destination.namespace] }),
    })]
    : [];
  const blocks = (destination.ipBlocks ?? []).map((cidr, i) => {
    const block = isIP(cidr.split('/')[0]) === 6 ? kplus.NetworkPolicyIpBlock.ipv6 : kplus.NetworkPolicyIpBlock.ipv4;
    return block(scope, `${id}.IpBlock${i}`, cidr);
  });
  return [...pods, ...blocks].map((peer) => ({ peer, ports }));
}
