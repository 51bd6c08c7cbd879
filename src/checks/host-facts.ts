import { canonicalHost, HostReach, hostReach } from './host-reach';
import { classifyHost, HostKind } from './syntax';

// What the checks need to know of a host, worked out once: a service's value checks and its
// guardrails both ask, one after the other, and services declared together often share hosts.

/** A host's kind (or why it is not a host), where it leads, and its canonical spelling. */
export interface HostFacts {
  readonly classified: { readonly kind: HostKind } | { readonly error: string };
  /** Where a valid host leads when not to the public internet. */
  readonly reach?: HostReach;
  readonly canonical: string;
}

/**
 * The hosts analysed last, most recent last. Small on purpose: what repeats is close together, and
 * a table of every host of an App of 100,000 distinct hosts cost more to fill than it saved.
 */
const RECENT = 64;
const recent = new Map<string, HostFacts>();

export function hostFacts(host: string): HostFacts {
  let facts = recent.get(host);
  if (facts === undefined) {
    const classified = classifyHost(host);
    const reach = 'error' in classified ? undefined : hostReach(host);
    facts = { classified, ...(reach ? { reach } : {}), canonical: canonicalHost(host) };
    if (recent.size >= RECENT) recent.delete(recent.keys().next().value!);
    recent.set(host, facts);
  }
  return facts;
}
