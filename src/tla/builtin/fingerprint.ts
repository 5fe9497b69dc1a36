// 64-bit structural fingerprints of values and states: two independent 32-bit lanes, cached on immutable values.
import { LazySet, ModelValue, SetValue, asFiniteSet } from './value.js';
import type { Value, FnValue } from './value.js';

/** The two lanes of the last hash computed; module-level so hashing allocates nothing. */
let laneHigh = 0;
let laneLow = 0;

function mixHigh(h: number, word: number): number {
  let k = Math.imul(word, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function mixLow(h: number, word: number): number {
  h = Math.imul(h ^ word, 0x01000193);
  h ^= h >>> 15;
  return Math.imul(h, 0x85ebca6b) ^ (h >>> 13);
}

function finalize(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const stringCache = new Map<string, readonly [number, number]>();

function hashString(tag: number, s: string): void {
  const cached = stringCache.get(s);
  if (cached !== undefined && tag === 3) {
    laneHigh = cached[0];
    laneLow = cached[1];
    return;
  }
  let h = mixHigh(0x2545f491, tag);
  let l = mixLow(0x9e3779b9, tag);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h = mixHigh(h, c);
    l = mixLow(l, c);
  }
  laneHigh = finalize(h ^ s.length);
  laneLow = finalize(l ^ s.length);
  if (tag === 3 && stringCache.size < 100_000) stringCache.set(s, [laneHigh, laneLow]);
}

function hashNumber(n: number): void {
  const low = n | 0;
  const high = Math.floor(n / 4294967296) | 0;
  laneHigh = finalize(mixHigh(mixHigh(0x1234567, low), high));
  laneLow = finalize(mixLow(mixLow(0x7654321, low), high ^ 0x5bd1e995));
}

function hashElements(tag: number, parts: readonly (readonly Value[])[]): void {
  let h = mixHigh(0x3c6ef372, tag);
  let l = mixLow(0xa54ff53a, tag);
  for (const part of parts) {
    for (const v of part) {
      hashValue(v);
      h = mixHigh(h, laneHigh);
      l = mixLow(l, laneLow);
      h = mixHigh(h, laneLow);
    }
    h = mixHigh(h, part.length);
    l = mixLow(l, part.length);
  }
  laneHigh = finalize(h);
  laneLow = finalize(l);
}

/** Computes the fingerprint of `v` into the module lanes (read them with lastHigh/lastLow). */
export function hashValue(v: Value): void {
  switch (typeof v) {
    case 'boolean':
      laneHigh = v ? 0x6a09e667 : 0x3c6ef372;
      laneLow = v ? 0x510e527f : 0x1f83d9ab;
      return;
    case 'number':
      hashNumber(v);
      return;
    case 'string':
      hashString(3, v);
      return;
  }
  if (v instanceof ModelValue) {
    hashString(4, v.name);
    return;
  }
  const target: SetValue | FnValue = v instanceof LazySet ? (asFiniteSet(v) as SetValue) : v;
  if (target.hashHigh === 0 && target.hashLow === 0) {
    if (target instanceof SetValue) hashElements(5, [target.elems]);
    else hashElements(6, [target.keys, target.values]);
    if (laneHigh === 0 && laneLow === 0) laneLow = 1;
    target.hashHigh = laneHigh;
    target.hashLow = laneLow;
    return;
  }
  laneHigh = target.hashHigh;
  laneLow = target.hashLow;
}

/** Fingerprints a state (its variables' values in declaration order) into the lanes. */
export function hashState(values: readonly Value[]): void {
  hashElements(7, [values]);
}

export function lastHigh(): number {
  return laneHigh;
}

export function lastLow(): number {
  return laneLow;
}
