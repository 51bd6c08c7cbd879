import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { AmbientObject, planAmbientPolicy, planNamespaces } from './plan';
import * as gw from '../imports/gateway.networking.k8s.io';
import * as net from '../imports/networking.istio.io';
import * as sec from '../imports/security.istio.io';
import { IstioApiVersion } from '../istio-api-version';
import { guardrailOverrideAnnotations } from '../model/guardrail-annotation';
import type { EgressModel } from '../model/model';
import { includesAmbient } from '../model/output';

/** Id of the construct, under each policy, that holds the ambient objects rendered at synthesis. */
export const AMBIENT_CONTAINER_ID = 'Ambient';

type L1Class = new (scope: Construct, id: string, props: any) => ApiObject;

/** The L1 class of each Istio and Gateway API kind, per Istio API version (Gateway has one version). */
const L1: Record<Exclude<AmbientObject['kind'], keyof typeof KUBERNETES_API_VERSION>, Record<IstioApiVersion, L1Class>> = {
  Gateway: { [IstioApiVersion.V1]: gw.Gateway, [IstioApiVersion.V1BETA1]: gw.Gateway },
  ServiceEntry: { [IstioApiVersion.V1]: net.ServiceEntry, [IstioApiVersion.V1BETA1]: net.ServiceEntryV1Beta1 },
  DestinationRule: { [IstioApiVersion.V1]: net.DestinationRule, [IstioApiVersion.V1BETA1]: net.DestinationRuleV1Beta1 },
  AuthorizationPolicy: { [IstioApiVersion.V1]: sec.AuthorizationPolicy, [IstioApiVersion.V1BETA1]: sec.AuthorizationPolicyV1Beta1 },
};

/** Kubernetes' own kinds: plain manifests, so that no cdk8s-plus (or its L1 classes) is needed. */
const KUBERNETES_API_VERSION = { NetworkPolicy: 'networking.k8s.io/v1', Namespace: 'v1' } as const;

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
    for (const object of planAmbientPolicy(policy)) {
      const created = create(container(policy.gateway), object, policy.ambient.apiVersion);
      for (const [key, value] of annotations) created.metadata.addAnnotation(key, value);
    }
  }
  for (const { home, object } of planNamespaces(model.policies)) create(container(home.gateway), object, home.ambient.apiVersion);
}

function create(scope: Construct, object: AmbientObject, apiVersion: IstioApiVersion): ApiObject {
  const { name, namespace } = object.props.metadata!;
  const id = `${object.kind}.${namespace ?? ''}.${name}`;
  if (object.kind === 'NetworkPolicy' || object.kind === 'Namespace') {
    return new ApiObject(scope, id, { apiVersion: KUBERNETES_API_VERSION[object.kind], kind: object.kind, ...object.props });
  }
  return new L1[object.kind][apiVersion](scope, id, object.props);
}
