// The abstract syntax of the TLA+ subset the built-in checker understands, produced from tree-sitter's CST.

/** Where a construct starts, for error messages: file:line:column, 1-based as editors show them. */
import { basename } from 'node:path';
export interface Loc {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Where the construct ends (inclusive, 1-based), when it comes from the parse tree: TLC names some properties by their extent. */
  readonly endLine?: number;
  readonly endColumn?: number;
}

export function formatLoc(loc: Loc): string {
  return `${loc.file}:${loc.line}:${loc.column}`;
}

/** TLC's name for a construct by its extent, as in its messages: `line L, col C to line L2, col C2 of module M`. */
export function formatExtent(loc: Loc): string {
  const end = loc.endLine === undefined ? '' : ` to line ${loc.endLine}, col ${loc.endColumn ?? 0}`;
  return `line ${loc.line}, col ${loc.column}${end} of module ${basename(loc.file, '.tla')}`;
}

/** A bound such as `x \in S`, `x, y \in S` or `<<a, b>> \in S`; `set` is absent for unbounded `\E x :`. */
export interface Bound {
  readonly names: readonly string[];
  /** True for `<<a, b>> \in S`: each element of S is a tuple destructured into names. */
  readonly tuple: boolean;
  readonly set: Expr | undefined;
}

export type ExceptStep = { readonly kind: 'index'; readonly args: readonly Expr[] } | { readonly kind: 'field'; readonly name: string };

export interface ExceptUpdate {
  readonly path: readonly ExceptStep[];
  readonly value: Expr;
}

/** What a name refers to, filled in by name resolution (resolve.ts). */
export type NameRef =
  | { readonly kind: 'variable'; readonly index: number }
  | { readonly kind: 'constant'; readonly name: string }
  | { readonly kind: 'definition'; readonly def: OpDef }
  | { readonly kind: 'bound' }
  | { readonly kind: 'parameter' }
  | { readonly kind: 'builtin'; readonly name: string };

interface Node {
  readonly loc: Loc;
  /** Set by closedness analysis (closed.ts): the expression reads no state and no bound name, so its value is cached. */
  closed?: boolean;
  /** The cached value of a closed expression (a Value; typed unknown to keep ast.ts free of value imports). */
  cached?: unknown;
  /** The standard-module implementation of a built-in operator node, looked up once by the evaluator. */
  builtin?: unknown;
}

export type Expr = Node &
  (
    | { readonly k: 'num'; readonly value: number }
    | { readonly k: 'str'; readonly value: string }
    | { readonly k: 'bool'; readonly value: boolean }
    | { readonly k: 'name'; readonly name: string; readonly args: readonly Expr[]; ref?: NameRef }
    /** A built-in operator written with a symbol (`+`, `\cup`, `=`, `~`, `SUBSET`, ...). */
    | { readonly k: 'op'; readonly op: string; readonly args: readonly Expr[] }
    | { readonly k: 'and'; readonly items: readonly Expr[] }
    | { readonly k: 'or'; readonly items: readonly Expr[] }
    | { readonly k: 'prime'; readonly expr: Expr }
    | { readonly k: 'quant'; readonly exists: boolean; readonly bounds: readonly Bound[]; readonly body: Expr }
    | { readonly k: 'choose'; readonly bound: Bound; readonly body: Expr }
    | { readonly k: 'if'; readonly cond: Expr; readonly then: Expr; readonly else: Expr }
    | { readonly k: 'case'; readonly arms: readonly (readonly [Expr, Expr])[]; readonly other: Expr | undefined }
    | { readonly k: 'let'; readonly defs: readonly OpDef[]; readonly body: Expr }
    | { readonly k: 'setEnum'; readonly items: readonly Expr[] }
    | { readonly k: 'setFilter'; readonly bound: Bound; readonly pred: Expr }
    | { readonly k: 'setMap'; readonly expr: Expr; readonly bounds: readonly Bound[] }
    | { readonly k: 'fnCons'; readonly bounds: readonly Bound[]; readonly body: Expr }
    | { readonly k: 'fnSet'; readonly domain: Expr; readonly range: Expr }
    | { readonly k: 'recordSet'; readonly fields: readonly (readonly [string, Expr])[] }
    | { readonly k: 'record'; readonly fields: readonly (readonly [string, Expr])[] }
    | { readonly k: 'tuple'; readonly items: readonly Expr[] }
    | { readonly k: 'times'; readonly items: readonly Expr[] }
    | { readonly k: 'apply'; readonly fn: Expr; readonly args: readonly Expr[] }
    | { readonly k: 'dot'; readonly expr: Expr; readonly field: string }
    | { readonly k: 'except'; readonly fn: Expr; readonly updates: readonly ExceptUpdate[] }
    | { readonly k: 'at' }
    | { readonly k: 'unchanged'; readonly expr: Expr }
    | { readonly k: 'enabled'; readonly expr: Expr }
    /** `[A]_v` (angle false) or `<<A>>_v` (angle true). */
    | { readonly k: 'step'; readonly action: Expr; readonly sub: Expr; readonly angle: boolean }
    | { readonly k: 'fair'; readonly strong: boolean; readonly sub: Expr; readonly action: Expr }
    | { readonly k: 'always'; readonly expr: Expr }
    | { readonly k: 'eventually'; readonly expr: Expr }
    | { readonly k: 'leadsTo'; readonly left: Expr; readonly right: Expr }
    /** `LAMBDA x, y : e`, legal only as the argument of a higher-order operator. */
    | { readonly k: 'lambda'; readonly params: readonly string[]; readonly body: Expr }
  );

export type ExprKind = Expr['k'];
export type ExprOf<K extends ExprKind> = Extract<Expr, { k: K }>;

/** An operator definition `Op(p1, p2) == body` (zero parameters for plain definitions), or `f[x \in S] == body`. */
export interface OpDef {
  readonly name: string;
  readonly params: readonly string[];
  /** For higher-order definitions `Op(x, F(_, _))`: the arity each parameter expects (0 for a value); absent when all are 0. */
  readonly paramArities?: readonly number[];
  readonly body: Expr;
  readonly loc: Loc;
  readonly recursive: boolean;
  /** For `f[x \in S] == e`: the bounds of the function; body is then the function's value expression. */
  readonly fnBounds?: readonly Bound[];
  /** Set by the evaluator: the value of a parameterless constant-level definition, computed once. */
  cached?: unknown;
  /** Set by resolution: true when the body (transitively) reads no variable, so its value can be cached. */
  constantLevel?: boolean;
  /** Set by closed.ts: applications are worth memoizing per state (the body loops over sets). */
  memoizable?: boolean;
}

export interface ModuleAst {
  readonly name: string;
  readonly file: string;
  readonly extends: readonly { readonly name: string; readonly loc: Loc }[];
  readonly constants: readonly { readonly name: string; readonly arity: number; readonly loc: Loc }[];
  readonly variables: readonly { readonly name: string; readonly loc: Loc }[];
  /** In source order; TLA+ requires a definition before its use (except RECURSIVE ones). */
  readonly defs: readonly OpDef[];
  readonly recursiveDecls: readonly { readonly name: string; readonly arity: number; readonly loc: Loc }[];
  readonly assumes: readonly Expr[];
  readonly instances: readonly InstanceAst[];
}

/** `INSTANCE M WITH p <- e` (name undefined) or `I == INSTANCE M WITH ...`; parameters not given are substituted by the same name. */
export interface InstanceAst {
  readonly name: string | undefined;
  readonly module: string;
  readonly substitutions: readonly (readonly [string, Expr])[];
  readonly loc: Loc;
  /** How many of the module's definitions precede it: they are visible in its WITH, later ones see its operators. */
  readonly defIndex: number;
}
