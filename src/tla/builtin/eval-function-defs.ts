// Function definitions f[x \in S] == e, recursive ones too: applied lazily one argument at a time, memoized per state.
import type { Bound, Expr, Loc, OpDef } from './ast.js';
import { Closure, bind, lookup } from './env.js';
import type { Env, StateContext } from './env.js';
import { evalError } from './errors.js';
import { formatValue } from './format-value.js';
import { valueKey } from './eval-memo.js';
import { FnValue, setContains } from './value.js';
import type { Value } from './value.js';

export interface FunctionEvaluator {
  eval(e: Expr, env: Env, s: StateContext): Value;
  bindBound(b: Bound, value: Value, env: Env, loc: Loc): Env;
  fnCons(bounds: readonly Bound[], body: Expr, env: Env, s: StateContext): Value;
}

/** One bound name of the domain (`x, y \in S` gives two), or one destructured tuple `<<a, b>> \in S`. */
function domainParts(bounds: readonly Bound[]): readonly Bound[] {
  return bounds.flatMap((b) => (b.tuple || b.names.length === 1 ? [b] : b.names.map((n) => ({ names: [n], tuple: false, set: b.set }))));
}

/**
 * The function a definition denotes in one environment and state. Application evaluates the body for one
 * argument only, as TLC does, so `fact[n \in Nat] == ...` can be applied although its domain is infinite.
 */
export class FunctionDefinition {
  private readonly memo = new Map<string, Value>();
  private readonly parts: readonly Bound[];
  private sets: Value[] | undefined;

  constructor(
    private readonly ev: FunctionEvaluator,
    readonly def: OpDef & { readonly fnBounds: readonly Bound[] },
    private readonly env: Env,
    readonly s: StateContext,
  ) {
    this.parts = domainParts(def.fnBounds);
  }

  apply(arg: Value, loc: Loc): Value {
    const key = valueKey(arg);
    const hit = this.memo.get(key);
    if (hit !== undefined) return hit;
    const value = this.ev.eval(this.def.body, this.bindArgument(arg, loc), this.s);
    this.memo.set(key, value);
    return value;
  }

  /** The whole function, for a use other than application (DOMAIN f, f = g, a state holding f). */
  whole(): Value {
    return this.ev.fnCons(this.def.fnBounds, this.def.body, this.env, this.s);
  }

  private bindArgument(arg: Value, loc: Loc): Env {
    const parts = this.parts;
    let components: readonly Value[] = [arg];
    if (parts.length > 1) {
      if (!(arg instanceof FnValue) || !arg.isSequence || arg.values.length !== parts.length) throw this.outside(arg, loc);
      components = arg.values;
    }
    this.sets ??= parts.map((b) => this.ev.eval(b.set as Expr, this.env, this.s));
    let inner = this.env;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as Bound;
      const value = components[i] as Value;
      if (!setContains(this.sets[i] as Value, value)) throw this.outside(arg, loc);
      inner = part.tuple ? this.ev.bindBound(part, value, inner, loc) : bind(inner, part.names[0] as string, value);
    }
    return inner;
  }

  private outside(arg: Value, loc: Loc): Error {
    return evalError(loc, `applied ${this.def.name} to ${formatValue(arg)}, which is not in its domain`);
  }
}

export type FunctionDef = OpDef & { readonly fnBounds: readonly Bound[] };

export function isFunctionDef(def: OpDef): def is FunctionDef {
  return def.fnBounds !== undefined;
}

/** The live function definitions: one per module-level definition or LET closure, renewed when the state changes. */
export class FunctionDefinitions {
  private readonly byDef = new WeakMap<OpDef, FunctionDefinition>();
  private readonly byClosure = new WeakMap<Closure, FunctionDefinition>();

  constructor(private readonly ev: FunctionEvaluator) {}

  forDef(def: FunctionDef, s: StateContext): FunctionDefinition {
    let fd = this.byDef.get(def);
    if (fd === undefined || fd.s !== s) this.byDef.set(def, (fd = new FunctionDefinition(this.ev, def, null, s)));
    return fd;
  }

  forClosure(c: Closure, s: StateContext): FunctionDefinition | undefined {
    const def = c.def;
    if (!isFunctionDef(def)) return undefined;
    let fd = this.byClosure.get(c);
    if (fd === undefined || fd.s !== s) this.byClosure.set(c, (fd = new FunctionDefinition(this.ev, def, c.env, s)));
    return fd;
  }

  /** The function definition `f` names in `f[a]`, if it names one (else `f` is evaluated to a value). */
  named(fn: Expr, env: Env, s: StateContext): FunctionDefinition | undefined {
    if (fn.k !== 'name' || fn.args.length > 0) return undefined;
    const ref = fn.ref;
    if (ref?.kind === 'definition') return isFunctionDef(ref.def) ? this.forDef(ref.def, s) : undefined;
    if (ref?.kind !== 'bound') return undefined;
    const bound = lookup(env, fn.name);
    return bound instanceof Closure ? this.forClosure(bound, s) : undefined;
  }
}
