// Higher-order operators: an operator argument (a definition's name or a LAMBDA) becomes a closure, bound like a LET definition.
import type { Expr, Loc, OpDef } from './ast.js';
import { Closure, bind, lookup } from './env.js';
import type { Env, StateContext } from './env.js';
import { evalError } from './errors.js';
import type { Builtin, OperatorArg } from './builtin.js';
import type { Value } from './value.js';

export interface ExpressionEvaluator {
  eval(e: Expr, env: Env, s: StateContext): Value;
}

const lambdaDefs = new WeakMap<Expr, OpDef>();
const definitionClosures = new WeakMap<OpDef, Closure>();
const builtinDefs = new Map<string, OpDef>();

/** A standard-module operator passed by name, as a definition `Op(p1, ..., pn) == Op(p1, ..., pn)`. */
function builtinDef(name: string, arity: number, loc: Loc): OpDef {
  const key = `${name}/${arity}`;
  let def = builtinDefs.get(key);
  if (def === undefined) {
    const params = Array.from({ length: arity }, (_, i) => `#${i + 1}`);
    const args: Expr[] = params.map((p) => ({ k: 'name', name: p, args: [], ref: { kind: 'bound' }, loc }));
    def = { name, params, body: { k: 'name', name, args, ref: { kind: 'builtin', name }, loc }, loc, recursive: false };
    builtinDefs.set(key, def);
  }
  return def;
}

/** The operator an argument denotes; resolution has checked that it takes `arity` arguments. */
export function operatorArg(arg: Expr, arity: number, env: Env): Closure {
  if (arg.k === 'lambda') {
    let def = lambdaDefs.get(arg);
    if (def === undefined) {
      def = { name: 'LAMBDA', params: arg.params, body: arg.body, loc: arg.loc, recursive: false };
      lambdaDefs.set(arg, def);
    }
    return new Closure(def, env);
  }
  const ref = arg.k === 'name' ? arg.ref : undefined;
  if (arg.k === 'name' && (ref?.kind === 'bound' || ref?.kind === 'parameter')) {
    const bound = lookup(env, arg.name);
    if (bound instanceof Closure) return bound;
  }
  if (ref?.kind === 'definition') {
    let closure = definitionClosures.get(ref.def);
    if (closure === undefined) definitionClosures.set(ref.def, (closure = new Closure(ref.def, null)));
    return closure;
  }
  if (arg.k === 'name' && ref?.kind === 'builtin') return new Closure(builtinDef(arg.name, arity, arg.loc), null);
  throw evalError(arg.loc, 'an operator argument that denotes no operator');
}

/** Binds a definition's parameters onto `inner`: values for plain parameters, closures for operator parameters. */
/**
 * Binds a definition's parameters to its arguments: values, evaluated now, or operators. `byName` keeps an argument
 * as an expression instead, evaluated where the body reads it (an action passes a primed variable so: see actions.ts).
 */
export function bindArgs(
  ev: ExpressionEvaluator,
  def: OpDef,
  args: readonly Expr[],
  env: Env,
  s: StateContext,
  inner: Env,
  byName?: (arg: Expr) => boolean,
): Env {
  const arities = def.paramArities;
  let out = inner;
  for (let i = 0; i < def.params.length; i++) {
    const arity = arities?.[i] ?? 0;
    const arg = args[i] as Expr;
    const name = def.params[i] as string;
    if (arity > 0) out = bind(out, name, operatorArg(arg, arity, env));
    else if (byName?.(arg) === true)
      out = bind(out, name, new Closure({ name, params: [], body: arg, loc: arg.loc, recursive: false }, env));
    else out = bind(out, name, ev.eval(arg, env, s));
  }
  return out;
}

/** Applies a closure to values (a standard module's higher-order operator calling its operator argument). */
export function callClosure(ev: ExpressionEvaluator, c: Closure, values: readonly Value[], s: StateContext): Value {
  let inner = c.env;
  for (let i = 0; i < c.def.params.length; i++) inner = bind(inner, c.def.params[i] as string, values[i] as Value);
  return ev.eval(c.def.body, inner, s);
}

/** SelectSeq, SortSeq: the value arguments are evaluated, the operator arguments become callbacks. */
export function callHigherOrderBuiltin(
  ev: ExpressionEvaluator,
  b: Builtin,
  args: readonly Expr[],
  env: Env,
  s: StateContext,
  loc: Loc,
): Value {
  const values: Value[] = [];
  const ops: OperatorArg[] = [];
  args.forEach((arg, i) => {
    const arity = b.paramArities?.[i] ?? 0;
    if (arity === 0) values.push(ev.eval(arg, env, s));
    else {
      const closure = operatorArg(arg, arity, env);
      ops.push((vs) => callClosure(ev, closure, vs, s));
    }
  });
  if (b.implOps === undefined) throw evalError(loc, 'a higher-order operator without an implementation');
  return b.implOps(values, ops, loc);
}
