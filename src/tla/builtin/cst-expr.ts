// Converts tree-sitter expression nodes into the AST, checking operator precedence as SANY does.
import type { Node } from 'web-tree-sitter';
import type { Bound, Expr, Loc, OpDef } from './ast.js';
import { syntaxError, unsupported } from './errors.js';
import { infixOperators, precedenceAllows, prefixOperators, userInfixOperators } from './operators.js';
import type { InfixInfo } from './operators.js';
import { nodeLoc } from './parse-tree.js';
import { convertExcept, convertTemporal, type CompoundConverter } from './cst-compound.js';
import { field, namedChildren, namedFieldChildren } from './cst-nodes.js';

const builtinSetNames: Readonly<Record<string, string>> = {
  nat_number_set: 'Nat',
  int_number_set: 'Int',
  boolean_set: 'BOOLEAN',
  string_set: 'STRING',
};

function unescapeString(text: string): string {
  return text.slice(1, -1).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c));
}

export class ExprConverter implements CompoundConverter {
  constructor(
    readonly file: string,
    private readonly convertDef: (node: Node) => OpDef,
  ) {}

  loc(node: Node): Loc {
    return nodeLoc(this.file, node);
  }

  expr(node: Node): Expr {
    const loc = this.loc(node);
    const builtinSet = builtinSetNames[node.type];
    if (builtinSet !== undefined) return { k: 'name', name: builtinSet, args: [], loc };
    switch (node.type) {
      case 'nat_number':
        return { k: 'num', value: this.number(node, node.text, 10), loc };
      case 'hex_number':
        return { k: 'num', value: this.number(node, node.text.slice(2), 16), loc };
      case 'octal_number':
        return { k: 'num', value: this.number(node, node.text.slice(2), 8), loc };
      case 'binary_number':
        return { k: 'num', value: this.number(node, node.text.slice(2), 2), loc };
      case 'string':
        return { k: 'str', value: unescapeString(node.text), loc };
      case 'boolean':
        return { k: 'bool', value: node.text === 'TRUE', loc };
      case 'identifier_ref':
        return { k: 'name', name: node.text, args: [], loc };
      case 'bound_op':
        return this.boundOp(node, loc);
      case 'parentheses':
      case 'label':
        return this.expr(this.lastNamed(node));
      case 'bound_infix_op':
        return this.infix(node, loc);
      case 'bound_prefix_op':
        return this.prefix(node, loc);
      case 'bound_postfix_op':
        return this.postfix(node, loc);
      case 'conj_list':
      case 'disj_list':
        return this.junctionList(node, loc);
      default:
        return this.compound(node, loc);
    }
  }

  private number(node: Node, digits: string, radix: number): number {
    const value = parseInt(digits, radix);
    if (!Number.isSafeInteger(value)) throw unsupported(this.loc(node), `the integer literal ${node.text} (beyond 2^53)`);
    return value;
  }

  lastNamed(node: Node): Node {
    const children = namedChildren(node);
    const last = children[children.length - 1];
    if (last === undefined) throw syntaxError(this.loc(node), `empty ${node.type}`);
    return last;
  }

  private boundOp(node: Node, loc: Loc): Expr {
    const name = field(node, 'name', this.file).text;
    const args = namedFieldChildren(node, 'parameter').map((p) => this.expr(p));
    return { k: 'name', name, args, loc };
  }

  private infixInfo(node: Node): InfixInfo {
    const symbol = field(node, 'symbol', this.file);
    const info = infixOperators[symbol.type] ?? userInfixOperators[symbol.type];
    if (info === undefined) throw unsupported(this.loc(symbol), `the infix operator ${symbol.text}`);
    return info;
  }

  private checkOperand(parent: InfixInfo, operand: Node, isLeft: boolean): void {
    if (operand.type !== 'bound_infix_op') return;
    const child = this.infixInfo(operand);
    if (parent.op === '\\X' && child.op === '\\X' && isLeft) return;
    if (!precedenceAllows(parent, child, isLeft)) {
      throw syntaxError(this.loc(operand), `precedence conflict between ${child.op} and ${parent.op}: add parentheses`);
    }
  }

  private infix(node: Node, loc: Loc): Expr {
    const info = this.infixInfo(node);
    const lhs = field(node, 'lhs', this.file);
    const rhs = field(node, 'rhs', this.file);
    this.checkOperand(info, lhs, true);
    this.checkOperand(info, rhs, false);
    const left = this.expr(lhs);
    const right = this.expr(rhs);
    if (userInfixOperators[field(node, 'symbol', this.file).type] === info) return { k: 'name', name: info.op, args: [left, right], loc };
    switch (info.op) {
      case '/\\':
        return { k: 'and', items: [...(left.k === 'and' && lhs.type === 'bound_infix_op' ? left.items : [left]), right], loc };
      case '\\/':
        return { k: 'or', items: [...(left.k === 'or' && lhs.type === 'bound_infix_op' ? left.items : [left]), right], loc };
      case '~>':
        return { k: 'leadsTo', left, right, loc };
      case '\\X':
        return { k: 'times', items: [...(left.k === 'times' && lhs.type === 'bound_infix_op' ? left.items : [left]), right], loc };
      default:
        return { k: 'op', op: info.op, args: [left, right], loc };
    }
  }

  private prefix(node: Node, loc: Loc): Expr {
    const symbol = field(node, 'symbol', this.file);
    const operand = this.expr(field(node, 'rhs', this.file));
    switch (symbol.type) {
      case 'enabled':
        return { k: 'enabled', expr: operand, loc };
      case 'unchanged':
        return { k: 'unchanged', expr: operand, loc };
      case 'always':
        return { k: 'always', expr: operand, loc };
      case 'eventually':
        return { k: 'eventually', expr: operand, loc };
    }
    const op = prefixOperators[symbol.type];
    if (op === undefined) throw unsupported(loc, `the prefix operator ${symbol.text}`);
    return { k: 'op', op, args: [operand], loc };
  }

  private postfix(node: Node, loc: Loc): Expr {
    const symbol = field(node, 'symbol', this.file);
    if (symbol.type !== 'prime') throw unsupported(loc, `the postfix operator ${symbol.text}`);
    return { k: 'prime', expr: this.expr(field(node, 'lhs', this.file)), loc };
  }

  private junctionList(node: Node, loc: Loc): Expr {
    const items = namedChildren(node).map((item) => this.expr(this.lastNamed(item)));
    return node.type === 'conj_list' ? { k: 'and', items, loc } : { k: 'or', items, loc };
  }

  bound(node: Node): Bound {
    const intros = namedFieldChildren(node, 'intro');
    const setNode = node.childForFieldName('set');
    const set = setNode === null ? undefined : this.expr(setNode);
    const first = intros[0];
    if (first !== undefined && first.type === 'tuple_of_identifiers') {
      const names = namedChildren(first)
        .filter((n) => n.type === 'identifier')
        .map((n) => n.text);
      return { names, tuple: true, set };
    }
    return { names: intros.map((n) => n.text), tuple: false, set };
  }

  private bounds(node: Node, fieldName: string): Bound[] {
    return namedFieldChildren(node, fieldName).map((b) => this.bound(b));
  }

  private compound(node: Node, loc: Loc): Expr {
    const kids = namedChildren(node);
    const exprs = (): Expr[] => kids.map((k) => this.expr(k));
    switch (node.type) {
      case 'bounded_quantification':
        return {
          k: 'quant',
          exists: field(node, 'quantifier', this.file).type === 'exists',
          bounds: this.bounds(node, 'bound'),
          body: this.expr(field(node, 'expression', this.file)),
          loc,
        };
      case 'choose':
        return this.choose(node, loc);
      case 'if_then_else':
        return {
          k: 'if',
          cond: this.expr(field(node, 'if', this.file)),
          then: this.expr(field(node, 'then', this.file)),
          else: this.expr(field(node, 'else', this.file)),
          loc,
        };
      case 'case':
        return this.caseExpr(kids, loc);
      case 'let_in':
        return { k: 'let', defs: this.letDefs(node), body: this.expr(field(node, 'expression', this.file)), loc };
      case 'finite_set_literal':
        return { k: 'setEnum', items: exprs(), loc };
      case 'tuple_literal':
        return { k: 'tuple', items: kids.filter((k) => !k.type.endsWith('bracket')).map((k) => this.expr(k)), loc };
      default:
        return this.compoundMore(node, kids, loc);
    }
  }

  /** The definitions of a LET, those declared RECURSIVE in it marked recursive. */
  private letDefs(node: Node): OpDef[] {
    const nodes = namedFieldChildren(node, 'definitions');
    const recursive = new Set<string>();
    for (const decl of nodes.filter((d) => d.type === 'recursive_declaration').flatMap((d) => namedChildren(d))) {
      recursive.add(decl.type === 'operator_declaration' ? field(decl, 'name', this.file).text : decl.text);
    }
    return nodes
      .filter((d) => d.type !== 'recursive_declaration')
      .map((d) => this.convertDef(d))
      .map((d) => (recursive.has(d.name) ? { ...d, recursive: true } : d));
  }

  private choose(node: Node, loc: Loc): Expr {
    const intro = field(node, 'intro', this.file);
    const setNode = node.childForFieldName('set');
    const set = setNode === null ? undefined : this.expr(setNode);
    const bound: Bound =
      intro.type === 'tuple_of_identifiers'
        ? {
            names: namedChildren(intro)
              .filter((n) => n.type === 'identifier')
              .map((n) => n.text),
            tuple: true,
            set,
          }
        : { names: [intro.text], tuple: false, set };
    return { k: 'choose', bound, body: this.expr(field(node, 'expression', this.file)), loc };
  }

  private caseExpr(kids: Node[], loc: Loc): Expr {
    const arms: (readonly [Expr, Expr])[] = [];
    let other: Expr | undefined;
    for (const kid of kids) {
      const parts = namedChildren(kid).filter((n) => n.type !== 'case_arrow');
      if (kid.type === 'case_arm' && parts[0] !== undefined && parts[1] !== undefined) {
        arms.push([this.expr(parts[0]), this.expr(parts[1])]);
      } else if (kid.type === 'other_arm' && parts[0] !== undefined) {
        other = this.expr(parts[0]);
      }
    }
    return { k: 'case', arms, other, loc };
  }

  private fieldPairs(kids: Node[]): (readonly [string, Expr])[] {
    const pairs: (readonly [string, Expr])[] = [];
    const items = kids.filter((k) => k.type !== 'all_map_to');
    for (let i = 0; i + 1 < items.length; i += 2) {
      const name = items[i];
      const value = items[i + 1];
      if (name !== undefined && value !== undefined) pairs.push([name.text, this.expr(value)]);
    }
    return pairs;
  }

  private compoundMore(node: Node, kids: Node[], loc: Loc): Expr {
    switch (node.type) {
      case 'set_filter':
        return {
          k: 'setFilter',
          bound: this.bound(field(node, 'generator', this.file)),
          pred: this.expr(field(node, 'filter', this.file)),
          loc,
        };
      case 'set_map':
        return { k: 'setMap', expr: this.expr(field(node, 'map', this.file)), bounds: this.bounds(node, 'generator'), loc };
      case 'function_literal': {
        const body = kids[kids.length - 1];
        if (body === undefined) throw syntaxError(loc, 'empty function literal');
        return {
          k: 'fnCons',
          bounds: kids.filter((k) => k.type === 'quantifier_bound').map((b) => this.bound(b)),
          body: this.expr(body),
          loc,
        };
      }
      case 'set_of_functions': {
        const [domain, range] = kids.filter((k) => k.type !== 'maps_to').map((k) => this.expr(k));
        if (domain === undefined || range === undefined) throw syntaxError(loc, 'malformed [S -> T]');
        return { k: 'fnSet', domain, range, loc };
      }
      case 'set_of_records':
        return { k: 'recordSet', fields: this.fieldPairs(kids), loc };
      case 'record_literal':
        return { k: 'record', fields: this.fieldPairs(kids), loc };
      case 'function_evaluation': {
        const [fn, ...args] = kids.map((k) => this.expr(k));
        if (fn === undefined) throw syntaxError(loc, 'malformed function application');
        return { k: 'apply', fn, args, loc };
      }
      case 'record_value': {
        const [record, name] = kids;
        if (record === undefined || name === undefined) throw syntaxError(loc, 'malformed record field access');
        return { k: 'dot', expr: this.expr(record), field: name.text, loc };
      }
      case 'except':
        return convertExcept(this, node, loc);
      case 'prev_func_val':
        return { k: 'at', loc };
      case 'lambda': {
        const body = kids[kids.length - 1];
        if (body === undefined) throw syntaxError(loc, 'LAMBDA without a body');
        return { k: 'lambda', params: kids.slice(0, -1).map((k) => k.text), body: this.expr(body), loc };
      }
      default:
        return convertTemporal(this, node, kids, loc);
    }
  }
}
