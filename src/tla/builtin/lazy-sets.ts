// Sets TLA+ describes rather than lists: a..b, SUBSET S, [S -> T], [a : S], S \X T, Nat, Int, STRING, BOOLEAN, Seq(S).
import { evalError } from './errors.js';
import { FnValue, LazySet, SetValue, asFiniteSet, fnIndex, makeFn, makeSet, makeTuple, setContains } from './value.js';
import type { Value } from './value.js';
import { tlaEnumerationSizeMax as enumerationSizeMax } from '../../limits.js';

function finite(v: Value, what: string): SetValue {
  const s = asFiniteSet(v);
  if (s === undefined) throw evalError(undefined, `${what} is not a set`);
  return s;
}

function checkSize(size: number, what: string): void {
  if (size > enumerationSizeMax)
    throw evalError(undefined, `enumerating ${what} would produce ${size} elements (limit ${enumerationSizeMax})`);
}

export class IntervalSet extends LazySet {
  constructor(
    readonly low: number,
    readonly high: number,
  ) {
    super();
  }
  get size(): number {
    return Math.max(0, this.high - this.low + 1);
  }
  contains(v: Value): boolean {
    return typeof v === 'number' && v >= this.low && v <= this.high;
  }
  enumerate(): SetValue {
    checkSize(this.size, this.describe());
    const out: Value[] = [];
    for (let i = this.low; i <= this.high; i++) out.push(i);
    return new SetValue(out);
  }
  describe(): string {
    return `${this.low}..${this.high}`;
  }
}

export class PowerSet extends LazySet {
  constructor(readonly base: Value) {
    super();
  }
  contains(v: Value): boolean {
    const s = asFiniteSet(v);
    return s !== undefined && s.elems.every((e) => setContains(this.base, e));
  }
  enumerate(): SetValue {
    const base = finite(this.base, 'the argument of SUBSET').elems;
    checkSize(2 ** base.length, 'SUBSET');
    const out: Value[] = [];
    for (let mask = 0; mask < 2 ** base.length; mask++) {
      const elems: Value[] = [];
      for (let i = 0; i < base.length; i++) if (mask & (1 << i)) elems.push(base[i] as Value);
      out.push(new SetValue(elems));
    }
    return makeSet(out);
  }
  describe(): string {
    return 'SUBSET ...';
  }
}

/** Every combination of one element from each of `choices`, as arrays. */
function product(choices: readonly (readonly Value[])[]): Value[][] {
  let size = 1;
  for (const c of choices) size *= c.length;
  checkSize(size, 'a product of sets');
  let acc: Value[][] = [[]];
  for (const c of choices) {
    const next: Value[][] = [];
    for (const prefix of acc) for (const v of c) next.push([...prefix, v]);
    acc = next;
  }
  return acc;
}

export class FnSet extends LazySet {
  constructor(
    readonly domain: Value,
    readonly range: Value,
  ) {
    super();
  }
  contains(v: Value): boolean {
    if (!(v instanceof FnValue)) return false;
    const domain = finite(this.domain, 'the domain of [S -> T]');
    if (domain.elems.length !== v.keys.length) return false;
    for (let i = 0; i < v.keys.length; i++) {
      if (!setContains(this.domain, v.keys[i] as Value) || !setContains(this.range, v.values[i] as Value)) return false;
    }
    return true;
  }
  enumerate(): SetValue {
    const domain = finite(this.domain, 'the domain of [S -> T]').elems;
    const range = finite(this.range, 'the range of [S -> T]').elems;
    const combos = product(domain.map(() => range));
    return makeSet(combos.map((vals) => new FnValue(domain, vals)));
  }
  describe(): string {
    return '[S -> T]';
  }
}

export class RecordSet extends LazySet {
  constructor(readonly fields: readonly (readonly [string, Value])[]) {
    super();
  }
  contains(v: Value): boolean {
    if (!(v instanceof FnValue) || v.keys.length !== this.fields.length) return false;
    return this.fields.every(([name, set]) => {
      const i = fnIndex(v, name);
      return i >= 0 && setContains(set, v.values[i] as Value);
    });
  }
  enumerate(): SetValue {
    const names = this.fields.map((f) => f[0]);
    const combos = product(this.fields.map(([name, set]) => finite(set, `the set of field ${name}`).elems));
    return makeSet(combos.map((vals) => makeFn([...names], vals)));
  }
  describe(): string {
    return '[a : S]';
  }
}

export class ProductSet extends LazySet {
  constructor(readonly factors: readonly Value[]) {
    super();
  }
  contains(v: Value): boolean {
    if (!(v instanceof FnValue) || !v.isSequence || v.keys.length !== this.factors.length) return false;
    return this.factors.every((f, i) => setContains(f, v.values[i] as Value));
  }
  enumerate(): SetValue {
    const combos = product(this.factors.map((f) => finite(f, 'an operand of \\X').elems));
    return makeSet(combos.map((vals) => makeTuple(vals)));
  }
  describe(): string {
    return 'S \\X T';
  }
}

/** Nat, Int, STRING and Seq(S): membership only, since they are infinite. */
export class InfiniteSet extends LazySet {
  constructor(
    readonly name: string,
    private readonly test: (v: Value) => boolean,
  ) {
    super();
  }
  contains(v: Value): boolean {
    return this.test(v);
  }
  enumerate(): SetValue {
    throw evalError(undefined, `attempted to enumerate the infinite set ${this.name}`);
  }
  describe(): string {
    return this.name;
  }
}

export const natSet = new InfiniteSet('Nat', (v) => typeof v === 'number' && v >= 0);
export const intSet = new InfiniteSet('Int', (v) => typeof v === 'number');
export const stringSet = new InfiniteSet('STRING', (v) => typeof v === 'string');

export function seqSet(base: Value): InfiniteSet {
  return new InfiniteSet('Seq(S)', (v) => v instanceof FnValue && v.isSequence && v.values.every((e) => setContains(base, e)));
}

/** Whether a set cannot be enumerated: Nat, Int and the like, and sets of functions or unions built on them. */
export function isInfiniteSet(v: Value): boolean {
  if (v instanceof InfiniteSet) return true;
  if (v instanceof FnSet) return isInfiniteSet(v.domain) || isInfiniteSet(v.range);
  return false;
}
