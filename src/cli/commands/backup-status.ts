// `cutline backup status`: one backup's overall status and each partition's, from the engine management API.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { BackupStatus } from '../../backup/backup-status.js';
import { apiTargetFrom, callApi, printJson, withApiOptions, type ApiArguments } from '../api-client.js';
import { formatBytes, idOption, requireBackupId } from './backup-arguments.js';

interface StatusArguments extends ApiArguments {
  readonly backupId: string;
}

export const backupStatusCommand: CommandModule<object, StatusArguments> = {
  command: 'status',
  describe: 'Show the status of one backup: COMPLETED, FAILED, INCOMPLETE, IN_PROGRESS or DELETED, per partition',
  builder: (yargs: Argv) =>
    withApiOptions(
      yargs
        .option('backupId', idOption('The backup id', true))
        .example('$0 backup status --backupId 12 --api http://127.0.0.1:9600', 'Show backup 12'),
    ),
  handler: async (argv: ArgumentsCamelCase<StatusArguments>) => {
    const backupId = requireBackupId(argv.backupId);
    const status = (await callApi(apiTargetFrom(argv), 'GET', `/backups/${backupId}`)) as BackupStatus;
    if (argv.json) return printJson(status);
    process.stdout.write(formatBackupStatus(status));
  },
};

function addedText(addedBytes: number | null): string {
  return addedBytes === null ? '' : ` (${formatBytes(addedBytes)} added to the store)`;
}

/** The text form: the overall line, then one line per partition (and the missing ones). */
export function formatBackupStatus(status: BackupStatus): string {
  const lines = [`Backup ${status.backupId}: ${status.status}${status.failureReason === null ? '' : ` (${status.failureReason})`}`];
  for (const partition of status.partitions) {
    const d = partition.descriptor;
    const snapshot = d.snapshotId === null ? 'no snapshot' : `snapshot ${d.snapshotId}`;
    const reason = partition.failureReason === null ? '' : `: ${partition.failureReason}`;
    lines.push(
      `  partition ${partition.partitionId} (node ${partition.nodeId}): ${partition.status}${reason}; checkpoint at ${d.checkpointPosition}, ${snapshot}, log ${d.firstLogPosition}..${d.lastLogPosition}, ${partition.fileCount} files, ${formatBytes(partition.totalBytes)}${addedText(partition.addedBytes)}, format v${partition.formatVersion}, updated ${partition.modifiedAt}`,
    );
  }
  for (const partitionId of status.pendingPartitionIds)
    lines.push(`  partition ${partitionId}: IN_PROGRESS (checkpoint not processed yet)`);
  for (const partitionId of status.missingPartitionIds) lines.push(`  partition ${partitionId}: MISSING (no manifest)`);
  return `${lines.join('\n')}\n`;
}
