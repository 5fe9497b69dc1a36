// `cutline engine start`: runs the engine (with backups and the management API when a store is given) until SIGINT or SIGTERM.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { checkpointTypes, type CheckpointType } from '../../engine/records.js';
import { CutlineError } from '../../errors.js';
import { engineNodesMax, enginePartitionsMax, engineStopDrainMsMax } from '../../limits.js';
import { runEngineNode } from '../../api/engine-node.js';
import { readApiToken, requireTokenOffLoopback } from '../../api/api-auth.js';
import { storeConfigFromArguments, storeIsConfigured, withStoreOptions, type StoreArguments } from '../store-options.js';
import { backupConfigFromArguments, withBackupConfigOptions, type BackupConfigArguments } from '../backup-config-options.js';
import { describeBackupConfig } from '../backup-config-sources.js';
import { requireDataDirectory } from '../data-directory-option.js';
import { loadConfigFile, type ConfigFile } from '../config-file.js';
import { logLevelFrom, type LogLevelArguments } from '../log-level.js';
import { integerSetting, resolveSetting, textSetting } from '../settings.js';
import { backupConfigFields, engineOutput } from './engine-output.js';

interface StartArguments extends StoreArguments, BackupConfigArguments, LogLevelArguments {
  dataDir: string | undefined;
  apiPort: number | undefined;
  apiHost: string;
  partitions: number | undefined;
  'cluster-size': number | undefined;
  workloadRate: number;
  checkpointIntervalMs: number;
  checkpointType: string;
  trace?: string;
  json: boolean;
}

export const engineStartCommand: CommandModule<object, StartArguments> = {
  command: 'start',
  describe: 'Run the engine with a generated message-correlation workload until SIGINT/SIGTERM',
  builder: (yargs: Argv) =>
    withBackupConfigOptions(withStoreOptions(yargs))
      .option('data-dir', { type: 'string', describe: 'Engine data directory (created if missing) [env CUTLINE_DATA_DIR]' })
      .option('partitions', { type: 'number', defaultDescription: '3', describe: `Number of partitions (1..${enginePartitionsMax})` })
      .option('cluster-size', {
        alias: 'nodes',
        type: 'number',
        defaultDescription: '1',
        describe: `Number of nodes the partitions are spread over (1..${engineNodesMax}); --nodes is its old name`,
      })
      .option('workload-rate', { type: 'number', default: 200, describe: 'Workload commands per second (0: none)' })
      .option('checkpoint-interval-ms', { type: 'number', default: 0, describe: 'Trigger a checkpoint every N ms (0: never)' })
      .option('trace', {
        type: 'string',
        describe: 'Write the protocol trace (NDJSON, FORMAT.md "Protocol trace") to this file, for `cutline model-check --trace`',
      })
      .option('checkpoint-type', {
        type: 'string',
        choices: checkpointTypes,
        default: 'MARKER',
        describe: 'Type of the periodic checkpoints',
      })
      .option('api-port', { type: 'number', describe: 'Serve the backup management API on this port (needs --store; 0 picks a free one)' })
      .option('json', {
        type: 'boolean',
        default: false,
        describe:
          'Print JSON lines: one object per event (started, checkpoint-requested, backup-completed, backup-failed, retention-deleted, stopped, ...)',
      })
      .option('api-host', {
        type: 'string',
        default: '127.0.0.1',
        describe: 'Address the management API listens on; any but loopback needs a token (CUTLINE_API_TOKEN or api.token in --config)',
      })
      .example('$0 engine start --data-dir /var/lib/cutline --partitions 3 --cluster-size 1', 'Run three partitions on one node')
      .example('$0 engine start --data-dir d --store /var/backups --api-port 9600', 'Take backups to a directory, managed over HTTP')
      .example(
        '$0 engine start --data-dir d --store /b --backup-continuous --backup-checkpoint-interval PT30S --backup-schedule PT5M',
        'Continuous backups',
      )
      .example(
        '$0 engine start --data-dir /tmp/fresh --trace run.ndjson',
        'Record the protocol trace of a run from an empty data directory',
      ) as unknown as Argv<StartArguments>,
  handler: async (argv: ArgumentsCamelCase<StartArguments>) => {
    const file = loadConfigFile(argv.config);
    // Decided before anything is opened or bound: off loopback the API refuses to run without a token.
    const apiToken = argv.apiPort === undefined ? undefined : readApiToken(process.env, file);
    if (argv.apiPort !== undefined) requireTokenOffLoopback(argv.apiHost, apiToken);
    const settings = engineSettings(argv, file);
    if (!(argv.workloadRate >= 0) || !(argv.checkpointIntervalMs >= 0)) {
      throw new CutlineError('USAGE', '--workload-rate and --checkpoint-interval-ms must be 0 or more', {
        hint: 'Use 0 to switch either off.',
      });
    }
    if (argv.apiPort !== undefined && (!Number.isInteger(argv.apiPort) || argv.apiPort < 0 || argv.apiPort > 65535)) {
      throw new CutlineError('USAGE', `--api-port must be a port number from 0 to 65535, got ${String(argv.apiPort)}`);
    }
    const out = engineOutput(argv.json, logLevelFrom(argv, process.env, file));
    const hasStore = storeIsConfigured(argv, file);
    const backupConfig = backupConfigFromArguments(argv, hasStore, process.env, file);
    if (argv.apiPort !== undefined && !hasStore) {
      throw new CutlineError('USAGE', '--api-port needs a backup store', {
        hint: 'Pass --store <directory | s3://bucket/prefix> (or set CUTLINE_STORE, or store in the config file) too.',
      });
    }
    const controller = new AbortController();
    const stop = () => {
      if (controller.signal.aborted) return;
      out(`stop requested: delivering and processing what is in flight (at most ${engineStopDrainMsMax / 1000} s)`, {
        event: 'stop-requested',
      });
      controller.abort();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      const result = await runEngineNode({
        ...settings,
        store: hasStore ? storeConfigFromArguments(argv, file) : undefined,
        backupConfig,
        ...(argv.apiPort === undefined ? {} : { api: { port: argv.apiPort, host: argv.apiHost, token: apiToken } }),
        workloadPerSecond: argv.workloadRate,
        checkpointIntervalMs: argv.checkpointIntervalMs,
        checkpointType: argv.checkpointType as CheckpointType,
        ...(argv.trace === undefined ? {} : { tracePath: argv.trace }),
        drainMsMax: engineStopDrainMsMax,
        log: out,
        signal: controller.signal,
        onStarted: () => {
          const { partitions, nodes, dataDirectory } = settings;
          out(`engine started: ${partitions} partitions on ${nodes} node(s), data dir ${dataDirectory}`, {
            event: 'started',
            partitions,
            nodes,
            dataDir: dataDirectory,
          });
          out(`backup config: ${describeBackupConfig(backupConfig)}`, { event: 'backup-config', ...backupConfigFields(backupConfig) });
        },
      });
      const seconds = result.elapsedMs / 1000;
      const settled = result.settled
        ? 'settled: every command delivered and acknowledged, every record processed'
        : `not settled after ${engineStopDrainMsMax / 1000} s: commands still in flight`;
      out(`stopping: processed ${result.recordsProcessed} records in ${seconds.toFixed(1)} s; ${settled}`, {
        event: 'stopping',
        recordsProcessed: result.recordsProcessed,
        seconds,
        settled: result.settled,
      });
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    out('engine stopped cleanly (snapshot taken on every partition)', { event: 'stopped' });
  },
};

/** The data directory and the cluster's shape, from the flags, CUTLINE_DATA_DIR and the config file. */
function engineSettings(argv: StartArguments, file: ConfigFile | undefined): { dataDirectory: string; partitions: number; nodes: number } {
  const dataDirectory = textSetting(resolveSetting('data-dir', argv.dataDir, process.env, file));
  if (dataDirectory === undefined) {
    throw new CutlineError('USAGE', 'no data directory is given', {
      hint: 'Pass --data-dir (or set CUTLINE_DATA_DIR, or data-dir in the config file): the directory the engine keeps its partitions in.',
    });
  }
  return {
    dataDirectory: requireDataDirectory(dataDirectory),
    partitions: integerSetting(resolveSetting('partitions', argv.partitions, process.env, file), 1, enginePartitionsMax),
    nodes: integerSetting(resolveSetting('cluster-size', argv['cluster-size'], process.env, file), 1, engineNodesMax),
  };
}
