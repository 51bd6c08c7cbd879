import type { FieldReader } from './field-reader';
import { AsmVersion } from '../asm-version';
import { GatewayPortAllocation } from '../gateway-port-allocation';
import { FieldPath, formatField } from '../model/problem';

// Gateway ports as a manifest writes them, and what ASM would make of them.

/** Who allocates the gateway ports as the manifest is written, unchecked: ASM when no service sets one. */
export function gatewayPortsAsWritten(slots: Array<{ field: FieldPath; set: boolean }>): GatewayPortAllocation {
  return slots.length > 0 && slots.every((s) => !s.set) ? GatewayPortAllocation.ASM : GatewayPortAllocation.LIBRARY;
}

/**
 * Who allocates the gateway ports, and what ASM would reject about them as written: it allocates
 * only from 1.24.6.45 and only when every service of the policy leaves its port empty.
 */
export function gatewayPortMode(r: FieldReader, slots: Array<{ field: FieldPath; set: boolean }>, asmVersion: AsmVersion,
  requested?: GatewayPortAllocation): GatewayPortAllocation {
  if (requested !== undefined) return requested;
  const missing = slots.filter((s) => !s.set);
  if (missing.length === 0) return GatewayPortAllocation.LIBRARY;
  if (missing.length < slots.length) {
    const example = slots.find((s) => s.set)!.field;
    for (const s of missing) {
      r.error([...s.field, 'port'], `missing, while other services of this policy set theirs (${formatField(example)}.port): ASM allocates gateway ports only when every service leaves its port empty; set this one too, or remove them all`,
        'MANIFEST_GATEWAY_PORTS');
    }
    return GatewayPortAllocation.LIBRARY;
  }
  if (!asmVersion.allocatesGatewayPorts) {
    for (const s of missing) {
      r.error([...s.field, 'port'], `missing: ASM ${asmVersion} does not allocate gateway ports (it does from ${AsmVersion.V1_24_6_45}, when every service leaves its port empty)`,
        'MANIFEST_GATEWAY_PORTS');
    }
    return GatewayPortAllocation.LIBRARY;
  }
  return GatewayPortAllocation.ASM;
}
