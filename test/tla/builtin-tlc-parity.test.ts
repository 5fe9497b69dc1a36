// Specs for the features of issue 17, each checked against the figures TLC gives for it (tla2tools built from tlaplus/tlaplus, -workers 1).
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { builtinBackend } from '../../src/tla/builtin/index.js';
import type { ModelCheckResult } from '../../src/tla/backend.js';
import { expectTlcFigures } from './tlc-figures.js';
import { formatSpecResult, tlcExitStatus } from '../../src/tla/spec-check.js';

const dir = fileURLToPath(new URL('./specs/', import.meta.url));

interface Case {
  readonly module: string;
  readonly config: string;
  readonly outcome: ModelCheckResult['outcome'];
  readonly violated?: string;
  readonly distinct: number;
  readonly generated: number;
  readonly depth: number;
  readonly traceLength?: number;
}

const cases: readonly Case[] = [
  // Operator parameters, LAMBDA, SelectSeq with an operator passed by name, SortSeq.
  { module: 'HigherOrder', config: 'HigherOrder', outcome: 'pass', distinct: 200, generated: 616, depth: 12 },
  {
    module: 'HigherOrder',
    config: 'HigherOrderEven',
    outcome: 'invariant-violated',
    violated: 'AtMostOneEven',
    distinct: 9,
    generated: 10,
    depth: 3,
    traceLength: 3,
  },
  // Recursive functions (module level, two arguments, inside LET, on Nat) and RECURSIVE operators (also mutual, inside LET).
  { module: 'Recursion', config: 'Recursion', outcome: 'pass', distinct: 90, generated: 244, depth: 9 },
  {
    module: 'Recursion',
    config: 'RecursionSmall',
    outcome: 'invariant-violated',
    violated: 'SmallTotal',
    distinct: 70,
    generated: 153,
    depth: 7,
    traceLength: 7,
  },
  // User-defined infix operators with SANY's precedence and associativity.
  { module: 'Infix', config: 'Infix', outcome: 'pass', distinct: 22, generated: 27, depth: 16 },
  {
    module: 'Infix',
    config: 'InfixBoth',
    outcome: 'invariant-violated',
    violated: 'NotBoth',
    distinct: 21,
    generated: 25,
    depth: 15,
    traceLength: 15,
  },
  // A .cfg substitution of a standard module's constant: Nat <- SmallNat.
  { module: 'NatSubst', config: 'NatSubst', outcome: 'pass', distinct: 5, generated: 13, depth: 2 },
  {
    module: 'NatSubst',
    config: 'NatSubstBelow',
    outcome: 'invariant-violated',
    violated: 'Below4',
    distinct: 5,
    generated: 6,
    depth: 2,
    traceLength: 2,
  },
  // Named instances with substitutions, used as A!Op and B!Op(args); an unnamed INSTANCE with an implicit substitution.
  { module: 'Instances', config: 'Instances', outcome: 'pass', distinct: 12, generated: 31, depth: 5 },
  {
    module: 'Instances',
    config: 'InstancesFull',
    outcome: 'invariant-violated',
    violated: 'NotBothFull',
    distinct: 12,
    generated: 24,
    depth: 5,
    traceLength: 5,
  },
  { module: 'InstanceSingle', config: 'InstanceSingle', outcome: 'pass', distinct: 5, generated: 9, depth: 3 },
  // Membership in {n \\in Nat : P} without enumerating Nat (as in DieHarder's ASSUME).
  { module: 'FilterNat', config: 'FilterNat', outcome: 'deadlock', distinct: 12, generated: 18, depth: 6, traceLength: 6 },
  {
    module: 'FilterNat',
    config: 'FilterNatFull',
    outcome: 'invariant-violated',
    violated: 'NotFull',
    distinct: 12,
    generated: 17,
    depth: 6,
    traceLength: 6,
  },
  // Int \\cup {NULL} and UNION {[D -> Int \\cup {NULL}]} as membership tests, through an INSTANCE WITH Values <- Int.
  { module: 'LazyUnion', config: 'LazyUnion', outcome: 'pass', distinct: 16, generated: 73, depth: 3 },
  // \\E i \\in 0..1, v \\in -1..1 in Next: TLC varies i fastest, which decides the counts when the invariant fails.
  {
    module: 'LazyUnion',
    config: 'LazyUnionZero',
    outcome: 'invariant-violated',
    violated: 'NoZeroPair',
    distinct: 13,
    generated: 20,
    depth: 3,
    traceLength: 3,
  },
  // .cfg substitutions of operators with parameters (Seq <- BoundedSeq, Step <- DoubleStep); a value for an undeclared name is ignored.
  { module: 'OpSubst', config: 'OpSubst', outcome: 'pass', distinct: 13, generated: 46, depth: 2 },
  {
    module: 'OpSubst',
    config: 'OpSubstSum',
    outcome: 'invariant-violated',
    violated: 'SmallSum',
    distinct: 9,
    generated: 11,
    depth: 2,
    traceLength: 2,
  },
  // The standard module Bags, its (+), (-) and \\sqsubseteq included, and BagOfAll with an operator argument.
  { module: 'BagsUse', config: 'BagsUse', outcome: 'pass', distinct: 10, generated: 25, depth: 4 },
  {
    module: 'BagsUse',
    config: 'BagsUseFewA',
    outcome: 'invariant-violated',
    violated: 'FewA',
    distinct: 4,
    generated: 4,
    depth: 3,
    traceLength: 3,
  }, // A PROPERTY []P with a state predicate P is checked as an invariant during the search, as TLC does.
  {
    module: 'Implied',
    config: 'Implied',
    outcome: 'invariant-violated',
    violated: 'Bounded',
    distinct: 18,
    generated: 27,
    depth: 7,
    traceLength: 7,
  },
  { module: 'Implied', config: 'ImpliedPass', outcome: 'pass', distinct: 20, generated: 33, depth: 8 },
  // A CONSTANT operator replaced in the .cfg, and an unbounded CHOOSE the .cfg overrides with a model value.
  { module: 'ConstOp', config: 'ConstOp', outcome: 'deadlock', distinct: 18, generated: 21, depth: 4, traceLength: 3 },
  {
    module: 'ConstOp',
    config: 'ConstOpLight',
    outcome: 'invariant-violated',
    violated: 'Light',
    distinct: 10,
    generated: 10,
    depth: 3,
    traceLength: 3,
  },
  // A constant operator applied to a primed variable assigns it (Specifying Systems' Send(p, d, memInt, memInt')).
  { module: 'ByName', config: 'ByName', outcome: 'pass', distinct: 8, generated: 13, depth: 5 },
  // A state predicate among a property's conjuncts speaks of the initial state only: x = 0 /\ [][x' >= x]_x holds.
  { module: 'InitProp', config: 'InitPropGood', outcome: 'pass', distinct: 4, generated: 4, depth: 4 },
  // SYMMETRY reduces by the group the set generates (here 12 permutations, not the 7 listed): 75 distinct without it.
  { module: 'SymGroup', config: 'SymGroup', outcome: 'pass', distinct: 46, generated: 369, depth: 9 },
  // ASSUME Sane == P defines Sane too.
  { module: 'NamedAssume', config: 'NamedAssume', outcome: 'pass', distinct: 4, generated: 4, depth: 4 },
  // A module the spec extends, defined after it in the same file.
  { module: 'TwoModules', config: 'TwoModules', outcome: 'pass', distinct: 5, generated: 5, depth: 5 },
];

describe('built-in checker: parity with TLC on the features of issue 17', () => {
  for (const c of cases) {
    it(`${c.config}: ${c.outcome}, ${c.distinct} distinct, ${c.generated} generated, depth ${c.depth}`, async () => {
      const result = await builtinBackend.check({ specPath: `${dir}${c.module}.tla`, configPath: `${dir}${c.config}.cfg` });
      expect(result.message).toBeUndefined();
      expectTlcFigures(result, c);
      if (c.violated !== undefined) expect(result.violated).toBe(c.violated);
      if (c.traceLength !== undefined) expect(result.trace).toHaveLength(c.traceLength);
      if (c.outcome === 'pass') expect(result.trace).toBeUndefined();
    });
  }
});

describe('built-in checker: a property false in an initial state, as TLC reports it', () => {
  it('names the conjunct by its extent, stops at the initial state and exits 13 (TLC prints no counts)', async () => {
    const result = await builtinBackend.check({ specPath: `${dir}InitProp.tla`, configPath: `${dir}InitPropBad.cfg` });
    expect(result).toMatchObject({
      outcome: 'property-violated',
      propertyKind: 'initial',
      violated: 'line 9, col 8 to line 9, col 12 of module InitProp',
    });
    expect(result.trace).toHaveLength(1);
    expect(tlcExitStatus(result)).toBe(13);
    expect(formatSpecResult(result, 'InitProp.tla', 'InitPropBad.cfg')).toContain(
      'Error: Property line 9, col 8 to line 9, col 12 of module InitProp is violated by the initial state:\nState 1: <Initial predicate>',
    );
  });
});
