// Name resolution and arity checks of expressions (what SANY reports and tree-sitter does not): every name defined before use, with its arity.
import type { Bound, Expr, NameRef, OpDef } from './ast.js';
import { syntaxError, unsupported } from './errors.js';
import { alwaysInScope, standardModules } from './stdlib.js';
import type { Builtin } from './builtin.js';

export type GlobalEntry = NameRef & { readonly arity: number };

interface Local {
  readonly name: string;
  readonly arity: number;
  readonly def?: OpDef;
}

/** What a name refers to, with its arity and, for a higher-order operator, the arity each parameter expects. */
interface Target {
  readonly ref: NameRef;
  readonly arity: number;
  readonly paramArities: readonly number[] | undefined;
}

function paramLocals(def: OpDef): Local[] {
  return def.params.map((p, i) => ({ name: p, arity: def.paramArities?.[i] ?? 0 }));
}

export class Resolver {
  readonly globals = new Map<string, GlobalEntry>();
  /** Innermost last: bound variables, parameters and LET definitions with their arity. */
  private locals: Local[] = [];
  /** Set while resolving a definition's body when it reads state (variables, primes, ENABLED...). */
  private readsState = false;
  /** The module-level definition being resolved. */
  private current: OpDef | undefined;

  constructor(readonly builtins: Readonly<Record<string, Builtin>>) {}

  define(name: string, entry: GlobalEntry): void {
    this.globals.set(name, entry);
  }

  resolveDef(def: OpDef): void {
    const saved = this.locals;
    const savedReads = this.readsState;
    this.locals = paramLocals(def);
    this.readsState = false;
    this.current = def;
    if (def.recursive) this.readsState = true;
    if (def.fnBounds !== undefined) {
      this.bounds(def.fnBounds);
      for (const b of def.fnBounds) for (const n of b.names) this.locals.push({ name: n, arity: 0 });
    }
    this.expr(def.body);
    def.constantLevel = !this.readsState && def.fnBounds === undefined;
    this.locals = saved;
    this.readsState = savedReads || this.readsState;
  }

  private lookupLocal(name: string): Local | undefined {
    for (let i = this.locals.length - 1; i >= 0; i--) {
      const local = this.locals[i];
      if (local !== undefined && local.name === name) return local;
    }
    return undefined;
  }

  private name(e: Extract<Expr, { k: 'name' }>): void {
    const target = this.target(e);
    e.args.forEach((a, i) => this.argument(a, target.paramArities?.[i] ?? 0, e.name));
    e.ref = target.ref;
    if (target.arity !== e.args.length) {
      throw syntaxError(e.loc, `${e.name} takes ${target.arity} argument${target.arity === 1 ? '' : 's'} but is given ${e.args.length}`);
    }
  }

  private target(e: Extract<Expr, { k: 'name' }>): Target {
    const local = this.lookupLocal(e.name);
    // Parameters, bound variables and LET definitions live in the evaluator's environment.
    if (local !== undefined) return { ref: { kind: 'bound' }, arity: local.arity, paramArities: local.def?.paramArities };
    const global = this.globals.get(e.name);
    if (global !== undefined) {
      // A recursive function's reference to itself reads no state of its own.
      if (global.kind === 'definition' && global.def === this.current && global.def.fnBounds !== undefined)
        return { ref: global, arity: 0, paramArities: undefined };
      if (global.kind === 'variable' || (global.kind === 'definition' && global.def.constantLevel !== true)) this.readsState = true;
      return { ref: global, arity: global.arity, paramArities: global.kind === 'definition' ? global.def.paramArities : undefined };
    }
    const builtin = this.builtins[e.name] ?? alwaysInScope[e.name];
    if (builtin === undefined) throw syntaxError(e.loc, `unknown operator ${e.name}${this.hint(e.name)}`);
    return { ref: { kind: 'builtin', name: e.name }, arity: builtin.arity, paramArities: builtin.paramArities };
  }

  /** An argument of `callee`: a value when `arity` is 0, else an operator name or a LAMBDA taking `arity` arguments. */
  private argument(a: Expr, arity: number, callee: string): void {
    if (arity === 0) {
      if (a.k === 'lambda') throw syntaxError(a.loc, `${callee} expects a value here, not a LAMBDA`);
      return this.expr(a);
    }
    const expected = `${callee} expects an operator of ${arity} argument${arity === 1 ? '' : 's'} here`;
    if (a.k === 'lambda') {
      if (a.params.length !== arity) throw syntaxError(a.loc, `${expected}, the LAMBDA takes ${a.params.length}`);
      return this.withNames(a.params, () => this.expr(a.body));
    }
    if (a.k !== 'name' || a.args.length > 0) throw syntaxError(a.loc, expected);
    const target = this.target(a);
    if (target.arity !== arity) throw syntaxError(a.loc, `${expected}, ${a.name} takes ${target.arity}`);
    a.ref = target.ref;
  }

  private hint(name: string): string {
    for (const [module, names] of Object.entries(standardModules)) {
      if (name in names) return ` (it is defined in the standard module ${module}: add it to EXTENDS)`;
    }
    return '';
  }

  private bounds(bounds: readonly Bound[]): void {
    for (const b of bounds) if (b.set !== undefined) this.expr(b.set);
  }

  private withNames<T>(names: readonly string[], fn: () => T): T {
    const depth = this.locals.length;
    for (const n of names) this.locals.push({ name: n, arity: 0 });
    try {
      return fn();
    } finally {
      this.locals.length = depth;
    }
  }

  private boundNames(bounds: readonly Bound[]): string[] {
    return bounds.flatMap((b) => b.names);
  }

  private builtinOp(e: Extract<Expr, { k: 'op' }>): void {
    for (const a of e.args) this.expr(a);
    if (this.builtins[e.op] === undefined && alwaysInScope[e.op] === undefined && !['=>', '<=>', '~', '\\equiv'].includes(e.op)) {
      throw syntaxError(e.loc, `unknown operator ${e.op}${this.hint(e.op)}`);
    }
  }

  expr(e: Expr): void {
    switch (e.k) {
      case 'num':
      case 'str':
      case 'bool':
      case 'at':
        return;
      case 'name':
        return this.name(e);
      case 'op':
        return this.builtinOp(e);
      case 'and':
      case 'or':
      case 'setEnum':
      case 'tuple':
      case 'times':
        for (const i of e.items) this.expr(i);
        return;
      case 'prime':
      case 'unchanged':
      case 'enabled':
        this.readsState = true;
        return this.expr(e.expr);
      case 'always':
      case 'eventually':
        this.readsState = true;
        return this.expr(e.expr);
      case 'leadsTo':
        this.readsState = true;
        this.expr(e.left);
        return this.expr(e.right);
      case 'quant':
      case 'fnCons':
        this.bounds(e.bounds);
        return this.withNames(this.boundNames(e.bounds), () => this.expr(e.body));
      case 'setMap':
        this.bounds(e.bounds);
        return this.withNames(this.boundNames(e.bounds), () => this.expr(e.expr));
      case 'choose':
      case 'setFilter':
        this.bounds([e.bound]);
        // An unbounded CHOOSE (NoVal == CHOOSE v : v \\notin Val) is refused only if evaluated: a .cfg usually overrides it.
        return this.withNames(e.bound.names, () => this.expr(e.k === 'choose' ? e.body : e.pred));
      default:
        return this.more(e);
    }
  }

  private more(e: Expr): void {
    switch (e.k) {
      case 'if':
        this.expr(e.cond);
        this.expr(e.then);
        return this.expr(e.else);
      case 'case':
        for (const [c, v] of e.arms) {
          this.expr(c);
          this.expr(v);
        }
        if (e.other !== undefined) this.expr(e.other);
        return;
      case 'let':
        return this.letIn(e);
      case 'fnSet':
        this.expr(e.domain);
        return this.expr(e.range);
      case 'recordSet':
      case 'record':
        for (const [, v] of e.fields) this.expr(v);
        return;
      case 'apply':
        this.expr(e.fn);
        for (const a of e.args) this.expr(a);
        return;
      case 'dot':
        return this.expr(e.expr);
      case 'lambda':
        throw syntaxError(e.loc, 'LAMBDA is allowed only as the argument of a higher-order operator');
      case 'except':
        this.expr(e.fn);
        for (const u of e.updates) {
          for (const step of u.path) if (step.kind === 'index') for (const a of step.args) this.expr(a);
          this.expr(u.value);
        }
        return;
      case 'step':
        this.readsState = true;
        this.expr(e.action);
        return this.expr(e.sub);
      case 'fair':
        this.readsState = true;
        this.expr(e.sub);
        return this.expr(e.action);
      default:
        throw unsupported(e.loc, `the expression kind ${e.k}`);
    }
  }

  private letIn(e: Extract<Expr, { k: 'let' }>): void {
    const depth = this.locals.length;
    try {
      // RECURSIVE definitions are visible from the start of the LET, a function definition inside its own body.
      for (const def of e.defs) if (def.recursive) this.locals.push({ name: def.name, arity: def.params.length, def });
      for (const def of e.defs) {
        const inner = new Resolver(this.builtins);
        inner.globalsFrom(this.globals);
        inner.locals = [...this.locals, ...paramLocals(def)];
        inner.current = this.current;
        if (def.fnBounds !== undefined) {
          inner.bounds(def.fnBounds);
          inner.locals.push({ name: def.name, arity: 0, def }, ...this.boundNames(def.fnBounds).map((n) => ({ name: n, arity: 0 })));
        }
        inner.expr(def.body);
        if (inner.readsState) this.readsState = true;
        if (!def.recursive) this.locals.push({ name: def.name, arity: def.params.length, def });
      }
      this.expr(e.body);
    } finally {
      this.locals.length = depth;
    }
  }

  private globalsFrom(globals: Map<string, GlobalEntry>): void {
    for (const [k, v] of globals) this.globals.set(k, v);
  }
}
