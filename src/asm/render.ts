import { GatewayPortAllocation } from '../gateway-port-allocation';
import type { PolicyModel, ServiceModel, SourceModel } from '../model/model';

/**
 * The `spec` of a policy's `ASMEgressTrafficPolicy`, exactly in the CRD's shape: gateway ports
 * filled in (explicit or allocated), or left out when ASM allocates them.
 */
export function renderAsmSpec(policy: PolicyModel, ports: Map<ServiceModel, number> | undefined): any {
  const withPorts = policy.portAllocation === GatewayPortAllocation.LIBRARY;
  return {
    byEgressGateway: { name: policy.gateway },
    egressRules: policy.rules.map((rule) => ({
      ...(rule.name !== undefined ? { name: rule.name } : {}),
      from: rule.sources.map(renderSource),
      to: rule.services.map((service) => ({
        name: service.name,
        hosts: service.hosts,
        port: { name: service.portName, number: service.port, protocol: service.protocol },
        ...(withPorts ? { byEgressGateway: { port: ports?.get(service) ?? service.gatewayPort } } : {}),
        ...(service.httpsUpgradePort !== undefined ? { httpsUpgrade: { enabled: true, port: service.httpsUpgradePort } } : {}),
      })),
    })),
  };
}

function renderSource(source: SourceModel): any {
  return {
    namespace: source.namespace,
    ...(source.labels ? { workloadSelector: { ...source.labels } } : {}),
  };
}
