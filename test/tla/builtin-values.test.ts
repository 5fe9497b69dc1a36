// Properties of canonical values: construction order does not matter, and fingerprints agree with equality.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hashValue, lastHigh, lastLow } from '../../src/tla/builtin/fingerprint.js';
import { formatValue } from '../../src/tla/builtin/format-value.js';
import { ModelValue, compareValues, makeFn, makeRecord, makeSet, makeTuple, valuesEqual } from '../../src/tla/builtin/value.js';
import type { Value } from '../../src/tla/builtin/value.js';

const leaf: fc.Arbitrary<Value> = fc.oneof(
  fc.boolean(),
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom('a', 'b', 'c'),
  fc.constantFrom(new ModelValue('m1'), new ModelValue('m2')),
);

const value: fc.Arbitrary<Value> = fc.letrec<{ v: Value }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('v'), { maxLength: 4 }).map((xs) => makeSet(xs)),
    fc.array(tie('v'), { maxLength: 3 }).map((xs) => makeTuple(xs)),
    fc
      .uniqueArray(fc.constantFrom('x', 'y', 'z'), { maxLength: 3 })
      .chain((names) =>
        fc
          .array(tie('v'), { minLength: names.length, maxLength: names.length })
          .map((vs) => makeRecord(names.map((n, i) => [n, vs[i] as Value]))),
      ),
  ),
})).v;

function fingerprint(v: Value): string {
  hashValue(v);
  return `${lastHigh()}:${lastLow()}`;
}

describe('canonical values', () => {
  it('a set does not depend on the order or repetition of its elements', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 6 }), fc.integer(), (elems, seed) => {
        const shuffled = [...elems, ...elems.slice(0, 2)].sort(() => ((seed = (seed * 1103515245 + 12345) | 0) & 1 ? 1 : -1));
        const a = makeSet([...elems]);
        const b = makeSet(shuffled);
        expect(valuesEqual(a, b)).toBe(true);
        expect(formatValue(a)).toBe(formatValue(b));
        expect(fingerprint(a)).toBe(fingerprint(b));
      }),
    );
  });

  it('equal values have equal fingerprints, and the order is total and antisymmetric', () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        const c = compareValues(a, b);
        expect(Math.sign(compareValues(b, a)) + Math.sign(c)).toBe(0);
        expect(valuesEqual(a, b)).toBe(c === 0);
        if (c === 0) expect(fingerprint(a)).toBe(fingerprint(b));
        else expect(fingerprint(a)).not.toBe(fingerprint(b));
      }),
    );
  });

  it('a tuple is the function with domain 1..n, and prints as TLC prints it', () => {
    expect(valuesEqual(makeTuple(['a', 'b']), makeFn([2, 1], ['b', 'a']))).toBe(true);
    expect(formatValue(makeFn([2, 1], ['b', 'a']))).toBe('<<"a", "b">>');
    expect(formatValue(makeFn(['k', 3], [1, 2]))).toBe('(3 :> 2 @@ "k" :> 1)');
    expect(
      formatValue(
        makeRecord([
          ['b', 1],
          ['a', makeSet([2, 1])],
        ]),
      ),
    ).toBe('[a |-> {1, 2}, b |-> 1]');
  });
});
