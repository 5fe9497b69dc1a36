// Loads a root .tla module and the user modules it EXTENDS (looked up beside it), then resolves names.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ModuleAst } from './ast.js';
import { convertModule } from './cst-module.js';
import { syntaxError } from './errors.js';
import { parseTla } from './parse-tree.js';
import { resolveSpec } from './resolve.js';
import type { ResolvedSpec } from './resolve.js';
import { standardModules } from './stdlib.js';
import { CutlineError } from '../../errors.js';

export async function parseModuleFile(path: string): Promise<ModuleAst> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new CutlineError('USAGE', `cannot read the TLA+ module ${path}`, { cause });
  }
  const tree = await parseTla(path, text);
  try {
    return convertModule(path, tree.rootNode);
  } finally {
    tree.delete();
  }
}

/** Parses `rootPath` and, depth first, every non-standard module it extends; extended modules come first. */
export async function loadSpec(rootPath: string): Promise<ResolvedSpec> {
  const ordered: ModuleAst[] = [];
  const visiting = new Set<string>();
  const visit = async (path: string): Promise<void> => {
    const module = await parseModuleFile(path);
    if (visiting.has(module.name)) return;
    visiting.add(module.name);
    for (const ext of module.extends) {
      if (standardModules[ext.name] !== undefined || visiting.has(ext.name)) continue;
      const extPath = join(dirname(rootPath), `${ext.name}.tla`);
      try {
        await visit(extPath);
      } catch (error) {
        if (error instanceof CutlineError && error.code === 'USAGE') throw syntaxError(ext.loc, `cannot find module ${ext.name} (looked for ${extPath})`);
        throw error;
      }
    }
    ordered.push(module);
  };
  await visit(rootPath);
  return resolveSpec(ordered);
}
