// kill -9 of a real `cutline engine start` while it takes continuous backups and retention deletes and collects: nothing COMPLETED breaks, nothing is left behind.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { SeededRandom } from '../../src/random.js';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { listAll } from '../../src/store/backup-store.js';
import { parseChunkKey } from '../../src/backup/chunk-format.js';
import { collectChunks, referencedChunks } from '../../src/backup/chunk-collection.js';
import { listRetentionCandidates } from '../../src/backup/retention.js';
import { verifyBackup } from '../../src/verify/verify-backup.js';
import { temporaryDirectory } from '../engine/helpers.js';

const bin = new URL('../../src/cli/bin.ts', import.meta.url).pathname;
/** How many kills the test makes; CUTLINE_KILL_RUNS raises it for a sweep (the issue asks for 20). */
const kills = Number(process.env.CUTLINE_KILL_RUNS ?? 3);
const partitionCount = 2;

/**
 * Runs the engine with backups every second and retention deleting everything older than 2 s every
 * second; once it has logged `backupsBeforeStop` completed backups, sends `signal` after `delayMs`.
 */
function engineRun(dataDirectory: string, storeDirectory: string, signal: 'SIGKILL' | 'SIGTERM', backupsBeforeStop: number, delayMs: number): Promise<string> {
  const args = ['--data-dir', dataDirectory, '--partitions', String(partitionCount), '--workload-rate', '100', '--store', storeDirectory];
  const backup = ['--backup-continuous', '--backup-checkpoint-interval', 'PT1S', '--backup-schedule', 'PT1S', '--backup-retention-window', 'PT2S', '--backup-retention-cleanup-schedule', 'PT1S'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', bin, 'engine', 'start', ...args, ...backup], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stopping = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!stopping && (output.match(/ COMPLETED/g)?.length ?? 0) >= backupsBeforeStop) {
        stopping = true;
        setTimeout(() => child.kill(signal), delayMs);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', () => resolve(output));
  });
}

describe('kill -9 during continuous backups and retention', () => {
  it(`leaves every COMPLETED backup whole, no backup IN_PROGRESS after a restart, and orphans for the next collection (${kills} kills)`, async () => {
    const dataDirectory = temporaryDirectory('kill-data');
    const storeDirectory = temporaryDirectory('kill-store');
    const random = new SeededRandom(14);
    for (let kill = 0; kill < kills; kill++) {
      await engineRun(dataDirectory, storeDirectory, 'SIGKILL', 1 + random.int(3), random.int(1500));
    }
    const last = await engineRun(dataDirectory, storeDirectory, 'SIGTERM', 2, 0);
    expect(last).toContain('engine stopped cleanly');
    const store = new FileSystemBackupStore(storeDirectory);
    const manifests = (await listRetentionCandidates(store)).flatMap((candidate) => candidate.manifests);
    expect(manifests.filter((manifest) => manifest.status === 'IN_PROGRESS')).toEqual([]);
    const completedIds = [...new Set(manifests.filter((manifest) => manifest.status === 'COMPLETED').map((manifest) => manifest.id.checkpointId))];
    expect(completedIds.length).toBeGreaterThan(0);
    for (const backupId of completedIds) {
      const report = await verifyBackup(store, backupId, { level: 'full' });
      expect(report.findings.filter((finding) => finding.code !== 'PARTITION_MISSING'), `backup ${backupId}`).toEqual([]);
    }
    // One more collection per partition leaves exactly the chunks that live manifests reference.
    for (let partitionId = 1; partitionId <= partitionCount; partitionId++) {
      await collectChunks(store, partitionId, { clock: systemClock });
      const stored = (await listAll(store, `chunks/${partitionId}/`)).map((entry) => parseChunkKey(entry.key)?.sha256);
      expect(new Set(stored)).toEqual(await referencedChunks(store, partitionId));
    }
  }, 120_000);
});
