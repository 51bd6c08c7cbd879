import { DEFAULT_PORT_RANGE } from './allocation/port-allocator';
import { portError } from './model/syntax';

/** Who decides the egress-gateway ports of a policy's services. */
export enum GatewayPortAllocation {
  /**
   * This library allocates every port that is not set explicitly and writes all of them into the
   * CRD: any ASM version works and every port is reviewable in Git.
   */
  LIBRARY = 'LIBRARY',
  /**
   * Ports are left empty for ASM's own allocator (ASM 1.24.6.45 or later). ASM allocates only when
   * every service of the policy leaves its port empty, so no service may set one.
   */
  ASM = 'ASM',
}

/**
 * An inclusive range of gateway ports to allocate from.
 *
 * @example
 * PortRange.between(10000, 20000);
 */
export class PortRange {
  /** ASM's own default range, 10000 to 20000. */
  public static readonly DEFAULT = new PortRange(DEFAULT_PORT_RANGE.min, DEFAULT_PORT_RANGE.max);

  /** The ports from `min` to `max`, both included. */
  public static between(min: number, max: number): PortRange {
    const problems = [portError(min), portError(max)].filter((m) => m !== undefined);
    if (problems.length > 0) throw new Error(`PortRange ${min}-${max}: ${problems.join('; ')}`);
    if (min > max) throw new Error(`PortRange ${min}-${max}: the lowest port is above the highest`);
    return new PortRange(min, max);
  }

  private constructor(public readonly min: number, public readonly max: number) {}

  /** Number of ports in the range. */
  public get size(): number {
    return this.max - this.min + 1;
  }

  public toString(): string {
    return `${this.min}-${this.max}`;
  }
}
