// The standard module Bags: a bag is a function from its elements to their (positive) numbers of copies.
import type { Loc } from './ast.js';
import { evalError } from './errors.js';
import { formatValue } from './format-value.js';
import { valueKey } from './eval-memo.js';
import { FnValue, SetValue, fnIndex, makeFn, makeSet } from './value.js';
import type { Value } from './value.js';
import { setOf as finiteSet, type Builtin, type OperatorArg } from './builtin.js';

function elements(s: Value | undefined, loc: Loc, what: string): Value[] {
  return [...finiteSet(s, loc, what).elems];
}

function bag(v: Value | undefined, loc: Loc, what: string): FnValue {
  if (!(v instanceof FnValue)) throw evalError(loc, `${what} expects a bag, got ${v === undefined ? 'nothing' : formatValue(v)}`);
  return v;
}

function copies(b: FnValue, e: Value): number {
  const i = fnIndex(b, e);
  return i < 0 ? 0 : (b.values[i] as number);
}

/** The bag with the given counts, dropping elements with no copies. */
function fromCounts(counts: Map<Value, number>, keys: readonly Value[]): FnValue {
  const kept = keys.filter((k) => (counts.get(k) ?? 0) > 0);
  return makeFn(
    kept,
    kept.map((k) => counts.get(k) as number),
  );
}

function sum(a: FnValue, b: FnValue, sign: 1 | -1): FnValue {
  const keys: Value[] = [...a.keys];
  for (const k of b.keys) if (fnIndex(a, k) < 0 && sign === 1) keys.push(k);
  const counts = new Map<Value, number>(keys.map((k) => [k, copies(a, k) + sign * copies(b, k)]));
  return fromCounts(counts, keys);
}

function subBags(b: FnValue): SetValue {
  let out: FnValue[] = [makeFn([], [])];
  b.keys.forEach((k, i) => {
    const n = b.values[i] as number;
    out = out.flatMap((partial) =>
      Array.from({ length: n + 1 }, (_, c) => (c === 0 ? partial : makeFn([...partial.keys, k], [...partial.values, c]))),
    );
  });
  return makeSet(out);
}

function bagOfAll(b: FnValue, f: OperatorArg): FnValue {
  const keys: Value[] = [];
  const counts = new Map<string, { key: Value; n: number }>();
  b.keys.forEach((k, i) => {
    const image = f([k]);
    const id = valueKey(image);
    const entry = counts.get(id);
    if (entry === undefined) {
      counts.set(id, { key: image, n: b.values[i] as number });
      keys.push(image);
    } else entry.n += b.values[i] as number;
  });
  return makeFn(
    keys,
    keys.map((k) => counts.get(valueKey(k))?.n ?? 0),
  );
}

export const bags: Record<string, Builtin> = {
  IsABag: { arity: 1, impl: ([b]) => b instanceof FnValue && b.values.every((n) => typeof n === 'number' && Number.isInteger(n) && n > 0) },
  BagToSet: { arity: 1, impl: ([b], loc) => new SetValue(bag(b, loc, 'BagToSet').keys) },
  SetToBag: {
    arity: 1,
    impl: ([s], loc) =>
      makeFn(
        elements(s, loc, 'SetToBag'),
        elements(s, loc, 'SetToBag').map(() => 1),
      ),
  },
  BagIn: { arity: 2, impl: ([e, b], loc) => fnIndex(bag(b, loc, 'BagIn'), e as Value) >= 0 },
  EmptyBag: { arity: 0, impl: () => makeFn([], []) },
  CopiesIn: { arity: 2, impl: ([e, b], loc) => copies(bag(b, loc, 'CopiesIn'), e as Value) },
  BagCardinality: { arity: 1, impl: ([b], loc) => bag(b, loc, 'BagCardinality').values.reduce((n: number, c) => n + (c as number), 0) },
  '(+)': { arity: 2, impl: ([a, b], loc) => sum(bag(a, loc, '(+)'), bag(b, loc, '(+)'), 1) },
  '(-)': { arity: 2, impl: ([a, b], loc) => sum(bag(a, loc, '(-)'), bag(b, loc, '(-)'), -1) },
  BagUnion: {
    arity: 1,
    impl: ([s], loc) => elements(s, loc, 'BagUnion').reduce((acc: FnValue, b) => sum(acc, bag(b, loc, 'BagUnion'), 1), makeFn([], [])),
  },
  '\\sqsubseteq': {
    arity: 2,
    impl: ([a, b], loc) => {
      const small = bag(a, loc, '\\sqsubseteq');
      const large = bag(b, loc, '\\sqsubseteq');
      return small.keys.every((k, i) => (small.values[i] as number) <= copies(large, k));
    },
  },
  SubBag: { arity: 1, impl: ([b], loc) => subBags(bag(b, loc, 'SubBag')) },
  BagOfAll: {
    arity: 2,
    impl: (_args, loc) => {
      throw evalError(loc, 'BagOfAll applied without its operator argument');
    },
    paramArities: [1, 0],
    implOps: ([b], [f], loc) => bagOfAll(bag(b, loc, 'BagOfAll'), f as OperatorArg),
  },
};
