// A PROPERTY []P whose P is a state predicate is, for TLC, an invariant checked during the search ("Invariant P is violated").
import type { Expr, OpDef } from './ast.js';

export interface NamedFormula {
  readonly name: string;
  readonly expr: Expr;
}

const actionOrTemporal = new Set(['prime', 'unchanged', 'enabled', 'always', 'eventually', 'leadsTo', 'step', 'fair']);
const skippedKeys = new Set(['loc', 'ref', 'cached', 'builtin', 'closed']);

/** Whether e reads no primed variable and no temporal operator, looking into the definitions it uses. */
export function isStatePredicate(e: unknown, seen: Set<OpDef>): boolean {
  if (e === null || typeof e !== 'object') return true;
  if (Array.isArray(e)) return e.every((item) => isStatePredicate(item, seen));
  const node = e as Record<string, unknown>;
  if (typeof node['k'] === 'string' && actionOrTemporal.has(node['k'])) return false;
  const ref = node['ref'] as { kind?: string; def?: OpDef } | undefined;
  if (node['k'] === 'name' && ref?.kind === 'definition' && ref.def !== undefined && !seen.has(ref.def)) {
    seen.add(ref.def);
    if (!isStatePredicate(ref.def.body, seen)) return false;
  }
  for (const [key, child] of Object.entries(node)) if (!skippedKeys.has(key) && !isStatePredicate(child, seen)) return false;
  return true;
}

function unfold(e: Expr): Expr {
  return e.k === 'name' && e.ref?.kind === 'definition' && e.ref.def.params.length === 0 && e.ref.def.fnBounds === undefined
    ? unfold(e.ref.def.body)
    : e;
}

/** Moves each property []P with a state predicate P to the invariants, checked after the .cfg's own, as TLC does. */
export function impliedInvariants(properties: readonly NamedFormula[]): { invariants: NamedFormula[]; properties: NamedFormula[] } {
  const invariants: NamedFormula[] = [];
  const rest: NamedFormula[] = [];
  for (const p of properties) {
    const body = unfold(p.expr);
    if (body.k === 'always' && isStatePredicate(body.expr, new Set())) invariants.push({ name: p.name, expr: body.expr });
    else rest.push(p);
  }
  return { invariants, properties: rest };
}
