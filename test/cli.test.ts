// The CLI's shared behaviour: help lists commands, bad input is a USAGE error with exit code 2.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { errorCodes } from '../src/error-codes.js';

describe('error codes', () => {
  it('are all documented in the README with their exit code', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const [code, info] of Object.entries(errorCodes)) {
      expect(readme, `README row for ${code}`).toMatch(new RegExp(`\\| ${code} \\| ${info.exitCode} \\|`));
    }
  });
});
