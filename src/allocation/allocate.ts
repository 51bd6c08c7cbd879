import { allocateGatewayPorts, PortRequest } from './port-allocator';
import { GatewayPortAllocation } from '../gateway-port-allocation';
import { PolicyModel, PortAssignmentModel, ServiceModel, servicesOf } from '../model/model';
import { isSharedProtocol } from '../model/output';
import { FieldPath, Message, msg, Problem, problem, ref } from '../model/problem';

/**
 * Ports that the gateway's own Envoy and pilot-agent listen on (admin, outbound and inbound
 * capture, HBONE, xDS, health, metrics, DNS proxy): a gateway server there cannot bind.
 * @see https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio
 */
const ISTIO_PROXY_PORTS = [15000, 15001, 15004, 15006, 15008, 15009, 15010, 15012, 15014, 15017, 15020, 15021, 15053, 15090];
/** The block that holds them, never allocated: Istio may add ports there. */
const ISTIO_PROXY_BLOCK = { min: 15000, max: 15099 };

/** The field of a rule's service whose gateway port a request is. */
function requestField(index: number): FieldPath {
  return ['to', index, 'byEgressGateway', 'port'];
}

/** A service's request for a port: the owner's names, which only problems use, are made then. */
class ServiceRequest implements PortRequest {
  public readonly key: string;
  public readonly shared: boolean;

  constructor(private readonly service: ServiceModel, public readonly subject: string, public readonly index: number,
    public readonly explicitPort: number | undefined) {
    this.key = service.destinationKey;
    this.shared = isSharedProtocol(service.protocol);
  }

  public get owner(): string {
    return `${this.subject} to[${this.index}] '${this.service.name}'`;
  }

  public get label(): Message {
    return msg`${ref(this.subject)} to[${this.index}] '${this.service.name}'`;
  }
}

/** Gateway ports of every policy of the App: explicit ones checked, the others allocated. */
export interface ModelPorts {
  readonly ports: Map<string, Map<ServiceModel, number>>;
  readonly assignments: PortAssignmentModel[];
  readonly allocated: Record<string, Record<string, number>>;
  readonly problems: Problem[];
}

/**
 * Runs the allocator once per gateway (a gateway is one port space, whatever chart its rules come
 * from). Policies whose ports ASM allocates are left out.
 */
export function allocatePorts(policies: PolicyModel[], pinned: Record<string, Record<string, number>> = {}): ModelPorts {
  const ports = new Map<string, Map<ServiceModel, number>>();
  const assignments: PortAssignmentModel[] = [];
  const allocated: Record<string, Record<string, number>> = {};
  const problems: Problem[] = [];

  for (const policy of policies) {
    if (policy.portAllocation !== GatewayPortAllocation.LIBRARY) continue;
    const uses = servicesOf(policy);
    const requests = uses.map(({ service, rule, index }) => {
      let explicitPort = service.gatewayPort;
      if (explicitPort !== undefined && ISTIO_PROXY_PORTS.includes(explicitPort)) {
        problems.push(problem('PROXY_PORT', requestField(index),
          `gateway port ${explicitPort} of '${service.name}' is one of the ports the gateway's Istio proxy listens on itself (${ISTIO_PROXY_PORTS.join(', ')}); choose another port`,
          { subject: rule.subject }));
        explicitPort = undefined;
      }
      return new ServiceRequest(service, rule.subject, index, explicitPort);
    });
    // The rest of the block stays usable when a user sets such a port explicitly.
    const explicit = new Set(requests.map((r) => r.explicitPort));
    const proxyBlock = Array.from({ length: ISTIO_PROXY_BLOCK.max - ISTIO_PROXY_BLOCK.min + 1 }, (_, i) => ISTIO_PROXY_BLOCK.min + i)
      .filter((p) => !explicit.has(p) && !policy.excludedPorts.includes(p));
    const result = allocateGatewayPorts({
      gateway: policy.gateway,
      range: { min: policy.portRange.min, max: policy.portRange.max },
      excludedPorts: [...policy.excludedPorts, ...proxyBlock],
      pinned: pinned[policy.gateway],
    }, requests);

    for (const message of result.warnings) {
      problems.push(problem('PORT_LOCK_MOVED', ['portRange'], message, { severity: 'warning', subject: policy.subject }));
    }
    // Where each owner's field is, for the problems.
    const where = result.problems.length === 0 ? undefined
      : new Map(requests.map((r) => [r.owner, { subject: r.subject, field: requestField(r.index) }]));
    for (const p of result.problems) {
      // A problem of each owner on its own (a destination left without a port) goes to every rule
      // field concerned (owners are distinct, one field each); a conflict, whose message names
      // every party, to the first.
      const found = p.owners.map((o) => where!.get(o)).filter((w): w is { subject: string; field: FieldPath } => w !== undefined);
      const at = p.atEachOwner ? found : found.slice(0, 1);
      if (at.length === 0) at.push({ subject: policy.subject, field: ['portRange'] });
      for (const { subject, field } of at) problems.push(problem(p.code, field, p.message, { subject }));
    }
    allocated[policy.gateway] = result.allocated;

    const byService = new Map<ServiceModel, number>();
    const byPort = new Map<number, { explicit: boolean; shared: boolean; services: Set<string> }>();
    uses.forEach(({ service }, i) => {
      const port = result.ports[i];
      if (port === undefined) return;
      byService.set(service, port);
      const entry = byPort.get(port) ?? { explicit: false, shared: isSharedProtocol(service.protocol), services: new Set<string>() };
      entry.explicit = entry.explicit || service.gatewayPort !== undefined;
      entry.services.add(service.name);
      byPort.set(port, entry);
    });
    ports.set(policy.gateway, byService);
    for (const [port, entry] of [...byPort.entries()].sort((a, b) => a[0] - b[0])) {
      assignments.push({ gateway: policy.gateway, port, isExplicit: entry.explicit, shared: entry.shared, services: [...entry.services].sort() });
    }
  }
  return { ports, assignments, allocated, problems };
}
