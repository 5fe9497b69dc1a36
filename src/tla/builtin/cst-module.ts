// Converts a parsed module (tree-sitter CST) into a ModuleAst: declarations, definitions, EXTENDS.
import type { Node } from 'web-tree-sitter';
import type { Expr, InstanceAst, Loc, ModuleAst, OpDef } from './ast.js';
import { ExprConverter } from './cst-expr.js';
import { field, namedChildren, namedFieldChildren } from './cst-nodes.js';
import { syntaxError, unsupported } from './errors.js';
import { nodeLoc } from './parse-tree.js';
import { userInfixOperators } from './operators.js';

interface Declared {
  readonly name: string;
  readonly arity: number;
  readonly loc: Loc;
}

class ModuleBuilder {
  readonly converter: ExprConverter;
  readonly extendsList: { name: string; loc: Loc }[] = [];
  readonly constants: Declared[] = [];
  readonly variables: { name: string; loc: Loc }[] = [];
  readonly defs: OpDef[] = [];
  readonly recursiveDecls: Declared[] = [];
  readonly assumes: Expr[] = [];
  readonly instances: InstanceAst[] = [];

  constructor(private readonly file: string) {
    this.converter = new ExprConverter(file, (node) => this.definition(node));
  }

  loc(node: Node): Loc {
    return nodeLoc(this.file, node);
  }

  declaration(node: Node): Declared {
    if (node.type === 'identifier') return { name: node.text, arity: 0, loc: this.loc(node) };
    if (node.type === 'operator_declaration') {
      const name = field(node, 'name', this.file);
      if (name.type !== 'identifier') throw unsupported(this.loc(node), `operator declarations with symbols (${node.text})`);
      const arity = namedFieldChildren(node, 'parameter').length;
      return { name: name.text, arity, loc: this.loc(node) };
    }
    throw syntaxError(this.loc(node), `unexpected ${node.type} in a declaration`);
  }

  definition(node: Node): OpDef {
    const loc = this.loc(node);
    if (node.type === 'function_definition') {
      const name = field(node, 'name', this.file).text;
      const bounds = namedChildren(node)
        .filter((n) => n.type === 'quantifier_bound')
        .map((b) => this.converter.bound(b));
      const body = this.converter.expr(field(node, 'definition', this.file));
      return { name, params: [], body, loc, recursive: false, fnBounds: bounds };
    }
    if (node.type !== 'operator_definition') throw unsupported(loc, `the definition form ${node.type}`);
    const nameNode = field(node, 'name', this.file);
    const name =
      nameNode.type === 'infix_op_symbol'
        ? userInfixOperators[namedChildren(nameNode)[0]?.type ?? '']?.op
        : nameNode.type === 'identifier'
          ? nameNode.text
          : undefined;
    if (name === undefined) throw unsupported(loc, `the user-defined operator symbol ${nameNode.text}`);
    const params = namedFieldChildren(node, 'parameter').map((p) => this.declaration(p));
    const body = this.converter.expr(field(node, 'definition', this.file));
    const def = { name, params: params.map((p) => p.name), body, loc, recursive: false };
    return params.some((p) => p.arity > 0) ? { ...def, paramArities: params.map((p) => p.arity) } : def;
  }

  private instance(node: Node, name: string | undefined, at: Node): void {
    if (at.type === 'module_definition' && namedFieldChildren(at, 'parameter').length > 0)
      throw unsupported(this.loc(at), 'parameterized INSTANCE (I(x) == INSTANCE M)');
    const [moduleRef, ...rest] = namedChildren(node);
    if (moduleRef === undefined) throw syntaxError(this.loc(node), 'INSTANCE without a module name');
    const substitutions = rest
      .filter((s) => s.type === 'substitution')
      .map((s) => {
        const [target, ...value] = namedChildren(s).filter((n) => n.type !== 'gets');
        const expr = value[0];
        if (target === undefined || expr === undefined) throw syntaxError(this.loc(s), 'malformed substitution');
        if (target.type !== 'identifier_ref') throw unsupported(this.loc(s), `substituting the operator ${target.text}`);
        return [target.text, this.converter.expr(expr)] as const;
      });
    this.instances.push({ name, module: moduleRef.text, substitutions, loc: this.loc(at), defIndex: this.defs.length });
  }

  unit(node: Node): void {
    switch (node.type) {
      case 'extends':
        for (const ref of namedChildren(node)) this.extendsList.push({ name: ref.text, loc: this.loc(ref) });
        return;
      case 'constant_declaration':
        for (const decl of namedChildren(node)) this.constants.push(this.declaration(decl));
        return;
      case 'variable_declaration':
        for (const decl of namedChildren(node)) this.variables.push({ name: decl.text, loc: this.loc(decl) });
        return;
      case 'recursive_declaration':
        for (const decl of namedChildren(node)) this.recursiveDecls.push(this.declaration(decl));
        return;
      case 'operator_definition':
      case 'function_definition':
        this.defs.push(this.definition(node));
        return;
      case 'local_definition':
        for (const inner of namedChildren(node)) this.unit(inner);
        return;
      case 'assumption': {
        const exprs = namedChildren(node).filter((n) => n.type !== 'identifier' && n.type !== 'def_eq');
        const last = exprs[exprs.length - 1];
        if (last === undefined) return;
        const body = this.converter.expr(last);
        this.assumes.push(body);
        // ASSUME Name == P also defines Name, which later definitions and ASSUMEs may use (SANY accepts it).
        const name = namedChildren(node).find((n) => n.type === 'identifier');
        if (name !== undefined) this.defs.push({ name: name.text, params: [], body, loc: this.loc(node), recursive: false });
        return;
      }
      case 'module_definition':
        return this.instance(field(node, 'definition', this.file), field(node, 'name', this.file).text, node);
      case 'instance':
        return this.instance(node, undefined, node);
      case 'module':
        throw unsupported(this.loc(node), 'nested modules');
      default:
        // Theorems, proofs, USE/HIDE and separator lines do not affect model checking.
        return;
    }
  }
}

/** Builds the AST of the first module in a parsed source file. */
/**
 * The modules of a file: the first is the file's own; the others follow it in the same file (a spec may define the
 * modules it extends there, after its own ====, and SANY reads them from there).
 */
export function convertModules(file: string, root: Node): ModuleAst[] {
  const moduleNodes = namedChildren(root).filter((n) => n.type === 'module');
  if (moduleNodes.length === 0) throw syntaxError(nodeLoc(file, root), 'no ---- MODULE Name ---- header found');
  return moduleNodes.map((moduleNode) => convertModule(file, moduleNode));
}

function convertModule(file: string, moduleNode: Node): ModuleAst {
  const builder = new ModuleBuilder(file);
  const name = field(moduleNode, 'name', file).text;
  for (const child of namedChildren(moduleNode)) {
    if (child.type === 'header_line' || child.type === 'double_line' || child.type === 'identifier') continue;
    builder.unit(child);
  }
  const recursiveNames = new Set(builder.recursiveDecls.map((d) => d.name));
  const defs = builder.defs.map((d) => (recursiveNames.has(d.name) ? { ...d, recursive: true } : d));
  return {
    name,
    file,
    extends: builder.extendsList,
    constants: builder.constants,
    variables: builder.variables,
    defs,
    recursiveDecls: builder.recursiveDecls,
    assumes: builder.assumes,
    instances: builder.instances,
  };
}
