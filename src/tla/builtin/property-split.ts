// Splits the .cfg's PROPERTY formulas as TLC does: action properties [][A]_v, properties [](P => []Q), and liveness conjuncts.
import { formatExtent } from './ast.js';
import type { Expr, OpDef } from './ast.js';
import { Closure, bind } from './env.js';
import { unsupported } from './errors.js';
import type { Env, StateContext } from './env.js';
import { isStatePredicate } from './implied-invariants.js';
import type { Model } from './model.js';

/** `[][A]_v`: every step of every behavior is an A step or leaves v unchanged; checked on each step the search takes. */
export interface StepProperty {
  /** TLC's name: the definition whose body is the formula, or the formula's extent when it has none. */
  readonly name: string;
  readonly action: Expr;
  readonly sub: Expr;
  readonly env: Env;
}

/** `[](P => []Q)` with state predicates: once P holds, Q holds forever. A finite behavior refutes it. */
export interface PrefixProperty {
  readonly name: string;
  readonly p: Expr;
  readonly pEnv: Env;
  readonly q: Expr;
  readonly qEnv: Env;
}

/**
 * A state predicate among a property's conjuncts, such as Init in `Init /\ [][Next]_v`: it speaks of the first state of
 * a behavior only, so TLC checks it on the initial states ("Property X is violated by the initial state:").
 */
export interface InitialPredicate {
  readonly name: string;
  readonly expr: Expr;
  readonly env: Env;
}

/** A conjunct of a property left to the liveness check, named after the .cfg's property as TLC reports it. */
export interface LivenessFormula {
  readonly name: string;
  readonly expr: Expr;
  readonly env: Env;
}

export interface SplitProperties {
  readonly initial: InitialPredicate[];
  readonly steps: StepProperty[];
  readonly prefixes: PrefixProperty[];
  readonly liveness: LivenessFormula[];
}

const noState: StateContext = { state: [], next: undefined, primed: false };

/**
 * A definition applied to arguments, with its parameters bound to the argument expressions (not their values):
 * `Grows(x)` with `Grows(v) == [][v' >= v]_v` reads x in whichever state the formula is evaluated in.
 */
export function unfoldDefinition(e: Expr, env: Env): { def: OpDef; body: Expr; env: Env } | undefined {
  if (e.k !== 'name' || e.ref?.kind !== 'definition' || e.ref.def.fnBounds !== undefined) return undefined;
  const def = e.ref.def;
  let inner: Env = null;
  def.params.forEach((param, i) => {
    const arg = e.args[i] as Expr;
    inner = bind(inner, param, new Closure({ name: param, params: [], body: arg, loc: arg.loc, recursive: false }, env));
  });
  return { def, body: def.body, env: inner };
}

function unfoldAll(e: Expr, env: Env): [Expr, Env] {
  const unfolded = unfoldDefinition(e, env);
  return unfolded === undefined ? [e, env] : unfoldAll(unfolded.body, unfolded.env);
}

/** `P => []Q` under the [] of a property, with P and Q state predicates. */
function prefixShape(e: Expr, env: Env): Omit<PrefixProperty, 'name'> | undefined {
  const [body, pEnv] = unfoldAll(e, env);
  if (body.k !== 'op' || body.op !== '=>') return undefined;
  const [p, right] = body.args as [Expr, Expr];
  const [always, qEnv] = unfoldAll(right, pEnv);
  if (always.k !== 'always' || !isStatePredicate(p, new Set()) || !isStatePredicate(always.expr, new Set())) return undefined;
  return { p, pEnv, q: always.expr, qEnv };
}

function walk(model: Model, cfgName: string, tlcName: string | undefined, e: Expr, env: Env, out: SplitProperties): void {
  const unfolded = unfoldDefinition(e, env);
  if (unfolded !== undefined) return walk(model, cfgName, unfolded.def.name, unfolded.body, unfolded.env, out);
  if (e.k === 'and') {
    for (const item of e.items) walk(model, cfgName, undefined, item, env, out);
    return;
  }
  if (e.k === 'quant' && !e.exists) {
    model.evaluator.forEachBinding(e.bounds, env, noState, (bound) => (walk(model, cfgName, undefined, e.body, bound, out), false));
    return;
  }
  if (e.k === 'always') {
    const [body, inner] = unfoldAll(e.expr, env);
    if (body.k === 'step' && !body.angle) {
      out.steps.push({ name: tlcName ?? formatExtent(e.loc), action: body.action, sub: body.sub, env: inner });
      return;
    }
    const prefix = prefixShape(e.expr, env);
    if (prefix !== undefined) {
      // With fairness, TLC checks it with the liveness check and prints a lasso through its tableau, which is not reproduced here.
      if (model.fairness.length > 0)
        throw unsupported(e.loc, `[](P => []Q) in ${cfgName} with a specification that has fairness conditions`);
      out.prefixes.push({ name: cfgName, ...prefix });
      return;
    }
  }
  if (isStatePredicate(e, new Set())) {
    out.initial.push({ name: tlcName ?? formatExtent(e.loc), expr: e, env });
    return;
  }
  out.liveness.push({ name: cfgName, expr: e, env });
}

/** The model's properties (those not already checked as invariants), split into what each check needs. */
export function splitProperties(model: Model): SplitProperties {
  const out: SplitProperties = { initial: [], steps: [], prefixes: [], liveness: [] };
  for (const p of model.properties) walk(model, p.name, p.name, p.expr, null, out);
  return out;
}
