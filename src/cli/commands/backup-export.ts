// `cutline backup export`: packs a whole backup id (every partition) from a store into one tar file.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CutlineError } from '../../errors.js';
import { exportBackup } from '../../backup/archive.js';
import { openBackupStore } from '../../store/store-config.js';
import { loadConfigFile } from '../config-file.js';
import { storeConfigFromArguments, withStoreOptions, type StoreArguments } from '../store-options.js';
import { printJson } from '../api-client.js';
import { formatBytes, idOption, requireBackupId } from './backup-arguments.js';

interface ExportArguments extends StoreArguments {
  readonly backupId: string;
  readonly output: string;
  readonly json: boolean;
}

export const backupExportCommand: CommandModule<object, ExportArguments> = {
  command: 'export',
  describe: 'Write a whole backup (all partitions: manifests and contents) to one tar file',
  builder: (yargs: Argv) =>
    withStoreOptions(
      yargs
        .option('backupId', idOption('The backup (checkpoint) id to export', true))
        .option('output', {
          alias: 'out',
          type: 'string',
          demandOption: true,
          describe: 'The tar file to write; it must not exist (--out is its old name, --output as in verify-backup)',
        })
        .option('json', { type: 'boolean', default: false, describe: 'Print the summary as one JSON object' })
        .example('$0 backup export --backupId 5 --output backup-5.tar --store /var/backups', 'Export backup 5 from a directory store'),
    ),
  handler: async (argv: ArgumentsCamelCase<ExportArguments>) => {
    const backupId = requireBackupId(argv.backupId);
    const out = resolve(argv.output);
    if (
      await stat(out).then(
        () => true,
        () => false,
      )
    ) {
      throw new CutlineError('USAGE', `--output ${out} already exists`, {
        hint: 'Remove it or choose another file name; export never overwrites.',
      });
    }
    const parent = await stat(dirname(out)).catch(() => undefined);
    if (parent === undefined || !parent.isDirectory()) {
      throw new CutlineError('USAGE', `--output ${out}: the directory ${dirname(out)} does not exist`, {
        hint: 'Create the directory first, or write the archive elsewhere.',
      });
    }
    const store = openBackupStore(storeConfigFromArguments(argv, loadConfigFile(argv.config)));
    const summary = await exportBackup(store, backupId, out);
    if (argv.json) return printJson({ ...summary, archive: out });
    process.stdout.write(
      `Exported backup ${summary.checkpointId}: partitions ${summary.partitionIds.join(', ')}, ${summary.fileCount} files, ${formatBytes(summary.totalBytes)} to ${out}\n`,
    );
  },
};
