// Resolves a whole specification: the root module, the user modules it extends, and the modules it instantiates.
import type { Expr, InstanceAst, Loc, ModuleAst, OpDef } from './ast.js';
import { markClosed, markMemoizable } from './closed.js';
import { normalize, normalizeDefs } from './normalize.js';
import { syntaxError, unsupported } from './errors.js';
import { Resolver } from './resolve.js';
import { standardModules } from './stdlib.js';
import type { Builtin } from './builtin.js';

/** A whole specification after loading: the root module merged with the user modules it extends. */
export interface ResolvedSpec {
  readonly name: string;
  readonly variables: readonly string[];
  readonly constants: readonly string[];
  /** Module-level definitions by name (the last definition wins, as with EXTENDS). */
  readonly defs: ReadonlyMap<string, OpDef>;
  readonly builtins: Readonly<Record<string, Builtin>>;
  readonly assumes: readonly Expr[];
  /** CONSTANT operators such as Send(_, _): definitions without a body until the .cfg substitutes one (Send <- MCSend). */
  readonly constantOperators: readonly string[];
}

/** A module and the user modules it extends (extended ones first), as fresh copies: each INSTANCE resolves its own. */
export type ModuleLibrary = (name: string) => readonly ModuleAst[] | undefined;

/** Declares a CONSTANT or VARIABLE of a module: the root's own, or an instance's parameter bound to its substitution. */
type Declare = (name: string, kind: 'constant' | 'variable', arity: number, loc: Loc) => void;

interface Collected {
  readonly defs: Map<string, OpDef>;
  /** Every definition to analyze once resolved: the root's, the instances', and the substitutions'. */
  readonly allDefs: OpDef[];
  readonly assumes: Expr[];
  /** The standard operators the instantiated modules extend: the evaluator looks operators up by name. */
  readonly instanceBuiltins: Record<string, Builtin>;
}

function builtinsOf(modules: readonly ModuleAst[]): Record<string, Builtin> {
  const builtins: Record<string, Builtin> = {};
  for (const m of modules) {
    for (const ext of m.extends) {
      const std = standardModules[ext.name];
      if (std !== undefined) Object.assign(builtins, std);
      else if (!modules.some((other) => other.name === ext.name)) throw syntaxError(ext.loc, `cannot find module ${ext.name}`);
    }
  }
  return builtins;
}

class SpecResolver {
  constructor(private readonly library: ModuleLibrary) {}

  /** Declares the modules' parameters, then resolves their definitions and instances in source order. */
  modules(modules: readonly ModuleAst[], resolver: Resolver, declare: Declare, out: Collected, root: boolean): void {
    for (const m of modules) {
      for (const c of m.constants) declare(c.name, 'constant', c.arity, c.loc);
      for (const v of m.variables) declare(v.name, 'variable', 0, v.loc);
      const recursive = new Map(m.defs.filter((d) => d.recursive).map((d) => [d.name, d]));
      for (const decl of m.recursiveDecls) {
        const def = recursive.get(decl.name);
        if (def === undefined) throw syntaxError(decl.loc, `RECURSIVE ${decl.name} is declared but not defined`);
        resolver.define(decl.name, { kind: 'definition', def, arity: decl.arity });
      }
      m.defs.forEach((def, index) => {
        for (const inst of m.instances) if (inst.defIndex === index) this.instance(inst, resolver, out);
        if (def.fnBounds !== undefined) resolver.define(def.name, { kind: 'definition', def, arity: 0 });
        resolver.resolveDef(def);
        resolver.define(def.name, { kind: 'definition', def, arity: def.params.length });
        out.defs.set(def.name, def);
        out.allDefs.push(def);
      });
      for (const inst of m.instances) if (inst.defIndex === m.defs.length) this.instance(inst, resolver, out);
      if (!root) continue;
      for (const a of m.assumes) resolver.expr(a);
      out.assumes.push(...m.assumes);
    }
  }

  private instance(inst: InstanceAst, outer: Resolver, out: Collected): void {
    const std = standardModules[inst.module];
    if (std !== undefined) {
      if (inst.name !== undefined || inst.substitutions.length > 0)
        throw unsupported(inst.loc, `INSTANCE of a standard module under a name or WITH (${inst.module})`);
      Object.assign(outer.builtins, std);
      return;
    }
    const modules = this.library(inst.module);
    if (modules === undefined) throw syntaxError(inst.loc, `cannot find module ${inst.module}`);
    const inner = new Resolver(builtinsOf(modules));
    const substitutions = new Map(inst.substitutions);
    const parameters = new Set<string>();
    const declare: Declare = (name, _kind, arity, loc) => {
      if (arity > 0) throw unsupported(loc, `instantiating the constant operator ${name}`);
      const expr: Expr = substitutions.get(name) ?? { k: 'name', name, args: [], loc: inst.loc };
      substitutions.delete(name);
      parameters.add(name);
      if (expr.k === 'name' && expr.args.length === 0) {
        outer.expr(expr);
        const ref = expr.ref;
        if (ref?.kind === 'variable' || ref?.kind === 'constant') return inner.define(name, { ...ref, arity: 0 });
      }
      // Any other substitution is a definition of the instantiating module, evaluated where the parameter is read.
      const def: OpDef = { name: `${inst.module}!${name}`, params: [], body: expr, loc: expr.loc, recursive: false };
      outer.resolveDef(def);
      out.allDefs.push(def);
      inner.define(name, { kind: 'definition', def, arity: 0 });
    };
    const collected: Collected = { defs: new Map(), allDefs: [], assumes: [], instanceBuiltins: out.instanceBuiltins };
    this.modules(modules, inner, declare, collected, false);
    Object.assign(out.instanceBuiltins, inner.builtins);
    // An unnamed INSTANCE imports what the module extends too (SANY accepts 1..2 after INSTANCE of a module extending Naturals).
    if (inst.name === undefined) Object.assign(outer.builtins, inner.builtins);
    for (const [name] of substitutions)
      throw syntaxError(inst.loc, `INSTANCE ${inst.module} substitutes ${name}, which is not a CONSTANT or VARIABLE of ${inst.module}`);
    out.allDefs.push(...collected.allDefs);
    for (const [name, entry] of inner.globals) {
      if (parameters.has(name)) continue;
      outer.define(inst.name === undefined ? name : `${inst.name}!${name}`, entry);
      if (inst.name === undefined && entry.kind === 'definition') out.defs.set(name, entry.def);
    }
  }
}

/** Resolves the modules (extended ones first, the root last) into one specification; `library` gives instantiated modules. */
export function resolveSpec(modules: readonly ModuleAst[], library: ModuleLibrary = () => undefined): ResolvedSpec {
  const root = modules[modules.length - 1];
  if (root === undefined) throw new Error('resolveSpec needs at least one module');
  const builtins = builtinsOf(modules);
  const resolver = new Resolver(builtins);
  const variables: string[] = [];
  const constants: string[] = [];
  const constantOperators: string[] = [];
  const out: Collected = { defs: new Map(), allDefs: [], assumes: [], instanceBuiltins: {} };
  const declare: Declare = (name, kind, arity, loc) => {
    if (kind === 'variable') {
      resolver.define(name, { kind: 'variable', index: variables.length, arity: 0 });
      variables.push(name);
      return;
    }
    if (arity > 0) {
      // A placeholder the .cfg must replace; model.ts refuses a model that leaves it without a substitution.
      const params = Array.from({ length: arity }, (_, i) => `#${i + 1}`);
      const def: OpDef = { name, params, body: { k: 'bool', value: false, loc }, loc, recursive: false, constantLevel: true };
      resolver.define(name, { kind: 'definition', def, arity });
      out.defs.set(name, def);
      constantOperators.push(name);
      return;
    }
    constants.push(name);
    resolver.define(name, { kind: 'constant', name, arity: 0 });
  };
  new SpecResolver(library).modules(modules, resolver, declare, out, true);
  markClosed(out.allDefs);
  markMemoizable(out.allDefs);
  normalizeDefs(out.allDefs);
  // Names were resolved against each module's own EXTENDS; evaluation finds an instance's operators too.
  const evaluated = { ...out.instanceBuiltins, ...builtins };
  return {
    name: root.name,
    variables,
    constants,
    defs: out.defs,
    builtins: evaluated,
    assumes: out.assumes.map(normalize),
    constantOperators,
  };
}
