// Explains a rejected trace event: which spec action is not enabled, or what the spec would have done instead.
import type { ConstrainedSearch, Frontier } from '../builtin/constrained-search.js';
import { formatValue } from '../builtin/format-value.js';
import { FnValue, SetValue, valuesEqual, type Value } from '../builtin/value.js';
import type { MappedEvent } from './trace-mapping.js';

const shownCharsMax = 400;

function shorten(text: string): string {
  return text.length <= shownCharsMax ? text : `${text.slice(0, shownCharsMax)}...`;
}

/** How `after` differs from `before`: per changed variable, per changed key, with appended records shown as appended. */
function describeChange(variables: readonly string[], before: readonly Value[], after: readonly Value[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < variables.length; i++) {
    const old = before[i] as Value;
    const now = after[i] as Value;
    if (valuesEqual(old, now)) continue;
    const name = variables[i] as string;
    if (old instanceof FnValue && now instanceof FnValue && old.keys.length === now.keys.length) {
      for (let k = 0; k < now.keys.length; k++) {
        const was = old.values[k] as Value;
        const is = now.values[k] as Value;
        if (!valuesEqual(was, is)) out.push(`${name}[${formatValue(now.keys[k] as Value)}] ${describeValueChange(was, is)}`);
      }
    } else {
      out.push(`${name} ${describeValueChange(old, now)}`);
    }
  }
  return out;
}

function describeValueChange(was: Value, is: Value): string {
  if (was instanceof SetValue && is instanceof SetValue) {
    const added = is.elems.filter((v) => !was.elems.some((w) => valuesEqual(v, w)));
    const removed = was.elems.filter((w) => !is.elems.some((v) => valuesEqual(v, w)));
    const parts = [
      ...(added.length > 0 ? [`gets ${shorten(added.map(formatValue).join(', '))}`] : []),
      ...(removed.length > 0 ? [`loses ${shorten(removed.map(formatValue).join(', '))}`] : []),
    ];
    return parts.join(' and ');
  }
  if (was instanceof FnValue && is instanceof FnValue && was.isSequence && is.isSequence && is.values.length > was.values.length) {
    const prefix = was.values.every((v, i) => valuesEqual(v, is.values[i] as Value));
    if (prefix) return `gets appended ${shorten(is.values.slice(was.values.length).map(formatValue).join(', '))}`;
  }
  return `becomes ${shorten(formatValue(is))}`;
}

/**
 * Evaluates the event's plain spec action (or expected value) in the states the trace had reached, so
 * the report says what the spec would allow where the engine did something else.
 */
export function explainRejection(search: ConstrainedSearch, frontier: Frontier, mapped: MappedEvent): string[] {
  const details: string[] = [
    `no step of ${mapped.alternatives.map((steps) => steps.map((s) => s.operator).join(' then ')).join(', or ')} is possible in the ${frontier.length} spec state(s) that match the trace so far`,
  ];
  const explain = mapped.explain;
  const state = frontier[0];
  if (explain === undefined || state === undefined) return details;
  if (explain.kind === 'value') {
    details.push(`the spec expects ${explain.label}: ${shorten(formatValue(search.evaluate(state, explain.step)))}`);
    return details;
  }
  const successors = search.successors(state, explain.step);
  if (successors.length === 0) {
    details.push(`the spec's ${explain.label} is not enabled here`);
    return details;
  }
  const changes = describeChange(search.variables(), state, successors[0] as Value[]);
  details.push(`the spec's ${explain.label} would do: ${changes.length === 0 ? 'nothing (a stuttering step)' : changes.join('; ')}`);
  return details;
}
