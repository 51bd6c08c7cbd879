import { gatewayPortServiceName } from './names';
import { hasNetworkPolicy, meshNamespaces, ProtectedPods, protectedPodsOf, unselectableSourceWarning } from './network-policy';
import { rendersIstio, selectorsOverlap, sidecarScopes } from './sidecar-scopes';
import { isWildcardHost } from '../checks/syntax';
import { GatewayPortAllocation } from '../gateway-port-allocation';
import type { IstioCode } from '../model/codes';
import { servicesOf, type PolicyModel, type ServiceModel, type SourceModel } from '../model/model';
import { includesAsm, includesIstio } from '../model/output';
import { FieldPath, Message, msg, Problem, problem, ref } from '../model/problem';
import { Protocol } from '../protocol';

/** An error of the Istio output. */
function istioError(code: IstioCode, subject: string, field: FieldPath, message: string | Message): Problem {
  return problem(code, field, message, { subject });
}

// What open-source Istio cannot express, or would silently get wrong, in the Istio output. Each
// problem names the construct and the field to change; the ASM output is not affected by these.

/**
 * The Istio output's own checks, over every policy of the App.
 * @param ports the gateway port of each service, per gateway
 */
export function checkIstio(policies: PolicyModel[], ports: Map<string, Map<ServiceModel, number>>): Problem[] {
  const problems: Problem[] = [];
  const at = (subject: string, field: FieldPath, message: string, code: IstioCode = 'ISTIO_OUTPUT_MISMATCH') =>
    problems.push(istioError(code, subject, field, message));

  for (const policy of policies) {
    const istio = policy.istio;
    if (istio.gatewayService && !includesIstio(policy.output)) {
      at(policy.subject, ['istio', 'gatewayService'], `the gateway Service belongs to the open-source Istio output, and this policy's output is ${policy.output}: ASM manages the Service from its IstioGateway (see istio.istioGateway)`);
    }
    if (istio.istioGateway && !includesAsm(policy.output)) {
      at(policy.subject, ['istio', 'istioGateway'], `ASM's IstioGateway belongs to the ASM output, and this policy's output is ${policy.output}: for open-source Istio see istio.gatewayService`);
    }
    const asmPorts = policy.portAllocation === GatewayPortAllocation.ASM;
    if (asmPorts && rendersIstio(policy)) {
      at(policy.subject, ['portAllocation'], `the Istio output needs every gateway port, but ASM allocates the ports of gateway '${policy.gateway}' at run time: use GatewayPortAllocation.LIBRARY`);
    }
    if (asmPorts && istio.istioGateway && includesAsm(policy.output)) {
      at(policy.subject, ['istio', 'istioGateway'], `ASM allocates the ports of gateway '${policy.gateway}' at run time, so they cannot be listed in its IstioGateway`);
    }
    const portCount = new Set(ports.get(policy.gateway)?.values() ?? []).size;
    if (istio.gatewayService && includesIstio(policy.output) && portCount > MAX_ENDPOINT_SLICE_PORTS) {
      problems.push(problem('ISTIO_GATEWAY_SERVICE_PORTS', ['istio', 'gatewayService'],
        `gateway '${policy.gateway}' has ${count(portCount)} gateway ports, all of which its Service would list, but an EndpointSlice holds at most `
        + `${count(MAX_ENDPOINT_SLICE_PORTS)} (kubernetes#99795), so Kubernetes could give that Service no endpoints`,
        {
          subject: policy.subject,
          fix: {
            constructs: 'set istio.gatewayService to false (each gateway port has a Service of its own, which carries its traffic), or spread the services over more gateways',
            manifest: 'spread the services over more gateways',
          },
        }));
    }
    if (istio.networkPolicy && includesIstio(policy.output)) problems.push(...networkPolicyProblems(policy, policies));
    if (rendersIstio(policy) && !istio.gatewayService) problems.push(...translatedPortWarnings(policy, ports.get(policy.gateway)));
  }

  const istioPolicies = policies.filter(rendersIstio);
  problems.push(...hostConflicts(istioPolicies, ports));
  problems.push(...hostnameTcpPortConflicts(istioPolicies));
  problems.push(...gatewayIdentityConflicts(istioPolicies));
  problems.push(...portServiceNameConflicts(istioPolicies, ports));
  problems.push(...sidecarScopes(policies, ports).problems);
  return problems;
}

/** Wildcard hosts; a host through two gateways; a host and port in two services; a host twice on one shared HTTP port. */
function hostConflicts(policies: PolicyModel[], ports: Map<string, Map<ServiceModel, number>>): Problem[] {
  const problems: Problem[] = [];
  const gatewayOfHost = new Map<string, { gateway: string; subject: string }>();
  for (const policy of policies) {
    const byHostPort = new Map<string, { name: string; subject: string }>();
    const byGatewayPortHost = new Map<string, { name: string; port: number; subject: string }>();
    for (const { service, rule, index } of servicesOf(policy)) {
      const gatewayPort = ports.get(policy.gateway)?.get(service);
      service.hosts.forEach((host, h) => {
        const at = (message: Message, code: IstioCode = 'ISTIO_HOST_CONFLICT') =>
          problems.push(istioError(code, rule.subject, ['to', index, 'hosts', h], message));
        if (isWildcardHost(host)) {
          at([`'${host}' is a wildcard host: the Istio output routes every host through the egress gateway by its name, which a wildcard cannot give; list the host names`],
            'ISTIO_WILDCARD_HOST');
          return;
        }
        // A name has one VirtualService for all its ports; an address is matched per port.
        const routed = service.ipAddressed ? `${host}:${service.port}` : host;
        const other = gatewayOfHost.get(routed);
        if (other === undefined) {
          gatewayOfHost.set(routed, { gateway: policy.gateway, subject: rule.subject });
        } else if (other.gateway !== policy.gateway) {
          at(service.ipAddressed
            ? msg`${routed} is also routed through gateway '${other.gateway}' (at ${ref(other.subject)}); a sidecar sends one address and port to one place`
            : msg`'${host}' is also routed through gateway '${other.gateway}' (at ${ref(other.subject)}); in the Istio output every port of a host must use one gateway, because a sidecar follows one VirtualService per host`);
          return;
        }
        const hostPort = `${host}:${service.port}`;
        const first = byHostPort.get(hostPort);
        if (first === undefined) {
          byHostPort.set(hostPort, { name: service.name, subject: rule.subject });
        } else if (first.name !== service.name) {
          at(msg`${hostPort} is also declared by service '${first.name}' (at ${ref(first.subject)}) on gateway '${policy.gateway}'; the Istio output routes one host and port to one service: declare it once`);
          return;
        }
        if (service.protocol !== Protocol.HTTP || gatewayPort === undefined) return;
        const key = `${gatewayPort}|${host}`;
        const shared = byGatewayPortHost.get(key);
        if (shared === undefined) {
          byGatewayPortHost.set(key, { name: service.name, port: service.port, subject: rule.subject });
        } else if (shared.name !== service.name) {
          at([...msg`'${host}' is also served by HTTP service '${shared.name}' (port ${shared.port}, at ${ref(shared.subject)}) on gateway port ${gatewayPort}; `,
            'the gateway routes HTTP on one port by host name only, so it cannot tell them apart: give one of them its own gatewayPort']);
        }
      });
    }
  }
  return problems;
}

/**
 * A TCP service known only by host names has no address for a sidecar to match, so it takes its
 * port for every destination (istio#42520): no other service of the App may use that port.
 */
function hostnameTcpPortConflicts(policies: PolicyModel[]): Problem[] {
  const problems: Problem[] = [];
  // The services of each port, once each (by gateway and name), in the order they are declared.
  const users = new Map<number, Map<string, { name: string; subject: string; index: number; hostnameTcp: boolean }>>();
  for (const policy of policies) {
    for (const { service, rule, index } of servicesOf(policy)) {
      let byId = users.get(service.port);
      if (!byId) users.set(service.port, byId = new Map());
      const id = `${policy.gateway}|${service.name}`;
      if (byId.has(id)) continue;
      byId.set(id, { name: service.name, subject: rule.subject, index, hostnameTcp: service.protocol === Protocol.TCP && !service.ipAddressed });
    }
  }
  for (const [port, byId] of users) {
    const list = [...byId.values()];
    list.forEach((user, i) => {
      const other = list.find((_, j) => j !== i);
      if (!user.hostnameTcp || other === undefined) return;
      problems.push(istioError('ISTIO_TCP_PORT_CONFLICT', user.subject, ['to', user.index, 'port', 'number'],
        msg`TCP service '${user.name}' has host names but no address, so sidecars send everything on port ${port} to it; '${other.name}' (at ${ref(other.subject)}) also uses port ${port}: give one of them another port, or address the TCP service by IP`));
    });
  }
  return problems;
}

/**
 * Two gateways with one Service, or with selectors that can select the same pods. A Gateway's
 * selector matches pods in every namespace (unless istiod runs with
 * PILOT_SCOPE_GATEWAY_TO_NAMESPACE=true, which this check does not assume), so labels are compared
 * across namespaces.
 */
function gatewayIdentityConflicts(policies: PolicyModel[]): Problem[] {
  const problems: Problem[] = [];
  policies.forEach((policy, i) => {
    const istio = policy.istio;
    for (const other of policies.slice(0, i)) {
      const o = other.istio;
      if (o.gatewayNamespace === istio.gatewayNamespace && o.gatewayServiceName === istio.gatewayServiceName) {
        problems.push(istioError('ISTIO_GATEWAY_CONFLICT', policy.subject, ['istio', 'gatewayServiceName'],
          msg`gateway '${policy.gateway}' and gateway '${other.gateway}' (at ${ref(other.subject)}) both use Service ${istio.gatewayNamespace}/${istio.gatewayServiceName}; each egress gateway needs its own`));
      }
      if (selectorsOverlap(o.gatewayLabels, istio.gatewayLabels)) {
        const conflict = o.gatewayNamespace === istio.gatewayNamespace
          ? `in namespace ${istio.gatewayNamespace}, so their Gateways and AuthorizationPolicies would apply to each other's pods`
          : `in namespaces ${istio.gatewayNamespace} and ${o.gatewayNamespace}: a Gateway's selector matches pods of every namespace `
            + '(unless istiod runs with PILOT_SCOPE_GATEWAY_TO_NAMESPACE=true), so each gateway\'s pods would also serve the other\'s Gateway';
        problems.push(istioError('ISTIO_GATEWAY_CONFLICT', policy.subject, ['istio', 'gatewayLabels'],
          msg`the pods of gateway '${policy.gateway}' and of gateway '${other.gateway}' (at ${ref(other.subject)}) can carry the same labels ${conflict}: give each gateway labels of its own`));
      }
    }
  });
  return problems;
}

/**
 * NetworkPolicies that cannot be emitted as asked: a source of every namespace; a namespace-wide
 * source where the mesh's own pods run (`meshNamespaces`), whose NetworkPolicy would select pods
 * the App does not know of; a source whose selector could select the pods it must reach (the
 * gateways', the control plane's, DNS) when they cannot be left out exactly, or that selects only
 * such pods (left out, nothing would be selected). Pods selected by one label are left out with a
 * `NotIn` expression; those selected by several labels cannot be, since a selector cannot say
 * "not all of these". A source known only by its service account gets none, which a warning says.
 */
function networkPolicyProblems(policy: PolicyModel, policies: PolicyModel[]): Problem[] {
  const problems: Problem[] = [];
  const mesh = meshNamespaces(policies);
  for (const rule of policy.rules) {
    rule.sources.forEach((source, i) => {
      if (source.namespace === '*') {
        problems.push(problem('ISTIO_NETWORK_POLICY', ['from', i, 'namespace'],
          'a NetworkPolicy belongs to one namespace, so a source of every namespace cannot have one (istio.networkPolicy)', { subject: rule.subject }));
        return;
      }
      if (!hasNetworkPolicy(source)) {
        // Covered by the NetworkPolicy of a namespace-wide source in any rule of the policy, or of
        // another policy with NetworkPolicies, which selects every pod there (and lets them reach
        // this gateway too: `gatewaysReached`).
        const wide = (t: SourceModel) => t.namespace === source.namespace && t.labels === undefined && t.serviceAccount === undefined;
        const namespaceWide = policies.some((p) => (p === policy || (p.istio.networkPolicy && includesIstio(p.output)))
          && p.rules.some((r) => r.sources.some(wide)));
        if (namespaceWide) return;
        problems.push(unselectableSourceWarning('ISTIO_NETWORK_POLICY_SERVICE_ACCOUNT', rule.subject, i, source,
          { option: 'istio.networkPolicy', admits: 'the gateway', bypass: 'their sidecar' }));
        return;
      }
      const holds = mesh.get(source.namespace);
      if (source.labels === undefined && holds !== undefined) {
        const how = 'select the source\'s own pods with a workloadSelector';
        problems.push(problem('ISTIO_NETWORK_POLICY', ['from', i, 'namespace'],
          `namespace '${source.namespace}' ${holds}: the NetworkPolicy of a source of the whole namespace (istio.networkPolicy) `
          + 'would select every pod there, including those the App does not know of (an ingress gateway, webhooks, controllers), and cut them off '
          + 'from everything but the egress gateway, DNS and the control plane',
          {
            subject: rule.subject,
            fix: {
              constructs: `${how} (EgressSource.namespace(ns, { workloadSelector }), or EgressSource.fromWorkload; in the mesh's root namespace `
                + 'with istio.enforceWorkloadSelectors set to false), identify it by serviceAccountName alone (it then gets no NetworkPolicy), '
                + 'or set istio.networkPolicy to false',
              manifest: `${how}, or run its workloads in another namespace`,
            },
          }));
        return;
      }
      for (const pods of protectedPodsOf(source, policy, policies)) {
        const owner = optionOwner(pods, policy);
        if (Object.entries(pods.labels).every(([k, v]) => source.labels?.[k] === v)) {
          // Its pods are those pods: left out, the NetworkPolicy would select nothing.
          const how = 'select the source\'s own pods with labels that those pods do not carry';
          problems.push(problem('ISTIO_NETWORK_POLICY', ['from', i, 'workloadSelector'],
            [...msg`the workloadSelector of this source selects only pods of the ${pods.what} (${pods.option}${owner}), which a NetworkPolicy must leave alone: `,
              'its NetworkPolicy would select no pod at all'],
            { subject: rule.subject, fix: { constructs: `${how}, or set istio.networkPolicy to false`, manifest: how } }));
          continue;
        }
        if (Object.keys(pods.labels).length < 2) continue;
        const how = 'give the source a workloadSelector with a label that those pods carry with another value, or select those pods by one label';
        problems.push(problem('ISTIO_NETWORK_POLICY', source.labels ? ['from', i, 'workloadSelector'] : ['from', i, 'namespace'],
          [...msg`the NetworkPolicy of this source would select the pods of the ${pods.what} in namespace '${pods.namespace}' (${pods.option}${owner}) `,
            'and cut them off; they are selected by several labels, which a NetworkPolicy selector cannot leave out exactly'],
          { subject: rule.subject, fix: { constructs: `${how} (${pods.option}), or set istio.networkPolicy to false`, manifest: how } }));
      }
    });
  }
  return problems;
}

/** ` of <policy>` when another policy sets the option that names the pods. */
function optionOwner(pods: ProtectedPods, policy: PolicyModel): Message {
  return pods.policy === policy ? [] : msg` of ${ref(pods.policy.subject)}`;
}

/**
 * The most ports an EndpointSlice may list, and so a Service that gets endpoints: 20,000 since
 * Kubernetes 1.21 (kubernetes#99795, also in 1.18-1.20 patches; it was 100, kubernetes#99382).
 * Every Kubernetes that a supported Istio runs on has it, so a gateway Service of a few hundred
 * ports is fine.
 */
const MAX_ENDPOINT_SLICE_PORTS = 20_000;

const count = (n: number) => n.toLocaleString('en-US');

/** Gateway ports that the stock egress gateway Service maps to another container port (Istio's Helm chart and istioctl). */
const STOCK_TRANSLATED_PORTS = new Map([[80, 8080], [443, 8443]]);

/** The Service label that makes istiod leave the Service out when it resolves a gateway's ports (model/gateway.go). */
const DISABLE_PORT_TRANSLATION = 'experimental.istio.io/disable-gateway-port-translation';

/**
 * The gateway listens on the container port that a Service of its pods maps a server's port to
 * (model/gateway.go `resolvePorts`: the first such Service), while the AuthorizationPolicies and
 * the gateway port's Service use the port itself. With the stock Service (80 -> 8080) every
 * request on port 80 would be denied or refused. Warned when the App does not own the Service.
 * `resolvePorts` skips a Service labelled `experimental.istio.io/disable-gateway-port-translation`
 * for Gateways that select pods by labels (as these do), so that label on the user's Service lets
 * the port's own Service (port = container port) decide; Istio calls it a workaround for Knative
 * that may go away, hence offered last.
 */
function translatedPortWarnings(policy: PolicyModel, ports: Map<ServiceModel, number> | undefined): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<number>();
  for (const { service, rule, index } of servicesOf(policy)) {
    const port = ports?.get(service);
    const target = port === undefined ? undefined : STOCK_TRANSLATED_PORTS.get(port);
    if (port === undefined || target === undefined || seen.has(port)) continue;
    seen.add(port);
    const istio = policy.istio;
    problems.push(problem('ISTIO_GATEWAY_PORT_TRANSLATED', ['to', index, 'byEgressGateway', 'port'],
      `gateway port ${port}: the stock egress gateway Service maps port ${port} to container port ${target}; if Service `
      + `${istio.gatewayNamespace}/${istio.gatewayServiceName} does, the gateway may listen on ${target} while its AuthorizationPolicies admit port ${port} `
      + 'and the port\'s Service sends to it, so every request on it fails',
      {
        severity: 'warning',
        subject: rule.subject,
        fix: {
          constructs: `map port ${port} to container port ${port} in the gateway's Service (or let the App own it: istio.gatewayService), or give the service `
            + `another gatewayPort, or label that Service ${DISABLE_PORT_TRANSLATION}: "true" (experimental in Istio) so that the gateway ignores its mapping`,
          manifest: `map port ${port} to container port ${port} in the gateway's Service, or set another byEgressGateway.port, `
            + `or label that Service ${DISABLE_PORT_TRANSLATION}: "true" (experimental in Istio) so that the gateway ignores its mapping`,
        },
      }));
  }
  return problems;
}

/**
 * A gateway port's Service named like another gateway's own Service in the same namespace
 * (`<a>-<port>` is the Service of gateway port `<port>` of Service `<a>`) would replace it.
 */
function portServiceNameConflicts(policies: PolicyModel[], ports: Map<string, Map<ServiceModel, number>>): Problem[] {
  const problems: Problem[] = [];
  for (const policy of policies) {
    const istio = policy.istio;
    for (const port of new Set(ports.get(policy.gateway)?.values() ?? [])) {
      const name = gatewayPortServiceName(istio, port);
      const other = policies.find((o) => o.istio.gatewayNamespace === istio.gatewayNamespace && o.istio.gatewayServiceName === name);
      if (!other) continue;
      problems.push(istioError('ISTIO_GATEWAY_CONFLICT', policy.subject, ['istio', 'gatewayServiceName'],
        msg`the Service of gateway port ${port} of gateway '${policy.gateway}' is ${istio.gatewayNamespace}/${name}, the Service of gateway '${other.gateway}' (at ${ref(other.subject)}): give one of them another gatewayServiceName`));
    }
  }
  return problems;
}
