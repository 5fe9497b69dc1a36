// Prints values in TLA+ syntax the way TLC prints them in traces: <<1, 2>>, [a |-> 1], (1 :> 2 @@ 3 :> 4), {1, 2}.
import { FnValue, LazySet, ModelValue } from './value.js';
import type { Value, SetValue } from './value.js';

function formatString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function formatFn(fn: FnValue): string {
  if (fn.keys.length === 0) return '<<>>';
  if (fn.isSequence) return `<<${fn.values.map(formatValue).join(', ')}>>`;
  if (fn.keys.every((k) => typeof k === 'string' && /^[A-Za-z0-9_]+$/.test(k))) {
    return `[${fn.keys.map((k, i) => `${k as string} |-> ${formatValue(fn.values[i] as Value)}`).join(', ')}]`;
  }
  return `(${fn.keys.map((k, i) => `${formatValue(k)} :> ${formatValue(fn.values[i] as Value)}`).join(' @@ ')})`;
}

export function formatValue(v: Value): string {
  switch (typeof v) {
    case 'boolean':
      return v ? 'TRUE' : 'FALSE';
    case 'number':
      return String(v);
    case 'string':
      return formatString(v);
  }
  if (v instanceof ModelValue) return v.name;
  if (v instanceof FnValue) return formatFn(v);
  if (v instanceof LazySet) {
    try {
      return formatValue(v.toSet());
    } catch {
      return v.describe();
    }
  }
  const set: SetValue = v;
  return `{${set.elems.map(formatValue).join(', ')}}`;
}
