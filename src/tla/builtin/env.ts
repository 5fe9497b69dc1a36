// The evaluator's environment (bound variables, parameters, LET closures) and the state a formula is evaluated in.
import type { OpDef } from './ast.js';
import type { Value } from './value.js';

/** A LET definition captured with the environment it was defined in. */
export class Closure {
  memoContext: StateContext | undefined;
  memoValue: Value | undefined;
  constructor(
    readonly def: OpDef,
    /** Set again after the LET's bindings for a recursive definition, which must see itself. */
    public env: Env,
  ) {}
}

export interface EnvNode {
  readonly name: string;
  readonly value: Value | Closure;
  readonly next: Env;
}

export type Env = EnvNode | null;

export function bind(env: Env, name: string, value: Value | Closure): Env {
  return { name, value, next: env };
}

export function lookup(env: Env, name: string): Value | Closure | undefined {
  for (let node = env; node !== null; node = node.next) if (node.name === name) return node.value;
  return undefined;
}

/**
 * The state a formula reads: `state` for unprimed variables, `next` for primed ones (entries are
 * undefined while an action has not assigned them yet). `primed` is set inside `e'`.
 */
export interface StateContext {
  readonly state: readonly (Value | undefined)[];
  readonly next: readonly (Value | undefined)[] | undefined;
  readonly primed: boolean;
}
