import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { AmbientObject, planAmbientPolicy, planNamespaces } from './plan';
import { IstioApiVersion } from '../istio-api-version';
import { guardrailOverrideAnnotations } from '../model/guardrail-annotation';
import type { EgressModel } from '../model/model';
import { includesAmbient } from '../model/output';
import { OrderedApiObject } from '../pipeline/ordered-api-object';

/** Id of the construct, under each policy, that holds the ambient objects rendered at synthesis. */
export const AMBIENT_CONTAINER_ID = 'Ambient';

/** The API version of each kind: Istio's follow the policy's `ambient.apiVersion`. */
const API_VERSION: Record<AmbientObject['kind'], (istio: IstioApiVersion) => string> = {
  Gateway: () => 'gateway.networking.k8s.io/v1',
  ServiceEntry: (v) => `networking.istio.io/${v}`,
  DestinationRule: (v) => `networking.istio.io/${v}`,
  AuthorizationPolicy: (v) => `security.istio.io/${v}`,
  NetworkPolicy: () => 'networking.k8s.io/v1',
  Namespace: () => 'v1',
};

/**
 * Creates, under each policy construct whose output is ambient, the objects that the App's model
 * asks for, and the labelled Namespaces merged across policies (each in the chart of its home
 * policy). Replaces whatever a previous call created.
 * @param model a model without errors
 * @param scopes the construct of each gateway's policy
 */
export function renderAmbient(model: EgressModel, scopes: Map<string, Construct>): void {
  for (const scope of scopes.values()) scope.node.tryRemoveChild(AMBIENT_CONTAINER_ID);
  const containers = new Map<string, Construct>();
  const container = (gateway: string): Construct => {
    let c = containers.get(gateway);
    if (!c) {
      c = new Construct(scopes.get(gateway)!, AMBIENT_CONTAINER_ID);
      containers.set(gateway, c);
    }
    return c;
  };

  for (const policy of model.policies.filter((p) => includesAmbient(p.output))) {
    // Like the ASM object, every object of the policy records its overridden guardrails.
    const annotations = Object.entries(guardrailOverrideAnnotations(policy));
    for (const object of planAmbientPolicy(policy, model.policies)) {
      const created = create(container(policy.gateway), object, policy.ambient.apiVersion);
      for (const [key, value] of annotations) created.metadata.addAnnotation(key, value);
    }
  }
  for (const { home, object } of planNamespaces(model.policies)) create(container(home.gateway), object, home.ambient.apiVersion);
}

function create(scope: Construct, object: AmbientObject, apiVersion: IstioApiVersion): ApiObject {
  const { name, namespace } = object.props.metadata!;
  const id = `${object.kind}.${namespace ?? ''}.${name}`;
  return new OrderedApiObject(scope, id, { apiVersion: API_VERSION[object.kind](apiVersion), kind: object.kind, ...object.props });
}
