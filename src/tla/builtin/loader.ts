// Loads a root .tla module and the user modules it EXTENDS (looked up beside it), then resolves names.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ModuleAst } from './ast.js';
import { convertModules } from './cst-module.js';
import { syntaxError, unsupported } from './errors.js';
import { parseTla } from './parse-tree.js';
import { resolveSpec } from './resolve-spec.js';
import type { ResolvedSpec } from './resolve-spec.js';
import { standardModules, unimplementedModules } from './stdlib.js';
import { CutlineError } from '../../errors.js';

/** The modules of a .tla file: its own first, then any that follow it in the same file. */
async function parseModuleFile(path: string): Promise<ModuleAst[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new CutlineError('USAGE', `cannot read the TLA+ module ${path}`, { cause });
  }
  const tree = await parseTla(path, text);
  try {
    return convertModules(path, tree.rootNode);
  } finally {
    tree.delete();
  }
}

/** Parses `rootPath` and every non-standard module it extends or instantiates (looked up beside it), then resolves names. */
export async function loadSpec(rootPath: string): Promise<ResolvedSpec> {
  const parsed = new Map<string, ModuleAst>();
  // Modules found after another in the same file, used before a file of their name is looked for.
  const inFiles = new Map<string, ModuleAst>();
  const visit = async (path: string): Promise<ModuleAst> => {
    const [own, ...following] = await parseModuleFile(path);
    for (const module of following) if (!inFiles.has(module.name)) inFiles.set(module.name, module);
    return add(own as ModuleAst);
  };
  const add = async (module: ModuleAst): Promise<ModuleAst> => {
    if (parsed.has(module.name)) return module;
    parsed.set(module.name, module);
    const needed = [...module.extends, ...module.instances.map((i) => ({ name: i.module, loc: i.loc }))];
    for (const ref of needed) {
      if (standardModules[ref.name] !== undefined || parsed.has(ref.name)) continue;
      const inFile = inFiles.get(ref.name);
      if (inFile !== undefined) {
        await add(inFile);
        continue;
      }
      const refPath = join(dirname(rootPath), `${ref.name}.tla`);
      try {
        await visit(refPath);
      } catch (error) {
        if (!(error instanceof CutlineError) || error.code !== 'USAGE') throw error;
        // A module TLC would take from its library (a copy beside the spec is used if there is one).
        const known = unimplementedModules[ref.name];
        if (known !== undefined) throw unsupported(ref.loc, known);
        throw syntaxError(ref.loc, `cannot find module ${ref.name} (looked for ${refPath})`);
      }
    }
    return module;
  };
  const root = await visit(rootPath);
  const chain = (name: string, fresh: boolean): ModuleAst[] | undefined => {
    if (!parsed.has(name)) return undefined;
    const ordered: ModuleAst[] = [];
    const seen = new Set<string>();
    const add = (module: ModuleAst): void => {
      if (seen.has(module.name)) return;
      seen.add(module.name);
      for (const ext of module.extends) {
        const extended = parsed.get(ext.name);
        if (extended !== undefined) add(extended);
      }
      // Each instance resolves its own copy, since its substitutions give the same names other meanings.
      ordered.push(fresh ? structuredClone(module) : module);
    };
    add(parsed.get(name) as ModuleAst);
    return ordered;
  };
  return resolveSpec(chain(root.name, false) ?? [root], (name) => chain(name, true));
}
