// `cutline engine start` with continuous backups: bad durations and missing stores fail as USAGE; a run writes backups and metadata.json.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../engine/helpers.js';

const bin = new URL('../../src/cli/bin.ts', import.meta.url).pathname;

/**
 * Runs `cutline engine start ...args`; with `stopWhen`, sends SIGTERM once it holds, asked whenever the
 * engine prints (it prints a progress line every second): what the test needs, not a time that a busy
 * machine may not have been enough for.
 */
function engineStart(
  args: string[],
  env: Record<string, string>,
  stopWhen?: (output: string) => boolean,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', bin, 'engine', 'start', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let output = '';
    let sent = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (stopWhen !== undefined && !sent && stopWhen(output)) {
        sent = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('cutline engine start with backup configuration', () => {
  it('refuses a bad duration from the environment and names the variable and the value', async () => {
    const result = await engineStart(['--data-dir', temporaryDirectory('cli-config'), '--store', temporaryDirectory('cli-store')], {
      CUTLINE_BACKUP_SCHEDULE: '5m',
    });
    expect(result.code).toBe(2);
    expect(result.output).toContain('error [USAGE]: CUTLINE_BACKUP_SCHEDULE = "5m" is not an ISO-8601 duration such as PT30S, PT5M or P1D');
    expect(result.output).toContain('hint: Durations are ISO-8601');
  });

  it('refuses a backup schedule without a store', async () => {
    const result = await engineStart(['--data-dir', temporaryDirectory('cli-config'), '--backup-schedule', 'PT1M'], {});
    expect(result.code).toBe(2);
    expect(result.output).toContain('error [USAGE]: a backup schedule needs a backup store');
  });

  it('takes scheduled backups and writes metadata.json, with the flag over the config file', async () => {
    const storeDirectory = temporaryDirectory('cli-store');
    const configFile = path.join(temporaryDirectory('cli-config'), 'cutline.json');
    fs.writeFileSync(
      configFile,
      JSON.stringify({ backup: { continuous: true, checkpointInterval: 'PT1S', schedule: 'PT1H', compression: 'none' } }),
    );
    const args = [
      '--data-dir',
      temporaryDirectory('cli-data'),
      '--partitions',
      '2',
      '--workload-rate',
      '50',
      '--store',
      storeDirectory,
      '--config',
      configFile,
      '--backup-schedule',
      'PT1S',
    ];
    // Both partitions have begun a backup (manifests) and written metadata.json with a checkpoint.
    const written = (): boolean =>
      [1, 2].every((partitionId) => {
        const metadata = path.join(storeDirectory, 'metadata', String(partitionId), 'metadata.json');
        const manifests = path.join(storeDirectory, 'manifests', String(partitionId));
        return (
          fs.existsSync(metadata) &&
          (JSON.parse(fs.readFileSync(metadata, 'utf8')) as { checkpoints: unknown[] }).checkpoints.length > 0 &&
          fs.existsSync(manifests) &&
          fs.readdirSync(manifests).length > 0
        );
      });
    const result = await engineStart(
      args,
      {},
      (output) =>
        /checkpoint \d+ \(SCHEDULED_BACKUP\) requested by node 0/.test(output) && written() && chunksOf(storeDirectory).length > 0,
    );
    expect(result.output).toContain(
      'backup config: continuous on, checkpoint interval PT1S, schedule PT1S, retention window off, retention cleanup off, compression none',
    );
    // backup.compression reached the backup manager: every chunk's header names codec 0 (none).
    for (const chunk of chunksOf(storeDirectory)) expect(fs.readFileSync(chunk)[5], chunk).toBe(0);
    expect(result.output).toMatch(/checkpoint \d+ \(SCHEDULED_BACKUP\) requested by node 0/);
    expect(result.code).toBe(0);
    for (const partitionId of [1, 2]) {
      const metadata = JSON.parse(fs.readFileSync(path.join(storeDirectory, 'metadata', String(partitionId), 'metadata.json'), 'utf8')) as {
        formatVersion: number;
        checkpoints: unknown[];
      };
      expect(metadata.formatVersion).toBe(1);
      expect(metadata.checkpoints.length).toBeGreaterThan(0);
      expect(fs.readdirSync(path.join(storeDirectory, 'manifests', String(partitionId))).length).toBeGreaterThan(0);
    }
  });
});

describe('cutline engine start --json', () => {
  it('prints one JSON object a line: started, checkpoints, backups started and completed, stopped', async () => {
    const args = [
      '--data-dir',
      temporaryDirectory('cli-json-data'),
      '--partitions',
      '2',
      '--workload-rate',
      '50',
      '--store',
      temporaryDirectory('cli-json-store'),
      '--backup-schedule',
      'PT1S',
      '--json',
    ];
    const completedBoth = (output: string): boolean =>
      [1, 2].every(
        (partitionId) =>
          output.includes(`"event":"backup-completed","backupId":`) &&
          new RegExp(`"backup-completed","backupId":\\d+,"partitionId":${partitionId}`).test(output),
      );
    const result = await engineStart(args, {}, completedBoth);
    expect(result.code).toBe(0);
    const events = result.output
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { time: string; event: string; message: string; [field: string]: unknown });
    for (const event of events) {
      expect(Number.isNaN(Date.parse(event.time)), JSON.stringify(event)).toBe(false);
      expect(typeof event.message).toBe('string');
    }
    const names = events.map((event) => event.event);
    expect(names.slice(0, 4)).toEqual(['node', 'started', 'backup-config', 'store']);
    expect(events.find((event) => event.event === 'backup-config')).toMatchObject({
      scheduleMs: 1000,
      compression: 'gzip',
      continuous: false,
    });
    expect(events.find((event) => event.event === 'checkpoint-requested')).toMatchObject({ checkpointType: 'SCHEDULED_BACKUP', nodeId: 0 });
    const completed = events.find((event) => event.event === 'backup-completed');
    expect(completed).toMatchObject({ partitionId: expect.any(Number) as number, reason: null });
    expect(events.find((event) => event.event === 'backup-started' && event.backupId === completed?.backupId)).toBeDefined();
    expect(names.slice(-2)).toEqual(['stopping', 'stopped']);
  }, 120_000);
});

/** The chunk objects of a filesystem store. */
function chunksOf(storeDirectory: string): string[] {
  const root = path.join(storeDirectory, 'chunks');
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((entry) => path.join(root, entry))
    .filter((entry) => fs.statSync(entry).isFile());
}
