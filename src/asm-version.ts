import { inputError } from './model/error';
import { problem } from './model/problem';

/**
 * A version of Alibaba Cloud Service Mesh (ASM), which decides what an `ASMEgressTrafficPolicy`
 * may contain.
 *
 * @example
 * AsmVersion.of('1.22.6.28');
 */
export class AsmVersion {
  /** The first version with the `ASMEgressTrafficPolicy` CRD. */
  public static readonly V1_16_4 = new AsmVersion('1.16.4');
  /** TCP services, and gateway ports allocated by ASM when a policy leaves them all empty. */
  public static readonly V1_24_6_45 = new AsmVersion('1.24.6.45');
  /** The newest documented behaviour (the default). */
  public static readonly LATEST = AsmVersion.V1_24_6_45;

  /**
   * A version given as dotted numbers, such as `1.22.6.28`.
   * @throws if the text is not 2 to 4 dot-separated numbers, or names a version without the CRD.
   */
  public static of(version: string): AsmVersion {
    if (!/^\d+(\.\d+){1,3}$/.test(version)) {
      const message = `ASM version '${version}' is not a dotted version number such as 1.24.6.45`;
      throw inputError(message, problem('INVALID_VERSION', [], message));
    }
    const parsed = new AsmVersion(version);
    if (parsed.isBefore(AsmVersion.V1_16_4)) {
      const message = `ASM version ${version} has no ASMEgressTrafficPolicy: it needs ${AsmVersion.V1_16_4.version} or later`;
      throw inputError(message, problem('INVALID_VERSION', [], message));
    }
    return parsed;
  }

  private readonly parts: number[];

  private constructor(public readonly version: string) {
    this.parts = version.split('.').map(Number);
  }

  /** Whether this version is at least `other`. */
  public isAtLeast(other: AsmVersion): boolean {
    return !this.isBefore(other);
  }

  /** Whether this version is older than `other`. */
  public isBefore(other: AsmVersion): boolean {
    for (let i = 0; i < Math.max(this.parts.length, other.parts.length); i++) {
      const a = this.parts[i] ?? 0;
      const b = other.parts[i] ?? 0;
      if (a !== b) return a < b;
    }
    return false;
  }

  /** Whether TCP external services are supported. */
  public get supportsTcp(): boolean {
    return this.isAtLeast(AsmVersion.V1_24_6_45);
  }

  /** Whether ASM allocates gateway ports itself when a policy leaves every one of them empty. */
  public get allocatesGatewayPorts(): boolean {
    return this.isAtLeast(AsmVersion.V1_24_6_45);
  }

  public toString(): string {
    return this.version;
  }
}
