import { Inputs } from './input';
import { forEachPolicyObject } from './load';
import { diagnosticOf } from './locate';
import { Diagnostic } from './output';
import type { EgressAccess, EgressGuardrailOverride } from '../egress-access';
import { asDeployed } from '../query/deployed-access';
import { nameWorkloads, readPolicyAccess, WorkloadObject, workloadsOf } from '../query/read-access';

// What `diff` and `graph` read from their files, in one place, so that both tell the same story
// of the same YAML: each side of the input (each file of `diff`, every file of `graph` together)
// is read as EgressQuery.fromManifests reads objects.

/** What the policies of one side of the input allow. */
export interface SideAccess {
  /** Every access, as the objects of the side deploy it, sources named by its workloads. */
  readonly accesses: EgressAccess[];
  /** The lines of the policies' overrides annotations. */
  readonly overrides: EgressGuardrailOverride[];
  /** How many ASMEgressTrafficPolicy objects the side holds. */
  readonly policies: number;
}

/**
 * Reads every policy of the input, each checked field by field (its problems added to
 * `diagnostics`, located), into `sides` sides: a file's side is `sideOf(fileIndex)`.
 */
export function readSides(inputs: Inputs, diagnostics: Diagnostic[], sides: number, sideOf: (fileIndex: number) => number): SideAccess[] {
  const read = Array.from({ length: sides }, () => ({
    accesses: [] as EgressAccess[], overrides: [] as EgressGuardrailOverride[], policies: 0, workloads: [] as WorkloadObject[],
  }));
  forEachPolicyObject(inputs, diagnostics, (policy, value) => {
    const { accesses, overrides, problems } = readPolicyAccess(value);
    for (const p of problems) diagnostics.push(diagnosticOf(policy, p));
    const side = read[sideOf(policy.document.fileIndex)];
    side.accesses.push(...accesses);
    side.overrides.push(...overrides);
    side.policies++;
  }, (object, value) => read[sideOf(object.document.fileIndex)].workloads.push(...workloadsOf([value])));
  return read.map((side, index) => {
    const objects = inputs.documents.filter((d) => sideOf(d.fileIndex) === index).map((d) => d.value);
    return { accesses: asDeployed(nameWorkloads(side.accesses, side.workloads), objects), overrides: side.overrides, policies: side.policies };
  });
}
