// `cutline backup list`: every backup the engine's store holds, newest first, from the engine management API.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { BackupStatus } from '../../backup/backup-status.js';
import { apiTargetFrom, callApi, printJson, withApiOptions, type ApiArguments } from '../api-client.js';
import { formatBytes } from './backup-arguments.js';

export const backupListCommand: CommandModule<object, ApiArguments> = {
  command: 'list',
  describe: 'List every backup, newest first, with its overall status',
  builder: (yargs: Argv) => withApiOptions(yargs.example('$0 backup list --api http://127.0.0.1:9600', 'List the backups')),
  handler: async (argv: ArgumentsCamelCase<ApiArguments>) => {
    const answer = (await callApi(apiTargetFrom(argv), 'GET', '/backups')) as { backups: BackupStatus[] };
    if (argv.json) return printJson(answer);
    if (answer.backups.length === 0) {
      process.stdout.write('No backups.\n');
      return;
    }
    const rows = answer.backups.map((backup) => {
      const completed = backup.partitions.filter((partition) => partition.status === 'COMPLETED').length;
      const bytes = backup.partitions.reduce((sum, partition) => sum + partition.totalBytes, 0);
      const added = backup.partitions.some((partition) => partition.addedBytes === null)
        ? '-'
        : formatBytes(backup.partitions.reduce((sum, partition) => sum + (partition.addedBytes ?? 0), 0));
      const created = backup.partitions.map((partition) => partition.createdAt).sort()[0] ?? '-';
      return [String(backup.backupId), backup.status, `${completed}/${backup.partitionCount}`, formatBytes(bytes), added, created];
    });
    // SIZE is what a restore writes; ADDED what the backup added to the store (format v2 shares unchanged chunks).
    process.stdout.write(formatTable(['BACKUP', 'STATUS', 'COMPLETED', 'SIZE', 'ADDED', 'CREATED'], rows));
  },
};

function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
