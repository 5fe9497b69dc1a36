// The checkpoint scheduler under a manual clock: on time, backups replace nearby markers, hand-over to the next node, no drift.
import { afterEach, describe, expect, it } from 'vitest';
import { openTestCluster, type TestCluster } from './helpers.js';
import { ClusterCheckpointSchedulers, clusterCheckpointTrigger } from '../../src/engine/checkpoint-scheduler.js';
import type { ScheduleConfig } from '../../src/engine/checkpoint-plan.js';
import { decide, planFromHistory } from '../../src/engine/checkpoint-plan.js';

const t0 = 1_700_000_000_000;
let running: TestCluster | undefined;
afterEach(() => running?.cluster.close());

function start(config: ScheduleConfig, nodeCount = 3, dataDirectory?: string) {
  running = openTestCluster(31, { partitionCount: 3, nodeCount, ...(dataDirectory === undefined ? {} : { dataDirectory }) });
  const { cluster, clock, transport } = running;
  const schedulers = new ClusterCheckpointSchedulers({ cluster, clock, config, trigger: clusterCheckpointTrigger(cluster, clock) });
  /** Moves the clock one second at a time, ticking the schedulers and processing everything after each tick. */
  const runFor = async (ms: number) => {
    for (let elapsed = 0; elapsed < ms; elapsed += 1_000) {
      clock.advance(1_000);
      await schedulers.tick();
      transport.deliverDue();
      for (const partition of cluster.partitions()) partition.processAvailable();
    }
  };
  const emitted = () => schedulers.emitted().map((e) => `${(e.atMs - t0) / 1_000}s ${e.checkpointType} node ${e.nodeId}`);
  return { ...running, schedulers, runFor, emitted };
}

describe('the checkpoint scheduler', () => {
  it('takes a backup at once without a previous one, then markers every interval and a backup every schedule (replacing the marker due with it)', async () => {
    const { runFor, emitted, schedulers, cluster } = start({ checkpointIntervalMs: 30_000, scheduleMs: 120_000 });
    await runFor(250_000);
    expect(emitted()).toEqual([
      '1s SCHEDULED_BACKUP node 0',
      '31s MARKER node 0',
      '61s MARKER node 0',
      '91s MARKER node 0',
      '121s SCHEDULED_BACKUP node 0',
      '151s MARKER node 0',
      '181s MARKER node 0',
      '211s MARKER node 0',
      '241s SCHEDULED_BACKUP node 0',
    ]);
    const ids = schedulers.emitted().map((e) => e.checkpointId);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toBe(t0 + 1_000); // ids come from the clock
    for (const partition of cluster.partitions()) expect(partition.state().checkpointId).toBe(ids.at(-1));
  });

  it('takes a backup due within the merge window instead of the due marker, and keeps the backup schedule nominal', async () => {
    const { runFor, emitted } = start({ checkpointIntervalMs: 30_000, scheduleMs: 93_000 });
    await runFor(200_000);
    // Backups nominally at 1, 94, 187: the marker due at 91 is replaced by the backup due 3 s later (window 5 s);
    // the marker at 181 is not (6 s), and the next backup comes at 187 = 94 + 93, not 91 + 93.
    expect(emitted()).toEqual([
      '1s SCHEDULED_BACKUP node 0',
      '31s MARKER node 0',
      '61s MARKER node 0',
      '91s SCHEDULED_BACKUP node 0',
      '121s MARKER node 0',
      '151s MARKER node 0',
      '181s MARKER node 0',
      '187s SCHEDULED_BACKUP node 0',
    ]);
  });

  it('hands over to the next lowest live node, which continues from the last checkpoint time, and back when node 0 returns', async () => {
    const { runFor, emitted, cluster, schedulers } = start({ checkpointIntervalMs: 30_000, scheduleMs: 120_000 });
    await runFor(140_000);
    cluster.stopNode(0);
    await runFor(60_000);
    expect(schedulers.active()?.nodeId).toBe(1);
    cluster.stopNode(1);
    await runFor(60_000);
    expect(schedulers.active()?.nodeId).toBe(2);
    cluster.startNode(0);
    cluster.startNode(1);
    await runFor(45_000);
    expect(emitted()).toEqual([
      '1s SCHEDULED_BACKUP node 0',
      '31s MARKER node 0',
      '61s MARKER node 0',
      '91s MARKER node 0',
      '121s SCHEDULED_BACKUP node 0',
      // Node 1 takes over at 141 s and plans from the backup at 121 s: the marker at 151 s, not 171 s.
      '151s MARKER node 1',
      '181s MARKER node 1',
      // Node 2 at 201 s, from the marker at 181 s (and the backup at 121 s).
      '211s MARKER node 2',
      '241s SCHEDULED_BACKUP node 2',
      // Node 0 returns at 260 s and continues from 241 s.
      '271s MARKER node 0',
      '301s MARKER node 0',
    ]);
  });

  it('takes the overdue backup at once after the whole cluster was down longer than the schedule', async () => {
    const { runFor, emitted, cluster } = start({ checkpointIntervalMs: undefined, scheduleMs: 60_000 }, 1);
    await runFor(70_000);
    cluster.stopNode(0);
    await runFor(200_000);
    cluster.startNode(0);
    await runFor(65_000);
    expect(emitted()).toEqual([
      '1s SCHEDULED_BACKUP node 0',
      '61s SCHEDULED_BACKUP node 0',
      '271s SCHEDULED_BACKUP node 0',
      '331s SCHEDULED_BACKUP node 0',
    ]);
  });

  it("after a restart of the whole engine plans from the partitions' recovered state: overdue backup at once, markers on the old grid", async () => {
    const config = { checkpointIntervalMs: 30_000, scheduleMs: 120_000 };
    const first = start(config, 1);
    await first.runFor(100_000);
    expect(first.emitted()).toEqual(['1s SCHEDULED_BACKUP node 0', '31s MARKER node 0', '61s MARKER node 0', '91s MARKER node 0']);
    first.cluster.close();
    running = undefined;
    const second = start(config, 1, first.directory);
    second.clock.set(t0 + 140_000);
    await second.runFor(45_000);
    // Backup due at 121 s (overdue: at once, 141 s); the markers continue on 1 + 30k s: 151 s, 181 s.
    expect(second.emitted()).toEqual(['141s SCHEDULED_BACKUP node 0', '151s MARKER node 0', '181s MARKER node 0']);
  });

  it('plans from history: at once without history, otherwise from the last times', () => {
    const config = { checkpointIntervalMs: 10_000, scheduleMs: 60_000 };
    expect(planFromHistory({ lastCheckpointMs: undefined, lastBackupMs: undefined }, config, 500)).toEqual({
      nextMarkerMs: 500,
      nextBackupMs: 500,
    });
    expect(planFromHistory({ lastCheckpointMs: 400, lastBackupMs: 100 }, config, 500)).toEqual({
      nextMarkerMs: 10_400,
      nextBackupMs: 60_100,
    });
    expect(decide({ nextMarkerMs: 10_000, nextBackupMs: 60_000 }, config, 9_999)).toEqual({
      emit: undefined,
      plan: { nextMarkerMs: 10_000, nextBackupMs: 60_000 },
    });
    expect(decide({ nextMarkerMs: 10_000, nextBackupMs: 60_000 }, config, 10_000).emit).toBe('MARKER');
    expect(decide({ nextMarkerMs: 10_000, nextBackupMs: 14_000 }, config, 10_000)).toEqual({
      emit: 'SCHEDULED_BACKUP',
      plan: { nextMarkerMs: 20_000, nextBackupMs: 74_000 },
    });
    expect(decide({ nextMarkerMs: 10_000, nextBackupMs: 16_000 }, config, 10_000).emit).toBe('MARKER');
  });
});
