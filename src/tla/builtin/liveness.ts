// Liveness on the explored graph: a property fails when a fair strongly connected component lets a behavior avoid it forever.
import { formatExtent, formatLoc } from './ast.js';
import type { Expr } from './ast.js';
import type { Env } from './env.js';
import { CutlineError } from '../../errors.js';
import { propertyFormError, unsupported } from './errors.js';
import { boolOf } from './eval.js';
import type { StateGraph } from './bfs.js';
import { pathTo } from './bfs.js';
import type { OpDef } from './ast.js';
import type { Model } from './model.js';
import { fairnessInfo, findFairComponent, cycleThrough, pathWithin } from './liveness-graph.js';
import type { EdgeFilter, FairnessInfo } from './liveness-graph.js';
import { splitProperties, unfoldDefinition } from './property-split.js';
import type { LivenessFormula } from './property-split.js';
import { isStep } from './search-checks.js';
import { edgeAction } from './trace.js';
import type { Value } from './value.js';

/** The property shapes checked: []P, <>P, []<>P, <>[]P and P ~> Q over state predicates, and []<><<A>>_v over steps. */
type Shape =
  | { readonly kind: 'always'; readonly p: Expr }
  | { readonly kind: 'eventually'; readonly p: Expr }
  | { readonly kind: 'infinitelyOften'; readonly p: Expr }
  | { readonly kind: 'infinitelyOftenStep'; readonly action: Expr; readonly sub: Expr }
  | { readonly kind: 'eventuallyAlways'; readonly p: Expr }
  | { readonly kind: 'leadsTo'; readonly p: Expr; readonly q: Expr };

export interface LivenessProperty {
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

/** Unfolds definitions (binding their parameters to the argument expressions) so temporal operators become visible. */
function unfold(e: Expr, env: Env): [Expr, Env] {
  const unfolded = unfoldDefinition(e, env);
  return unfolded === undefined ? [e, env] : unfold(unfolded.body, unfolded.env);
}

function shapeOf(formula: LivenessFormula): LivenessProperty {
  const [e, env] = unfold(formula.expr, formula.env);
  const property = (shape: Shape, at: Env = env): LivenessProperty => ({ name: formula.name, shape, env: at });
  switch (e.k) {
    case 'leadsTo':
      return property({ kind: 'leadsTo', p: e.left, q: e.right });
    case 'always': {
      const [body, inner] = unfold(e.expr, env);
      if (body.k === 'eventually') {
        const [step, stepEnv] = unfold(body.expr, inner);
        if (step.k === 'step' && step.angle) return property({ kind: 'infinitelyOftenStep', action: step.action, sub: step.sub }, stepEnv);
        if (!isTemporal(step)) return property({ kind: 'infinitelyOften', p: body.expr }, inner);
      }
      if (body.k === 'op' && body.op === '=>' && body.args[1]?.k === 'eventually') {
        return property({ kind: 'leadsTo', p: body.args[0] as Expr, q: body.args[1].expr }, inner);
      }
      if (!isTemporal(body)) return property({ kind: 'always', p: e.expr });
      break;
    }
    case 'eventually': {
      const [body, inner] = unfold(e.expr, env);
      if (body.k === 'always') return property({ kind: 'eventuallyAlways', p: body.expr }, inner);
      // TLC refuses <><<A>>_v too ("Temporal formulas containing actions must be of forms <>[]A or []<>A.").
      if (body.k === 'step')
        throw propertyFormError(
          e.loc,
          `<><<A>>_v in ${formula.name}: temporal formulas containing actions must be of forms <>[]A or []<>A, as TLC says`,
        );
      if (!isTemporal(body)) return property({ kind: 'eventually', p: e.expr });
      break;
    }
    default:
      // State predicates went to the initial-state check (property-split.ts): what is left without a temporal
      // operator reads primed variables, and TLC refuses such a PROPERTY in its configuration (exit 151).
      if (!isTemporal(e))
        throw new CutlineError(
          'TLA_CONFIG',
          `${formatLoc(e.loc)}: the formula ${formula.name} at ${formatExtent(e.loc)} is an action-level formula; only temporal or state-level formulas are allowed under PROPERTY`,
          { hint: 'To check that the action holds in every step, write it as [][A]_v, v the tuple of variables.' },
        );
  }
  throw unsupported(
    e.loc,
    `this form of temporal property in ${formula.name} (supported: []P, <>P, []<>P, <>[]P, P ~> Q, [][A]_v, []<><<A>>_v, [](P => []Q), conjunctions and \\A over them)`,
  );
}
function predicate(model: Model, graph: StateGraph, p: Expr, env: Env): boolean[] {
  return graph.states.map((state) =>
    boolOf(model.evaluator.eval(p, env, { state, next: undefined, primed: false }), p.loc, 'a property predicate'),
  );
}

/** Where a counterexample to a liveness shape lives: a fair component of `allowed` states (and edges) reached from `starts`. */
interface Search {
  readonly allowed: boolean[];
  readonly starts: number[];
  readonly required?: boolean[];
  readonly edgeOk?: EdgeFilter;
  readonly prefixFor: (entry: number) => number[];
}

function searchFor(model: Model, graph: StateGraph, shape: Exclude<Shape, { kind: 'always' }>, env: Env): Search {
  const everyId = graph.states.map((_, i) => i);
  const byPath = (target: number): number[] => pathTo(graph, target);
  switch (shape.kind) {
    case 'eventually': {
      const notP = predicate(model, graph, shape.p, env).map((v) => !v);
      const starts = graph.initIds.filter((i) => notP[i]);
      return { allowed: notP, starts, prefixFor: (target) => pathWithin(graph, starts, target, notP) };
    }
    case 'infinitelyOften': {
      const allowed = predicate(model, graph, shape.p, env).map((v) => !v);
      return { allowed, starts: everyId.filter((i) => allowed[i]), prefixFor: byPath };
    }
    case 'infinitelyOftenStep': {
      // A behavior that eventually takes no <<A>>_v step stays, from some point on, on the edges that are not such steps.
      const { action, sub } = shape;
      const n = graph.states.length;
      const steps = new Set<number>();
      graph.successors?.forEach((targets, u) => {
        for (const v of targets)
          if (isStep(model, action, sub, env, graph.states[u] as Value[], graph.states[v] as Value[], true)) steps.add(u * n + v);
      });
      const edgeOk: EdgeFilter = (u, v) => !steps.has(u * n + v);
      return { allowed: graph.states.map(() => true), starts: everyId, edgeOk, prefixFor: byPath };
    }
    case 'eventuallyAlways': {
      const required = predicate(model, graph, shape.p, env).map((v) => !v);
      return { allowed: graph.states.map(() => true), starts: everyId, required, prefixFor: byPath };
    }
    case 'leadsTo': {
      const p = predicate(model, graph, shape.p, env);
      const notQ = predicate(model, graph, shape.q, env).map((v) => !v);
      const starts = everyId.filter((i) => p[i] && notQ[i]);
      const prefixFor = (target: number): number[] => {
        const within = pathWithin(graph, starts, target, notQ);
        return [...pathTo(graph, within[0] as number).slice(0, -1), ...within];
      };
      return { allowed: notQ, starts, prefixFor };
    }
  }
}

/** The counterexample's states, each step labelled by the action that takes it (a lasso may leave the BFS tree). */
function lasso(
  model: Model,
  graph: StateGraph,
  property: string,
  ids: readonly number[],
  loopsBackTo: number | undefined,
): LivenessViolation {
  return {
    property,
    states: ids.map((i) => graph.states[i] as Value[]),
    actions: ids.map((i, index) => (index === 0 ? null : edgeAction(model, graph, ids[index - 1] as number, i))),
    loopsBackTo,
  };
}

function checkOne(
  model: Model,
  graph: StateGraph,
  prop: LivenessProperty,
  fairness: readonly FairnessInfo[],
): LivenessViolation | undefined {
  const { shape, env } = prop;
  if (shape.kind === 'always') {
    const bad = predicate(model, graph, shape.p, env).findIndex((v) => !v);
    if (bad < 0) return undefined;
    return lasso(model, graph, prop.name, pathTo(graph, bad), undefined);
  }
  const search = searchFor(model, graph, shape, env);
  const found = findFairComponent(graph, search.starts, search.allowed, fairness, search.required, search.edgeOk);
  if (found === undefined) return undefined;
  const prefix = search.prefixFor(found.entry);
  const cycle = cycleThrough(graph, found.component, found.entry, fairness, search.required, search.edgeOk);
  return lasso(model, graph, prop.name, [...prefix, ...cycle], prefix.length);
}

/** The liveness properties in the shapes the check knows, or TLA_UNSUPPORTED for the first it does not (before the search). */
export function livenessProperties(formulas: readonly LivenessFormula[]): LivenessProperty[] {
  return formulas.map(shapeOf);
}

/** Checks the liveness properties (by default, those of the model's PROPERTY entries) on the explored graph. */
export function checkLiveness(
  model: Model,
  graph: StateGraph,
  properties: readonly LivenessProperty[] = livenessProperties(splitProperties(model).liveness),
): { violation: LivenessViolation | undefined } {
  const fairness = model.fairness.map((f) => fairnessInfo(model, graph, f));
  for (const prop of properties) {
    const violation = checkOne(model, graph, prop, fairness);
    if (violation !== undefined) return { violation };
  }
  return { violation: undefined };
}
