// `cutline backup take`: asks the running engine (its management API) for a new backup on every partition.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { apiTargetFrom, callApi, printJson, withApiOptions, type ApiArguments } from '../api-client.js';
import { idOption, requireBackupId } from './backup-arguments.js';

interface TakeArguments extends ApiArguments {
  readonly backupId: string | undefined;
}

export const backupTakeCommand: CommandModule<object, TakeArguments> = {
  command: 'take',
  describe: 'Start a backup of every partition through the engine management API (it runs in the background)',
  builder: (yargs: Argv) =>
    withApiOptions(
      yargs
        .option('backupId', idOption('The new backup id: greater than every earlier one (default: generated from the clock)'))
        .example('$0 backup take --api http://127.0.0.1:9600', 'Take a backup with a generated id')
        .example('$0 backup take --backupId 12 --json', 'Take backup 12, using CUTLINE_API'),
    ),
  handler: async (argv: ArgumentsCamelCase<TakeArguments>) => {
    const body = argv.backupId === undefined ? undefined : { backupId: requireBackupId(argv.backupId) };
    const answer = (await callApi(apiTargetFrom(argv), 'POST', '/backups', body)) as { backupId: number };
    if (argv.json) return printJson(answer);
    process.stdout.write(
      `Backup ${answer.backupId} started on every partition; follow it with \`cutline backup status --backupId ${answer.backupId}\`\n`,
    );
  },
};
