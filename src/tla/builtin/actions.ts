// Next-state generation as TLC does it: x' = e assigns an unassigned x', \E and \/ branch, /\ runs left to right.
import type { Expr, ExprOf, OpDef } from './ast.js';
import { Closure, lookup } from './env.js';
import type { Env, StateContext } from './env.js';
import { evalError } from './errors.js';
import { Evaluator, boolOf } from './eval.js';
import { bindArgs } from './eval-operators.js';
import { formatValue } from './format-value.js';
import { asFiniteSet, valuesEqual } from './value.js';
import type { Value } from './value.js';

export type Partial = (Value | undefined)[];

/** The index of the variable `e` primes (`x'`), if it is one. */
function primedVariable(e: Expr): number | undefined {
  return e.k === 'prime' && e.expr.k === 'name' && e.expr.ref?.kind === 'variable' ? e.expr.ref.index : undefined;
}
/** A continuation: receives an assignment and the action that produced it; returns true to stop enumerating. */
export type Emit = (next: Partial, action: OpDef | undefined) => boolean;

interface Frame {
  readonly init: boolean;
  readonly current: readonly (Value | undefined)[];
  /** The context made for the last partial assignment; conjuncts in a row share it. */
  lastNext?: Partial;
  lastContext?: StateContext;
}

export class ActionEvaluator extends Evaluator {
  private readonly variableCount = this.spec.variables.length;

  /** Enumerates the initial states satisfying `init`. */
  initStates(init: Expr, emit: (state: Partial) => boolean): void {
    this.enumerate(init, null, { init: true, current: [] }, new Array<Value | undefined>(this.variableCount), undefined, (n) => emit(n));
  }

  /** Enumerates the successors of `state` under `action` (duplicates included, as TLC counts them). */
  successors(action: Expr, state: readonly Value[], emit: Emit, env: Env = null): void {
    this.enumerate(action, env, { init: false, current: state }, new Array<Value | undefined>(this.variableCount), undefined, emit);
  }

  override enabled(action: Expr, env: Env, s: StateContext): boolean {
    let found = false;
    this.successors(action, s.state as readonly Value[], () => (found = true), env);
    return found;
  }

  private context(frame: Frame, next: Partial): StateContext {
    if (frame.lastNext === next && frame.lastContext !== undefined) return frame.lastContext;
    const s: StateContext = frame.init ? { state: next, next: undefined, primed: false } : { state: frame.current, next, primed: false };
    frame.lastNext = next;
    frame.lastContext = s;
    return s;
  }

  /** The variable `e` assigns: x (initial states) or x', also through a parameter bound to x' by name (bindActionArgs). */
  private target(e: Expr, frame: Frame, env: Env): number {
    if (!frame.init && e.k === 'name' && (e.ref?.kind === 'bound' || e.ref?.kind === 'parameter') && e.args.length === 0) {
      const bound = lookup(env, e.name);
      return bound instanceof Closure && bound.def.params.length === 0 ? (primedVariable(bound.def.body) ?? -1) : -1;
    }
    const name = frame.init ? e : e.k === 'prime' ? e.expr : undefined;
    if (name === undefined || name.k !== 'name' || name.ref?.kind !== 'variable') return -1;
    return name.ref.index;
  }

  /**
   * A definition's arguments in an action, bound as TLC binds them: an argument that is a primed variable stays an
   * expression, so that `new = e` in the body assigns it (`Send(p, d, memInt, memInt')` with `Send(p, d, old, new) ==
   * new = <<p, d>>`, the pattern of Specifying Systems) instead of reading a next value that has none yet.
   */
  private bindActionArgs(def: OpDef, args: readonly Expr[], env: Env, frame: Frame, next: Partial, inner: Env): Env {
    const byName = frame.init ? undefined : (arg: Expr): boolean => primedVariable(arg) !== undefined;
    return bindArgs(this, def, args, env, this.context(frame, next), inner, byName);
  }

  private assign(next: Partial, index: number, value: Value, label: OpDef | undefined, k: Emit): boolean {
    const copy = next.slice();
    copy[index] = value;
    return k(copy, label);
  }

  private conjunction(
    items: readonly Expr[],
    index: number,
    env: Env,
    frame: Frame,
    next: Partial,
    label: OpDef | undefined,
    k: Emit,
  ): boolean {
    const item = items[index];
    if (item === undefined) return k(next, label);
    if (index === items.length - 1) return this.enumerate(item, env, frame, next, label, k);
    return this.enumerate(item, env, frame, next, label, (n, l) => this.conjunction(items, index + 1, env, frame, n, l, k));
  }

  enumerate(e: Expr, env: Env, frame: Frame, next: Partial, label: OpDef | undefined, k: Emit): boolean {
    switch (e.k) {
      case 'and':
        return this.conjunction(e.items, 0, env, frame, next, label, k);
      case 'or':
        for (const item of e.items) if (this.enumerate(item, env, frame, next, label, k)) return true;
        return false;
      case 'quant':
        return this.quantifier(e, env, frame, next, label, k);
      case 'if': {
        const cond = boolOf(this.eval(e.cond, env, this.context(frame, next)), e.cond.loc, 'an IF condition');
        return this.enumerate(cond ? e.then : e.else, env, frame, next, label, k);
      }
      case 'case': {
        for (const [guard, body] of e.arms) {
          if (boolOf(this.eval(guard, env, this.context(frame, next)), guard.loc, 'a CASE guard'))
            return this.enumerate(body, env, frame, next, label, k);
        }
        if (e.other !== undefined) return this.enumerate(e.other, env, frame, next, label, k);
        throw evalError(e.loc, 'no CASE arm applies and there is no OTHER');
      }
      case 'let':
        return this.enumerate(e.body, this.letEnv(e.defs, env), frame, next, label, k);
      case 'name':
        return this.call(e, env, frame, next, label, k);
      case 'op':
        return this.operator(e, env, frame, next, label, k);
      case 'unchanged':
        return this.unchanged(e.expr, env, frame, next, label, k);
      case 'step':
        if (e.angle) throw evalError(e.loc, '<<A>>_v as an action of the next-state relation');
        if (this.enumerate(e.action, env, frame, next, label, k)) return true;
        return this.unchanged(e.sub, env, frame, next, label, k);
      case 'bool':
        return e.value ? k(next, label) : false;
      default:
        return this.predicate(e, env, frame, next, label, k);
    }
  }

  private predicate(e: Expr, env: Env, frame: Frame, next: Partial, label: OpDef | undefined, k: Emit): boolean {
    const holds = boolOf(this.eval(e, env, this.context(frame, next)), e.loc, 'a conjunct of an action');
    return holds ? k(next, label) : false;
  }

  private quantifier(e: ExprOf<'quant'>, env: Env, frame: Frame, next: Partial, label: OpDef | undefined, k: Emit): boolean {
    const s = this.context(frame, next);
    if (e.exists) return this.forEachBinding(e.bounds, env, s, (inner) => this.enumerate(e.body, inner, frame, next, label, k), true);
    // \A over an action is the conjunction of its instances, enumerated left to right like /\.
    const envs: Env[] = [];
    this.forEachBinding(e.bounds, env, s, (inner) => (envs.push(inner), false));
    const step = (index: number, n: Partial, l: OpDef | undefined): boolean =>
      index >= envs.length ? k(n, l) : this.enumerate(e.body, envs[index] ?? null, frame, n, l, (n2, l2) => step(index + 1, n2, l2));
    return step(0, next, label);
  }

  private call(e: ExprOf<'name'>, env: Env, frame: Frame, next: Partial, label: OpDef | undefined, k: Emit): boolean {
    const ref = e.ref;
    // A definition that reads no state is evaluated, unless a primed variable is passed to it, which it may assign.
    const assigns = !frame.init && e.args.some((arg) => primedVariable(arg) !== undefined);
    if (ref?.kind === 'definition' && (ref.def.constantLevel !== true || assigns) && ref.def.fnBounds === undefined) {
      const def = ref.def;
      const inner = this.bindActionArgs(def, e.args, env, frame, next, null);
      return this.enumerate(def.body, inner, frame, next, label ?? def, k);
    }
    if (ref?.kind === 'bound') {
      const closure = lookup(env, e.name);
      if (closure instanceof Closure && closure.def.fnBounds === undefined) {
        const inner = this.bindActionArgs(closure.def, e.args, env, frame, next, closure.env);
        return this.enumerate(closure.def.body, inner, frame, next, label, k);
      }
    }
    return this.predicate(e, env, frame, next, label, k);
  }

  private operator(e: ExprOf<'op'>, env: Env, frame: Frame, next: Partial, label: OpDef | undefined, k: Emit): boolean {
    const [lhs, rhs] = e.args as [Expr, Expr];
    if (e.op === '=' || e.op === '\\in') {
      const index = this.target(lhs, frame, env);
      if (index >= 0 && next[index] === undefined) {
        const value = this.eval(rhs, env, this.context(frame, next));
        if (e.op === '=') return this.assign(next, index, value, label, k);
        const set = asFiniteSet(value);
        if (set === undefined) throw evalError(e.loc, `x' \\in S needs a finite set S, got ${formatValue(value)}`);
        for (const v of set.elems) if (this.assign(next, index, v, label, k)) return true;
        return false;
      }
    }
    return this.predicate(e, env, frame, next, label, k);
  }

  private readonly unchangedVariables = new WeakMap<Expr, number[] | null>();

  /** variablesOf, computed once per UNCHANGED operand. */
  private cachedVariablesOf(e: Expr): number[] | undefined {
    let vars = this.unchangedVariables.get(e);
    if (vars === undefined) {
      vars = this.variablesOf(e) ?? null;
      this.unchangedVariables.set(e, vars);
    }
    return vars ?? undefined;
  }

  /** The variable indices of `v` when it is a variable, a tuple of them or a definition naming them; undefined otherwise. */
  private variablesOf(e: Expr): number[] | undefined {
    if (e.k === 'name' && e.ref?.kind === 'variable') return [e.ref.index];
    if (e.k === 'name' && e.ref?.kind === 'definition' && e.ref.def.params.length === 0) return this.variablesOf(e.ref.def.body);
    if (e.k !== 'tuple') return undefined;
    const out: number[] = [];
    for (const item of e.items) {
      const vars = this.variablesOf(item);
      if (vars === undefined) return undefined;
      out.push(...vars);
    }
    return out;
  }

  private unchanged(e: Expr, env: Env, frame: Frame, next: Partial, label: OpDef | undefined, k: Emit): boolean {
    const vars = frame.init ? undefined : this.cachedVariablesOf(e);
    if (vars === undefined) return this.predicate({ k: 'unchanged', expr: e, loc: e.loc }, env, frame, next, label, k);
    let copy: Partial | undefined;
    for (const index of vars) {
      const value = frame.current[index] as Value;
      const assigned = (copy ?? next)[index];
      if (assigned === undefined) {
        copy ??= next.slice();
        copy[index] = value;
      } else if (!valuesEqual(assigned, value)) {
        return false;
      }
    }
    return k(copy ?? next, label);
  }
}
