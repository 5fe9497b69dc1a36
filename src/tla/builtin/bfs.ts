// Breadth-first state exploration with a fingerprint set, counting states as TLC does and stopping at the first violation.
import { CutlineError } from '../../errors.js';
import { tlaDistinctStatesMax } from '../../limits.js';
import type { OpDef } from './ast.js';
import type { StateContext } from './env.js';
import { evalError } from './errors.js';
import { boolOf } from './eval.js';
import { FingerprintSet } from './fp-set.js';
import type { Model, NamedExpr } from './model.js';
import { fingerprintState, stateFingerprint } from './symmetry.js';
import type { Value } from './value.js';

/** The explored graph: ids are assigned in BFS order, so following parents gives a shortest path. */
export interface StateGraph {
  readonly states: Value[][];
  /** Parent id, or -1 for an initial state. */
  readonly parents: number[];
  /** The action that first reached each state (undefined: the NEXT definition itself; null: initial). */
  readonly actions: (OpDef | undefined | null)[];
  /** Successor ids of each explored state (duplicates removed), kept only when liveness is checked. */
  readonly successors: number[][] | undefined;
  readonly initIds: number[];
  /** Fingerprint to id, for finding the states an action leads to. */
  readonly seen: FingerprintSet;
}

/** A property that a finite behavior of the graph explored so far refutes: the behavior's state ids. */
export interface PrefixViolation {
  readonly name: string;
  readonly path: number[];
}

/** What the search asks after each step and after each explored state (search-checks.ts makes them from the properties). */
export interface SearchChecks {
  /** The first state predicate of a property that the initial state `state` violates. */
  initial(state: readonly Value[]): string | undefined;
  /** The first action property the step from `from` to `to` violates. */
  step(from: readonly Value[], to: readonly Value[]): string | undefined;
  /** Called once the successors of `id` (ids in BFS order) are in the graph. */
  explored(graph: StateGraph, id: number): PrefixViolation | undefined;
}

export interface Violation {
  /**
   * `initial`: an initial state violates a state predicate of a property; `action`: a step violates an action property
   * [][A]_v; `temporal`: the path refutes a property [](P => []Q).
   */
  readonly kind: 'invariant' | 'deadlock' | 'initial' | 'action' | 'temporal';
  readonly name?: string;
  /** Ids of the shortest path to the last good state (for `temporal`, the whole counterexample). */
  readonly path: number[];
  /** The violating successor when it is not in the graph (its invariant failed), with the action that made it. */
  readonly extra?: { readonly state: Value[]; readonly action: OpDef | undefined };
}

export interface BfsResult {
  readonly graph: StateGraph;
  readonly violation: Violation | undefined;
  readonly statesGenerated: number;
  readonly distinctStates: number;
  readonly depth: number;
  readonly queueLeft: number;
}

export interface BfsOptions {
  readonly keepGraph: boolean;
  readonly signal?: AbortSignal;
  /** Action properties and [](P => []Q) properties, checked during the search (these need keepGraph). */
  readonly checks?: SearchChecks;
}

function holds(model: Model, list: readonly NamedExpr[], s: StateContext): string | undefined {
  for (const item of list) if (!boolOf(model.evaluator.eval(item.expr, null, s), item.expr.loc, `${item.name}`)) return item.name;
  return undefined;
}

export function pathTo(graph: StateGraph, id: number): number[] {
  const path: number[] = [];
  for (let at = id; at >= 0; at = graph.parents[at] as number) path.push(at);
  return path.reverse();
}

function complete(model: Model, next: (Value | undefined)[], action: OpDef | undefined): Value[] {
  for (let i = 0; i < next.length; i++) {
    if (next[i] === undefined) {
      const where = action === undefined ? model.nextName : action.name;
      throw evalError(
        action?.loc,
        `the successor state is not completely specified by ${where}: ${model.spec.variables[i]} is not assigned`,
      );
    }
  }
  return next as Value[];
}

/**
 * What a successor of state `head` violates: an invariant (when the successor is new or outside the model), or, checked
 * on every step as TLC does (also one to a state seen before), an action property. `added` is add()'s answer, if called.
 */
function successorViolation(
  model: Model,
  graph: StateGraph,
  options: BfsOptions,
  head: number,
  next: Value[],
  action: OpDef | undefined,
  added: number | undefined,
): Violation | undefined {
  const failed =
    added !== undefined && added >= 0 ? undefined : holds(model, model.invariants, { state: next, next: undefined, primed: false });
  if (failed !== undefined) {
    return added !== undefined
      ? { kind: 'invariant', name: failed, path: pathTo(graph, -1 - added) }
      : { kind: 'invariant', name: failed, path: pathTo(graph, head), extra: { state: next, action } };
  }
  const broken = options.checks?.step(graph.states[head] as Value[], next);
  return broken === undefined ? undefined : { kind: 'action', name: broken, path: pathTo(graph, head), extra: { state: next, action } };
}

export function runBfs(model: Model, options: BfsOptions): BfsResult {
  const seen = new FingerprintSet();
  const graph: StateGraph = { states: [], parents: [], actions: [], successors: options.keepGraph ? [] : undefined, initIds: [], seen };
  const levels: number[] = [];
  let generated = 0;
  let depth = 0;
  let violation: Violation | undefined;

  const add = (state: Value[], parent: number, action: OpDef | undefined | null): number => {
    fingerprintState(state, model.symmetry);
    const id = graph.states.length;
    const existing = seen.putIfAbsent(stateFingerprint.high, stateFingerprint.low, id);
    if (existing >= 0) return existing;
    if (id >= tlaDistinctStatesMax)
      throw new CutlineError('LIMIT_EXCEEDED', `the model has more than ${tlaDistinctStatesMax} distinct states`);
    graph.states.push(state);
    graph.parents.push(parent);
    graph.actions.push(action);
    graph.successors?.push([]);
    const level = parent < 0 ? 1 : (levels[parent] as number) + 1;
    levels.push(level);
    if (level > depth) depth = level;
    return -1 - id;
  };

  model.evaluator.initStates(model.init, (partial) => {
    generated++;
    const state = complete(model, partial, undefined);
    const s: StateContext = { state, next: undefined, primed: false };
    let newId = -1;
    if (holds(model, model.constraints, s) === undefined) {
      const added = add(state, -1, null);
      if (added >= 0) return false;
      newId = -1 - added;
      graph.initIds.push(newId);
    }
    const failed = holds(model, model.invariants, s);
    const initial = failed === undefined ? options.checks?.initial(state) : undefined;
    const name = failed ?? initial;
    if (name === undefined) return false;
    const kind = failed === undefined ? 'initial' : 'invariant';
    violation = newId >= 0 ? { kind, name, path: [newId] } : { kind, name, path: [], extra: { state, action: undefined } };
    return true;
  });

  let head = 0;
  for (; violation === undefined && head < graph.states.length; head++) {
    if ((head & 1023) === 0) options.signal?.throwIfAborted();
    const current = graph.states[head] as Value[];
    const edges = graph.successors?.[head];
    let any = false;
    model.evaluator.successors(model.next, current, (partial, action) => {
      generated++;
      any = true;
      const next = complete(model, partial, action);
      const s: StateContext = { state: next, next: undefined, primed: false };
      const inModel =
        holds(model, model.constraints, s) === undefined &&
        holds(model, model.actionConstraints, { state: current, next, primed: false }) === undefined;
      const added = inModel ? add(next, head, action) : undefined;
      if (added !== undefined) edges?.push(added < 0 ? -1 - added : added);
      violation = successorViolation(model, graph, options, head, next, action, added);
      return violation !== undefined;
    });
    if (violation === undefined && !any && model.config.checkDeadlock) violation = { kind: 'deadlock', path: pathTo(graph, head) };
    const refuted = violation === undefined ? options.checks?.explored(graph, head) : undefined;
    if (refuted !== undefined) violation = { kind: 'temporal', name: refuted.name, path: refuted.path };
  }
  return {
    graph,
    violation,
    statesGenerated: generated,
    distinctStates: graph.states.length,
    depth,
    queueLeft: graph.states.length - head,
  };
}
