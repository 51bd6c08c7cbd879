import type { EgressAccess } from '../egress-access';
import { holdsAmbientOutput, widenedSelectorsByPolicy, widenSelectors } from './ambient-access';
import { itemsOf, withServiceAccounts } from './service-accounts';
import { isPolicyManifest } from '../manifest/read-policy';

// The one step from the accesses that the ASM objects allow to the access that the objects among
// them deploy. Every reader of manifests (EgressQuery.fromManifests, `asm-egress diff` and
// `graph`) takes it, so that they cannot tell different stories about the same YAML.

/**
 * The accesses of the policies among `objects`, as the other objects among them deploy them: in
 * ambient output, the selectors that a policy widens are their whole namespace; where Istio or
 * ambient AuthorizationPolicies admit a source by service account, it has that service account.
 * @param objects every object of the manifests, the policies too (a `List`'s items count)
 */
export function asDeployed(accesses: EgressAccess[], objects: unknown[]): EgressAccess[] {
  const widened = holdsAmbientOutput(objects)
    ? widenSelectors(accesses, widenedSelectorsByPolicy(itemsOf(objects).filter(isPolicyManifest)))
    : accesses;
  return withServiceAccounts(widened, objects);
}
