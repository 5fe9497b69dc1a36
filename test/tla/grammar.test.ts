// The TLA+ grammar cutline ships (grammar/): the file the parser loads is the one grammar/README.md names.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { grammarWasmPath, parseTla } from '../../src/tla/builtin/parse-tree.js';

/** @tlaplus/tree-sitter-tlaplus 1.5.0's tree-sitter-tlaplus.wasm; grammar/README.md says how to update it. */
const grammarSha256 = '40e066a8cf25a4415dbb5340bb401c80aa96837d05ee2710b00ae951b046b22c';

describe('the shipped TLA+ grammar', () => {
  it('is the file of the upstream release grammar/README.md names', async () => {
    const bytes = await readFile(grammarWasmPath);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(grammarSha256);
  });

  it('parses a module', async () => {
    const tree = await parseTla('M.tla', '---- MODULE M ----\nVARIABLE x\nInit == x = 0\n====\n');
    expect(tree.rootNode.type).toBe('source_file');
  });
});
