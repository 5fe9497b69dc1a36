// The replay model: a log truncated right after ANY position replays to exactly the state the engine had there.
import { afterEach, describe, expect, it } from 'vitest';
import { openTestCluster, type TestCluster } from './helpers.js';
import { SimulationScheduler } from '../../src/engine/simulation.js';
import { Workload } from '../../src/engine/workload.js';
import { SeededRandom } from '../../src/random.js';
import { replayToCut } from '../sim/sim-checks.js';
import { cutPositionFor } from '../../src/engine/consistency.js';
import { allRecords } from './helpers.js';
import { decodeRecord } from '../../src/engine/records.js';

let running: TestCluster | undefined;
afterEach(() => running?.cluster.close());

/**
 * last_written_position is where follow-ups landed in the log, not state: a follow-up of a record at or
 * before the cut that the engine wrote after the cut is written again, after the cut, by the replay.
 */
function withoutLastWritten(dump: Record<string, unknown[]>): Record<string, unknown[]> {
  const rows = (dump.partition_state ?? []).map((row) => ({ ...(row as object), last_written_position: 'not compared' }));
  return { ...dump, partition_state: rows };
}

describe('replaying a truncated log', () => {
  it('reaches the exact state the engine had at every checkpoint cut and at random positions', () => {
    const states = new Map<string, unknown>();
    running = openTestCluster(11, {
      partitionCount: 3,
      snapshotIntervalRecords: 0,
      recordsPerTransaction: 1,
      faults: { delayMsMin: 0, delayMsMax: 10, duplicateProbability: 0.1, lossProbability: 0.05, reorder: true },
      testOnly: {
        // With one record per transaction, the state after every position is observable here.
        crashPoint: (point, partitionId) => {
          if (point !== 'after-commit') return;
          const partition = running!.cluster.partition(partitionId);
          states.set(`${partitionId}@${partition.lastProcessedPosition}`, partition.dumpState());
        },
      },
    });
    const { cluster } = running;
    const random = new SeededRandom(11);
    const driver = new SimulationScheduler(cluster, running.transport, new Workload(cluster, random), running.clock, random, {
      workloadProbability: 0.3,
      checkpointProbability: 0.03,
      triggerDelayMsMax: 30,
      checkpointTypes: ['MANUAL_BACKUP', 'MARKER'],
      batchRecordsMax: 1,
    });
    const reservations = [];
    for (let round = 0; round < 3; round++) {
      driver.run(150);
      for (const partition of cluster.partitions()) reservations.push(partition.snapshots.reserve(partition.takeSnapshot()));
    }
    let replayed = 0;
    for (const partition of cluster.partitions()) {
      const records = allRecords(partition);
      const cuts = new Set<number>();
      for (let checkpointId = 1; checkpointId < driver.nextCheckpointId; checkpointId++) {
        const cut = cutPositionFor(records, checkpointId);
        if (cut !== undefined && cut <= partition.lastProcessedPosition) cuts.add(cut);
      }
      for (let index = 0; index < 3; index++) cuts.add(1 + random.int(partition.lastProcessedPosition));
      for (const cut of cuts) {
        const recovered = replayToCut(running.directory, partition.partitionId, 3, cut).partition;
        expect(recovered.lastProcessedPosition).toBe(cut);
        const expected = states.get(`${partition.partitionId}@${cut}`) as Record<string, unknown[]>;
        expect(withoutLastWritten(recovered.dumpState()), `partition ${partition.partitionId} cut at ${cut}`).toEqual(
          withoutLastWritten(expected),
        );
        // Every CHECKPOINT_CREATE up to the cut has exactly one follow-up, re-written after the cut if it was cut off.
        const recoveredRecords = allRecords(recovered).map(decodeRecord);
        const causes = recoveredRecords.flatMap((r) =>
          r.type === 'CHECKPOINT_CREATED' || r.type === 'CHECKPOINT_IGNORED' ? [r.value.causePosition] : [],
        );
        const creates = recoveredRecords.filter((r) => r.type === 'CHECKPOINT_CREATE').map((r) => r.position);
        expect(causes.filter((cause) => cause >= recovered.log.firstPosition).sort((a, b) => a - b)).toEqual(creates);
        recovered.abandon();
        replayed++;
      }
    }
    expect(replayed).toBeGreaterThan(12);
    for (const reservation of reservations) reservation.release();
  });
});
