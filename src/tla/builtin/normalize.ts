// Gives every AST node the same hidden class, so the evaluator's property reads stay monomorphic in V8.
import type { Bound, Expr, OpDef } from './ast.js';

/**
 * One class with every field any expression kind has. Object literals of different kinds
 * have different V8 maps, which makes each `e.k` read in the evaluator megamorphic.
 */
class ExprNode {
  k: unknown = undefined;
  loc: unknown = undefined;
  closed: unknown = undefined;
  cached: unknown = undefined;
  builtin: unknown = undefined;
  value: unknown = undefined;
  name: unknown = undefined;
  args: unknown = undefined;
  ref: unknown = undefined;
  op: unknown = undefined;
  items: unknown = undefined;
  expr: unknown = undefined;
  exists: unknown = undefined;
  bounds: unknown = undefined;
  body: unknown = undefined;
  bound: unknown = undefined;
  cond: unknown = undefined;
  then: unknown = undefined;
  else: unknown = undefined;
  arms: unknown = undefined;
  other: unknown = undefined;
  defs: unknown = undefined;
  pred: unknown = undefined;
  domain: unknown = undefined;
  range: unknown = undefined;
  fields: unknown = undefined;
  fn: unknown = undefined;
  field: unknown = undefined;
  updates: unknown = undefined;
  action: unknown = undefined;
  sub: unknown = undefined;
  angle: unknown = undefined;
  strong: unknown = undefined;
  left: unknown = undefined;
  right: unknown = undefined;
  params: unknown = undefined;
}

function bound(b: Bound): Bound {
  return b.set === undefined ? b : { names: b.names, tuple: b.tuple, set: normalize(b.set) };
}

function def(d: OpDef): void {
  const mutable = d as { body: Expr; fnBounds?: readonly Bound[] };
  mutable.body = normalize(d.body);
  if (d.fnBounds !== undefined) mutable.fnBounds = d.fnBounds.map(bound);
}

const done = new WeakSet<object>();

/** Returns `e` rebuilt as ExprNode objects (children too); LET definitions are rewritten in place. */
export function normalize(e: Expr): Expr {
  if (done.has(e)) return e;
  const node = Object.assign(new ExprNode(), e) as unknown as Record<string, unknown>;
  const x = e as unknown as Record<string, unknown>;
  const one = (key: string): void => {
    if (x[key] !== undefined) node[key] = normalize(x[key] as Expr);
  };
  const many = (key: string): void => {
    if (x[key] !== undefined) node[key] = (x[key] as Expr[]).map(normalize);
  };
  for (const key of ['expr', 'body', 'cond', 'then', 'else', 'other', 'pred', 'domain', 'range', 'fn', 'action', 'sub', 'left', 'right'])
    one(key);
  for (const key of ['args', 'items']) many(key);
  if (x['bounds'] !== undefined) node['bounds'] = (x['bounds'] as Bound[]).map(bound);
  if (x['bound'] !== undefined) node['bound'] = bound(x['bound'] as Bound);
  if (x['arms'] !== undefined) node['arms'] = (x['arms'] as [Expr, Expr][]).map(([c, v]) => [normalize(c), normalize(v)]);
  if (x['fields'] !== undefined) node['fields'] = (x['fields'] as [string, Expr][]).map(([n, v]) => [n, normalize(v)]);
  if (x['defs'] !== undefined) for (const d of x['defs'] as OpDef[]) def(d);
  if (x['updates'] !== undefined) {
    node['updates'] = (x['updates'] as { path: { kind: string; args?: Expr[]; name?: string }[]; value: Expr }[]).map((u) => ({
      path: u.path.map((step) => (step.kind === 'index' ? { kind: 'index', args: (step.args ?? []).map(normalize) } : step)),
      value: normalize(u.value),
    }));
  }
  done.add(node);
  return node as unknown as Expr;
}

/** Normalizes the bodies of module-level definitions in place. */
export function normalizeDefs(defs: Iterable<OpDef>): void {
  for (const d of defs) def(d);
}
