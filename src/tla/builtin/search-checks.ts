// Properties checked while the search runs, as TLC checks them: [][A]_v on every step, [](P => []Q) on the graph explored so far.
import type { PrefixViolation, SearchChecks, StateGraph } from './bfs.js';
import type { Env } from './env.js';
import { boolOf } from './eval.js';
import type { Model } from './model.js';
import type { InitialPredicate, PrefixProperty, StepProperty } from './property-split.js';
import type { Expr } from './ast.js';
import { valuesEqual } from './value.js';
import type { Value } from './value.js';

/** Whether from -> to is an <<A>>_v step (angle) or an [A]_v step. */
export function isStep(
  model: Model,
  action: Expr,
  sub: Expr,
  env: Env,
  from: readonly Value[],
  to: readonly Value[],
  angle: boolean,
): boolean {
  const unchanged = valuesEqual(
    model.evaluator.eval(sub, env, { state: from, next: undefined, primed: false }),
    model.evaluator.eval(sub, env, { state: to, next: undefined, primed: false }),
  );
  if (unchanged) return !angle;
  return boolOf(model.evaluator.eval(action, env, { state: from, next: to, primed: false }), action.loc, 'an action property');
}

/**
 * [](P => []Q) fails once a behavior reaches a P state and then (there or later) a state without Q. TLC finds this
 * while it builds its behavior graph from the states it has explored, and then prints the shortest such behavior
 * through explored states; `after[id]` marks the explored states some behavior reaches once P has held.
 */
class PrefixWatch {
  private readonly after: boolean[] = [];
  private readonly p: (boolean | undefined)[] = [];
  private readonly q: (boolean | undefined)[] = [];

  constructor(
    private readonly model: Model,
    private readonly property: PrefixProperty,
  ) {}

  explored(graph: StateGraph, id: number): PrefixViolation | undefined {
    if (!this.after[id] && !this.holds(graph, id, 'p')) return undefined;
    const work = [id];
    this.after[id] = true;
    let refuted = false;
    while (work.length > 0) {
      const u = work.pop() as number;
      refuted ||= !this.holds(graph, u, 'q');
      for (const v of graph.successors?.[u] ?? []) {
        if (this.after[v]) continue;
        this.after[v] = true;
        if (v <= id) work.push(v);
      }
    }
    return refuted ? { name: this.property.name, path: this.shortest(graph, id) } : undefined;
  }

  private holds(graph: StateGraph, id: number, which: 'p' | 'q'): boolean {
    const cache = which === 'p' ? this.p : this.q;
    let value = cache[id];
    if (value === undefined) {
      const expr = which === 'p' ? this.property.p : this.property.q;
      const env = which === 'p' ? this.property.pEnv : this.property.qEnv;
      const state = graph.states[id] as Value[];
      value = boolOf(this.model.evaluator.eval(expr, env, { state, next: undefined, primed: false }), expr.loc, this.property.name);
      cache[id] = value;
    }
    return value;
  }

  /** Breadth first over (state, whether P has held) through states up to `last`, to a state without Q after P. */
  private shortest(graph: StateGraph, last: number): number[] {
    const parent = new Map<number, number>();
    const queue: number[] = [];
    const visit = (id: number, after: boolean, from: number): void => {
      const node = id * 2 + (after ? 1 : 0);
      if (id > last || parent.has(node)) return;
      parent.set(node, from);
      queue.push(node);
    };
    for (const init of graph.initIds) visit(init, this.holds(graph, init, 'p'), -1);
    for (let i = 0; i < queue.length; i++) {
      const node = queue[i] as number;
      const id = Math.floor(node / 2);
      const after = node % 2 === 1;
      if (after && !this.holds(graph, id, 'q')) {
        const path: number[] = [];
        for (let at = node; at >= 0; at = parent.get(at) as number) path.push(Math.floor(at / 2));
        return path.reverse();
      }
      for (const v of graph.successors?.[id] ?? []) if (v <= last) visit(v, after || this.holds(graph, v, 'p'), node);
    }
    throw new Error(`PrefixWatch: no behavior refutes ${this.property.name} although the search found one`);
  }
}

export function searchChecks(
  model: Model,
  initial: readonly InitialPredicate[],
  steps: readonly StepProperty[],
  prefixes: readonly PrefixProperty[],
): SearchChecks | undefined {
  if (initial.length === 0 && steps.length === 0 && prefixes.length === 0) return undefined;
  const watches = prefixes.map((p) => new PrefixWatch(model, p));
  const holds = (p: InitialPredicate, state: readonly Value[]): boolean =>
    boolOf(model.evaluator.eval(p.expr, p.env, { state, next: undefined, primed: false }), p.expr.loc, p.name);
  return {
    initial: (state) => initial.find((p) => !holds(p, state))?.name,
    step: (from, to) => steps.find((s) => !isStep(model, s.action, s.sub, s.env, from, to, false))?.name,
    explored: (graph, id) => {
      for (const watch of watches) {
        const found = watch.explored(graph, id);
        if (found !== undefined) return found;
      }
      return undefined;
    },
  };
}
