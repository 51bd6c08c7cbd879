// The public API: exactly the jsii assembly's types. Internals live in modules this file does not
// re-export (the folders: model, checks, pipeline, allocation, asm, istio, manifest, query, cli).
export * from './ambient-options';
export * from './asm-api-version';
export * from './asm-version';
export * from './egress-access';
export * from './egress-diff';
export * from './egress-errors';
export * from './egress-output';
export * from './egress-problem';
export * from './egress-query';
export * from './egress-registry';
export * from './egress-rule';
export * from './egress-settings';
export * from './egress-source';
export * from './egress-traffic-policy';
export * from './egress-validation';
export * from './external-service';
export * from './gateway-port-allocation';
export * from './gateway-service-port';
export * from './guardrail';
export * from './guardrail-override';
export * from './istio-api-version';
export * from './istio-options';
export * from './network-policy-destination';
export * from './port-range';
export * from './protocol';
export * from './server-verification';
