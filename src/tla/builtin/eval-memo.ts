// Per-state memo of operator applications (see OpDef.memoizable), keyed by the arguments' values.
import type { OpDef } from './ast.js';
import type { StateContext } from './env.js';
import { hashValue, lastHigh, lastLow } from './fingerprint.js';
import type { Value } from './value.js';

/** A string that identifies a value: itself for primitives, its 64-bit fingerprint otherwise. */
export function valueKey(v: Value): string {
  switch (typeof v) {
    case 'number':
      return `n${v};`;
    case 'string':
      return `s${v.length}:${v};`;
    case 'boolean':
      return v ? 'T;' : 'F;';
  }
  hashValue(v);
  return `h${lastHigh()}:${lastLow()};`;
}

/** Results of one state context's applications; a new context clears it. */
export class OperatorMemo {
  private context: StateContext | undefined;
  private readonly tables = new Map<OpDef, Map<string, Value>>();

  get(s: StateContext, def: OpDef, key: string): Value | undefined {
    if (this.context !== s) {
      this.tables.clear();
      this.context = s;
      return undefined;
    }
    return this.tables.get(def)?.get(key);
  }

  set(def: OpDef, key: string, value: Value): void {
    let table = this.tables.get(def);
    if (table === undefined) {
      table = new Map();
      this.tables.set(def, table);
    }
    table.set(key, value);
  }
}
