// TLA+ operator symbols: the canonical spelling of each tree-sitter symbol node, with precedence ranges and associativity.

export interface InfixInfo {
  /** Canonical ASCII spelling, used as the `op` of AST nodes. */
  readonly op: string;
  /** Precedence range from Specifying Systems, p. 271. */
  readonly low: number;
  readonly high: number;
  readonly leftAssociative: boolean;
}

function infix(op: string, low: number, high: number, leftAssociative = false): InfixInfo {
  return { op, low, high, leftAssociative };
}

/** Keyed by tree-sitter node type of the `symbol` field of bound_infix_op. */
export const infixOperators: Readonly<Record<string, InfixInfo>> = {
  implies: infix('=>', 1, 1),
  equiv: infix('\\equiv', 2, 2),
  iff: infix('<=>', 2, 2),
  leads_to: infix('~>', 2, 2),
  plus_arrow: infix('-+->', 2, 2),
  land: infix('/\\', 3, 3, true),
  lor: infix('\\/', 3, 3, true),
  eq: infix('=', 5, 5),
  neq: infix('#', 5, 5),
  lt: infix('<', 5, 5),
  gt: infix('>', 5, 5),
  leq: infix('<=', 5, 5),
  geq: infix('>=', 5, 5),
  in: infix('\\in', 5, 5),
  notin: infix('\\notin', 5, 5),
  subseteq: infix('\\subseteq', 5, 5),
  subset: infix('\\subset', 5, 5),
  supseteq: infix('\\supseteq', 5, 5),
  supset: infix('\\supset', 5, 5),
  compose: infix('@@', 6, 6, true),
  map_to: infix(':>', 7, 7),
  map_from: infix('<:', 7, 7),
  setminus: infix('\\', 8, 8),
  cap: infix('\\cap', 8, 8, true),
  cup: infix('\\cup', 8, 8, true),
  dots_2: infix('..', 9, 9),
  plus: infix('+', 10, 10, true),
  mod: infix('%', 10, 11),
  minus: infix('-', 11, 11, true),
  mul: infix('*', 13, 13, true),
  div: infix('\\div', 13, 13),
  circ: infix('\\o', 13, 13, true),
  times: infix('\\X', 10, 13),
  pow: infix('^', 14, 14),
};

/** Keyed by tree-sitter node type of the `symbol` field of bound_prefix_op. */
export const prefixOperators: Readonly<Record<string, string>> = {
  lnot: '~',
  negative: '-.',
  powerset: 'SUBSET',
  union: 'UNION',
  domain: 'DOMAIN',
};

/**
 * Whether `child`, written without parentheses as an operand of `parent`, is legal TLA+:
 * its precedence range must lie above the parent's, or both are the same left-associative
 * operator with the child on the left.
 */
export function precedenceAllows(parent: InfixInfo, child: InfixInfo, childIsLeft: boolean): boolean {
  if (child.low > parent.high) return true;
  return childIsLeft && child.op === parent.op && parent.leftAssociative;
}
