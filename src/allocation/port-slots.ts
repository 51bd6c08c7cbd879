// The free ports of one gateway's range and the order in which a key tries them: a pure
// data structure for the allocator (union-find over the range, so the fallback is never quadratic).

import type { PortRange } from './port-allocator';

/** How many double-hashing probes a key tries before falling back to the next free port. */
export const MAX_HASH_PROBES = 32;

/** Ports of the allocation space and what occupies them. */
export interface Slots {
  readonly min: number;
  readonly size: number;
  readonly occupied: Uint8Array;
  /** Union-find "next free slot at or after i"; parent[size] is the sentinel "none". */
  readonly parent: Int32Array;
  free: number;
}

/**
 * FNV-1a, 32 bit, over the UTF-8 bytes of `text` (lone surrogates encoded as U+FFFD).
 * Part of the allocation contract: changing it would move every unlocked port.
 */
export function fnv1a32(text: string): number {
  /* eslint-disable no-bitwise */
  let hash = 0x811c9dc5;
  const byte = (b: number) => {
    hash = Math.imul(hash ^ b, 0x01000193);
  };
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else {
        c = 0xfffd;
      }
    }
    if (c < 0x80) {
      byte(c);
    } else if (c < 0x800) {
      byte(0xc0 | (c >> 6)); byte(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
      byte(0xe0 | (c >> 12)); byte(0x80 | ((c >> 6) & 0x3f)); byte(0x80 | (c & 0x3f));
    } else {
      byte(0xf0 | (c >> 18)); byte(0x80 | ((c >> 12) & 0x3f)); byte(0x80 | ((c >> 6) & 0x3f)); byte(0x80 | (c & 0x3f));
    }
  }
  return hash >>> 0;
  /* eslint-enable no-bitwise */
}

/** MurmurHash3's 32-bit finaliser: spreads FNV's output over all bits (FNV-1a alone is weak in the low bits). */
function mix32(h: number): number {
  /* eslint-disable no-bitwise */
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
  /* eslint-enable no-bitwise */
}

export interface KeyHashes {
  readonly key: string;
  /** Preferred slot (modulo the range size). */
  readonly home: number;
  /** Double-hashing step (modulo range size - 1, plus one). */
  readonly step: number;
  /** Placement order: a pseudo-random priority independent of names and of input order. */
  readonly priority: number;
}

export function hashes(key: string): KeyHashes {
  /* eslint-disable no-bitwise */
  const h = fnv1a32(key);
  return { key, home: mix32(h), step: mix32(h ^ 0x9e3779b9), priority: mix32(h ^ 0x7f4a7c15) };
  /* eslint-enable no-bitwise */
}

export function newSlots(range: PortRange): Slots {
  const size = range.max - range.min + 1;
  const parent = new Int32Array(size + 1);
  for (let i = 0; i <= size; i++) parent[i] = i;
  return { min: range.min, size, occupied: new Uint8Array(size), parent, free: size };
}

/** Marks a port used if it lies in the range (no-op otherwise, or if already used). */
export function reserve(slots: Slots, port: number): void {
  const slot = port - slots.min;
  if (slot >= 0 && slot < slots.size && !slots.occupied[slot]) take(slots, slot);
}

export function take(slots: Slots, slot: number): void {
  slots.occupied[slot] = 1;
  slots.parent[slot] = slot + 1;
  slots.free--;
}

/** The first free slot at or after `slot`, or `size` if none (path halving). */
function nextFree(slots: Slots, slot: number): number {
  const parent = slots.parent;
  while (parent[slot] !== slot) {
    parent[slot] = parent[parent[slot]];
    slot = parent[slot];
  }
  return slot;
}

/** The slot for a key; there must be a free one. */
export function probe(slots: Slots, h: KeyHashes): number {
  const size = slots.size;
  let slot = h.home % size;
  if (!slots.occupied[slot]) return slot;
  if (size > 1) {
    const step = 1 + (h.step % (size - 1));
    for (let i = 1; i < MAX_HASH_PROBES; i++) {
      slot = (slot + step) % size;
      if (!slots.occupied[slot]) return slot;
    }
  }
  const next = nextFree(slots, slot);
  return next < size ? next : nextFree(slots, 0);
}

