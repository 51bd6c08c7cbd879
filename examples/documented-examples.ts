import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { EgressSource, EgressTrafficPolicy, ExternalService, GatewayPortAllocation } from '../src';

// The three examples of Alibaba Cloud's ASMEgressTrafficPolicy reference page, written with the
// constructs. All three use gateway egressgateway-a, and ASM expects one policy per gateway, so
// each is its own App (see main.ts).

/**
 * How an example's sources are made from the namespace and labels of the reference page: as
 * written there by default. Ambient output, whose waypoint cannot see labels, needs each mapped
 * to a service account (`serviceAccountSources`) or widened with an override.
 */
export type SourceOf = (namespace: string, labels: Record<string, string>) => EgressSource;

/** The sources as the reference page writes them: namespace and workload selector. */
export const selectorSources: SourceOf = (namespace, labels) => EgressSource.namespace(namespace, { workloadSelector: labels });

/** Each source also with the service account that its pods run as, named after its `app` label (as Istio's samples do). */
export const serviceAccountSources: SourceOf = (namespace, labels) =>
  EgressSource.namespace(namespace, { workloadSelector: labels, serviceAccountName: labels.app });

/** Example 1: sleep-a in mytest may reach http://www.httpbin.org over gateway port 80. */
export class Example1 extends Chart {
  constructor(scope: Construct, id: string, sourceOf: SourceOf = selectorSources) {
    super(scope, id);
    const policy = new EgressTrafficPolicy(this, 'Egress', { gateway: 'egressgateway-a' });
    policy.addRule()
      .allowFrom(sourceOf('mytest', { app: 'sleep-a' }))
      .allowTo(ExternalService.http('httpbin-service-http', { hosts: ['www.httpbin.org', 'httpbin.org'], gatewayPort: 80 }));
  }
}

/** Example 2: HTTP upgraded to HTTPS at the gateway, and HTTPS services on ports of their own. */
export class Example2 extends Chart {
  constructor(scope: Construct, id: string, sourceOf: SourceOf = selectorSources) {
    super(scope, id);
    const policy = new EgressTrafficPolicy(this, 'Egress', { gateway: 'egressgateway-a' });
    policy.addRule()
      .allowFrom(sourceOf('mytest', { app: 'sleep-a' }))
      .allowTo(
        ExternalService.http('httpbin-service-http', {
          hosts: ['www.httpbin.org', 'httpbin.org'],
          gatewayPort: 80,
          httpsUpgrade: { port: 443 },
        }),
        ExternalService.https('httpbin-service-https', { hosts: ['www.httpbin.org', 'httpbin.org'], gatewayPort: 444 }),
      );
    policy.addRule()
      .allowFrom(sourceOf('mytest', { app: 'sleep-b' }))
      .allowTo(ExternalService.https('aliyun-service-https', { hosts: ['www.aliyun.com'], gatewayPort: 445 }));
  }
}

/**
 * Example 3: HTTP, HTTPS, an upgrade and TCP services without gateway ports. With
 * `GatewayPortAllocation.ASM` the ports are left to ASM (as documented); with the default
 * `LIBRARY` the library allocates them and writes them into the YAML.
 */
export class Example3 extends Chart {
  constructor(scope: Construct, id: string, portAllocation: GatewayPortAllocation, sourceOf: SourceOf = selectorSources) {
    super(scope, id);
    const policy = new EgressTrafficPolicy(this, 'Egress', { gateway: 'egressgateway-a', portAllocation });
    policy.addRule()
      .allowFrom(sourceOf('default', { app: 'sleep' }))
      .allowTo(
        ExternalService.http('aliyun-com-http', { hosts: ['aliyun.com'] }),
        ExternalService.https('aliyun-https', { hosts: ['aliyun.com'] }),
        ExternalService.http('https-upgrade', { hosts: ['taobao.com'], httpsUpgrade: { port: 443 } }),
        ExternalService.tcp('tcp-svc1', { hosts: ['1.1.1.1'], port: 44 }),
        ExternalService.tcp('tcp-svc2', { hosts: ['test-tcp.com'], port: 444 }),
      );
  }
}
