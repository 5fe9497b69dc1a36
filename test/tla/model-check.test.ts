// models.json loading, backend selection, the TLC process plumbing and `cutline model-check` exit codes.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ModelCheckBackend, ModelCheckResult } from '../../src/tla/backend.js';
import { selectBackend } from '../../src/tla/backend-select.js';
import { defaultModelsPath, loadModels, parseModelList } from '../../src/tla/models.js';
import { runModels } from '../../src/tla/model-check-run.js';
import { TlcBackend } from '../../src/tla/tlc-backend.js';
import { main } from '../../src/cli/main.js';
import { errorCodes } from '../../src/error-codes.js';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cutline-model-check-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('spec/models.json', () => {
  it('lists every model with existing files, valid variants expected to pass and broken ones to fail', async () => {
    const models = await loadModels(defaultModelsPath());
    const expected = Object.fromEntries(models.map((m) => [m.name, m.expected]));
    expect(expected).toEqual({
      CheckpointProtocol: 'pass',
      CheckpointProtocolNoPiggyback: 'ConsistentCut',
      CheckpointProtocolCommandFirst: 'ConsistentCut',
      CheckpointProtocolNoFairness: 'CheckpointReached',
      ContinuousBackup: 'pass',
      ContinuousBackupNoRetention: 'RangesContiguous',
      ChunkCollection: 'pass',
      ChunkCollectionNoRecheck: 'CompletedChunksExist',
      PointInTimeRestore: 'pass',
      PointInTimeRestoreGaps: 'pass',
      PointInTimeRestoreRefinement: 'pass',
      PointInTimeRestoreStitchGaps: 'NoGapStitched',
      PointInTimeRestoreMixedCuts: 'ConsistentCut',
      PointInTimeRestoreNoRetainNewest: 'MarkerRestorable',
    });
  });

  it('rejects malformed lists naming what is wrong', () => {
    expect(() => parseModelList('{', 'm.json')).toThrow(/m.json is not valid JSON/);
    expect(() =>
      parseModelList('{"version":1,"models":[{"name":"A","module":"A.tla","config":"A.cfg","description":"d"}]}', 'm.json'),
    ).toThrow("m.json does not match the models schema: /models/0 must have required property 'expected'");
    const twice = {
      version: 1,
      models: [1, 2].map(() => ({ name: 'A', module: 'A.tla', config: 'A.cfg', description: 'd', expected: 'pass' })),
    };
    expect(() => parseModelList(JSON.stringify(twice), 'm.json')).toThrow('m.json lists model A twice');
  });

  it('rejects a model whose .cfg is missing', async () => {
    const path = join(scratch, 'models.json');
    await writeFile(
      path,
      JSON.stringify({ version: 1, models: [{ name: 'A', module: 'A.tla', config: 'A.cfg', description: 'd', expected: 'pass' }] }),
    );
    await writeFile(join(scratch, 'A.tla'), '---- MODULE A ----\n====\n');
    await expect(loadModels(path)).rejects.toMatchObject({
      code: 'MODELS_INVALID',
      message: `model A in ${path} names ${join(scratch, 'A.cfg')}, which does not exist`,
    });
  });
});

function fixedBackend(outcome: Partial<ModelCheckResult>): ModelCheckBackend {
  return {
    name: 'builtin',
    check: () =>
      Promise.resolve({
        backend: 'builtin',
        outcome: 'pass',
        statesGenerated: 10,
        distinctStates: 5,
        depth: 3,
        liveness: { checked: false, note: 'n/a' },
        durationMs: 1,
        ...outcome,
      }),
  };
}

describe('selectBackend', () => {
  const none = {
    findJar: () => Promise.resolve(undefined),
    javaAvailable: () => Promise.resolve(true),
    loadBuiltin: () => Promise.resolve(undefined),
  };

  it('fails with MODEL_CHECK_NO_BACKEND, a distinct exit code, when nothing is available', async () => {
    await expect(selectBackend('auto', { env: {}, ...none })).rejects.toMatchObject({ code: 'MODEL_CHECK_NO_BACKEND' });
    const used = new Set(
      Object.entries(errorCodes)
        .filter(([code]) => code !== 'MODEL_CHECK_NO_BACKEND')
        .map(([, info]) => info.exitCode),
    );
    expect(used.has(errorCodes.MODEL_CHECK_NO_BACKEND.exitCode)).toBe(false);
  });

  it('prefers TLC for auto when a jar and Java exist, and falls back to the built-in checker', async () => {
    const builtin = fixedBackend({});
    expect((await selectBackend('auto', { env: {}, ...none, findJar: () => Promise.resolve('/x.jar') })).name).toBe('tlc');
    expect(
      await selectBackend('auto', {
        env: {},
        ...none,
        javaAvailable: () => Promise.resolve(false),
        findJar: () => Promise.resolve('/x.jar'),
        loadBuiltin: () => Promise.resolve(builtin),
      }),
    ).toBe(builtin);
    await expect(selectBackend('tlc', { env: {}, ...none, loadBuiltin: () => Promise.resolve(builtin) })).rejects.toMatchObject({
      code: 'MODEL_CHECK_NO_BACKEND',
    });
  });
});

describe('runModels', () => {
  it('matches outcomes by name and compares counts only for exhaustive runs', async () => {
    const models = await loadModels(defaultModelsPath());
    const pass = models
      .filter((m) => m.expected === 'pass')
      .map((m) => ({ ...m, counts: { distinctStates: 5, depth: 3, checker: 'tlc' as const } }));
    expect((await runModels(pass, fixedBackend({}), {})).allMatch).toBe(true);
    const wrongCounts = await runModels(pass, fixedBackend({ distinctStates: 6 }), {});
    expect(wrongCounts.verdicts[0]?.countMismatch).toBe('expected 5 distinct states and depth 3 (reported by tlc), got 6 and 3');
    const broken = models.filter((m) => m.expected === 'ConsistentCut');
    const report = await runModels(broken, fixedBackend({ outcome: 'invariant-violated', violated: 'ConsistentCut' }), {});
    expect(report.verdicts.map((v) => [v.actual, v.matches])).toEqual([
      ['ConsistentCut', true],
      ['ConsistentCut', true],
      ['ConsistentCut', true],
    ]);
    expect((await runModels(broken, fixedBackend({}), {})).allMatch).toBe(false);
  });
});

describe('TlcBackend', () => {
  it('runs the JVM in a scratch copy of spec/ and parses what it prints', async () => {
    // TLC cannot be downloaded here, so a stand-in executable plays the JVM: it checks the
    // arguments and the scratch copy, then prints a captured transcript and TLC's exit status.
    const transcript = fileURLToPath(new URL('./fixtures/tlc-invariant-violated.txt', import.meta.url));
    const java = join(scratch, 'java');
    await writeFile(
      java,
      [
        '#!/usr/bin/env node',
        "const { readFileSync, existsSync } = require('node:fs');",
        'const args = process.argv.slice(2);',
        "if (args[args.indexOf('-cp') + 1] !== '/opt/tla2tools.jar' || !args.includes('-tool')) { console.error('bad args ' + args.join(' ')); process.exit(2); }",
        "if (!existsSync(args[args.length - 1]) || !existsSync(args[args.indexOf('-config') + 1])) { console.error('no model in ' + process.cwd()); process.exit(3); }",
        `process.stdout.write(readFileSync(${JSON.stringify(transcript)}, 'utf8'));`,
        'process.exit(12);',
      ].join('\n'),
    );
    await chmod(java, 0o755);
    await writeFile(join(scratch, 'package.json'), '{"type":"commonjs"}');
    const models = await loadModels(defaultModelsPath());
    const model = models.find((m) => m.name === 'CheckpointProtocolNoPiggyback');
    if (model === undefined) throw new Error('model missing');
    const result = await new TlcBackend({ jarPath: '/opt/tla2tools.jar', javaPath: java }).check(model, { workers: 2 });
    expect(result).toMatchObject({ backend: 'tlc', outcome: 'invariant-violated', violated: 'ConsistentCut', distinctStates: 567 });
  });

  it('reports a JVM that cannot start as MODEL_CHECK_FAILED', async () => {
    const models = await loadModels(defaultModelsPath());
    const model = models[0];
    if (model === undefined) throw new Error('model missing');
    await expect(
      new TlcBackend({ jarPath: '/opt/tla2tools.jar', javaPath: join(scratch, 'no-such-java') }).check(model),
    ).rejects.toMatchObject({ code: 'MODEL_CHECK_FAILED' });
  });
});

describe('cutline model-check', () => {
  it('exits with MODEL_CHECK_NO_BACKEND when TLC is asked for and absent', async () => {
    const saved = { jar: process.env['TLA2TOOLS_JAR'], cache: process.env['CUTLINE_CACHE_DIR'] };
    delete process.env['TLA2TOOLS_JAR'];
    process.env['CUTLINE_CACHE_DIR'] = join(scratch, 'empty-cache');
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => written.push(String(chunk)) > 0);
    try {
      expect(await main(['model-check', '--all', '--backend', 'tlc'])).toBe(errorCodes.MODEL_CHECK_NO_BACKEND.exitCode);
      expect(written.join('')).toMatch(
        /^error \[MODEL_CHECK_NO_BACKEND\]: no model-checking backend is available for --backend tlc: no tla2tools.jar/,
      );
      written.length = 0;
      expect(await main(['model-check', '--model', 'NoSuchModel', '--backend', 'tlc'])).toBe(errorCodes.USAGE.exitCode);
      expect(written.join('')).toMatch(
        /^error \[USAGE\]: there is no model named NoSuchModel in .*models.json; the models are CheckpointProtocol, /,
      );
      written.length = 0;
      expect(await main(['model-check', '--model', 'CheckpointProtocol', '--all'])).toBe(errorCodes.USAGE.exitCode);
      expect(written.join('')).toContain('error [USAGE]: Arguments model and all are mutually exclusive');
    } finally {
      spy.mockRestore();
      if (saved.jar !== undefined) process.env['TLA2TOOLS_JAR'] = saved.jar;
      if (saved.cache === undefined) delete process.env['CUTLINE_CACHE_DIR'];
      else process.env['CUTLINE_CACHE_DIR'] = saved.cache;
    }
  });
});
