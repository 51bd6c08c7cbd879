import type { AmbientOptions } from './ambient-options';
import type { AsmVersion } from './asm-version';
import type { EgressOutput } from './egress-output';
import type { IstioOptions } from './istio-options';

/**
 * Settings for every policy of an App; each policy may override them.
 *
 * @example
 * const app = new App();
 * EgressRegistry.of(app).configure({
 *   asmVersion: AsmVersion.of('1.22.6.28'),
 *   output: EgressOutput.ASM,
 *   portLockFile: 'egress-ports.lock.json',
 *   portLockFrozen: process.env.CI === 'true',
 * });
 */
export interface EgressSettings {
  /**
   * What policies synthesise.
   * @default EgressOutput.ASM
   */
  readonly output?: EgressOutput;

  /**
   * The ASM version that policies must work on.
   * @default AsmVersion.LATEST
   */
  readonly asmVersion?: AsmVersion;

  /**
   * A JSON lock file that pins allocated gateway ports: synthesis reads it, keeps every port it
   * records, and writes it back with the ports of new services (and without those of removed
   * ones). Commit it, and no port ever moves. Relative paths are relative to the working directory.
   * @default - no lock: ports are derived from the services alone (stable, but a rare hash
   * collision can move a port when a service is added)
   */
  readonly portLockFile?: string;

  /**
   * With a `portLockFile`, fail instead of updating it when the ports it records would change
   * (for CI, like `npm ci` with package-lock.json).
   * @default false
   */
  readonly portLockFrozen?: boolean;

  /**
   * How policies are rendered as open-source Istio objects (with an output that includes them),
   * and which objects describe their egress gateways. A policy's own `istio` overrides these
   * field by field.
   * @default - the defaults of each `IstioOptions` field
   */
  readonly istio?: IstioOptions;

  /**
   * How policies are rendered for Istio's ambient mode (with an output that includes it: the
   * waypoint used as egress gateway). A policy's own `ambient` overrides these field by field.
   * @default - the defaults of each `AmbientOptions` field
   */
  readonly ambient?: AmbientOptions;

  /**
   * Make guardrails that only warn fail synthesis instead: plain HTTP to an external host without
   * `httpsUpgrade` (and without a `Guardrail.PLAIN_HTTP` override) becomes an error.
   * @default false
   */
  readonly strictGuardrails?: boolean;

  /**
   * Print the App's warnings to standard error once, at synthesis. Turn it off where they are read
   * from `EgressRegistry.warnings` instead (tests, tools).
   * @default true
   */
  readonly printWarnings?: boolean;
}
