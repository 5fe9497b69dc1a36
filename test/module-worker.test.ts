import { describe, expect, it } from 'vitest';
import { withoutTsxLoader } from '../src/module-worker.js';

describe('withoutTsxLoader', () => {
  it('drops the flags that load tsx, in either spelling, and keeps every other option', () => {
    const execArgv = [
      '--require',
      '/work/node_modules/tsx/dist/preflight.cjs',
      '--import',
      'file:///work/node_modules/tsx/dist/loader.mjs',
      '--import=tsx',
      '--max-old-space-size=512',
      '--import',
      './instrument.mjs',
      '-r',
      'C:\\work\\node_modules\\tsx\\dist\\preflight.cjs',
      '--enable-source-maps',
    ];
    expect(withoutTsxLoader(execArgv)).toEqual(['--max-old-space-size=512', '--import', './instrument.mjs', '--enable-source-maps']);
  });

  it('keeps a module whose name merely contains tsx', () => {
    expect(withoutTsxLoader(['--import', './my-tsx-hooks.mjs'])).toEqual(['--import', './my-tsx-hooks.mjs']);
  });
});
