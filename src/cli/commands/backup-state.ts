// `cutline backup state`: what GET /backups/state answers, for an operator: each partition's checkpoint, latest backup and ranges, and the store's health.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { PartitionStateAnswer } from '../../api/backup-api-service.js';
import type { StoreHealthState } from '../../store/store-health.js';
import { apiTargetFrom, callApi, printJson, withApiOptions, type ApiArguments } from '../api-client.js';

/** The parts of GET /backups/state the text form shows (--json prints the whole answer). */
interface StateAnswer {
  readonly partitions: readonly PartitionStateAnswer[];
  readonly store: StoreHealthState | null;
  readonly scheduler?: unknown;
  readonly config?: unknown;
}

export const backupStateCommand: CommandModule<object, ApiArguments> = {
  command: 'state',
  describe: "Show each partition's latest checkpoint, latest confirmed backup and backup ranges, and the store's health",
  builder: (yargs: Argv) =>
    withApiOptions(yargs.example('$0 backup state --api http://127.0.0.1:9600', 'Show the backup state of the running engine')),
  handler: async (argv: ArgumentsCamelCase<ApiArguments>) => {
    const answer = (await callApi(apiTargetFrom(argv), 'GET', '/backups/state')) as StateAnswer;
    if (argv.json) return printJson(answer);
    process.stdout.write(formatBackupState(answer));
  },
};

/** The text form: the store line, then one block per partition. */
export function formatBackupState(state: StateAnswer): string {
  const lines: string[] = [];
  const store = state.store;
  if (store !== null) {
    const error = store.lastErrorCode === null ? '' : `; last error ${store.lastErrorCode}: ${store.lastError ?? ''}`;
    lines.push(`store: ${store.status}${store.since === null ? '' : ` since ${store.since}`}${error}`);
  }
  for (const partition of state.partitions) {
    const checkpoint =
      partition.checkpoint === null
        ? 'no checkpoint yet'
        : `checkpoint ${partition.checkpoint.checkpointId} (${partition.checkpoint.checkpointType}) at ${partition.checkpoint.checkpointPosition}`;
    const latest = partition.latestBackup;
    const backup =
      latest === null
        ? 'no backup confirmed yet'
        : `latest backup ${latest.checkpointId} ${latest.status}${latest.reason === null ? '' : ` (${latest.reason})`}`;
    lines.push(
      `partition ${partition.partitionId} (node ${partition.nodeId}): processed up to ${partition.lastProcessedPosition}; ${checkpoint}; ${backup}`,
    );
    for (const range of partition.ranges ?? []) {
      const ids = range.checkpointIds;
      lines.push(
        `  range of backups ${ids[0] ?? '?'}..${ids.at(-1) ?? '?'} (${ids.length}): restorable cuts at positions ${range.firstCutPosition}..${range.lastCutPosition}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
