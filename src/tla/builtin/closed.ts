// Closedness analysis: marks expressions that read no state and no bound name, so the evaluator computes them once.
import type { Bound, Expr, OpDef } from './ast.js';

/** Free bound names of an expression, or null when it reads state (variables, primes, ENABLED, temporal operators). */
type Free = Set<string> | null;

function union(parts: readonly Free[]): Free {
  const out = new Set<string>();
  for (const p of parts) {
    if (p === null) return null;
    for (const n of p) out.add(n);
  }
  return out;
}

function without(free: Free, names: readonly string[]): Free {
  if (free === null) return null;
  const out = new Set(free);
  for (const n of names) out.delete(n);
  return out;
}

function binder(bounds: readonly Bound[], bodies: readonly Expr[]): Free {
  const sets = bounds.map((b) => (b.set === undefined ? new Set<string>() : analyze(b.set)));
  const inner = without(
    union(bodies.map(analyze)),
    bounds.flatMap((b) => b.names),
  );
  return union([...sets, inner]);
}

function all(exprs: readonly Expr[]): Free {
  return union(exprs.map(analyze));
}

function stateful(exprs: readonly Expr[]): Free {
  exprs.forEach(analyze);
  return null;
}

function freeOf(e: Expr): Free {
  switch (e.k) {
    case 'num':
    case 'str':
    case 'bool':
      return new Set();
    case 'at':
      return new Set(['@']);
    case 'name': {
      const args = all(e.args);
      const ref = e.ref;
      if (ref === undefined || ref.kind === 'variable') return null;
      if (ref.kind === 'bound' || ref.kind === 'parameter') return union([args, new Set([e.name])]);
      if (ref.kind === 'definition' && ref.def.constantLevel !== true) return null;
      return args;
    }
    case 'op':
      return all(e.args);
    case 'and':
    case 'or':
    case 'setEnum':
    case 'tuple':
    case 'times':
      return all(e.items);
    case 'prime':
    case 'unchanged':
    case 'enabled':
    case 'always':
    case 'eventually':
      return stateful([e.expr]);
    case 'leadsTo':
      return stateful([e.left, e.right]);
    case 'step':
      return stateful([e.action, e.sub]);
    case 'fair':
      return stateful([e.sub, e.action]);
    case 'quant':
    case 'fnCons':
      return binder(e.bounds, [e.body]);
    case 'setMap':
      return binder(e.bounds, [e.expr]);
    case 'choose':
      return binder([e.bound], [e.body]);
    case 'setFilter':
      return binder([e.bound], [e.pred]);
    case 'if':
      return all([e.cond, e.then, e.else]);
    case 'case':
      return all([...e.arms.flat(), ...(e.other === undefined ? [] : [e.other])]);
    case 'let': {
      const defs = e.defs.map((d) => without(analyze(d.body), d.params));
      return without(
        union([...defs, analyze(e.body)]),
        e.defs.map((d) => d.name),
      );
    }
    case 'fnSet':
      return all([e.domain, e.range]);
    case 'recordSet':
    case 'record':
      return all(e.fields.map((f) => f[1]));
    case 'apply':
      return all([e.fn, ...e.args]);
    case 'dot':
      return analyze(e.expr);
    case 'lambda':
      return without(analyze(e.body), e.params);
    case 'except': {
      const parts: Free[] = [analyze(e.fn)];
      for (const u of e.updates) {
        for (const step of u.path) if (step.kind === 'index') parts.push(all(step.args));
        parts.push(without(analyze(u.value), ['@']));
      }
      return union(parts);
    }
  }
}

function analyze(e: Expr): Free {
  const free = freeOf(e);
  // Literals are cheaper to evaluate than to look up in a cache.
  if (free !== null && free.size === 0 && e.k !== 'num' && e.k !== 'str' && e.k !== 'bool') e.closed = true;
  return free;
}

/** Marks the closed subexpressions of every definition (call after name resolution). */
export function markClosed(defs: Iterable<OpDef>): void {
  for (const def of defs) {
    analyze(def.body);
    for (const b of def.fnBounds ?? []) if (b.set !== undefined) analyze(b.set);
  }
}

const loopKinds = new Set(['quant', 'choose', 'setFilter', 'setMap', 'fnCons']);

function hasLoop(value: unknown, depth: number): boolean {
  if (depth > 200 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => hasLoop(v, depth + 1));
  const node = value as Record<string, unknown>;
  if (typeof node['k'] === 'string' && loopKinds.has(node['k'])) return true;
  for (const [key, child] of Object.entries(node)) {
    if (key === 'ref' || key === 'loc' || key === 'cached' || key === 'builtin') continue;
    if (hasLoop(child, depth + 1)) return true;
  }
  return false;
}

/**
 * Marks definitions with parameters whose bodies loop (quantifiers, CHOOSE, comprehensions): the evaluator
 * memoizes their applications per state, since specs like ours call CutPos(p, i) inside nested quantifiers.
 */
export function markMemoizable(defs: Iterable<OpDef>): void {
  // Operator arguments have no value key, so higher-order definitions are not memoized.
  for (const def of defs)
    def.memoizable = def.params.length > 0 && !def.recursive && def.paramArities === undefined && hasLoop(def.body, 0);
}
