// TLA+ values: canonical, immutable representations with a deterministic total order (as TLC normalizes them).
import { evalError } from './errors.js';

/** A model value from the .cfg (`p1 = p1` or `Procs = {p1, p2}`): equal only to itself. */
export class ModelValue {
  constructor(readonly name: string) {}
}

/** Cached 64-bit fingerprint halves; 0/0 means not computed yet (see fingerprint.ts). */
abstract class Hashed {
  hashHigh = 0;
  hashLow = 0;
}

/** A finite set with elements sorted by compareValues and without duplicates. */
export class SetValue extends Hashed {
  constructor(readonly elems: readonly Value[]) {
    super();
  }
}

/**
 * A function with a finite domain, sorted keys and aligned values. Tuples, sequences
 * (domain 1..n) and records (string keys) are functions too, as in TLA+.
 */
export class FnValue extends Hashed {
  /** True when keys are exactly 1..n, so application is an array index. */
  readonly isSequence: boolean;
  constructor(
    readonly keys: readonly Value[],
    readonly values: readonly Value[],
  ) {
    super();
    let seq = true;
    for (let i = 0; i < keys.length; i++)
      if (keys[i] !== i + 1) {
        seq = false;
        break;
      }
    this.isSequence = seq;
  }
}

/** A set described rather than listed (intervals, SUBSET, [S -> T], Nat, Seq(S), ...); enumerated on demand. */
export abstract class LazySet {
  abstract contains(value: Value): boolean;
  /** The elements; throws for infinite sets. */
  abstract enumerate(): SetValue;
  abstract describe(): string;
  private cache: SetValue | undefined;
  toSet(): SetValue {
    this.cache ??= this.enumerate();
    return this.cache;
  }
}

export type Value = boolean | number | string | ModelValue | SetValue | FnValue | LazySet;

function rank(v: Value): number {
  switch (typeof v) {
    case 'boolean':
      return 0;
    case 'number':
      return 1;
    case 'string':
      return 2;
    default:
      if (v instanceof ModelValue) return 3;
      if (v instanceof FnValue) return 5;
      return 4;
  }
}

export function asFiniteSet(v: Value): SetValue | undefined {
  if (v instanceof SetValue) return v;
  if (v instanceof LazySet) return v.toSet();
  return undefined;
}

function compareSequences(a: readonly Value[], b: readonly Value[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareValues(a[i] as Value, b[i] as Value);
    if (c !== 0) return c;
  }
  return 0;
}

/** The total order used to normalize sets and function domains: by type, then by content. */
export function compareValues(a: Value, b: Value): number {
  if (a === b) return 0;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return a ? 1 : -1;
    case 1:
      return (a as number) - (b as number);
    case 2:
      return (a as string) < (b as string) ? -1 : 1;
    case 3:
      return (a as ModelValue).name < (b as ModelValue).name ? -1 : (a as ModelValue).name > (b as ModelValue).name ? 1 : 0;
    case 4: {
      const sa = asFiniteSet(a) as SetValue;
      const sb = asFiniteSet(b) as SetValue;
      if (sa.elems.length !== sb.elems.length) return sa.elems.length - sb.elems.length;
      return compareSequences(sa.elems, sb.elems);
    }
    default: {
      const fa = a as FnValue;
      const fb = b as FnValue;
      if (fa.keys.length !== fb.keys.length) return fa.keys.length - fb.keys.length;
      return compareSequences(fa.keys, fb.keys) || compareSequences(fa.values, fb.values);
    }
  }
}

export function valuesEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (a instanceof LazySet || b instanceof LazySet) {
    if (rank(a) !== 4 || rank(b) !== 4) return false;
    if (a instanceof LazySet && b instanceof LazySet && a.describe() === b.describe()) return true;
  }
  return compareValues(a, b) === 0;
}

/** Builds a set from elements in any order, with duplicates. */
export function makeSet(elems: Value[]): SetValue {
  if (elems.length <= 1) return new SetValue(elems);
  let allNumbers = true;
  for (const e of elems)
    if (typeof e !== 'number') {
      allNumbers = false;
      break;
    }
  elems.sort(allNumbers ? (x, y) => (x as number) - (y as number) : compareValues);
  const out: Value[] = [elems[0] as Value];
  for (let i = 1; i < elems.length; i++) {
    const e = elems[i] as Value;
    if (compareValues(out[out.length - 1] as Value, e) !== 0) out.push(e);
  }
  return new SetValue(out);
}

/** Builds a function from parallel key/value arrays; keys must be distinct. */
export function makeFn(keys: Value[], values: Value[]): FnValue {
  const order = keys.map((_, i) => i);
  order.sort((i, j) => compareValues(keys[i] as Value, keys[j] as Value));
  let sorted = true;
  for (let i = 0; i < order.length; i++)
    if (order[i] !== i) {
      sorted = false;
      break;
    }
  if (sorted) return new FnValue(keys, values);
  return new FnValue(
    order.map((i) => keys[i] as Value),
    order.map((i) => values[i] as Value),
  );
}

export function makeTuple(items: Value[]): FnValue {
  return new FnValue(
    items.map((_, i) => i + 1),
    items,
  );
}

export function makeRecord(fields: readonly (readonly [string, Value])[]): FnValue {
  return makeFn(
    fields.map((f) => f[0]),
    fields.map((f) => f[1]),
  );
}

/** Index of `key` in a function's domain, or -1. */
export function fnIndex(fn: FnValue, key: Value): number {
  if (fn.isSequence) return typeof key === 'number' && key >= 1 && key <= fn.keys.length && Number.isInteger(key) ? key - 1 : -1;
  let lo = 0;
  let hi = fn.keys.length - 1;
  if (typeof key === 'string') {
    // Records: compare field names directly (strings sort after numbers and Booleans, before the rest).
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const k = fn.keys[mid] as Value;
      if (k === key) return mid;
      const c = typeof k === 'string' ? (k < key ? -1 : 1) : compareValues(k, key);
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = compareValues(fn.keys[mid] as Value, key);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export function setContains(set: Value, v: Value): boolean {
  if (set instanceof LazySet) return set.contains(v);
  if (!(set instanceof SetValue)) throw evalError(undefined, 'attempted to test membership in a non-set value');
  const elems = set.elems;
  let lo = 0;
  let hi = elems.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = compareValues(elems[mid] as Value, v);
    if (c === 0) return true;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
