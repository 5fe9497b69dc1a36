// A .cfg substitution of an operator with parameters: `Seq <- BoundedSeq` (a standard operator) or `Op <- MCOp` (a definition).
import type { OpDef } from './ast.js';
import { Closure } from './env.js';
import { configError } from './errors.js';
import { callClosure } from './eval-operators.js';
import type { ExpressionEvaluator } from './eval-operators.js';
import type { ResolvedSpec } from './resolve-spec.js';
import type { Builtin } from './builtin.js';

type MutableDef = { -readonly [K in keyof OpDef]: OpDef[K] };

export function substituteOperator(spec: ResolvedSpec, file: string, evaluator: ExpressionEvaluator, name: string, target: OpDef): void {
  const arity = target.params.length;
  const where = `${name} <- ${target.name}`;
  if (target.paramArities !== undefined || spec.defs.get(name)?.paramArities !== undefined)
    throw configError(file, 1, `${where}: higher-order operators cannot be substituted`);
  const def = spec.defs.get(name);
  if (def !== undefined) {
    if (def.params.length !== arity)
      throw configError(file, 1, `${where}: ${name} takes ${def.params.length} arguments, ${target.name} ${arity}`);
    // Uses of a definition that read no state may have been cached, so the replacement must read none either.
    if (def.constantLevel === true && target.constantLevel !== true)
      throw configError(file, 1, `${where}: ${target.name} reads variables, ${name} does not`);
    const mutable = def as MutableDef;
    mutable.params = target.params;
    mutable.body = target.body;
    mutable.memoizable = target.memoizable === true;
    return;
  }
  const builtin = spec.builtins[name];
  if (builtin === undefined) throw configError(file, 1, `${where}: ${name} is not declared in module ${spec.name}`);
  if (builtin.arity !== arity) throw configError(file, 1, `${where}: ${name} takes ${builtin.arity} arguments, ${target.name} ${arity}`);
  if (target.constantLevel !== true) throw configError(file, 1, `${where}: ${target.name} must not read variables`);
  const closure = new Closure(target, null);
  const constantContext = { state: [], next: undefined, primed: false };
  const replaced: Builtin = { arity, impl: (args) => callClosure(evaluator, closure, args, constantContext) };
  (spec.builtins as Record<string, Builtin>)[name] = replaced;
}
