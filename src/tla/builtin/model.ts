// Builds a checkable model from a module and its .cfg: constant values, Init/Next or the SPECIFICATION's parts, invariants, fairness.
import { readFile } from 'node:fs/promises';
import { CutlineError } from '../../errors.js';
import { ActionEvaluator } from './actions.js';
import type { Expr, OpDef } from './ast.js';
import { parseConfig } from './cfg.js';
import type { CfgValue, ModelConfig } from './cfg.js';
import type { Env } from './env.js';
import { assumptionFalse, configError, evalError, unsupported } from './errors.js';
import { boolOf } from './eval.js';
import { loadSpec } from './loader.js';
import { symmetryGroup } from './symmetry.js';
import type { ResolvedSpec } from './resolve-spec.js';
import { alwaysInScope } from './stdlib.js';
import { substituteOperator } from './cfg-operators.js';
import { impliedInvariants } from './implied-invariants.js';
import type { Builtin } from './builtin.js';
import { FnValue, ModelValue, asFiniteSet, makeSet } from './value.js';
import type { Value } from './value.js';

/** WF_sub(action) or SF_sub(action), with the bindings of an enclosing \A p \in S. */
export interface Fairness {
  readonly strong: boolean;
  readonly sub: Expr;
  readonly action: Expr;
  readonly env: Env;
  readonly text: string;
}

export interface NamedExpr {
  readonly name: string;
  readonly expr: Expr;
}

export interface Model {
  readonly spec: ResolvedSpec;
  readonly config: ModelConfig;
  readonly evaluator: ActionEvaluator;
  readonly init: Expr;
  readonly next: Expr;
  readonly nextName: string;
  /** The subscript of [][Next]_vars (undefined with INIT/NEXT). */
  readonly vars: Expr | undefined;
  readonly invariants: readonly NamedExpr[];
  readonly constraints: readonly NamedExpr[];
  readonly actionConstraints: readonly NamedExpr[];
  readonly properties: readonly NamedExpr[];
  readonly fairness: readonly Fairness[];
  /** Permutations of model values (functions) when the .cfg names a SYMMETRY set. */
  readonly symmetry: readonly FnValue[] | undefined;
}

const modelValues = new Map<string, ModelValue>();

function modelValue(name: string): ModelValue {
  let v = modelValues.get(name);
  if (v === undefined) {
    v = new ModelValue(name);
    modelValues.set(name, v);
  }
  return v;
}

function cfgToValue(v: CfgValue): Value {
  switch (v.kind) {
    case 'int':
    case 'string':
    case 'bool':
      return v.value;
    case 'modelValue':
      return modelValue(v.name);
    case 'set':
      return makeSet(v.items.map(cfgToValue));
  }
}

function definition(spec: ResolvedSpec, config: ModelConfig, name: string, role: string): OpDef {
  const def = spec.defs.get(name);
  if (def === undefined) throw configError(config.file, 1, `${role} ${name} is not defined in module ${spec.name}`);
  if (def.params.length > 0)
    throw configError(config.file, 1, `${role} ${name} takes parameters; the .cfg must name a definition without parameters`);
  return def;
}

function bindConstants(spec: ResolvedSpec, config: ModelConfig): Map<string, Value> {
  const constants = new Map<string, Value>();
  for (const [name, value] of config.constants) {
    if (spec.constants.includes(name)) constants.set(name, cfgToValue(value));
    else {
      const def = spec.defs.get(name);
      // TLC ignores a value for a name the spec does not declare (SimplifiedFastPaxos's cfg sets r1 = r1).
      if (def !== undefined) def.cached = cfgToValue(value);
    }
  }
  return constants;
}

function applySubstitutions(spec: ResolvedSpec, config: ModelConfig, evaluator: ActionEvaluator, constants: Map<string, Value>): void {
  for (const [name, replacement] of config.substitutions) {
    const operator = spec.defs.get(replacement);
    if (operator !== undefined && operator.params.length > 0) {
      substituteOperator(spec, config.file, evaluator, name, operator);
      continue;
    }
    const target = definition(spec, config, replacement, 'the substitution');
    const value = evaluator.applyDef(target, [], null, { state: [], next: undefined, primed: false }, target.loc);
    if (spec.constants.includes(name)) constants.set(name, value);
    else if (!spec.defs.has(name) && (spec.builtins[name] ?? alwaysInScope[name])?.arity === 0) {
      // `Nat <- MCNat`: TLC lets a model replace a standard module's constant (Nat, Int, BOOLEAN, STRING).
      (spec.builtins as Record<string, Builtin>)[name] = { arity: 0, impl: () => value };
    } else {
      const def = spec.defs.get(name);
      if (def === undefined) throw configError(config.file, 1, `${name} <- ${replacement}: ${name} is not declared in module ${spec.name}`);
      def.cached = value;
    }
  }
  for (const c of spec.constants) if (!constants.has(c)) throw configError(config.file, 1, `the constant ${c} has no value in the .cfg`);
  for (const c of spec.constantOperators) {
    if (!config.substitutions.has(c))
      throw configError(config.file, 1, `the constant operator ${c} has no substitution in the .cfg (${c} <- SomeDefinition)`);
  }
}

/** Expands zero-parameter definitions so the SPECIFICATION's conjuncts can be recognized. */
function unfold(e: Expr): Expr {
  if (e.k === 'name' && e.ref?.kind === 'definition' && e.ref.def.params.length === 0) return unfold(e.ref.def.body);
  return e;
}

interface SpecParts {
  init: Expr[];
  next?: Expr;
  vars?: Expr;
  fairness: Fairness[];
}

function collectSpec(e: Expr, parts: SpecParts, evaluator: ActionEvaluator, env: Env): void {
  const body = unfold(e);
  if (body.k === 'and') {
    for (const item of body.items) collectSpec(item, parts, evaluator, env);
  } else if (body.k === 'always' && unfold(body.expr).k === 'step') {
    const step = unfold(body.expr) as Extract<Expr, { k: 'step' }>;
    parts.next = step.action;
    parts.vars = step.sub;
  } else if (body.k === 'fair') {
    parts.fairness.push({
      strong: body.strong,
      sub: body.sub,
      action: body.action,
      env,
      text: `${body.strong ? 'SF' : 'WF'} at ${body.loc.line}:${body.loc.column}`,
    });
  } else if (body.k === 'quant' && !body.exists) {
    const s = { state: [], next: undefined, primed: false };
    evaluator.forEachBinding(body.bounds, env, s, (inner) => (collectSpec(body.body, parts, evaluator, inner), false));
  } else if (containsTemporal(body)) {
    throw unsupported(body.loc, 'this temporal formula in the SPECIFICATION (expected Init /\\ [][Next]_vars /\\ WF_/SF_ conditions)');
  } else {
    parts.init.push(body);
  }
}

function containsTemporal(e: Expr): boolean {
  return e.k === 'always' || e.k === 'eventually' || e.k === 'leadsTo' || e.k === 'fair' || e.k === 'step';
}

/** The permutations of the group the SYMMETRY set generates, as TLC reduces by (the identity is implicit). */
function symmetryPermutations(model: { evaluator: ActionEvaluator }, def: OpDef): FnValue[] {
  const value = model.evaluator.applyDef(def, [], null, { state: [], next: undefined, primed: false }, def.loc);
  const set = asFiniteSet(value);
  if (set === undefined || !set.elems.every((p) => p instanceof FnValue)) {
    throw evalError(def.loc, `the SYMMETRY set ${def.name} must be a set of permutations (use Permutations(S))`);
  }
  const group = symmetryGroup(set.elems);
  if (group === 'too-large') throw evalError(def.loc, `the SYMMETRY set ${def.name} generates more than 100000 permutations`);
  if (group === 'not-permutations')
    throw evalError(def.loc, `the SYMMETRY set ${def.name} holds a function that is not a permutation of its domain`);
  return group;
}

export interface LoadModelOptions {
  /** Constant values that replace the .cfg's (trace validation sizes the model to the trace). */
  readonly constants?: ReadonlyMap<string, CfgValue>;
}

export async function loadModel(specPath: string, configPath: string, options: LoadModelOptions = {}): Promise<Model> {
  const spec = await loadSpec(specPath);
  let cfgText: string;
  try {
    cfgText = await readFile(configPath, 'utf8');
  } catch (cause) {
    throw new CutlineError('USAGE', `cannot read the TLC configuration ${configPath}`, { cause });
  }
  const config = parseConfig(configPath, cfgText);
  for (const [name, value] of options.constants ?? []) config.constants.set(name, value);
  const constants = bindConstants(spec, config);
  const evaluator = new ActionEvaluator(spec, constants);
  applySubstitutions(spec, config, evaluator, constants);
  for (const a of spec.assumes) {
    if (!boolOf(evaluator.eval(a, null, { state: [], next: undefined, primed: false }), a.loc, 'an ASSUME')) throw assumptionFalse(a.loc);
  }
  const parts: SpecParts = { init: [], fairness: [] };
  let nextName: string;
  if (config.specification !== undefined) {
    collectSpec(definition(spec, config, config.specification, 'SPECIFICATION').body, parts, evaluator, null);
    if (parts.next === undefined) throw configError(configPath, 1, `SPECIFICATION ${config.specification} has no [][Next]_vars conjunct`);
    nextName = parts.next.k === 'name' ? parts.next.name : 'Next';
  } else if (config.init === undefined || config.next === undefined) {
    // No behavior: TLC evaluates the ASSUMEs (above) and reports no error, with no state.
    const nothing: Expr = { k: 'bool', value: false, loc: { file: configPath, line: 1, column: 1 } };
    parts.init.push(nothing);
    parts.next = nothing;
    nextName = 'Next';
  } else {
    parts.init.push(definition(spec, config, config.init, 'INIT').body);
    parts.next = definition(spec, config, config.next, 'NEXT').body;
    nextName = config.next;
  }
  const named = (names: readonly string[], role: string): NamedExpr[] =>
    names.map((n) => ({ name: n, expr: definition(spec, config, n, role).body }));
  const init: Expr = parts.init.length === 1 ? (parts.init[0] as Expr) : { k: 'and', items: parts.init, loc: parts.next.loc };
  const nextExpr = unfold(parts.next);
  const implied = impliedInvariants(named(config.properties, 'PROPERTY'));
  return {
    spec,
    config,
    evaluator,
    init,
    next: nextExpr,
    nextName,
    vars: parts.vars,
    invariants: [...named(config.invariants, 'INVARIANT'), ...implied.invariants],
    constraints: named(config.constraints, 'CONSTRAINT'),
    actionConstraints: named(config.actionConstraints, 'ACTION_CONSTRAINT'),
    properties: implied.properties,
    fairness: parts.fairness,
    symmetry:
      config.symmetry === undefined
        ? undefined
        : symmetryPermutations({ evaluator }, definition(spec, config, config.symmetry, 'SYMMETRY')),
  };
}
