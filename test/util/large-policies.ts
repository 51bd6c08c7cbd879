import { Yaml } from 'cdk8s';

/**
 * `gateways` policies of `perGateway` services each (a seventh of them HTTP upgraded to HTTPS), in
 * ten rules of one source each.
 */
export function largePolicies(gateways: number, perGateway: number, hostOf = (g: number, s: number) => `svc-${s}.gw-${g}.example.com`): any[] {
  return Array.from({ length: gateways }, (_, g) => ({
    apiVersion: 'istio.alibabacloud.com/v1beta1',
    kind: 'ASMEgressTrafficPolicy',
    metadata: { name: `egress-by-gw-${g}`, namespace: 'istio-egress' },
    spec: {
      byEgressGateway: { name: `gw-${g}` },
      // Service s in rule s % 10, so that fewer services per gateway are a subset of more.
      egressRules: Array.from({ length: 10 }, (__, r) => ({
        name: `team-${r}`,
        from: [{ namespace: `team-${r}`, workloadSelector: { app: `app-${r}` } }],
        to: Array.from({ length: perGateway / 10 }, (___, i) => {
          const s = i * 10 + r;
          const http = s % 7 === 3;
          return {
            name: `svc-${s}`,
            hosts: [hostOf(g, s)],
            port: http ? { number: 80, protocol: 'HTTP', name: 'http' } : { number: 443, protocol: 'HTTPS', name: 'https' },
            byEgressGateway: { port: 10000 + s },
            ...(http ? { httpsUpgrade: { enabled: true, port: 443 } } : {}),
          };
        }),
      })),
    },
  }));
}

/** YAML of policies, for the command line. */
export function yamlOf(objects: any[]): string {
  return Yaml.stringify(...objects);
}
