// `cutline backup import`: unpacks a backup archive into a store, checking every entry against its manifest.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CutlineError } from '../../errors.js';
import { importBackup } from '../../backup/archive-import.js';
import { openBackupStore } from '../../store/store-config.js';
import { loadConfigFile } from '../config-file.js';
import { storeConfigFromArguments, withStoreOptions, type StoreArguments } from '../store-options.js';
import { printJson } from '../api-client.js';
import { formatBytes } from './backup-arguments.js';

interface ImportArguments extends StoreArguments {
  readonly file: string;
  readonly json: boolean;
}

export const backupImportCommand: CommandModule<object, ImportArguments> = {
  command: 'import <file>',
  describe: 'Unpack a backup archive made by `backup export` into a store (manifests written last)',
  builder: (yargs: Argv) =>
    withStoreOptions(
      yargs
        .positional('file', { type: 'string', demandOption: true, describe: 'The tar file to import' })
        .option('json', { type: 'boolean', default: false, describe: 'Print the summary as one JSON object' })
        .example('$0 backup import backup-5.tar --store s3://bucket/cutline', 'Import into an S3 bucket'),
    ),
  handler: async (argv: ArgumentsCamelCase<ImportArguments>) => {
    const file = resolve(argv.file);
    const stats = await stat(file).catch(() => undefined);
    if (stats === undefined || !stats.isFile())
      throw new CutlineError('USAGE', `${file} is not a file`, { hint: 'Name the tar file that `cutline backup export` wrote.' });
    const store = openBackupStore(storeConfigFromArguments(argv, loadConfigFile(argv.config)));
    const summary = await importBackup(store, file);
    if (argv.json) return printJson({ ...summary, store: store.description });
    process.stdout.write(
      `Imported backup ${summary.checkpointId}: partitions ${summary.partitionIds.join(', ')}, ${summary.fileCount} files, ${formatBytes(summary.totalBytes)} into ${store.description}\n`,
    );
  },
};
