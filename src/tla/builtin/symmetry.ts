// Symmetry reduction: a state's fingerprint is the smallest over all permutations of its model values, as TLC does.
import { hashState, lastHigh, lastLow } from './fingerprint.js';
import { FnValue, LazySet, ModelValue, SetValue, asFiniteSet, fnIndex, makeFn, makeSet, valuesEqual } from './value.js';
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

/** The most permutations a SYMMETRY set may generate: every state is fingerprinted once per permutation. */
const symmetryGroupSizeMax = 100_000;

/**
 * The group a SYMMETRY set generates, as TLC takes it (every composition of its permutations), less the identity:
 * `Permutations(A) \cup Permutations(B)` generates every pair of a permutation of A and one of B. 'not-permutations'
 * when a function does not map its values onto themselves, 'too-large' beyond symmetryGroupSizeMax.
 */
export function symmetryGroup(generators: readonly FnValue[]): FnValue[] | 'not-permutations' | 'too-large' {
  const domain: Value[] = [];
  for (const g of generators) for (const k of g.keys) if (!domain.some((d) => valuesEqual(d, k))) domain.push(k);
  const indexOf = (v: Value): number => domain.findIndex((d) => valuesEqual(d, v));
  const asArray = (g: FnValue): number[] =>
    domain.map((d) => {
      const i = fnIndex(g, d);
      return i < 0 ? indexOf(d) : indexOf(g.values[i] as Value);
    });
  const gens = generators.map(asArray);
  if (gens.some((g) => g.includes(-1) || new Set(g).size !== domain.length)) return 'not-permutations';
  const identity = domain.map((_, i) => i).join(',');
  const seen = new Set<string>([identity]);
  const found: number[][] = [];
  const queue: number[][] = [domain.map((_, i) => i)];
  for (let head = 0; head < queue.length; head++) {
    const current = queue[head] as number[];
    for (const g of gens) {
      const composed = current.map((image) => g[image] as number);
      const key = composed.join(',');
      if (seen.has(key)) continue;
      if (seen.size > symmetryGroupSizeMax) return 'too-large';
      seen.add(key);
      found.push(composed);
      queue.push(composed);
    }
  }
  return found.map((perm) =>
    makeFn(
      [...domain],
      perm.map((i) => domain[i] as Value),
    ),
  );
}
