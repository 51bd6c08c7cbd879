import type { GatewayServicePort } from '../gateway-service-port';
import type { PortAssignmentModel } from '../model/model';

/** The Service ports of one gateway's ports in use, in port order. */
export function servicePortsOf(assignments: PortAssignmentModel[]): GatewayServicePort[] {
  return [...assignments].sort((a, b) => a.port - b.port).map((a) => ({
    name: `${a.shared ? 'https' : 'tls'}-${a.port}`,
    port: a.port,
    targetPort: a.port,
    protocol: 'TCP',
  }));
}
