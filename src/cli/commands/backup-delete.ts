// `cutline backup delete`: deletes one backup on every partition through the engine management API (its id stays used).
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { BackupStatus } from '../../backup/backup-status.js';
import { apiTargetFrom, callApi, printJson, withApiOptions, type ApiArguments } from '../api-client.js';
import { idOption, requireBackupId } from './backup-arguments.js';

interface DeleteArguments extends ApiArguments {
  readonly backupId: string;
}

export const backupDeleteCommand: CommandModule<object, DeleteArguments> = {
  command: 'delete',
  describe: 'Delete one backup: its manifests become DELETED, its contents are removed; the id is never reused',
  builder: (yargs: Argv) =>
    withApiOptions(
      yargs
        .option('backupId', idOption('The backup id', true))
        .example('$0 backup delete --backupId 12', 'Delete backup 12, using CUTLINE_API'),
    ),
  handler: async (argv: ArgumentsCamelCase<DeleteArguments>) => {
    const backupId = requireBackupId(argv.backupId);
    const status = (await callApi(apiTargetFrom(argv), 'DELETE', `/backups/${backupId}`)) as BackupStatus;
    if (argv.json) return printJson(status);
    process.stdout.write(
      `Backup ${backupId} deleted on partition(s) ${status.partitions.map((partition) => partition.partitionId).join(', ')}\n`,
    );
  },
};
