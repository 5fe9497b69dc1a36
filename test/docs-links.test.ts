// Every relative link in the documentation points at a file that exists, and at a heading of it when it names one.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The documentation: the front page, the format contract, the reference pages and the READMEs of shipped folders. */
function documentationFiles(): string[] {
  const pages = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name));
  return ['README.md', 'FORMAT.md', 'grammar/README.md', 'fixtures/README.md', ...pages].map((path) => join(root, path));
}

/** The text outside fenced code blocks, so that an example's brackets are not read as links or headings. */
function proseLines(markdown: string): string[] {
  const lines: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    else if (!fenced) lines.push(line);
  }
  return lines;
}

/** GitHub's heading anchors: lower case, punctuation but `-` and `_` dropped, spaces as `-`, repeats numbered. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const text = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** The targets of inline links `[text](target)` in prose; code spans are left out. */
function linkTargets(markdown: string): string[] {
  const targets: string[] = [];
  for (const line of proseLines(markdown)) {
    const prose = line.replace(/`[^`]*`/g, '');
    for (const match of prose.matchAll(/\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) targets.push(match[1] ?? '');
  }
  return targets;
}

/** What is wrong with each relative link of `file` (whose text is `markdown`); `read` gives a linked file's text. */
function brokenLinks(file: string, markdown: string, read: (path: string) => string | undefined): string[] {
  const problems: string[] = [];
  for (const target of linkTargets(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: ... are not ours to check
    const hashAt = target.indexOf('#');
    const path = hashAt === -1 ? target : target.slice(0, hashAt);
    const anchor = hashAt === -1 ? undefined : decodeURIComponent(target.slice(hashAt + 1));
    const linked = path === '' ? file : join(dirname(file), decodeURIComponent(path));
    const text = read(linked);
    if (text === undefined) {
      problems.push(`${target}: no file ${linked}`);
      continue;
    }
    if (anchor !== undefined && !headingAnchors(text).has(anchor))
      problems.push(`${target}: ${linked} has no heading with the anchor #${anchor}`);
  }
  return problems;
}

function readIfFile(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  // A link to a folder resolves (GitHub lists it); it has no headings.
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

describe('relative links in the documentation', () => {
  for (const file of documentationFiles()) {
    const name = relative(root, file);
    it(`resolve in ${name}`, () => {
      expect(brokenLinks(file, readFileSync(file, 'utf8'), readIfFile), `broken links in ${name}`).toEqual([]);
    });
  }

  it('are found, so that the check above is not empty', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const pages = readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md'));
    expect(pages.length).toBeGreaterThan(0);
    // The front page links every reference page and the format contract.
    for (const page of pages) expect(linkTargets(readme), `README.md links docs/${page}`).toContain(`docs/${page}`);
    expect(linkTargets(readme)).toContain('FORMAT.md');
  });
});

describe('the link checker', () => {
  const pages: Record<string, string> = {
    '/d/a.md': '# A page\n\n## Point-in-time restore (`--to`)\n\n## Twice\n\n## Twice\n',
    '/d/b.md': [
      '[ok](a.md) [ok](a.md#a-page) [ok](a.md#point-in-time-restore---to) [ok](a.md#twice-1) [ok](#here)',
      '[gone](c.md) [no anchor](a.md#nowhere) [web](https://example.com/x.md) `[code](c.md)`',
      '```',
      '[in a fence](c.md)',
      '```',
      '## Here',
    ].join('\n'),
  };
  it('reports a missing file and a missing anchor, and nothing else', () => {
    expect(brokenLinks('/d/b.md', pages['/d/b.md'] ?? '', (path) => pages[path])).toEqual([
      'c.md: no file /d/c.md',
      'a.md#nowhere: /d/a.md has no heading with the anchor #nowhere',
    ]);
  });
});
