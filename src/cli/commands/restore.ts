// `cutline restore --backupId N`: plans the restore of one node's partitions from a backup, then carries it out.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { resolve } from 'node:path';
import { CutlineError } from '../../errors.js';
import { systemClock } from '../../clock.js';
import { systemRandom } from '../../random.js';
import { engineNodesMax, restoreParallelismDefault, restoreParallelismMax } from '../../limits.js';
import { openBackupStore } from '../../store/store-config.js';
import { realTargetDirectory, runRestore, type RestoreGoal, type RestorePlan, type RestoreWatch } from '../../restore/restore-runner.js';
import { storeConfigFromArguments, withStoreOptions, type StoreArguments } from '../store-options.js';
import { idOption, requireBackupId } from './backup-arguments.js';
import { requireDataDirectory } from '../data-directory-option.js';
import { loadConfigFile } from '../config-file.js';
import { logLevelFrom, printsInfo, type LogLevelArguments } from '../log-level.js';
import { integerSetting, resolveSetting, textSetting } from '../settings.js';
import { formatPlan, formatSummary, progressView } from './restore-output.js';

interface RestoreArguments extends StoreArguments, LogLevelArguments {
  readonly backupId: string | number | undefined;
  readonly to: string | undefined;
  readonly 'to-checkpoint': string | number | undefined;
  readonly 'data-dir': string | undefined;
  readonly 'node-id': number | undefined;
  readonly 'cluster-size': number | undefined;
  readonly 'dry-run': boolean;
  readonly json: boolean;
  readonly parallelism: number | undefined;
  readonly trace: string | undefined;
}

export const restoreCommand: CommandModule<object, RestoreArguments> = {
  command: 'restore',
  describe: "Restore this node's partitions from a backup into an empty data directory",
  builder: (yargs: Argv) =>
    withStoreOptions(
      yargs
        .option('backupId', idOption('The backup (checkpoint) id to restore'))
        .option('to', {
          type: 'string',
          describe: 'Point-in-time restore: to the newest checkpoint at or before this ISO 8601 time with a zone (2026-11-21T03:00:00Z)',
        })
        .option(
          'to-checkpoint',
          idOption(
            'Point-in-time restore: to this checkpoint id (a MARKER or a backup); each partition is cut at its first checkpoint >= it',
          ),
        )
        .conflicts('backupId', ['to', 'to-checkpoint'])
        .conflicts('to', 'to-checkpoint')
        .option('data-dir', {
          type: 'string',
          describe: 'The data directory to restore into; it must be empty (lost+found aside) [env CUTLINE_DATA_DIR]',
        })
        .option('node-id', { type: 'number', defaultDescription: '0', describe: 'The node this data directory belongs to (0-based)' })
        .option('cluster-size', {
          alias: 'nodes',
          type: 'number',
          defaultDescription: '1',
          describe: 'The number of nodes of the cluster (partition p runs on node (p - 1) mod size); --nodes as in engine start',
        })
        .option('dry-run', {
          type: 'boolean',
          default: false,
          describe: 'Print the plan (files, snapshot, cut per partition) and change nothing',
        })
        .option('json', { type: 'boolean', default: false, describe: 'Print the plan or the summary as JSON; no progress bar' })
        .option('parallelism', {
          type: 'number',
          defaultDescription: String(restoreParallelismDefault),
          describe: `Downloads in flight at once (1..${restoreParallelismMax})`,
        })
        .option('trace', {
          type: 'string',
          describe:
            'Append the restore (a `restored` event) to this protocol trace of `engine start --trace`, for `cutline model-check --trace`',
        })
        .example(
          '$0 restore --backupId 5 --store /var/backups/cutline --data-dir /var/lib/cutline',
          'Restore backup 5 on a single-node cluster',
        )
        .example(
          '$0 restore --to 2026-11-21T03:00:00Z --store s3://backups/prod --data-dir /data --dry-run --json',
          'Print the stitched plan of a point-in-time restore',
        )
        .example(
          '$0 restore --backupId 5 --store s3://backups/prod --data-dir /data --node-id 1 --cluster-size 3 --dry-run --json',
          'Print the plan of node 1 of 3 as JSON',
        ),
    ),
  handler: async (argv: ArgumentsCamelCase<RestoreArguments>) => {
    const file = loadConfigFile(argv.config);
    // The link note and the progress bar are info; --quiet (or --log-level warn) leaves only errors and the summary.
    const informs = printsInfo(logLevelFrom(argv, process.env, file));
    const dataDirectoryArgument = textSetting(resolveSetting('data-dir', argv['data-dir'], process.env, file));
    if (dataDirectoryArgument === undefined)
      throw new CutlineError('USAGE', 'no data directory is given', {
        hint: 'Pass --data-dir (or set CUTLINE_DATA_DIR, or data-dir in the config file): the empty directory the engine of this node will use.',
      });
    const asGiven = resolve(requireDataDirectory(dataDirectoryArgument));
    const dataDirectory = await realTargetDirectory(asGiven);
    // Said first, so an operator who gave a link sees where the data goes before anything is written.
    const followed = dataDirectory === asGiven ? {} : { dataDirectoryAsGiven: asGiven };
    if (!argv.json && informs && dataDirectory !== asGiven)
      process.stdout.write(`data directory ${asGiven} is a symbolic link (or lies under one): restoring into ${dataDirectory}\n`);
    const store = openBackupStore(storeConfigFromArguments(argv, file));
    const node = {
      nodeId: integerSetting(resolveSetting('node-id', argv['node-id'], process.env, file), 0, engineNodesMax - 1),
      clusterSize: integerSetting(resolveSetting('cluster-size', argv['cluster-size'], process.env, file), 1, engineNodesMax),
    };
    const parallelism = integerSetting(resolveSetting('parallelism', argv.parallelism, process.env, file), 1, restoreParallelismMax);
    const goal = goalFromArguments(argv);
    const watch = interruptibleProgress(!argv.json && informs && process.stderr.isTTY === true);
    try {
      const { plan, result } = await runRestore({
        store,
        goal,
        ...node,
        dataDirectory,
        parallelism,
        dryRun: argv['dry-run'],
        clock: systemClock,
        random: systemRandom,
        onPlanned: (planned) => watch.start(planned),
        ...(argv.trace === undefined ? {} : { tracePath: argv.trace }),
      });
      watch.stop();
      if (result === undefined) {
        process.stdout.write(argv.json ? `${JSON.stringify({ dataDirectory, ...followed, plan }, null, 2)}\n` : formatPlan(plan));
        return;
      }
      if (argv.json)
        process.stdout.write(`${JSON.stringify({ dataDirectory, ...followed, ...result, message: 'Successfully restored' }, null, 2)}\n`);
      else process.stdout.write(formatSummary(result, plan, dataDirectory));
    } finally {
      watch.stop();
    }
  },
};

/**
 * Once the restore is planned: SIGINT and SIGTERM cancel it (never its planning, which a signal ends
 * as usual), and a progress bar shows it when enabled. stop() may be called more than once.
 */
function interruptibleProgress(showsBar: boolean): { start(plan: RestorePlan): RestoreWatch; stop(): void } {
  let stopView = (): void => {};
  let removeHandlers = (): void => {};
  return {
    start(plan) {
      const controller = new AbortController();
      const interrupt = (): void => controller.abort();
      process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
      removeHandlers = () => void process.off('SIGINT', interrupt).off('SIGTERM', interrupt);
      const view = progressView(showsBar, plan);
      stopView = () => view.stop();
      return { signal: controller.signal, onProgress: (progress) => view.update(progress) };
    },
    stop() {
      stopView();
      removeHandlers();
    },
  };
}

/** What `--backupId`, or a point-in-time restore (`--to` / `--to-checkpoint`), restores to; exactly one is given. */
function goalFromArguments(argv: ArgumentsCamelCase<RestoreArguments>): RestoreGoal {
  const target = pointInTimeTarget(argv);
  if (target !== undefined) return target;
  if (argv.backupId === undefined)
    throw new CutlineError('USAGE', 'no restore target is given', { hint: 'Pass --backupId N, --to <ISO time>, or --to-checkpoint N.' });
  return { backupId: requireBackupId(argv.backupId) };
}

/** An ISO 8601 time must carry its zone: a restore at 3 a.m. must not depend on the machine's time zone. */
const isoTimePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const zonelessTimePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/;

/** The accepted forms, shown with the operator's own time when only its zone is missing. */
function toTimeHint(given: string): string {
  const time = zonelessTimePattern.test(given) ? given : '2026-12-04T10:00:00';
  return `Add the zone to the time: ${time}Z for UTC, or an offset such as ${time}+01:00.`;
}

function pointInTimeTarget(argv: ArgumentsCamelCase<RestoreArguments>): RestoreGoal | undefined {
  if (argv.to !== undefined) {
    const toTimeMs = Date.parse(argv.to);
    if (!isoTimePattern.test(argv.to) || Number.isNaN(toTimeMs)) {
      throw new CutlineError(
        'USAGE',
        `--to must be an ISO 8601 time with a zone, such as 2026-11-21T03:00:00Z, got ${JSON.stringify(argv.to)}`,
        { hint: toTimeHint(argv.to) },
      );
    }
    return { toTimeMs };
  }
  const checkpointId = argv['to-checkpoint'];
  if (checkpointId === undefined) return undefined;
  return { checkpointId: requireBackupId(checkpointId, '--to-checkpoint') };
}
