// Loads the official tree-sitter TLA+ grammar (WASM) once and parses source text, reporting syntax errors with locations.
import { fileURLToPath } from 'node:url';
import { Language, Parser } from 'web-tree-sitter';
import type { Node, Tree } from 'web-tree-sitter';
import { syntaxError } from './errors.js';
import type { Loc } from './ast.js';

let parserPromise: Promise<Parser> | undefined;

/**
 * The grammar cutline ships in grammar/ at the package root (grammar/README.md says why and where it
 * comes from). This module lies three levels below the root both as src/tla/builtin/parse-tree.ts
 * and as dist/tla/builtin/parse-tree.js, so one relative path serves tests and the installed CLI.
 */
export const grammarWasmPath = fileURLToPath(new URL('../../../grammar/tree-sitter-tlaplus.wasm', import.meta.url));

async function createParser(): Promise<Parser> {
  await Parser.init();
  const language = await Language.load(grammarWasmPath);
  const parser = new Parser();
  parser.setLanguage(language);
  return parser;
}

/** One parser for the process: loading the WASM grammar takes tens of milliseconds. */
export function tlaParser(): Promise<Parser> {
  parserPromise ??= createParser();
  return parserPromise;
}

export function nodeLoc(file: string, node: Node): Loc {
  return { file, line: node.startPosition.row + 1, column: node.startPosition.column + 1, ...nodeEnd(node) };
}

/**
 * Where a construct ends, inclusive and 1-based as TLC counts. A node that ends at the start of a line (a bulleted
 * conjunction list takes the line break after it) ends, for TLC, at the last character before that break.
 */
function nodeEnd(node: Node): { endLine: number; endColumn: number } {
  const { row, column } = node.endPosition;
  if (column > 0 || row === node.startPosition.row) return { endLine: row + 1, endColumn: column };
  const text = node.text.trimEnd();
  const lines = text.split('\n');
  const last = lines[lines.length - 1] ?? '';
  const endColumn = lines.length === 1 ? node.startPosition.column + last.length : last.length;
  return { endLine: node.startPosition.row + lines.length, endColumn };
}

/** The first ERROR or MISSING node in document order, or undefined when the tree is clean. */
function firstErrorNode(node: Node): Node | undefined {
  if (!node.hasError) return undefined;
  if (node.isError || node.isMissing) return node;
  for (const child of node.children) {
    if (child === null) continue;
    const found = firstErrorNode(child);
    if (found !== undefined) return found;
  }
  return node.isError ? node : undefined;
}

/** Parses `text` and throws TLA_SYNTAX at the first ERROR/MISSING node. */
export async function parseTla(file: string, text: string): Promise<Tree> {
  const parser = await tlaParser();
  const tree = parser.parse(text);
  if (tree === null) throw syntaxError({ file, line: 1, column: 1 }, 'the TLA+ parser returned no tree');
  const bad = firstErrorNode(tree.rootNode);
  if (bad !== undefined) {
    const what = bad.isMissing ? `missing ${bad.type}` : `unexpected ${JSON.stringify(bad.text.slice(0, 40).split('\n')[0] ?? '')}`;
    throw syntaxError(nodeLoc(file, bad), `syntax error: ${what}`);
  }
  return tree;
}
