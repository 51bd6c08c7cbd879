import { canonicalHost, HostReach, hostReach } from './host-reach';
import { classifyHost, HostKind } from './syntax';

// What the checks need to know of a host, worked out once per distinct host: a service's values,
// its guardrails and the outputs' checks each ask, and an App names the same host in many services.

/** A host's kind (or why it is not a host), where it leads, and its canonical spelling. */
export interface HostFacts {
  readonly classified: { readonly kind: HostKind } | { readonly error: string };
  /** Where a valid host leads when not to the public internet. */
  readonly reach?: HostReach;
  readonly canonical: string;
}

/** Enough for the hosts of any App; past it, the table starts again rather than grow without end. */
const MAX_HOSTS = 200_000;
const known = new Map<string, HostFacts>();

export function hostFacts(host: string): HostFacts {
  let facts = known.get(host);
  if (facts === undefined) {
    const classified = classifyHost(host);
    const reach = 'error' in classified ? undefined : hostReach(host);
    facts = { classified, ...(reach ? { reach } : {}), canonical: canonicalHost(host) };
    if (known.size >= MAX_HOSTS) known.clear();
    known.set(host, facts);
  }
  return facts;
}
