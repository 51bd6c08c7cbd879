import { rmSync } from 'fs';
import { join } from 'path';
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { Example1, Example2, Example3, serviceAccountSources } from './documented-examples';
import { EgressOutput, EgressRegistry, GatewayPortAllocation } from '../src';

// The bundled example app. Each documented example uses the same gateway, and ASM expects one
// policy per gateway, so each one is its own App with its own folder under examples/dist/ (not
// dist/, where packaging puts the library).

const outRoot = process.env.CDK8S_OUTDIR ?? join('examples', 'dist');

function synth(folder: string, define: (app: App) => Construct) {
  const outdir = join(outRoot, folder);
  rmSync(outdir, { recursive: true, force: true });
  const app = new App({ outdir });
  define(app);
  app.synth();
  const registry = EgressRegistry.of(app);
  const ports = registry.portAssignments.length > 0 ? registry.formatPortTable() : 'gateway ports left to ASM\'s allocator\n';
  console.log(`${outdir}/\n${ports.replace(/^(?=.)/gm, '  ')}`);
}

synth('example-1', (app) => new Example1(app, 'example-1'));
synth('example-2', (app) => new Example2(app, 'example-2'));
synth('example-3', (app) => new Example3(app, 'example-3', GatewayPortAllocation.ASM));
synth('example-3-allocated', (app) => new Example3(app, 'example-3-allocated', GatewayPortAllocation.LIBRARY));
// The same policy as open-source Istio objects (ServiceEntry, Gateway, ..., AuthorizationPolicy).
synth('example-3-istio', (app) => {
  EgressRegistry.of(app).configure({ output: EgressOutput.ISTIO });
  return new Example3(app, 'example-3-istio', GatewayPortAllocation.LIBRARY);
});
// The same policy for Istio's ambient mode: a waypoint as egress gateway. A waypoint sees identities,
// not pod labels, so each source is mapped to the service account of its pods.
synth('example-3-ambient', (app) => {
  EgressRegistry.of(app).configure({ output: EgressOutput.AMBIENT });
  return new Example3(app, 'example-3-ambient', GatewayPortAllocation.LIBRARY, serviceAccountSources);
});
