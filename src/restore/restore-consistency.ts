// The cross-partition consistency check over restored logs: no command received before its cut was sent after the sender's cut.
import { CutlineError } from '../errors.js';
import type { LogRecord } from '../log/log.js';
import { SegmentedLog } from '../log/segmented-log.js';
import { partitionPaths } from '../engine/partition-recovery.js';
import { findOrphans, type PartitionCut } from '../engine/consistency.js';
import { decodeRecord, isInterPartitionType } from '../engine/records.js';
import type { PartitionPlan, RestorePlan } from './restore-plan.js';

export interface ConsistencyReport {
  /** Inter-partition commands at or before their partition's cut whose sender's cut was known. */
  readonly commandsChecked: number;
  /** Commands from partitions without a COMPLETED backup, whose cut is unknown (single-node restores only). */
  readonly commandsUnchecked: number;
}

const orphansShownMax = 10;

/**
 * Reads one restored partition's log up to its cut (it is already truncated there) and checks every
 * inter-partition command it received against its sender's cut: the cuts of the other partitions
 * restored here, and for partitions another node restores, the checkpointPosition of their
 * manifests. Every cut is known from the plan, so each partition is checked as soon as it is
 * restored. Throws RESTORE_INCONSISTENT naming both records of every violation (up to ten).
 */
export function checkPartitionConsistency(stagedData: string, plan: RestorePlan, partition: PartitionPlan): ConsistencyReport {
  const log = SegmentedLog.open({ directory: partitionPaths(stagedData, partition.partitionId).log, readOnly: true });
  try {
    let commands = 0;
    const counted = function* (records: Iterable<LogRecord>): Generator<LogRecord> {
      for (const record of records) {
        // Every record up to the cut must decode: the engine replays them all when it starts.
        decodeRecord(record);
        if (isInterPartitionType(record.recordType)) commands += 1;
        yield record;
      }
    };
    const senders = [
      ...plan.partitions.filter((other) => other.partitionId !== partition.partitionId).map((other) => ({ partitionId: other.partitionId, position: other.cut.position })),
      ...plan.foreignCuts,
    ];
    const cuts: PartitionCut[] = [
      { partitionId: partition.partitionId, cutPosition: partition.cut.position, records: counted(log.read(log.firstPosition)) },
      ...senders.map((cut) => ({ partitionId: cut.partitionId, cutPosition: cut.position, records: [] })),
    ];
    const orphans = findOrphans(cuts);
    const unchecked = orphans.filter((orphan) => orphan.senderCutPosition === undefined && plan.uncheckedPartitions.includes(orphan.senderPartitionId));
    const violations = orphans.filter((orphan) => !unchecked.includes(orphan));
    if (violations.length > 0) {
      const shown = violations.slice(0, orphansShownMax).map((orphan) => orphan.message);
      const more = violations.length > orphansShownMax ? `; and ${violations.length - orphansShownMax} more` : '';
      throw new CutlineError('RESTORE_INCONSISTENT', `backup ${plan.target.backupId} is not a consistent cut: ${shown.join('; ')}${more}`, {
        hint: 'The backups of the partitions do not belong to one checkpoint (a broken engine or mixed-up backups); restore from another backup id and report this.',
      });
    }
    return { commandsChecked: commands - unchecked.length, commandsUnchecked: unchecked.length };
  } finally {
    log.close();
  }
}
