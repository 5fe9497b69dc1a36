// The standard modules (Naturals, Integers, Sequences, FiniteSets, TLC): which names each provides, and their strict implementations.
import { evalError, unsupported } from './errors.js';
import type { Loc } from './ast.js';
import { formatValue } from './format-value.js';
import { FnSet, InfiniteSet, IntervalSet, PowerSet, intSet, isInfiniteSet, natSet, seqSet, stringSet } from './lazy-sets.js';
import { FnValue, LazySet, SetValue, fnIndex, makeFn, makeSet, makeTuple, setContains, valuesEqual } from './value.js';
import type { Value } from './value.js';
import { bags } from './stdlib-bags.js';
import { setOf, type Builtin, type OperatorArg } from './builtin.js';

function int(v: Value | undefined, loc: Loc, what: string): number {
  if (typeof v !== 'number') throw evalError(loc, `${what} expects an integer, got ${v === undefined ? 'nothing' : formatValue(v)}`);
  return v;
}

export function seqOf(v: Value | undefined, loc: Loc, what: string): FnValue {
  if (!(v instanceof FnValue) || !v.isSequence)
    throw evalError(loc, `${what} expects a sequence, got ${v === undefined ? 'nothing' : formatValue(v)}`);
  return v;
}

function checked(n: number, loc: Loc): number {
  if (!Number.isSafeInteger(n)) throw evalError(loc, `integer overflow (${n})`);
  return n;
}

function arith(op: (a: number, b: number, loc: Loc) => number, name: string): Builtin {
  return { arity: 2, impl: (args, loc) => checked(op(int(args[0], loc, name), int(args[1], loc, name), loc), loc) };
}

function compare(op: (a: number, b: number) => boolean, name: string): Builtin {
  return { arity: 2, impl: (args, loc) => op(int(args[0], loc, name), int(args[1], loc, name)) };
}

function floorDiv(a: number, b: number, loc: Loc): number {
  if (b === 0) throw evalError(loc, 'division by zero');
  return Math.floor(a / b);
}

function modulo(a: number, b: number, loc: Loc): number {
  if (b <= 0) throw evalError(loc, `the second argument of % must be positive, got ${b}`);
  return ((a % b) + b) % b;
}

const naturals: Record<string, Builtin> = {
  Nat: { arity: 0, impl: () => natSet },
  '+': arith((a, b) => a + b, '+'),
  '-': arith((a, b) => a - b, '-'),
  '*': arith((a, b) => a * b, '*'),
  '^': arith((a, b) => a ** b, '^'),
  '\\div': arith(floorDiv, '\\div'),
  '%': arith(modulo, '%'),
  '<': compare((a, b) => a < b, '<'),
  '>': compare((a, b) => a > b, '>'),
  '<=': compare((a, b) => a <= b, '<='),
  '>=': compare((a, b) => a >= b, '>='),
  '..': { arity: 2, impl: (args, loc) => new IntervalSet(int(args[0], loc, '..'), int(args[1], loc, '..')) },
};

const integers: Record<string, Builtin> = {
  ...naturals,
  Int: { arity: 0, impl: () => intSet },
  '-.': { arity: 1, impl: (args, loc) => -int(args[0], loc, 'unary -') },
};

function higherOrder(paramArities: readonly number[], implOps: NonNullable<Builtin['implOps']>): Builtin {
  return {
    arity: paramArities.length,
    impl: (_args, loc) => {
      throw evalError(loc, 'a higher-order operator applied without its operator arguments');
    },
    paramArities,
    implOps,
  };
}

/** SelectSeq(s, Test(_)): the elements of s that satisfy Test, in order. */
const selectSeq = higherOrder([0, 1], ([s], [test], loc) =>
  makeTuple(seqOf(s, loc, 'SelectSeq').values.filter((v) => (test as OperatorArg)([v]) === true)),
);

/** SortSeq(s, Op(_, _)): s sorted by the strict order Op, stably (TLC sorts with Java's stable sort). */
const sortSeq = higherOrder([0, 2], ([s], [less], loc) => {
  const op = less as OperatorArg;
  const sorted = [...seqOf(s, loc, 'SortSeq').values].sort((a, b) => (valuesEqual(a, b) ? 0 : op([a, b]) === true ? -1 : 1));
  return makeTuple(sorted);
});

function concat(a: FnValue, b: FnValue): FnValue {
  return makeTuple([...a.values, ...b.values]);
}

const sequences: Record<string, Builtin> = {
  ...naturals,
  Seq: { arity: 1, impl: (args) => seqSet(args[0] as Value) },
  Len: { arity: 1, impl: (args, loc) => seqOf(args[0], loc, 'Len').values.length },
  '\\o': { arity: 2, impl: (args, loc) => concat(seqOf(args[0], loc, '\\o'), seqOf(args[1], loc, '\\o')) },
  Append: { arity: 2, impl: (args, loc) => makeTuple([...seqOf(args[0], loc, 'Append').values, args[1] as Value]) },
  Head: {
    arity: 1,
    impl: (args, loc) => {
      const s = seqOf(args[0], loc, 'Head');
      if (s.values.length === 0) throw evalError(loc, 'Head of the empty sequence');
      return s.values[0] as Value;
    },
  },
  Tail: {
    arity: 1,
    impl: (args, loc) => {
      const s = seqOf(args[0], loc, 'Tail');
      if (s.values.length === 0) throw evalError(loc, 'Tail of the empty sequence');
      return makeTuple(s.values.slice(1));
    },
  },
  SelectSeq: selectSeq,
  SubSeq: {
    arity: 3,
    impl: (args, loc) => {
      const s = seqOf(args[0], loc, 'SubSeq');
      const m = int(args[1], loc, 'SubSeq');
      const n = int(args[2], loc, 'SubSeq');
      if (m > n) return makeTuple([]);
      if (m < 1 || n > s.values.length)
        throw evalError(loc, `SubSeq(s, ${m}, ${n}) is out of range for a sequence of length ${s.values.length}`);
      return makeTuple(s.values.slice(m - 1, n));
    },
  },
};

const finiteSets: Record<string, Builtin> = {
  IsFiniteSet: { arity: 1, impl: (args) => !(args[0] instanceof LazySet) || asFiniteSetSafe(args[0]) },
  Cardinality: { arity: 1, impl: (args, loc) => setOf(args[0], loc, 'Cardinality').elems.length },
};

function asFiniteSetSafe(v: LazySet): boolean {
  try {
    v.toSet();
    return true;
  } catch {
    return false;
  }
}

function permutations(args: readonly Value[], loc: Loc): Value {
  const elems = setOf(args[0], loc, 'Permutations').elems;
  const out: Value[] = [];
  const perm = (rest: readonly Value[], chosen: Value[]): void => {
    if (rest.length === 0) {
      out.push(makeFn([...elems], chosen.slice()));
      return;
    }
    for (let i = 0; i < rest.length; i++) {
      chosen.push(rest[i] as Value);
      perm([...rest.slice(0, i), ...rest.slice(i + 1)], chosen);
      chosen.pop();
    }
  };
  perm(elems, []);
  return makeSet(out);
}

function mergeFns(args: readonly Value[], loc: Loc): Value {
  const [f, g] = args;
  if (!(f instanceof FnValue) || !(g instanceof FnValue)) throw evalError(loc, '@@ expects two functions');
  const keys: Value[] = [...f.keys];
  const values: Value[] = [...f.values];
  g.keys.forEach((k, i) => {
    if (fnIndex(f, k) < 0) {
      keys.push(k);
      values.push(g.values[i] as Value);
    }
  });
  return makeFn(keys, values);
}

/** Where Print and PrintT write; the checker replaces it to capture output. */
export const printSink = { write: (line: string): void => void process.stderr.write(`${line}\n`) };

/** An operator of TLC.tla whose value depends on TLC's run: declared (SANY accepts it), refused when evaluated. */
function runDependent(name: string, arity: number, why: string): Builtin {
  return {
    arity,
    impl: (_args, loc) => {
      throw unsupported(loc, `${name} (${why})`);
    },
  };
}

const tlc: Record<string, Builtin> = {
  Print: {
    arity: 2,
    impl: (args) => (printSink.write(`${formatValue(args[0] as Value)}  ${formatValue(args[1] as Value)}`), args[1] as Value),
  },
  PrintT: { arity: 1, impl: (args) => (printSink.write(formatValue(args[0] as Value)), true) },
  Assert: {
    arity: 2,
    impl: (args, loc) => {
      if (args[0] !== true) throw evalError(loc, `Assert failed: ${formatValue(args[1] as Value)}`);
      return true;
    },
  },
  ':>': { arity: 2, impl: (args) => makeFn([args[0] as Value], [args[1] as Value]) },
  '@@': { arity: 2, impl: mergeFns },
  Permutations: { arity: 1, impl: permutations },
  SortSeq: sortSeq,
  ToString: { arity: 1, impl: (args) => formatValue(args[0] as Value) },
  TLCEval: { arity: 1, impl: (args) => args[0] as Value },
  TLCGet: runDependent('TLCGet', 1, "it reads TLC's registers and the statistics of its run"),
  TLCSet: runDependent('TLCSet', 2, "it writes TLC's registers"),
  RandomElement: runDependent('RandomElement', 1, 'TLC chooses it at random'),
  Any: runDependent('Any', 0, 'a value that TLC treats as a member of every set'),
  JavaTime: {
    arity: 0,
    impl: (_args, loc) => {
      throw unsupported(loc, 'JavaTime (it makes state spaces nondeterministic)');
    },
  },
};

/** S \\cup T; with Nat, Int or another infinite operand a membership test, as TLC's lazy union is. */
function cup(args: readonly Value[], loc: Loc): Value {
  const [a, b] = args as [Value, Value];
  if (isInfiniteSet(a) || isInfiniteSet(b))
    return new InfiniteSet(`${formatValue(a)} \\cup ${formatValue(b)}`, (v) => setContains(a, v) || setContains(b, v));
  return makeSet([...setOf(a, loc, '\\cup').elems, ...setOf(b, loc, '\\cup').elems]);
}

/** UNION S; a membership test when a member of S is infinite (UNION {[D -> Int \\cup {NULL}]}). */
function union(args: readonly Value[], loc: Loc): Value {
  const members = setOf(args[0], loc, 'UNION').elems;
  if (members.some(isInfiniteSet)) return new InfiniteSet('UNION ...', (v) => members.some((m) => setContains(m, v)));
  return makeSet(members.flatMap((s) => [...setOf(s, loc, 'UNION').elems]));
}

/** Operators every module has: sets, functions, logic (the parts implemented as strict functions). */
export const coreBuiltins: Record<string, Builtin> = {
  '=': { arity: 2, impl: (args) => valuesEqual(args[0] as Value, args[1] as Value) },
  '#': { arity: 2, impl: (args) => !valuesEqual(args[0] as Value, args[1] as Value) },
  '\\in': { arity: 2, impl: (args) => setContains(args[1] as Value, args[0] as Value) },
  '\\notin': { arity: 2, impl: (args) => !setContains(args[1] as Value, args[0] as Value) },
  '\\cup': { arity: 2, impl: cup },
  '\\cap': {
    arity: 2,
    impl: (args, loc) => {
      // With an infinite left operand (Nat \cap S), filter the right one, as TLC's lazy sets do.
      const [a, b] = args[0] instanceof InfiniteSet ? [args[1], args[0]] : [args[0], args[1]];
      return new SetValue(setOf(a, loc, '\\cap').elems.filter((e) => setContains(b as Value, e)));
    },
  },
  '\\': {
    arity: 2,
    impl: (args, loc) => {
      const [a, b] = args as [Value, Value];
      if (a instanceof InfiniteSet) return new InfiniteSet(`${a.name} \\ S`, (v) => a.contains(v) && !setContains(b, v));
      return new SetValue(setOf(a, loc, '\\').elems.filter((e) => !setContains(b, e)));
    },
  },
  '\\subseteq': { arity: 2, impl: (args, loc) => setOf(args[0], loc, '\\subseteq').elems.every((e) => setContains(args[1] as Value, e)) },
  '\\subset': {
    arity: 2,
    impl: (args, loc) =>
      setOf(args[0], loc, '\\subset').elems.every((e) => setContains(args[1] as Value, e)) &&
      !valuesEqual(args[0] as Value, args[1] as Value),
  },
  '\\supseteq': { arity: 2, impl: (args, loc) => setOf(args[1], loc, '\\supseteq').elems.every((e) => setContains(args[0] as Value, e)) },
  SUBSET: { arity: 1, impl: (args) => new PowerSet(args[0] as Value) },
  UNION: { arity: 1, impl: union },
  DOMAIN: {
    arity: 1,
    impl: (args, loc) => {
      const f = args[0];
      if (!(f instanceof FnValue)) throw evalError(loc, `DOMAIN expects a function, got ${formatValue(f as Value)}`);
      return f.isSequence ? new IntervalSet(1, f.keys.length) : new SetValue(f.keys);
    },
  },
  BOOLEAN: { arity: 0, impl: () => makeSet([false, true]) },
  '[->]': { arity: 2, impl: (args) => new FnSet(args[0] as Value, args[1] as Value) },
};

export const standardModules: Readonly<Record<string, Record<string, Builtin>>> = {
  Naturals: naturals,
  Integers: integers,
  Sequences: sequences,
  FiniteSets: finiteSets,
  // TLC.tla instantiates Naturals, Sequences and FiniteSets LOCALly: a module that extends only TLC sees none of them (SANY).
  TLC: tlc,
  Bags: bags,
};

/** STRING is always in scope in TLA+ (it is a built-in constant, not from a module). */
export const alwaysInScope: Readonly<Record<string, Builtin>> = {
  ...coreBuiltins,
  STRING: { arity: 0, impl: () => stringSet },
};

const proofModules = [
  'TLAPS',
  'NaturalsInduction',
  'WellFoundedInduction',
  'FiniteSetTheorems',
  'SequenceTheorems',
  'FunctionTheorems',
  'SequencesExtTheorems',
];
const communityModules = [
  'BagsExt',
  'Bitwise',
  'CSV',
  'Combinatorics',
  'DifferentialEquations',
  'DyadicRationals',
  'FiniteSetsExt',
  'Folds',
  'Functions',
  'GraphViz',
  'Graphs',
  'HTML',
  'IOUtils',
  'Relation',
  'SVG',
  'SequencesExt',
  'ShiViz',
  'Statistics',
  'UndirectedGraphs',
  'VectorClocks',
];
const otherStandardModules = ['Reals', 'RealTime', 'Randomization', 'TLCExt', 'Json', 'Toolbox'];

/** Modules TLC or the Toolbox ship that the built-in checker does not implement: what each is, to name it when refused. */
export const unimplementedModules: Readonly<Record<string, string>> = Object.fromEntries<string>([
  ...proofModules.map((m): [string, string] => [m, `the TLAPS proof module ${m}`]),
  ...communityModules.map((m): [string, string] => [m, `the CommunityModules module ${m}`]),
  ...otherStandardModules.map((m): [string, string] => [m, `the standard module ${m}`]),
]);
