// Binding bound names (x \in S, x, y \in S, <<a, b>> \in S) to the elements of their sets, in TLC's order.
import type { Bound, Expr, Loc } from './ast.js';
import { bind } from './env.js';
import type { Env, StateContext } from './env.js';
import { evalError, unsupported } from './errors.js';
import { formatValue } from './format-value.js';
import { FnValue, asFiniteSet } from './value.js';
import type { Value } from './value.js';

/** The evaluator's part that enumerates bindings; the evaluator supplies eval. */
export abstract class BindingEvaluator {
  abstract eval(e: Expr, env: Env, s: StateContext): Value;

  /** Elements of a bound's set, in TLC's order (the normalized order of the set). */
  boundElements(b: Bound, env: Env, s: StateContext, loc: Loc): readonly Value[] {
    if (b.set === undefined) throw unsupported(loc, 'unbounded quantification');
    const set = this.eval(b.set, env, s);
    const finite = asFiniteSet(set);
    if (finite === undefined) throw evalError(loc, `a bound must be a finite set, got ${formatValue(set)}`);
    return finite.elems;
  }

  bindBound(b: Bound, value: Value, env: Env, loc: Loc): Env {
    if (!b.tuple) return bind(env, b.names[0] as string, value);
    if (!(value instanceof FnValue) || !value.isSequence || value.values.length !== b.names.length) {
      throw evalError(loc, `cannot bind <<${b.names.join(', ')}>> to ${formatValue(value)}`);
    }
    let inner = env;
    b.names.forEach((n, i) => (inner = bind(inner, n, value.values[i] as Value)));
    return inner;
  }

  private readonly flatBounds = new WeakMap<readonly Bound[], readonly Bound[]>();

  /** `x, y \in S` as two single bounds, cached per AST node so binding allocates no bound objects. */
  private flatten(bounds: readonly Bound[]): readonly Bound[] {
    let flat = this.flatBounds.get(bounds);
    if (flat === undefined) {
      flat = bounds.flatMap((b) =>
        b.tuple || b.names.length === 1 ? [b] : b.names.map((n) => ({ names: [n], tuple: false, set: b.set })),
      );
      this.flatBounds.set(bounds, flat);
    }
    return flat;
  }

  /**
   * Calls fn for each combination of the bounds (x, y \in S counts as two); stops when fn returns true.
   * With firstFastest the first bound varies fastest: TLC's order for \E in actions (its ContextEnumerator),
   * which decides the counts at a violation.
   */
  forEachBinding(bounds: readonly Bound[], env: Env, s: StateContext, fn: (env: Env) => boolean, firstFastest = false): boolean {
    const flat = this.flatten(bounds);
    return this.bindFrom(firstFastest && flat.length > 1 ? this.reversed(flat) : flat, 0, env, s, fn);
  }

  private readonly reversedBounds = new WeakMap<readonly Bound[], readonly Bound[]>();

  private reversed(flat: readonly Bound[]): readonly Bound[] {
    let out = this.reversedBounds.get(flat);
    if (out === undefined) this.reversedBounds.set(flat, (out = [...flat].reverse()));
    return out;
  }

  private bindFrom(flat: readonly Bound[], index: number, env: Env, s: StateContext, fn: (env: Env) => boolean): boolean {
    const b = flat[index];
    if (b === undefined) return fn(env);
    const loc = b.set?.loc ?? { file: '?', line: 0, column: 0 };
    const elems = this.boundElements(b, env, s, loc);
    const last = index === flat.length - 1;
    for (const v of elems) {
      const inner = b.tuple ? this.bindBound(b, v, env, loc) : bind(env, b.names[0] as string, v);
      if (last ? fn(inner) : this.bindFrom(flat, index + 1, inner, s, fn)) return true;
    }
    return false;
  }
}
