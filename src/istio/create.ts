import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { planGatewayService, planNetworkPolicies } from './kubernetes';
import { IstioObject, planPolicy, planSidecar } from './plan';
import { rendersIstio, sidecarScopes } from './sidecar-scopes';
import { servicePortsOf } from '../allocation/service-ports';
import { IstioApiVersion } from '../istio-api-version';
import { guardrailOverrideAnnotations } from '../model/guardrail-annotation';
import type { EgressModel } from '../model/model';
import { includesAsm, includesIstio } from '../model/output';
import { OrderedApiObject } from '../pipeline/ordered-api-object';

/** Id of the construct, under each policy, that holds the objects rendered at synthesis. */
export const ISTIO_CONTAINER_ID = 'Istio';

/** The API group of each Istio kind; its version is the policy's `istio.apiVersion`. */
const GROUP: Record<Exclude<IstioObject['kind'], 'Service'>, string> = {
  ServiceEntry: 'networking.istio.io',
  VirtualService: 'networking.istio.io',
  DestinationRule: 'networking.istio.io',
  Gateway: 'networking.istio.io',
  Sidecar: 'networking.istio.io',
  AuthorizationPolicy: 'security.istio.io',
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
      const service = planGatewayService(istio, servicePorts);
      new OrderedApiObject(container(policy.gateway), service.id, service.manifest);
    }
    if (istio.istioGateway && includesAsm(policy.output)) {
      // ASM's gateway resource; no CRD is published, hence plain data with only what this App decides.
      new OrderedApiObject(container(policy.gateway), 'IstioGateway', {
        apiVersion: 'istio.alibabacloud.com/v1beta1',
        kind: 'IstioGateway',
        metadata: { name: policy.gateway, namespace: istio.gatewayNamespace },
        spec: { gatewayType: 'egress', serviceType: 'ClusterIP', ports: servicePorts.map((p) => ({ ...p })) },
      });
    }
    // Like the gateway Service, part of the Istio output: an ASM-only policy's setting is ignored (and warned about).
    if (istio.networkPolicy && includesIstio(policy.output)) {
      for (const object of planNetworkPolicies(policy, model.policies)) new OrderedApiObject(container(policy.gateway), object.id, object.manifest);
    }
  }

  for (const scope of sidecarScopes(model.policies, model.ports).scopes) {
    create(container(scope.home.gateway), planSidecar(scope), scope.home.istio.apiVersion);
  }
}

function create(scope: Construct, object: IstioObject, apiVersion: IstioApiVersion): ApiObject {
  const { name, namespace } = object.props.metadata!;
  const id = `${object.kind}.${namespace}.${name}`;
  // Every object keeps the key order it was planned in, as the ASM and ambient objects do.
  const type = object.kind === 'Service' ? 'v1' : `${GROUP[object.kind]}/${apiVersion}`;
  return new OrderedApiObject(scope, id, { apiVersion: type, kind: object.kind, ...object.props });
}
