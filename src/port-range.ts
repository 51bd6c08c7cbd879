import { DEFAULT_PORT_RANGE } from './allocation/port-allocator';
import { portError } from './checks/syntax';
import { inputError } from './model/error';
import { problem } from './model/problem';

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
    if (problems.length > 0) throw inputError(`PortRange ${min}-${max}: ${problems.join('; ')}`, ...problems.map((m) => problem('INVALID_PORT', [], m)));
    if (min > max) {
      throw inputError(`PortRange ${min}-${max}: the lowest port is above the highest`, problem('INVALID_PORT_RANGE', [], 'the lowest port is above the highest'));
    }
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
