// Reads tree-sitter CST nodes the way every converter needs: named children without comments, and required fields.
import type { Node } from 'web-tree-sitter';
import { syntaxError } from './errors.js';
import { nodeLoc } from './parse-tree.js';

const extraTypes = new Set(['comment', 'block_comment']);

/** Named children without comments. */
export function namedChildren(node: Node): Node[] {
  const out: Node[] = [];
  for (const child of node.namedChildren) if (child !== null && !extraTypes.has(child.type)) out.push(child);
  return out;
}

export function field(node: Node, name: string, file: string): Node {
  const child = node.childForFieldName(name);
  if (child === null) throw syntaxError(nodeLoc(file, node), `${node.type} without ${name}`);
  return child;
}

/** Children carrying a field name that are named nodes (tree-sitter also tags punctuation with the field). */
export function namedFieldChildren(node: Node, name: string): Node[] {
  return node.childrenForFieldName(name).filter((child) => child.isNamed && !extraTypes.has(child.type));
}
