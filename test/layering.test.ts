// The folders of src/ form floors, and every import points down: no folder imports one above it or beside it.
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
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
  readonly from: string;
  readonly to: string;
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
    const to = folderOf(resolve(dirname(file), specifier));
    const line = text.slice(0, match.index).split('\n').length;
    return to === undefined ? [] : [{ file: relative(srcRoot, file), line, specifier, from, to }];
  });
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
});
