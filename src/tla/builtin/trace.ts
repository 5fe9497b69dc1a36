// Counterexample traces: TraceState[] for JSON, and text printed the way TLC prints behaviors and statistics.
import { basename } from 'node:path';
import type { ModelCheckResult, TraceState } from '../backend.js';
import type { OpDef } from './ast.js';
import { formatValue } from './format-value.js';
import type { Model } from './model.js';
import type { Value } from './value.js';

/** TLC's action header: `Initial predicate`, or `Name line L, col C of module M`. */
export function actionLabel(model: Model, action: OpDef | undefined | null): string {
  if (action === null) return 'Initial predicate';
  const def = action ?? model.spec.defs.get(model.nextName);
  if (def === undefined) return model.nextName;
  return `${def.name} line ${def.loc.line}, col ${def.loc.column} of module ${basename(def.loc.file, '.tla')}`;
}

export function traceStates(model: Model, states: readonly (readonly Value[])[], actions: readonly (OpDef | undefined | null)[]): TraceState[] {
  return states.map((state, i) => ({
    index: i + 1,
    action: actionLabel(model, actions[i]),
    variables: Object.fromEntries(model.spec.variables.map((name, v) => [name, formatValue(state[v] as Value)])),
  }));
}

/** The behavior as TLC prints it after "Error: The behavior up to this point is:". */
export function formatTrace(trace: readonly TraceState[], loopsBackTo?: number): string {
  const lines: string[] = [];
  for (const state of trace) {
    lines.push(`State ${state.index}: <${state.action}>`);
    for (const [name, value] of Object.entries(state.variables)) lines.push(`/\\ ${name} = ${value}`);
    lines.push('');
  }
  if (loopsBackTo !== undefined) {
    lines.push(`State ${trace.length + 1}: ${loopsBackTo === trace.length ? 'Stuttering' : `Back to state ${loopsBackTo}`}`, '');
  }
  return lines.join('\n');
}

/** A TLC-like report of a result: the error with its trace, then the statistics lines. */
export function formatResult(result: ModelCheckResult): string {
  const lines: string[] = [];
  switch (result.outcome) {
    case 'invariant-violated':
      lines.push(`Error: Invariant ${result.violated ?? '?'} is violated.`);
      break;
    case 'property-violated':
      lines.push(`Error: Temporal properties were violated (${result.violated ?? '?'}).`);
      break;
    case 'deadlock':
      lines.push('Error: Deadlock reached.');
      break;
    case 'error':
      lines.push(`Error: ${result.message ?? 'model checking failed'}`);
      break;
    case 'pass':
      lines.push('Model checking completed. No error has been found.');
      break;
  }
  if (result.trace !== undefined) {
    lines.push('Error: The behavior up to this point is:', formatTrace(result.trace, result.loopsBackTo));
  }
  lines.push(`${result.statesGenerated} states generated, ${result.distinctStates} distinct states found.`);
  lines.push(`The depth of the complete state graph search is ${result.depth}.`);
  if (!result.liveness.checked && result.liveness.note !== undefined) lines.push(`Liveness not checked: ${result.liveness.note}`);
  return lines.join('\n');
}
