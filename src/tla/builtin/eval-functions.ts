// Function application, record field access and EXCEPT (with @), shared by the evaluator.
import type { Expr, ExprOf, ExceptStep, Loc } from './ast.js';
import { bind } from './env.js';
import type { Env, StateContext } from './env.js';
import { evalError } from './errors.js';
import { formatValue } from './format-value.js';
import { FnValue, fnIndex, makeTuple } from './value.js';
import type { Value } from './value.js';

interface ExprEvaluator {
  eval(e: Expr, env: Env, s: StateContext): Value;
}

function fnArgument(args: readonly Value[]): Value {
  return args.length === 1 ? (args[0] as Value) : makeTuple([...args]);
}

export function evalApply(fn: Value, args: readonly Value[], loc: Loc): Value {
  if (!(fn instanceof FnValue)) throw evalError(loc, `applied ${formatValue(fn)} to an argument, but it is not a function`);
  const key = fnArgument(args);
  const i = fnIndex(fn, key);
  if (i < 0) {
    const domain = fn.keys.length > 20 ? `${fn.keys.length} elements` : `{${fn.keys.map(formatValue).join(', ')}}`;
    throw evalError(loc, `applied a function to ${formatValue(key)}, which is not in its domain ${domain}`);
  }
  return fn.values[i] as Value;
}

export function evalDot(record: Value, field: string, loc: Loc): Value {
  if (!(record instanceof FnValue)) throw evalError(loc, `.${field} applied to ${formatValue(record)}, which is not a record`);
  const i = fnIndex(record, field);
  if (i < 0) throw evalError(loc, `the record ${formatValue(record)} has no field ${field}`);
  return record.values[i] as Value;
}

function withValueAt(fn: Value, key: Value, update: (old: Value) => Value, loc: Loc): Value {
  if (!(fn instanceof FnValue)) throw evalError(loc, `EXCEPT applied to ${formatValue(fn)}, which is not a function`);
  const i = fnIndex(fn, key);
  // TLC leaves a function unchanged when EXCEPT names a key outside its domain.
  if (i < 0) return fn;
  const values = fn.values.slice();
  values[i] = update(fn.values[i] as Value);
  return new FnValue(fn.keys, values);
}

function updatePath(
  evaluator: ExprEvaluator,
  fn: Value,
  path: readonly ExceptStep[],
  index: number,
  valueExpr: Expr,
  env: Env,
  s: StateContext,
  loc: Loc,
): Value {
  const step = path[index];
  if (step === undefined) return evaluator.eval(valueExpr, bind(env, '@', fn), s);
  const key = step.kind === 'field' ? step.name : fnArgument(step.args.map((a) => evaluator.eval(a, env, s)));
  return withValueAt(fn, key, (old) => updatePath(evaluator, old, path, index + 1, valueExpr, env, s, loc), loc);
}

export function evalExcept(evaluator: ExprEvaluator, e: ExprOf<'except'>, env: Env, s: StateContext): Value {
  let fn = evaluator.eval(e.fn, env, s);
  for (const u of e.updates) fn = updatePath(evaluator, fn, u.path, 0, u.value, env, s, e.loc);
  return fn;
}
