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

/**
 * The infix symbols TLA+ leaves for users to define (`a ++ b == ...`), keyed by tree-sitter node type,
 * with the precedence of Specifying Systems p. 271. Applications of them are calls of the definition.
 */
export const userInfixOperators: Readonly<Record<string, InfixInfo>> = {
  ls_ttile: infix('-|', 5, 5),
  ld_ttile: infix('=|', 5, 5),
  rs_ttile: infix('|-', 5, 5),
  rd_ttile: infix('|=', 5, 5),
  bnf_rule: infix('::=', 5, 5),
  assign: infix(':=', 5, 5),
  approx: infix('\\approx', 5, 5),
  asymp: infix('\\asymp', 5, 5),
  cong: infix('\\cong', 5, 5),
  doteq: infix('\\doteq', 5, 5),
  gg: infix('\\gg', 5, 5),
  ll: infix('\\ll', 5, 5),
  prec: infix('\\prec', 5, 5),
  preceq: infix('\\preceq', 5, 5),
  propto: infix('\\propto', 5, 5),
  sim: infix('\\sim', 5, 5),
  simeq: infix('\\simeq', 5, 5),
  sqsubset: infix('\\sqsubset', 5, 5),
  sqsubseteq: infix('\\sqsubseteq', 5, 5),
  sqsupset: infix('\\sqsupset', 5, 5),
  sqsupseteq: infix('\\sqsupseteq', 5, 5),
  succ: infix('\\succ', 5, 5),
  succeq: infix('\\succeq', 5, 5),
  dots_3: infix('...', 9, 9),
  excl: infix('!!', 9, 13),
  hashhash: infix('##', 9, 13, true),
  dol: infix('$', 9, 13, true),
  doldol: infix('$$', 9, 13, true),
  qq: infix('??', 9, 13, true),
  sqcap: infix('\\sqcap', 9, 13, true),
  sqcup: infix('\\sqcup', 9, 13, true),
  uplus: infix('\\uplus', 9, 13, true),
  wr: infix('\\wr', 9, 14),
  modmod: infix('%%', 10, 11, true),
  vert: infix('|', 10, 11, true),
  vertvert: infix('||', 10, 11, true),
  oplus: infix('(+)', 10, 10, true),
  plusplus: infix('++', 10, 10, true),
  ominus: infix('(-)', 11, 11, true),
  minusminus: infix('--', 11, 11, true),
  amp: infix('&', 13, 13, true),
  ampamp: infix('&&', 13, 13, true),
  odot: infix('(.)', 13, 13, true),
  oslash: infix('(/)', 13, 13),
  otimes: infix('(\\X)', 13, 13, true),
  mulmul: infix('**', 13, 13, true),
  slash: infix('/', 13, 13),
  slashslash: infix('//', 13, 13),
  bigcirc: infix('\\bigcirc', 13, 13, true),
  bullet: infix('\\bullet', 13, 13, true),
  star: infix('\\star', 13, 13, true),
  powpow: infix('^^', 14, 14),
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
