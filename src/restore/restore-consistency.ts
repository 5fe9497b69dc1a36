// The cross-partition consistency check over restored logs: no command received before its cut was sent after the sender's cut.
import { CutlineError } from '../errors.js';
import type { LogRecord } from '../log/log.js';
import { SegmentedLog } from '../log/segmented-log.js';
import { partitionPaths } from '../engine/partition-recovery.js';
import { findOrphans, type PartitionCut } from '../engine/consistency.js';
import { isInterPartitionType } from '../engine/records.js';
import type { RestorePlan } from './restore-plan.js';

export interface ConsistencyReport {
  /** Inter-partition commands at or before their partition's cut whose sender's cut was known. */
  readonly commandsChecked: number;
  /** Commands from partitions without a COMPLETED backup, whose cut is unknown (single-node restores only). */
  readonly commandsUnchecked: number;
}

const orphansShownMax = 10;

/**
 * Reads every restored log up to its cut (the logs are already truncated there) and checks every
 * inter-partition command against its sender's cut: the restored partitions' own cuts, and for the
 * partitions another node restores, the checkpointPosition of their manifests. Throws
 * RESTORE_INCONSISTENT naming both records of every violation (up to ten).
 */
export function checkRestoredConsistency(stagedData: string, plan: RestorePlan): ConsistencyReport {
  const logs = plan.partitions.map((partition) => ({ partition, log: SegmentedLog.open({ directory: partitionPaths(stagedData, partition.partitionId).log, readOnly: true }) }));
  try {
    let commands = 0;
    const counted = function* (records: Iterable<LogRecord>): Generator<LogRecord> {
      for (const record of records) {
        if (isInterPartitionType(record.recordType)) commands += 1;
        yield record;
      }
    };
    const cuts: PartitionCut[] = [
      ...logs.map(({ partition, log }) => ({ partitionId: partition.partitionId, cutPosition: partition.cut.position, records: counted(log.read(log.firstPosition)) })),
      ...plan.foreignCuts.map((cut) => ({ partitionId: cut.partitionId, cutPosition: cut.position, records: [] })),
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
    for (const { log } of logs) log.close();
  }
}
