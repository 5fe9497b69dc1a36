// The report formats: JSON parses with every finding, JUnit XML is well formed with one test case per check per partition.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { goldenDirectory } from '../../fixtures/generate.js';
import { brokenFixtures } from '../../fixtures/broken-fixtures.js';
import { escapeXml } from '../../src/verify/junit-report.js';
import { findingCodes } from '../../src/verify/findings.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { brokenCopy, runCli } from './verify-support.js';

const newDirectory = temporaryDirectories('verify-reports');

interface XmlElement {
  readonly name: string;
  readonly attributes: Record<string, string>;
  readonly children: XmlElement[];
  text: string;
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const unescape = (text: string): string =>
  text.replace(/&([a-z]+);/g, (whole, name: string) => {
    const value = entities[name];
    if (value === undefined) throw new Error(`unknown entity ${whole}`);
    return value;
  });

/** A small strict XML parser (elements, attributes, text, the declaration): throws on anything malformed. */
function parseXml(xml: string): XmlElement {
  const body = xml.replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n/, '');
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  const token = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[A-Za-z][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = token.exec(body)) !== null) {
    consumed = token.lastIndex;
    const [, closing, name, attributeText, selfClosing, text] = match;
    const top = stack.at(-1) as XmlElement;
    if (text !== undefined) {
      if (/&(?!(amp|lt|gt|quot|apos);)/.test(text) || text.includes('>')) throw new Error(`raw markup in text: ${text}`);
      top.text += unescape(text);
      continue;
    }
    if (closing === '/') {
      if (top.name !== name) throw new Error(`</${String(name)}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const attributes: Record<string, string> = {};
    for (const attribute of (attributeText ?? '').matchAll(/([A-Za-z][\w.-]*)="([^"<]*)"/g)) {
      if (/&(?!(amp|lt|gt|quot|apos);)/.test(attribute[2] ?? '')) throw new Error(`raw & in attribute ${String(attribute[1])}`);
      attributes[attribute[1] as string] = unescape(attribute[2] ?? '');
    }
    const element: XmlElement = { name: name as string, attributes, children: [], text: '' };
    top.children.push(element);
    if (selfClosing !== '/') stack.push(element);
  }
  if (consumed !== body.length || stack.length !== 1) throw new Error(`malformed XML at offset ${consumed}`);
  const [document] = root.children;
  if (root.children.length !== 1 || document === undefined) throw new Error('an XML document has one root element');
  return document;
}

const testCases = (root: XmlElement): XmlElement[] =>
  root.children.flatMap((suite) => suite.children.filter((child) => child.name === 'testcase'));

describe('JUnit XML', () => {
  it('has one passing test case per check per partition for the golden backup', async () => {
    for (const [level, checks] of [
      ['presence', 2],
      ['checksum', 3],
      ['full', 7],
    ] as const) {
      const run = await runCli(['verify-backup', '--store', goldenDirectory, '--backupId', '1', '--level', level, '--format', 'junit']);
      expect(run.code).toBe(0);
      const root = parseXml(run.stdout);
      expect(root.name).toBe('testsuites');
      expect(root.attributes).toMatchObject({ tests: String(3 * checks), failures: '0' });
      const cases = testCases(root);
      expect(cases).toHaveLength(3 * checks);
      expect(cases.every((entry) => entry.children.length === 0)).toBe(true);
      expect(cases[0]?.attributes).toEqual({ classname: 'cutline.verify-backup.backup-1', name: 'partition 1: manifest' });
    }
  });

  it('fails the test case of the check and partition a finding belongs to, with the finding in it, and skips what could not run', async () => {
    const directory = await newDirectory();
    const fixture = brokenFixtures.find((entry) => entry.name === 'flipped-bit-segment');
    if (fixture === undefined) throw new Error('fixture missing');
    const store = await brokenCopy(fixture, directory);
    const output = join(directory, 'report.xml');
    const run = await runCli(['verify-backup', '--store', store, '--latest', '--format', 'junit', '--output', output]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`1 finding: report written to ${output}`);
    const root = parseXml(await readFile(output, 'utf8'));
    const cases = testCases(root);
    expect(cases).toHaveLength(21);
    const failed = cases.filter((entry) => entry.children.some((child) => child.name === 'failure'));
    expect(failed.map((entry) => entry.attributes.name)).toEqual(['partition 2: log']);
    const failure = failed[0]?.children[0];
    expect(failure?.attributes.type).toBe('LOG_CORRUPT');
    expect(failure?.text).toContain('a CRC mismatch in the frame at byte offset 32');
    const skipped = cases.filter((entry) => entry.children.some((child) => child.name === 'skipped')).map((entry) => entry.attributes.name);
    expect(skipped).toEqual([
      'partition 1: consistency',
      'partition 2: checkpoint-record',
      'partition 2: consistency',
      'partition 3: consistency',
    ]);
  });

  it('escapes any text so that it parses back to itself', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const escaped = escapeXml(text);
        expect(escaped).not.toMatch(/[<>"']/);
        const parsed = parseXml(`<a b="${escaped}">${escaped}</a>`);
        expect(parsed.attributes.b).toBe(text);
        expect(parsed.text).toBe(text);
      }),
    );
    expect(escapeXml('a\u0000b\u001fc')).toBe('a\uFFFDb\uFFFDc');
  });
});

describe('JSON', () => {
  it('is one document with every finding, its backup, partition, path and message', async () => {
    const fixture = brokenFixtures.find((entry) => entry.name === 'path-traversal');
    if (fixture === undefined) throw new Error('fixture missing');
    const store = await brokenCopy(fixture, await newDirectory());
    const run = await runCli(['verify-backup', '--store', store, '--backupId', '1', '--format', 'json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      ok: boolean;
      findingCount: number;
      level: string;
      backups: { findings: unknown[]; checks: string[] }[];
    };
    expect(report).toMatchObject({ ok: false, findingCount: 2, level: 'full' });
    expect(report.backups[0]?.findings).toEqual([
      expect.objectContaining({
        code: 'FILE_PATH_UNSAFE',
        backupId: 1,
        partitionId: 2,
        path: 'manifests/2/1/0/manifest.json',
        message: expect.stringContaining('"segments/../../../escape.log"') as unknown,
      }),
      expect.objectContaining({ code: 'MANIFEST_INVALID', backupId: 1, partitionId: 2 }),
    ]);
  });
});

describe('the summary on stdout when the report goes to a file', () => {
  it.each(['text', 'json', 'junit'] as const)('never calls a backup with findings OK (--format %s --output)', async (format) => {
    const directory = await newDirectory();
    const fixture = brokenFixtures.find((entry) => entry.name === 'path-traversal');
    if (fixture === undefined) throw new Error('fixture missing');
    const store = await brokenCopy(fixture, directory);
    const output = join(directory, `report.${format}`);
    const run = await runCli(['verify-backup', '--store', store, '--all', '--level', 'full', '--format', format, '--output', output]);
    expect(run.code).toBe(1);
    const backupLine = run.stdout.split('\n').find((line) => line.startsWith('backup 1: '));
    expect(backupLine).toMatch(/: 2 findings(, \d+ checks? skipped)?$/);
    expect(run.stdout).not.toMatch(/: OK\b/);
    expect(run.stdout).toContain(`2 findings: report written to ${output}`);
  });
});

describe('docs/verify-backup.md', () => {
  it('has a row for every finding code with its check', async () => {
    const page = await readFile(new URL('../../docs/verify-backup.md', import.meta.url), 'utf8');
    for (const [code, info] of Object.entries(findingCodes))
      expect(page, `docs/verify-backup.md row for ${code}`).toContain(`| ${code} | ${info.check} | ${info.meaning} |`);
  });
});
