// The expression evaluator: TLA+ state and constant expressions over canonical values.
import type { Bound, Expr, ExprOf, Loc, OpDef } from './ast.js';
import { Closure, bind, lookup } from './env.js';
import type { Env, StateContext } from './env.js';
import { evalError, unsupported } from './errors.js';
import { formatValue } from './format-value.js';
import { FnSet, ProductSet, RecordSet } from './lazy-sets.js';
import type { ResolvedSpec } from './resolve-spec.js';
import { evalExcept, evalApply, evalDot } from './eval-functions.js';
import { bindArgs, callHigherOrderBuiltin } from './eval-operators.js';
import { FunctionDefinitions, isFunctionDef } from './eval-function-defs.js';
import { evalSetFilter } from './eval-sets.js';
import { BindingEvaluator } from './eval-bindings.js';
import { alwaysInScope } from './stdlib.js';
import { OperatorMemo, valueKey } from './eval-memo.js';
import type { Builtin } from './builtin.js';
import { makeFn, makeRecord, makeSet, makeTuple, valuesEqual } from './value.js';
import type { Value } from './value.js';

export function boolOf(v: Value, loc: Loc, what: string): boolean {
  if (typeof v !== 'boolean') throw evalError(loc, `${what} must be a Boolean, got ${formatValue(v)}`);
  return v;
}

export class Evaluator extends BindingEvaluator {
  constructor(
    readonly spec: ResolvedSpec,
    /** CONSTANT values from the .cfg. */
    readonly constants: ReadonlyMap<string, Value>,
  ) {
    super();
  }

  eval(e: Expr, env: Env, s: StateContext): Value {
    if (e.closed === true) {
      if (e.cached !== undefined) return e.cached as Value;
      const value = this.evalUncached(e, env, s);
      e.cached = value;
      return value;
    }
    return this.evalUncached(e, env, s);
  }

  private evalUncached(e: Expr, env: Env, s: StateContext): Value {
    switch (e.k) {
      case 'num':
      case 'str':
      case 'bool':
        return e.value;
      case 'name':
        return this.name(e, env, s);
      case 'op':
        return this.op(e, env, s);
      case 'and':
        for (const item of e.items) if (!boolOf(this.eval(item, env, s), item.loc, 'a conjunct')) return false;
        return true;
      case 'or':
        for (const item of e.items) if (boolOf(this.eval(item, env, s), item.loc, 'a disjunct')) return true;
        return false;
      case 'prime':
        if (s.primed) throw evalError(e.loc, 'a primed expression inside a primed expression');
        return this.eval(e.expr, env, { state: s.state, next: s.next, primed: true });
      case 'quant':
        return this.quant(e, env, s);
      case 'choose':
        return this.choose(e, env, s);
      case 'if':
        return boolOf(this.eval(e.cond, env, s), e.cond.loc, 'an IF condition') ? this.eval(e.then, env, s) : this.eval(e.else, env, s);
      case 'case':
        return this.caseExpr(e, env, s);
      case 'let':
        return this.eval(e.body, this.letEnv(e.defs, env), s);
      case 'apply': {
        const definition = this.functionDefinitions.named(e.fn, env, s);
        if (definition !== undefined)
          return definition.apply(
            e.args.length === 1 ? this.eval(e.args[0] as Expr, env, s) : makeTuple(e.args.map((a) => this.eval(a, env, s))),
            e.loc,
          );
        return evalApply(
          this.eval(e.fn, env, s),
          e.args.length === 1 ? [this.eval(e.args[0] as Expr, env, s)] : e.args.map((a) => this.eval(a, env, s)),
          e.loc,
        );
      }
      case 'dot':
        return evalDot(this.eval(e.expr, env, s), e.field, e.loc);
      default:
        return this.structure(e, env, s);
    }
  }

  private structure(e: Expr, env: Env, s: StateContext): Value {
    switch (e.k) {
      case 'setEnum':
        return makeSet(e.items.map((i) => this.eval(i, env, s)));
      case 'tuple':
        return makeTuple(e.items.map((i) => this.eval(i, env, s)));
      case 'record':
        return makeRecord(e.fields.map(([name, v]) => [name, this.eval(v, env, s)] as const));
      case 'recordSet':
        return new RecordSet(e.fields.map(([name, v]) => [name, this.eval(v, env, s)] as const));
      case 'fnSet':
        return new FnSet(this.eval(e.domain, env, s), this.eval(e.range, env, s));
      case 'times':
        return new ProductSet(e.items.map((i) => this.eval(i, env, s)));
      case 'setFilter':
        return evalSetFilter(this, e, env, s);
      case 'setMap': {
        const out: Value[] = [];
        this.forEachBinding(e.bounds, env, s, (inner) => (out.push(this.eval(e.expr, inner, s)), false));
        return makeSet(out);
      }
      case 'fnCons':
        return this.fnCons(e.bounds, e.body, env, s);
      case 'except':
        return evalExcept(this, e, env, s);
      case 'at': {
        const at = lookup(env, '@');
        if (at === undefined || at instanceof Closure) throw evalError(e.loc, '@ used outside EXCEPT');
        return at;
      }
      case 'unchanged': {
        if (s.next === undefined) throw evalError(e.loc, 'UNCHANGED evaluated where no next state exists');
        return valuesEqual(this.eval(e.expr, env, { ...s, primed: true }), this.eval(e.expr, env, s));
      }
      case 'enabled':
        return this.enabled(e.expr, env, s);
      default:
        throw unsupported(e.loc, `${e.k} (a temporal formula) inside a state or action expression`);
    }
  }

  /** ENABLED A; the action evaluator overrides this. */
  enabled(action: Expr, _env: Env, _s: StateContext): boolean {
    throw unsupported(action.loc, 'ENABLED here');
  }

  private name(e: ExprOf<'name'>, env: Env, s: StateContext): Value {
    const ref = e.ref;
    if (ref === undefined) throw evalError(e.loc, `${e.name} was not resolved`);
    switch (ref.kind) {
      case 'bound':
      case 'parameter': {
        const v = lookup(env, e.name);
        if (v === undefined) throw evalError(e.loc, `${e.name} is not bound`);
        return v instanceof Closure ? this.applyClosure(v, e.args, env, s) : v;
      }
      case 'variable': {
        const source = s.primed ? s.next : s.state;
        const v = source?.[ref.index];
        if (v === undefined) throw evalError(e.loc, `${e.name}${s.primed ? "'" : ''} is read before it has a value`);
        return v;
      }
      case 'constant': {
        const v = this.constants.get(ref.name);
        if (v === undefined) throw evalError(e.loc, `constant ${e.name} has no value in the .cfg`);
        return v;
      }
      case 'definition':
        return this.applyDef(ref.def, e.args, env, s, e.loc);
      case 'builtin': {
        const b = this.builtinFor(e, e.name);
        if (b.implOps !== undefined) return callHigherOrderBuiltin(this, b, e.args, env, s, e.loc);
        return b.impl(this.evalArgs(e.args, env, s), e.loc);
      }
    }
  }

  applyDef(def: OpDef, args: readonly Expr[], env: Env, s: StateContext, loc: Loc): Value {
    if (def.cached !== undefined) return def.cached as Value;
    if (isFunctionDef(def)) {
      const value = this.functionDefinitions.forDef(def, s).whole();
      if (def.constantLevel === true) def.cached = value;
      return value;
    }
    if (def.params.length === 0 && def.constantLevel === true) {
      const value = this.eval(def.body, null, s);
      def.cached = value;
      return value;
    }
    if (def.paramArities !== undefined) return this.eval(def.body, bindArgs(this, def, args, env, s, null), s);
    let inner: Env = null;
    // Only state predicates (invariants) share a context across applications; actions make a new one per conjunct.
    let key = def.memoizable === true && s.next === undefined ? '' : undefined;
    for (let i = 0; i < def.params.length; i++) {
      const value = this.eval(args[i] as Expr, env, s);
      if (key !== undefined) key += valueKey(value);
      inner = bind(inner, def.params[i] as string, value);
    }
    void loc;
    if (key === undefined) return this.eval(def.body, inner, s);
    // The body reads only its parameters and the state, so one state's applications can share results.
    const hit = this.memo.get(s, def, key);
    if (hit !== undefined) return hit;
    const value = this.eval(def.body, inner, s);
    this.memo.set(def, key, value);
    return value;
  }

  private readonly memo = new OperatorMemo();
  private readonly functionDefinitions = new FunctionDefinitions(this);

  applyClosure(c: Closure, args: readonly Expr[], env: Env, s: StateContext): Value {
    const definition = this.functionDefinitions.forClosure(c, s);
    if (definition !== undefined) return definition.whole();
    if (c.def.params.length === 0) {
      if (c.memoContext === s && c.memoValue !== undefined) return c.memoValue;
      const value = this.eval(c.def.body, c.env, s);
      c.memoContext = s;
      c.memoValue = value;
      return value;
    }
    return this.eval(c.def.body, bindArgs(this, c.def, args, env, s, c.env), s);
  }

  letEnv(defs: readonly OpDef[], env: Env): Env {
    let inner = env;
    const recursive: Closure[] = [];
    for (const def of defs) {
      const closure = new Closure(def, inner);
      if (def.recursive || def.fnBounds !== undefined) recursive.push(closure);
      inner = bind(inner, def.name, closure);
    }
    // A recursive definition sees itself and the LET's other definitions (RECURSIVE allows forward references).
    for (const closure of recursive) closure.env = inner;
    return inner;
  }

  private op(e: ExprOf<'op'>, env: Env, s: StateContext): Value {
    const [a, b] = e.args;
    switch (e.op) {
      case '=>':
        return (
          !boolOf(this.eval(a as Expr, env, s), e.loc, 'the left of =>') || boolOf(this.eval(b as Expr, env, s), e.loc, 'the right of =>')
        );
      case '<=>':
      case '\\equiv':
        return (
          boolOf(this.eval(a as Expr, env, s), e.loc, 'an operand of <=>') ===
          boolOf(this.eval(b as Expr, env, s), e.loc, 'an operand of <=>')
        );
      case '~':
        return !boolOf(this.eval(a as Expr, env, s), e.loc, 'the operand of ~');
    }
    return this.builtinFor(e, e.op).impl(this.evalArgs(e.args, env, s), e.loc);
  }

  private builtinFor(e: Expr, name: string): Builtin {
    if (e.builtin !== undefined) return e.builtin as Builtin;
    const b = this.spec.builtins[name] ?? alwaysInScope[name];
    if (b === undefined) throw unsupported(e.loc, `the operator ${name}`);
    e.builtin = b;
    return b;
  }

  private evalArgs(args: readonly Expr[], env: Env, s: StateContext): Value[] {
    switch (args.length) {
      case 0:
        return [];
      case 1:
        return [this.eval(args[0] as Expr, env, s)];
      case 2:
        return [this.eval(args[0] as Expr, env, s), this.eval(args[1] as Expr, env, s)];
      default:
        return args.map((a) => this.eval(a, env, s));
    }
  }

  private quant(e: ExprOf<'quant'>, env: Env, s: StateContext): Value {
    const found = this.forEachBinding(
      e.bounds,
      env,
      s,
      (inner) => boolOf(this.eval(e.body, inner, s), e.body.loc, 'a quantifier body') === e.exists,
    );
    return e.exists ? found : !found;
  }

  private choose(e: ExprOf<'choose'>, env: Env, s: StateContext): Value {
    if (e.bound.set === undefined)
      throw unsupported(e.loc, 'unbounded CHOOSE (TLC cannot evaluate it either; give the definition a value in the .cfg)');
    for (const v of this.boundElements(e.bound, env, s, e.loc)) {
      if (boolOf(this.eval(e.body, this.bindBound(e.bound, v, env, e.loc), s), e.body.loc, 'a CHOOSE body')) return v;
    }
    throw evalError(e.loc, 'CHOOSE found no value satisfying its condition');
  }

  private caseExpr(e: ExprOf<'case'>, env: Env, s: StateContext): Value {
    for (const [cond, value] of e.arms) if (boolOf(this.eval(cond, env, s), cond.loc, 'a CASE guard')) return this.eval(value, env, s);
    if (e.other !== undefined) return this.eval(e.other, env, s);
    throw evalError(e.loc, 'no CASE arm applies and there is no OTHER');
  }

  fnCons(bounds: readonly Bound[], body: Expr, env: Env, s: StateContext): Value {
    const keys: Value[] = [];
    const values: Value[] = [];
    const groups = bounds.flatMap((b) =>
      b.tuple ? [{ names: b.names, tuple: true }] : b.names.map((n) => ({ names: [n], tuple: false })),
    );
    this.forEachBinding(bounds, env, s, (inner) => {
      const parts = groups.map((group) => {
        const vs = group.names.map((n) => lookup(inner, n) as Value);
        return group.tuple ? makeTuple(vs) : (vs[0] as Value);
      });
      keys.push(parts.length === 1 ? (parts[0] as Value) : makeTuple(parts));
      values.push(this.eval(body, inner, s));
      return false;
    });
    return makeFn(keys, values);
  }
}
