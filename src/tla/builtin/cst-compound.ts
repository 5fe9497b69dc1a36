// Converts EXCEPT, action subscripts, fairness and the unsupported forms of tree-sitter's CST into the AST.
import type { Node } from 'web-tree-sitter';
import type { ExceptStep, ExceptUpdate, Expr, Loc } from './ast.js';
import { field, namedChildren, namedFieldChildren } from './cst-nodes.js';
import { syntaxError, unsupported } from './errors.js';

/**
 * What these conversions need of the expression converter (cst-expr.ts's ExprConverter): a seam, so
 * that this file does not import the converter that dispatches to it.
 */
export interface CompoundConverter {
  readonly file: string;
  loc(node: Node): Loc;
  expr(node: Node): Expr;
  /** The last named child without comments (the expression inside parentheses, labels, ...). */
  lastNamed(node: Node): Node;
}

export function convertExcept(conv: CompoundConverter, node: Node, loc: Loc): Expr {
  const updates: ExceptUpdate[] = namedChildren(node)
    .filter((n) => n.type === 'except_update')
    .map((u) => {
      const spec = namedFieldChildren(u, 'update_specifier')[0];
      if (spec === undefined) throw syntaxError(conv.loc(u), 'EXCEPT update without a path');
      const path: ExceptStep[] = namedChildren(spec).map((step) =>
        step.type === 'except_update_record_field'
          ? { kind: 'field', name: conv.lastNamed(step).text }
          : { kind: 'index', args: namedChildren(step).map((a) => conv.expr(a)) },
      );
      return { path, value: conv.expr(field(u, 'new_val', conv.file)) };
    });
  return { k: 'except', fn: conv.expr(field(node, 'expr_to_update', conv.file)), updates, loc };
}

/** `I!Op(args)` (also `I!J!Op`) as a call of the name `I!Op`, which resolution finds among the instance's definitions. */
function prefixedOp(conv: CompoundConverter, node: Node, loc: Loc): Expr {
  const prefix = field(node, 'prefix', conv.file);
  const parts = namedChildren(prefix).map((component) => {
    const ref = namedChildren(component)[0];
    if (ref?.type !== 'identifier_ref')
      throw unsupported(loc, `the instance prefix ${component.text} (parameterized INSTANCE or subexpression names)`);
    return ref.text;
  });
  const op = conv.expr(field(node, 'op', conv.file));
  if (op.k !== 'name') throw unsupported(loc, `the instance-qualified operator ${node.text.slice(0, 30)}`);
  return { k: 'name', name: [...parts, op.name].join('!'), args: op.args, loc };
}

export function convertTemporal(conv: CompoundConverter, node: Node, kids: Node[], loc: Loc): Expr {
  const exprKids = kids.filter((k) => !k.type.endsWith('bracket') && !k.type.endsWith('bracket_sub'));
  switch (node.type) {
    case 'step_expr_or_stutter':
    case 'step_expr_no_stutter': {
      const [action, sub] = exprKids.map((k) => conv.expr(k));
      if (action === undefined || sub === undefined) throw syntaxError(loc, 'malformed action subscript');
      return { k: 'step', action, sub, angle: node.type === 'step_expr_no_stutter', loc };
    }
    case 'fairness': {
      const [sub, action] = exprKids.map((k) => conv.expr(k));
      if (sub === undefined || action === undefined) throw syntaxError(loc, 'malformed fairness condition');
      return { k: 'fair', strong: node.text.startsWith('SF_'), sub, action, loc };
    }
    case 'prefixed_op':
      return prefixedOp(conv, node, loc);
    case 'unbounded_quantification':
      throw unsupported(loc, 'unbounded quantifiers (\\E x : P without \\in S)');
    default:
      throw unsupported(loc, `the construct ${node.type} (${node.text.slice(0, 30)})`);
  }
}
