// Liveness on the explored graph: a property fails when a fair strongly connected component lets a behavior avoid it forever.
import type { Expr } from './ast.js';
import type { Env, StateContext } from './env.js';
import { unsupported } from './errors.js';
import { boolOf } from './eval.js';
import { bindArgs } from './eval-operators.js';
import type { StateGraph } from './bfs.js';
import { pathTo } from './bfs.js';
import type { OpDef } from './ast.js';
import type { Model } from './model.js';
import { fairnessInfo, findFairComponent, cycleThrough, pathWithin } from './liveness-graph.js';
import type { FairnessInfo } from './liveness-graph.js';
import type { Value } from './value.js';

/** The property shapes checked: []P, <>P, []<>P, <>[]P and P ~> Q over state predicates. */
type Shape =
  | { readonly kind: 'always'; readonly p: Expr }
  | { readonly kind: 'eventually'; readonly p: Expr }
  | { readonly kind: 'infinitelyOften'; readonly p: Expr }
  | { readonly kind: 'eventuallyAlways'; readonly p: Expr }
  | { readonly kind: 'leadsTo'; readonly p: Expr; readonly q: Expr };

interface Property {
  readonly name: string;
  readonly shape: Shape;
  readonly env: Env;
}

export interface LivenessViolation {
  readonly property: string;
  readonly states: Value[][];
  readonly actions: (OpDef | undefined | null)[];
  readonly loopsBackTo: number | undefined;
}

function isTemporal(e: Expr): boolean {
  return e.k === 'always' || e.k === 'eventually' || e.k === 'leadsTo' || e.k === 'fair' || e.k === 'step';
}

/** Unfolds definitions (binding their arguments) so temporal operators become visible. */
function unfold(model: Model, e: Expr, env: Env): [Expr, Env] {
  if (e.k === 'name' && e.ref?.kind === 'definition' && e.ref.def.fnBounds === undefined) {
    const def = e.ref.def;
    const s: StateContext = { state: [], next: undefined, primed: false };
    return unfold(model, def.body, bindArgs(model.evaluator, def, e.args, env, s, null));
  }
  return [e, env];
}

function collect(model: Model, name: string, expr: Expr, env: Env, out: Property[]): void {
  const [e, inner] = unfold(model, expr, env);
  const add = (shape: Shape): void => void out.push({ name, shape, env: inner });
  switch (e.k) {
    case 'and':
      for (const item of e.items) collect(model, name, item, inner, out);
      return;
    case 'quant':
      if (e.exists) break;
      model.evaluator.forEachBinding(
        e.bounds,
        inner,
        { state: [], next: undefined, primed: false },
        (bound) => (collect(model, name, e.body, bound, out), false),
      );
      return;
    case 'leadsTo':
      return add({ kind: 'leadsTo', p: e.left, q: e.right });
    case 'always': {
      const [body] = unfold(model, e.expr, inner);
      if (body.k === 'eventually') return add({ kind: 'infinitelyOften', p: body.expr });
      if (body.k === 'op' && body.op === '=>' && body.args[1]?.k === 'eventually') {
        return add({ kind: 'leadsTo', p: body.args[0] as Expr, q: body.args[1].expr });
      }
      if (!isTemporal(body)) return add({ kind: 'always', p: e.expr });
      break;
    }
    case 'eventually': {
      const [body] = unfold(model, e.expr, inner);
      if (body.k === 'always') return add({ kind: 'eventuallyAlways', p: body.expr });
      if (!isTemporal(body)) return add({ kind: 'eventually', p: e.expr });
      break;
    }
    default:
      if (!isTemporal(e)) return add({ kind: 'always', p: e });
  }
  throw unsupported(
    e.loc,
    `this form of temporal property in ${name} (supported: []P, <>P, []<>P, <>[]P, P ~> Q, conjunctions and \\A over them)`,
  );
}

function predicate(model: Model, graph: StateGraph, p: Expr, env: Env): boolean[] {
  return graph.states.map((state) =>
    boolOf(model.evaluator.eval(p, env, { state, next: undefined, primed: false }), p.loc, 'a property predicate'),
  );
}

function checkOne(model: Model, graph: StateGraph, prop: Property, fairness: readonly FairnessInfo[]): LivenessViolation | undefined {
  const all = graph.states.map(() => true);
  const { shape, env } = prop;
  let allowed: boolean[];
  let starts: number[];
  let required: boolean[] | undefined;
  let prefixFor: (start: number) => number[];
  switch (shape.kind) {
    case 'always': {
      const p = predicate(model, graph, shape.p, env);
      const bad = p.findIndex((v) => !v);
      if (bad < 0) return undefined;
      const ids = pathTo(graph, bad);
      return {
        property: prop.name,
        states: ids.map((i) => graph.states[i] as Value[]),
        actions: ids.map((i) => graph.actions[i] ?? (graph.parents[i] === -1 ? null : undefined)),
        loopsBackTo: undefined,
      };
    }
    case 'eventually': {
      const notP = predicate(model, graph, shape.p, env).map((v) => !v);
      allowed = notP;
      starts = graph.initIds.filter((i) => notP[i]);
      prefixFor = (target) => pathWithin(graph, starts, target, notP);
      break;
    }
    case 'infinitelyOften':
      allowed = predicate(model, graph, shape.p, env).map((v) => !v);
      starts = graph.states.map((_, i) => i).filter((i) => allowed[i]);
      prefixFor = (target) => pathTo(graph, target);
      break;
    case 'eventuallyAlways':
      allowed = all;
      required = predicate(model, graph, shape.p, env).map((v) => !v);
      starts = graph.states.map((_, i) => i);
      prefixFor = (target) => pathTo(graph, target);
      break;
    case 'leadsTo': {
      const p = predicate(model, graph, shape.p, env);
      const notQ = predicate(model, graph, shape.q, env).map((v) => !v);
      allowed = notQ;
      starts = graph.states.map((_, i) => i).filter((i) => p[i] && notQ[i]);
      prefixFor = (target) => {
        const within = pathWithin(graph, starts, target, notQ);
        return [...pathTo(graph, within[0] as number).slice(0, -1), ...within];
      };
      break;
    }
  }
  const found = findFairComponent(graph, starts, allowed, fairness, required);
  if (found === undefined) return undefined;
  const prefix = prefixFor(found.entry);
  const ids = [...prefix, ...cycleThrough(graph, found.component, found.entry, fairness, required)];
  const loopsBackTo = prefix.length;
  return {
    property: prop.name,
    states: ids.map((i) => graph.states[i] as Value[]),
    actions: ids.map((i, index) => (index === 0 ? null : (graph.actions[i] ?? undefined))),
    loopsBackTo,
  };
}

export function checkLiveness(model: Model, graph: StateGraph): { violation: LivenessViolation | undefined } {
  const properties: Property[] = [];
  for (const p of model.properties) collect(model, p.name, p.expr, null, properties);
  const fairness = model.fairness.map((f) => fairnessInfo(model, graph, f));
  for (const prop of properties) {
    const violation = checkOne(model, graph, prop, fairness);
    if (violation !== undefined) return { violation };
  }
  return { violation: undefined };
}
