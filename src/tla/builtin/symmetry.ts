// Symmetry reduction: a state's fingerprint is the smallest over all permutations of its model values, as TLC does.
import { hashState, lastHigh, lastLow } from './fingerprint.js';
import { FnValue, LazySet, ModelValue, SetValue, asFiniteSet, fnIndex, makeFn, makeSet } from './value.js';
import type { Value } from './value.js';

export function permuteValue(v: Value, perm: FnValue): Value {
  if (v instanceof ModelValue) {
    const i = fnIndex(perm, v);
    return i < 0 ? v : (perm.values[i] as Value);
  }
  if (v instanceof LazySet) return permuteValue(asFiniteSet(v) as SetValue, perm);
  if (v instanceof SetValue) return makeSet(v.elems.map((e) => permuteValue(e, perm)));
  if (v instanceof FnValue)
    return makeFn(
      v.keys.map((k) => permuteValue(k, perm)),
      v.values.map((x) => permuteValue(x, perm)),
    );
  return v;
}

/** The fingerprint of the last fingerprintState call (reused object, so fingerprinting allocates nothing). */
export const stateFingerprint = { high: 0, low: 0 };

/** Fingerprints `state` into stateFingerprint, minimized over `perms` when given. */
export function fingerprintState(state: readonly Value[], perms: readonly FnValue[] | undefined): void {
  hashState(state);
  let bestHigh = lastHigh() >>> 0;
  let bestLow = lastLow() >>> 0;
  if (perms !== undefined) {
    for (const perm of perms) {
      hashState(state.map((v) => permuteValue(v, perm)));
      const h = lastHigh() >>> 0;
      const l = lastLow() >>> 0;
      if (h < bestHigh || (h === bestHigh && l < bestLow)) {
        bestHigh = h;
        bestLow = l;
      }
    }
  }
  stateFingerprint.high = bestHigh;
  stateFingerprint.low = bestLow;
}
