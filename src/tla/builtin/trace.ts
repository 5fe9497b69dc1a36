// Counterexample traces as TraceState[] (printed as text by ../model-check-format.ts), with TLC's action headers.
import { basename } from 'node:path';
import type { TraceState } from '../backend.js';
import type { OpDef } from './ast.js';
import { formatValue } from './format-value.js';
import type { StateGraph } from './bfs.js';
import type { Model } from './model.js';
import { fingerprintState, stateFingerprint } from './symmetry.js';
import type { Value } from './value.js';

/** TLC's action header: `Initial predicate`, or `Name line L, col C of module M`. */
export function actionLabel(model: Model, action: OpDef | undefined | null): string {
  if (action === null) return 'Initial predicate';
  const def = action ?? model.spec.defs.get(model.nextName);
  if (def === undefined) return model.nextName;
  return `${def.name} line ${def.loc.line}, col ${def.loc.column} of module ${basename(def.loc.file, '.tla')}`;
}

export function traceStates(
  model: Model,
  states: readonly (readonly Value[])[],
  actions: readonly (OpDef | undefined | null)[],
): TraceState[] {
  return states.map((state, i) => ({
    index: i + 1,
    action: actionLabel(model, actions[i]),
    variables: Object.fromEntries(model.spec.variables.map((name, v) => [name, formatValue(state[v] as Value)])),
  }));
}

/** The action of the next-state relation that takes the step from state `from` to state `to` of the graph. */
export function edgeAction(model: Model, graph: StateGraph, from: number, to: number): OpDef | undefined {
  let found: OpDef | undefined;
  model.evaluator.successors(model.next, graph.states[from] as Value[], (partial, action) => {
    fingerprintState(partial as Value[], model.symmetry);
    if (graph.seen.get(stateFingerprint.high, stateFingerprint.low) !== to) return false;
    found = action;
    return true;
  });
  return found;
}
