// The backup manager's seam: notifications for backup types only, and BACKUP_CONFIRMED kept in the state.
import { afterEach, describe, expect, it } from 'vitest';
import { openTestCluster, decodedRecords, type TestCluster } from './helpers.js';

let running: TestCluster | undefined;
afterEach(() => running?.cluster.close());

describe('the backup hook', () => {
  it('hands over MANUAL_BACKUP and SCHEDULED_BACKUP checkpoints, never MARKER, with their positions', () => {
    running = openTestCluster(1, { partitionCount: 1 });
    const partition = running.cluster.partition(1);
    const positions = [
      partition.triggerCheckpoint(1, 'MARKER'),
      partition.triggerCheckpoint(2, 'SCHEDULED_BACKUP'),
      partition.triggerCheckpoint(2, 'MANUAL_BACKUP'),
      partition.triggerCheckpoint(3, 'MANUAL_BACKUP'),
    ];
    partition.processAvailable();
    expect(running.hook.created).toEqual([
      { partitionId: 1, checkpointId: 2, checkpointPosition: positions[1], checkpointType: 'SCHEDULED_BACKUP' },
      { partitionId: 1, checkpointId: 3, checkpointPosition: positions[3], checkpointType: 'MANUAL_BACKUP' },
    ]);
    expect(partition.state()).toMatchObject({ checkpointId: 3, checkpointPosition: positions[3], checkpointType: 'MANUAL_BACKUP' });
    const followUps = decodedRecords(partition).filter((r) => r.type === 'CHECKPOINT_CREATED' || r.type === 'CHECKPOINT_IGNORED');
    expect(followUps.map((r) => r.type)).toEqual(['CHECKPOINT_CREATED', 'CHECKPOINT_CREATED', 'CHECKPOINT_IGNORED', 'CHECKPOINT_CREATED']);
  });

  it('records BACKUP_CONFIRMED in the state, and replay after a restart neither loses it nor notifies again', () => {
    running = openTestCluster(2, { partitionCount: 1 });
    const { cluster, hook } = running;
    const partition = cluster.partition(1);
    const checkpointPosition = partition.triggerCheckpoint(7, 'MANUAL_BACKUP');
    partition.processAvailable();
    const confirmedPosition = partition.confirmBackup(7, checkpointPosition, 'COMPLETED');
    partition.processAvailable();
    cluster.crash(1);
    const recovered = cluster.start(1);
    expect(recovered.dumpState().backups).toEqual([
      {
        checkpoint_id: 7,
        checkpoint_position: checkpointPosition,
        status: 'COMPLETED',
        reason: null,
        confirmed_position: confirmedPosition,
        checkpoint_type: null,
        checkpoint_timestamp_ms: null,
        snapshot_processed_position: null,
        first_log_position: null,
        last_log_position: null,
      },
    ]);
    expect(recovered.confirmedBackups()).toEqual([
      {
        checkpointId: 7,
        checkpointPosition,
        status: 'COMPLETED',
        reason: null,
        confirmedPosition,
        checkpointType: null,
        checkpointTimestampMs: null,
        snapshotProcessedPosition: null,
        firstLogPosition: null,
        lastLogPosition: null,
      },
    ]);
    expect(hook.created).toHaveLength(1);
  });
});
