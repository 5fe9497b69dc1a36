// Point-in-time restore end to end: a continuous-mode run with markers and scheduled backups, restored to every marker and across a deleted backup.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { SeededRandom } from '../../src/random.js';
import { Cluster } from '../../src/engine/cluster.js';
import { InProcessTransport } from '../../src/engine/transport.js';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { ContinuousBackups } from '../../src/backup/continuous-backups.js';
import { deleteBackup } from '../../src/backup/backup-deletion.js';
import { rewriteAsVersion1 } from '../support/format-v1.js';
import { readPointInTimeListing } from '../../src/restore/pitr-listing.js';
import { planPointInTimeRestore } from '../../src/restore/pitr-planner.js';
import { executeRestore } from '../../src/restore/restore-executor.js';
import type { RestorePlan } from '../../src/restore/restore-plan.js';
import { comparableState, replayToCut } from '../sim/sim-checks.js';
import { isCutlineError } from '../../src/errors.js';
import { rangesReport, type RangesReport } from '../../src/verify/ranges-report.js';
import { runCli } from '../support/run-cli.js';
import { temporaryDirectories } from '../support/temporary-directories.js';
import { unsyncedFileSystem } from '../engine/helpers.js';
import { openBackupTestCluster, runContinuousSeconds, type BackupTestCluster } from '../support/backup-fixtures.js';

const freshDirectory = temporaryDirectories('pitr-engine');
const partitionCount = 2;

interface Run {
  readonly opened: BackupTestCluster;
  readonly storeDirectory: string;
  readonly markers: number[];
  readonly backups: number[];
}

let run: Run;

beforeAll(async () => {
  const storeDirectory = await freshDirectory();
  const opened = openBackupTestCluster(61, new FileSystemBackupStore(storeDirectory), {
    partitionCount,
    continuousBackups: true,
    snapshotIntervalRecords: 30,
  });
  // The original log stays whole from position 1, so the reference replay never lacks a record.
  for (const partition of opened.cluster.partitions()) partition.holdLog(1);
  await opened.manager.start(opened.cluster);
  const config = {
    continuous: true,
    checkpointIntervalMs: 2_000,
    scheduleMs: 8_000,
    retentionWindowMs: undefined,
    retentionCleanupScheduleMs: undefined,
    compression: 'gzip' as const,
  };
  const service = new ContinuousBackups({ cluster: opened.cluster, clock: opened.clock, config, manager: opened.manager });
  await runContinuousSeconds(opened, service, 34);
  const emitted = service.schedulers.emitted();
  run = {
    opened,
    storeDirectory,
    markers: emitted.filter((checkpoint) => checkpoint.checkpointType === 'MARKER').map((checkpoint) => checkpoint.checkpointId),
    backups: emitted.filter((checkpoint) => checkpoint.checkpointType === 'SCHEDULED_BACKUP').map((checkpoint) => checkpoint.checkpointId),
  };
}, 30_000);

afterAll(async () => {
  await run.opened.manager.close();
  run.opened.cluster.close();
});

async function plan(checkpointId: number): Promise<RestorePlan> {
  return planPointInTimeRestore({
    target: { checkpointId },
    nodeId: 0,
    clusterSize: 1,
    ...(await readPointInTimeListing(run.opened.store)),
  });
}

/** Restores the plan into a fresh directory and checks each partition against the replay of the original log to its cut. */
async function restoreAndCompare(restorePlan: RestorePlan): Promise<void> {
  const target = join(await freshDirectory(), 'data');
  const clock = new ManualClock(run.opened.clock.nowMs());
  const result = await executeRestore({
    plan: restorePlan,
    store: run.opened.store,
    dataDirectory: target,
    parallelism: 2,
    clock,
    random: new SeededRandom(7),
  });
  expect(result.partitions.map((partition) => partition.cutPosition)).toEqual(
    restorePlan.partitions.map((partition) => partition.cut.position),
  );
  expect(result.consistency).toBeDefined();
  const restored = Cluster.open({
    dataDirectory: target,
    partitionCount,
    nodeCount: 1,
    clock,
    transport: new InProcessTransport(clock, new SeededRandom(1)),
    logFileSystem: unsyncedFileSystem,
    snapshotIntervalRecords: 0,
    retryIntervalMs: 100,
  });
  try {
    for (const partition of restorePlan.partitions) {
      const replay = replayToCut(run.opened.directory, partition.partitionId, partitionCount, partition.cut.position);
      try {
        expect(replay.partition.lastProcessedPosition).toBe(partition.cut.position);
        expect(comparableState(restored.partition(partition.partitionId).dumpState())).toEqual(
          comparableState(replay.partition.dumpState()),
        );
      } finally {
        replay.partition.abandon();
        fs.rmSync(replay.directory, { recursive: true, force: true });
      }
    }
  } finally {
    restored.close();
    fs.rmSync(target, { recursive: true, force: true });
  }
}

async function refusal(checkpointId: number): Promise<{ code: string; message: string }> {
  try {
    await plan(checkpointId);
  } catch (error) {
    if (isCutlineError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error(`the restore to checkpoint ${checkpointId} was planned`);
}

describe('point-in-time restore with the real engine and continuous backups', () => {
  it('restores to every marker covered by the backups, each partition equal to the replay of its original log to its cut', async () => {
    expect(run.backups.length).toBeGreaterThanOrEqual(4);
    const lastBackup = Math.max(...run.backups);
    const covered = run.markers.filter((marker) => marker < lastBackup);
    expect(covered.length).toBeGreaterThanOrEqual(8);
    let stitched = 0;
    // Every marker is planned; a spread of them (stitched ones first) is restored and replayed, which keeps
    // the test's work bounded on a loaded machine.
    const plans = await Promise.all(covered.map(async (marker) => ({ marker, restorePlan: await plan(marker) })));
    for (const { marker, restorePlan } of plans) {
      for (const partition of restorePlan.partitions) expect(partition.cut.checkpointId).toBeGreaterThanOrEqual(marker);
      if (restorePlan.partitions.some((partition) => partition.backups.length > 1)) stitched++;
    }
    const isStitched = (restorePlan: RestorePlan): boolean => restorePlan.partitions.some((partition) => partition.backups.length > 1);
    const chosen = [
      ...plans.filter(({ restorePlan }) => isStitched(restorePlan)).slice(0, 3),
      ...plans.filter((_, index) => index % 3 === 0),
    ];
    for (const { restorePlan } of new Set(chosen)) await restoreAndCompare(restorePlan);
    // The chains really were stitched from consecutive backups for some markers.
    expect(stitched).toBeGreaterThan(0);
    // verify-backup --ranges agrees: one range per partition, no gap, one window from the first backup to the last.
    const report = rangesReport(await readPointInTimeListing(run.opened.store));
    expect(report.partitions.map((partition) => [partition.ranges.length, partition.gaps.length])).toEqual([
      [1, 0],
      [1, 0],
    ]);
    expect(report.windows.map((window) => [window.fromCheckpointId, window.toCheckpointId])).toEqual([[run.backups[0], lastBackup]]);
    // A marker after the newest backup is not covered yet: refused, not restored short.
    for (const marker of run.markers.filter((id) => id > lastBackup)) expect((await refusal(marker)).code).toBe('RESTORE_GAP');
  }, 120_000);

  it('restores through a chain that crosses from format v1 backups to v2 ones', async () => {
    // The first two backups become what an earlier cutline wrote: every file one object under contents/.
    const [first, second, third] = run.backups;
    for (const backupId of [first!, second!]) await rewriteAsVersion1(run.opened.store, backupId);
    const crossing = run.markers.filter((marker) => marker > second! && marker < third!);
    expect(crossing.length).toBeGreaterThan(0);
    let mixed = 0;
    for (const marker of crossing) {
      const restorePlan = await plan(marker);
      const formats = restorePlan.partitions.flatMap((partition) =>
        partition.backups.map((backup) => (backup.files.some((file) => file.chunks !== undefined) ? 2 : 1)),
      );
      if (formats.includes(1) && formats.includes(2)) mixed++;
      await restoreAndCompare(restorePlan);
    }
    await restoreAndCompare(await plan(first!));
    expect(mixed).toBeGreaterThan(0);
  }, 120_000);

  it('refuses a restore across a deleted middle backup, naming the positions, and restores on either side', async () => {
    const [first, second, middle, fourth, fifth] = run.backups;
    expect(fifth).toBeDefined();
    await deleteBackup(run.opened.store, middle!, run.opened.clock);
    const across = run.markers.find((marker) => marker > second! && marker < middle!);
    expect(across).toBeDefined();
    const refused = await refusal(across!);
    expect(refused.code).toBe('RESTORE_GAP');
    expect(refused.message).toMatch(
      new RegExp(
        `^cannot restore to checkpoint ${across}: partition \\d needs its cut at position \\d+ \\(checkpoint ${across}\\), but positions \\d+\\.\\.\\d+ are in no backup chain`,
      ),
    );
    const before = run.markers.find((marker) => marker > first! && marker < second!);
    await restoreAndCompare(await plan(before!));
    // Markers between the deleted backup and the next one lie before that one's snapshot: in the gap too.
    expect((await refusal(run.markers.find((marker) => marker > middle! && marker < fourth!)!)).code).toBe('RESTORE_GAP');
    await restoreAndCompare(await plan(fourth!));
    const after = run.markers.find((marker) => marker > fourth! && marker < fifth!);
    await restoreAndCompare(await plan(after!));
    // verify-backup --ranges shows the gap on each partition and two windows; the planner agrees on every checkpoint.
    const cli = await runCli(['verify-backup', '--store', run.storeDirectory, '--ranges', '--format', 'json']);
    expect(cli.code).toBe(0);
    const report = JSON.parse(cli.stdout) as RangesReport;
    expect(report.partitions.map((partition) => partition.gaps.length)).toEqual([1, 1]);
    expect(report.windows.map((window) => [window.fromCheckpointId, window.toCheckpointId])).toEqual([
      [first, second],
      [fourth, Math.max(...run.backups)],
    ]);
    const inWindow = (id: number): boolean => report.windows.some((window) => id >= window.fromCheckpointId && id <= window.toCheckpointId);
    for (const id of [...run.markers, ...run.backups].filter((id) => id >= first! && id !== middle)) {
      const planned = await plan(id).then(
        () => true,
        (error: unknown) => (isCutlineError(error) && error.code === 'RESTORE_GAP' ? false : Promise.reject(error as Error)),
      );
      expect([id, planned]).toEqual([id, inWindow(id)]);
    }
    const text = await runCli(['verify-backup', '--store', run.storeDirectory, '--ranges']);
    expect(text.stdout).toMatch(/^partition 1: 2 ranges, 1 gap\n {2}range: cuts at positions \d+\.\.\d+, backups /);
    expect(text.stdout).toMatch(/\n {2}gap: positions \d+\.\.\d+ cannot be restored to\n/);
    expect(text.stdout).toMatch(/restorable window: \S+Z \.\. \S+Z \(checkpoints \d+ \.\. \d+, \d+ in all\)\n$/);
  }, 30_000);
});
