// What a built-in operator is (its arity and strict implementation), shared by the standard modules and the evaluator.
import { evalError } from './errors.js';
import type { Loc } from './ast.js';
import { formatValue } from './format-value.js';
import { asFiniteSet, type SetValue, type Value } from './value.js';

type Impl = (args: readonly Value[], loc: Loc) => Value;

/** An operator passed as an argument (a definition's name or a LAMBDA), applied to values. */
export type OperatorArg = (args: readonly Value[]) => Value;

export interface Builtin {
  readonly arity: number;
  readonly impl: Impl;
  /** For higher-order operators (SelectSeq, SortSeq): the arity each parameter expects, 0 for a value. */
  readonly paramArities?: readonly number[];
  /** Their implementation: the value arguments and the operator arguments, each in order. */
  readonly implOps?: (values: readonly Value[], ops: readonly OperatorArg[], loc: Loc) => Value;
}

/** The argument of a built-in operator as a finite set, or an evaluation error naming the operator. */
export function setOf(v: Value | undefined, loc: Loc, what: string): SetValue {
  const s = v === undefined ? undefined : asFiniteSet(v);
  if (s === undefined) throw evalError(loc, `${what} expects a finite set, got ${v === undefined ? 'nothing' : formatValue(v)}`);
  return s;
}
