// Set comprehension by filter, {x \in S : P}: enumerated when S is finite, a membership test when S is Nat, Int or another infinite set.
import type { Bound, Expr, ExprOf, Loc } from './ast.js';
import { bind } from './env.js';
import type { Env, StateContext } from './env.js';
import { evalError } from './errors.js';
import { formatValue } from './format-value.js';
import { InfiniteSet } from './lazy-sets.js';
import { asFiniteSet, makeSet } from './value.js';
import type { Value } from './value.js';

export interface FilterEvaluator {
  eval(e: Expr, env: Env, s: StateContext): Value;
  bindBound(b: Bound, value: Value, env: Env, loc: Loc): Env;
}

function holds(ev: FilterEvaluator, e: ExprOf<'setFilter'>, inner: Env, s: StateContext): boolean {
  const v = ev.eval(e.pred, inner, s);
  if (typeof v !== 'boolean') throw evalError(e.pred.loc, `a set filter must be a Boolean, got ${formatValue(v)}`);
  return v;
}

export function evalSetFilter(ev: FilterEvaluator, e: ExprOf<'setFilter'>, env: Env, s: StateContext): Value {
  const b = e.bound;
  if (b.set === undefined) throw evalError(e.loc, 'a set filter needs a bound set');
  const set = ev.eval(b.set, env, s);
  if (set instanceof InfiniteSet && !b.tuple) {
    // As TLC does, {n \in Nat : P} is only tested for membership (Capacity \in [Jug -> {n \in Nat : n > 0}]).
    const name = b.names[0] as string;
    return new InfiniteSet(`{${name} \\in ${set.name} : ...}`, (v) => set.contains(v) && holds(ev, e, bind(env, name, v), s));
  }
  const finite = asFiniteSet(set);
  if (finite === undefined) throw evalError(e.loc, `a bound must be a finite set, got ${formatValue(set)}`);
  const out: Value[] = [];
  for (const v of finite.elems) if (holds(ev, e, ev.bindBound(b, v, env, e.loc), s)) out.push(v);
  return makeSet(out);
}
