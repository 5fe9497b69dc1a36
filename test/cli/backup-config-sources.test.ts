// Backup configuration: strict ISO-8601 durations, and flags over env over config file over defaults.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeBackupConfig, resolveBackupConfig } from '../../src/cli/backup-config-sources.js';
import { codecAvailable } from '../../src/store/chunk-codec.js';
import { formatDuration, parseDuration } from '../../src/engine/duration.js';
import { CutlineError } from '../../src/errors.js';
import { temporaryDirectory } from '../engine/helpers.js';
import { defaultBackupConfig } from '../../src/protocol/backup-config.js';

function writeConfig(document: unknown): string {
  const file = path.join(temporaryDirectory('config'), 'cutline.json');
  fs.writeFileSync(file, typeof document === 'string' ? document : JSON.stringify(document));
  return file;
}

function usageError(work: () => unknown): CutlineError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(CutlineError);
    expect((error as CutlineError).code).toBe('USAGE');
    return error as CutlineError;
  }
  throw new Error('expected a USAGE error');
}

describe('ISO-8601 durations', () => {
  it.each([
    ['PT30S', 30_000],
    ['PT5M', 300_000],
    ['P1D', 86_400_000],
    ['PT1H', 3_600_000],
    ['P1DT2H3M4S', 93_784_000],
    ['PT0.5S', 500],
    ['PT1.25S', 1_250],
    ['PT90S', 90_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, ms });
  });

  it.each(['', 'P', 'PT', '30s', 'PT30', 'pt30s', 'P1M', 'P1Y', 'P1W', 'PT1.2345S', 'PT-1S', 'P1DT', ' PT1S', 'PT1S ', 'PT1M1H'])(
    'refuses %j',
    (text) => {
      expect(parseDuration(text).ok).toBe(false);
    },
  );

  it('explains that months have no fixed length', () => {
    expect(parseDuration('P1M')).toMatchObject({ ok: false, problem: expect.stringContaining('use days') as unknown });
  });

  it('formats back to the canonical form', () => {
    expect([30_000, 300_000, 86_400_000, 93_784_000, 500].map(formatDuration)).toEqual(['PT30S', 'PT5M', 'P1D', 'P1DT2H3M4S', 'PT0.5S']);
  });
});

describe('backup configuration', () => {
  it('defaults to everything off', () => {
    expect(resolveBackupConfig({})).toEqual(defaultBackupConfig);
    expect(describeBackupConfig(defaultBackupConfig)).toBe(
      'continuous off, checkpoint interval off, schedule off, retention window off, retention cleanup off, compression gzip',
    );
  });

  it('takes flags over env over the config file, setting by setting', () => {
    const configFile = writeConfig({
      backup: {
        continuous: true,
        checkpointInterval: 'PT1M',
        schedule: 'PT10M',
        retentionWindow: 'P7D',
        retentionCleanupSchedule: 'PT1H',
        compression: 'none',
      },
    });
    const env = { CUTLINE_BACKUP_SCHEDULE: 'PT5M', CUTLINE_BACKUP_CHECKPOINT_INTERVAL: 'PT20S', CUTLINE_BACKUP_CONTINUOUS: 'false' };
    const config = resolveBackupConfig({ configFile, env, flags: { checkpointInterval: 'PT30S' } });
    expect(config).toEqual({
      continuous: false,
      checkpointIntervalMs: 30_000,
      scheduleMs: 300_000,
      retentionWindowMs: 7 * 86_400_000,
      retentionCleanupScheduleMs: 3_600_000,
      compression: 'none',
    });
    expect(resolveBackupConfig({ configFile, env: { CUTLINE_BACKUP_COMPRESSION: 'gzip' } }).compression).toBe('gzip');
    expect(
      resolveBackupConfig({ configFile, env: { CUTLINE_BACKUP_COMPRESSION: 'gzip' }, flags: { compression: 'none' } }).compression,
    ).toBe('none');
  });

  it('reads every environment variable', () => {
    const config = resolveBackupConfig({
      env: {
        CUTLINE_BACKUP_CONTINUOUS: 'true',
        CUTLINE_BACKUP_CHECKPOINT_INTERVAL: 'PT30S',
        CUTLINE_BACKUP_SCHEDULE: 'PT2M',
        CUTLINE_BACKUP_RETENTION_WINDOW: 'PT30M',
        CUTLINE_BACKUP_RETENTION_CLEANUP_SCHEDULE: 'PT10M',
        CUTLINE_BACKUP_COMPRESSION: 'none',
      },
    });
    expect(config).toEqual({
      continuous: true,
      checkpointIntervalMs: 30_000,
      scheduleMs: 120_000,
      retentionWindowMs: 1_800_000,
      retentionCleanupScheduleMs: 600_000,
      compression: 'none',
    });
  });

  it('names the variable, flag or file key and the bad value', () => {
    expect(usageError(() => resolveBackupConfig({ env: { CUTLINE_BACKUP_SCHEDULE: '5m' } })).message).toBe(
      'CUTLINE_BACKUP_SCHEDULE = "5m" is not an ISO-8601 duration such as PT30S, PT5M or P1D',
    );
    expect(usageError(() => resolveBackupConfig({ flags: { checkpointInterval: 'PT0.1S' } })).message).toBe(
      '--backup-checkpoint-interval = "PT0.1S" is outside PT1S..P3650D',
    );
    expect(usageError(() => resolveBackupConfig({ env: { CUTLINE_BACKUP_CONTINUOUS: 'yes' } })).message).toBe(
      'CUTLINE_BACKUP_CONTINUOUS must be true or false, got "yes"',
    );
    expect(usageError(() => resolveBackupConfig({ flags: { compression: 'lz4' } })).message).toBe(
      '--backup-compression = "lz4" is not a compression cutline knows',
    );
    const zstd = () => resolveBackupConfig({ env: { CUTLINE_BACKUP_COMPRESSION: 'zstd' } });
    if (codecAvailable('zstd')) expect(zstd().compression).toBe('zstd');
    else
      expect(usageError(zstd).message).toBe(
        `CUTLINE_BACKUP_COMPRESSION = zstd needs Node 22.15 or later (zlib zstd); this is Node ${process.version}`,
      );
    const configFile = writeConfig({ backup: { schedule: 300 } });
    expect(usageError(() => resolveBackupConfig({ configFile })).message).toBe(`backup.schedule in ${configFile} = 300 is not a string`);
  });

  it('refuses unknown keys, files that are not JSON objects, and retention without both settings', () => {
    expect(usageError(() => resolveBackupConfig({ configFile: writeConfig({ backup: { interval: 'PT1S' } }) })).message).toContain(
      'unknown key "backup.interval"',
    );
    expect(usageError(() => resolveBackupConfig({ configFile: writeConfig({ backups: {} }) })).message).toContain('unknown key "backups"');
    expect(usageError(() => resolveBackupConfig({ configFile: writeConfig('{"backup":') })).message).toContain('is not valid JSON');
    expect(usageError(() => resolveBackupConfig({ configFile: writeConfig([]) })).message).toContain('is not a JSON object');
    expect(usageError(() => resolveBackupConfig({ env: { CUTLINE_BACKUP_RETENTION_WINDOW: 'P1D' } })).message).toContain(
      'only the window is set',
    );
  });
});
