// The folders of src/ form floors, and every import points down: no folder imports one above it or beside it, and no file imports itself back through others.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const srcRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/**
 * Lowest first; a folder may import its own files and those of any lower floor, never a folder on its
 * own floor or above (DESIGN.md's layout). The files directly in src/ (errors, clock, limits, ...) are
 * the floor beneath everything.
 */
const floors: readonly (readonly string[])[] = [
  ['(root)'],
  ['log', 'store'],
  // The vocabulary of backups that engine, backup, restore and verify share: ids, ranges, descriptors, configuration values.
  ['protocol'],
  ['engine'],
  ['backup', 'tla'],
  ['restore', 'api'],
  // verify-backup is the superset of restore's checks, so it builds on them.
  ['verify'],
  ['cli'],
];

interface ImportEdge {
  /** The importing file, relative to src/. */
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
  readonly from: string;
  readonly to: string;
  /** The imported file, relative to src/. */
  readonly target: string;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The top folder of src/ a file belongs to, or '(root)' for the files directly in src/ (undefined: outside src/). */
function folderOf(path: string): string | undefined {
  const inside = relative(srcRoot, path);
  if (inside.startsWith('..')) return undefined;
  const parts = inside.split(sep);
  return parts.length === 1 ? '(root)' : parts[0];
}

// Static imports and re-exports (`from '...'`), side-effect imports and dynamic `import('...')`;
// only relative specifiers name our own files.
const importPattern = /(?:\bfrom\s*|\bimport\s*\(?\s*)'(\.{1,2}\/[^']*)'/g;

// Over the whole text, not line by line: a formatter may break `import(` and its specifier apart.
function importsOf(file: string): ImportEdge[] {
  const from = folderOf(file);
  if (from === undefined) return [];
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(importPattern)].flatMap((match) => {
    const specifier = match[1] ?? '';
    const imported = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
    const to = folderOf(imported);
    const line = text.slice(0, match.index).split('\n').length;
    return to === undefined ? [] : [{ file: relative(srcRoot, file), line, specifier, from, to, target: relative(srcRoot, imported) }];
  });
}

/**
 * The files of src/ that reach each other through imports (type-only ones too), each group sorted: the
 * strongly connected components of more than one file (Tarjan). Every import inside a group closes a
 * cycle, so each group names the files a cycle runs through.
 */
function importCycles(files: readonly string[], edges: readonly ImportEdge[]): string[][] {
  const imports = new Map<string, string[]>(files.map((file) => [file, []]));
  for (const edge of edges) if (edge.target !== edge.file && imports.has(edge.target)) imports.get(edge.file)?.push(edge.target);
  const order = new Map<string, number>();
  const lowest = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    order.set(file, order.size);
    lowest.set(file, order.size - 1);
    stack.push(file);
    for (const target of imports.get(file) ?? []) {
      if (!order.has(target)) {
        visit(target);
        lowest.set(file, Math.min(lowest.get(file) ?? 0, lowest.get(target) ?? 0));
      } else if (stack.includes(target)) lowest.set(file, Math.min(lowest.get(file) ?? 0, order.get(target) ?? 0));
    }
    if (lowest.get(file) !== order.get(file)) return;
    const component = stack.splice(stack.indexOf(file));
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const file of files) if (!order.has(file)) visit(file);
  return cycles;
}

function floorOf(folder: string): number {
  return floors.findIndex((floor) => floor.includes(folder));
}

describe('layering of src/', () => {
  const files = sourceFiles(srcRoot);
  const edges = files.flatMap(importsOf);

  it('finds the imports it checks', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(edges.some((edge) => edge.from === 'cli' && edge.to === 'restore')).toBe(true);
    // The cycle check follows each import to its file: one it cannot name would hide a cycle.
    const known = new Set(files.map((file) => relative(srcRoot, file)));
    expect(edges.filter((edge) => !known.has(edge.target)).map((edge) => `${edge.file}:${edge.line} ${edge.specifier}`)).toEqual([]);
  });

  it('places every folder of src/ on a floor', () => {
    const folders = [...new Set(files.map((file) => folderOf(file) ?? ''))];
    expect(folders.filter((folder) => floorOf(folder) < 0)).toEqual([]);
  });

  it('has no import that points up or sideways between folders', () => {
    const upward = edges
      .filter((edge) => edge.from !== edge.to && floorOf(edge.to) >= floorOf(edge.from))
      .map((edge) => `${edge.file}:${edge.line} (${edge.from}) imports ${edge.specifier} (${edge.to})`);
    expect(upward).toEqual([]);
  });

  it('has no import cycle between files', () => {
    const cycles = importCycles(
      files.map((file) => relative(srcRoot, file)),
      edges,
    ).map((component) => component.join(' <-> '));
    expect(cycles).toEqual([]);
  });
});
