// The version manifests record is the package's version.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { cutlineVersion } from '../../src/version.js';

describe('cutlineVersion', () => {
  it('equals the version in package.json', () => {
    const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(cutlineVersion).toBe(packageJson.version);
  });
});
