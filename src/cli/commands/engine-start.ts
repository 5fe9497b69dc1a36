// `cutline engine start`: runs the engine (with backups and the management API when a store is given) until SIGINT or SIGTERM.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { systemClock } from '../../clock.js';
import { systemRandom } from '../../random.js';
import { Cluster } from '../../engine/cluster.js';
import { InProcessTransport } from '../../engine/transport.js';
import { Workload } from '../../engine/workload.js';
import { runEngine } from '../../engine/engine-runner.js';
import { partitionsOfNode } from '../../engine/partitioning.js';
import { checkpointTypes, type CheckpointType } from '../../engine/records.js';
import { CutlineError } from '../../errors.js';
import { NdjsonFileTraceSink } from '../../engine/trace-sink.js';
import { engineNodesMax, enginePartitionsMax, engineStopDrainMsMax } from '../../limits.js';
import { BackupManager } from '../../backup/backup-manager.js';
import { BackupApiService } from '../../api/backup-api-service.js';
import { startManagementApi, type ManagementApi } from '../../api/management-api.js';
import { openBackupStore } from '../../store/store-config.js';
import { storeConfigFromArguments, storeIsConfigured, withStoreOptions, type StoreArguments } from '../store-options.js';
import { backupConfigFromArguments, withBackupConfigOptions, type BackupConfigArguments } from '../backup-config-options.js';
import { describeBackupConfig } from '../backup-config-sources.js';
import type { EventLog } from '../../event-log.js';
import type { ChunkCodec } from '../../store/chunk-codec.js';
import { ContinuousBackups } from '../../backup/continuous-backups.js';
import { requireDataDirectory } from '../data-directory-option.js';
import { BackupServicesTicker } from '../../backup/services-ticker.js';
import { HealthTrackingBackupStore, StoreHealth } from '../../store/store-health.js';
import { readApiToken, requireTokenOffLoopback } from '../../api/api-auth.js';
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
    const out = engineOutput(argv.json, logLevelFrom(argv, process.env, file));
    const hasStore = storeIsConfigured(argv, file);
    const backupConfig = backupConfigFromArguments(argv, hasStore, process.env, file);
    const backups = hasStore ? openBackups(argv, file, backupConfig.compression, out) : refuseApiWithoutStore(argv);
    const transport = new InProcessTransport(systemClock, systemRandom);
    const trace = argv.trace === undefined ? undefined : openTraceFile(argv.trace);
    const cluster = Cluster.open({
      dataDirectory: settings.dataDirectory,
      partitionCount: settings.partitions,
      nodeCount: settings.nodes,
      clock: systemClock,
      transport,
      continuousBackups: backupConfig.continuous,
      ...(trace === undefined ? {} : { trace }),
      ...(backups === undefined ? {} : { backupHook: backups.manager }),
    });
    const continuous = new ContinuousBackups({
      cluster,
      clock: systemClock,
      config: backupConfig,
      log: out,
      ...(backups === undefined ? {} : { manager: backups.manager }),
    });
    const services = new BackupServicesTicker({ services: continuous, clock: systemClock, log: out });
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
    for (let node = 0; node < settings.nodes; node++) {
      const partitions = partitionsOfNode(node, settings.partitions, settings.nodes);
      out(`node ${node}: partitions ${partitions.join(', ') || '(none)'}`, {
        event: 'node',
        nodeId: node,
        partitions: partitions.join(','),
      });
    }
    out(`engine started: ${settings.partitions} partitions on ${settings.nodes} node(s), data dir ${settings.dataDirectory}`, {
      event: 'started',
      partitions: settings.partitions,
      nodes: settings.nodes,
      dataDir: settings.dataDirectory,
    });
    out(`backup config: ${describeBackupConfig(backupConfig)}`, { event: 'backup-config', ...backupConfigFields(backupConfig) });
    let api: ManagementApi | undefined;
    try {
      if (backups !== undefined) {
        await backups.manager.start(cluster);
        out(`backups go to ${backups.manager.store.description}`, { event: 'store', store: backups.manager.store.description });
        if (argv.apiPort !== undefined) {
          api = await startManagementApi(
            new BackupApiService(cluster, backups.manager, continuous, backups.health),
            argv.apiPort,
            argv.apiHost,
            apiToken === undefined ? {} : { token: apiToken },
          );
          out(
            `management API listening on ${api.url}${apiToken === undefined ? ' (loopback only, no token)' : ' (bearer token required)'}`,
            { event: 'api-listening', url: api.url, token: apiToken !== undefined },
          );
        }
      }
      const result = await runEngine({
        cluster,
        transport,
        clock: systemClock,
        workload: argv.workloadRate > 0 ? new Workload(cluster, systemRandom, `order-${Date.now()}`) : undefined,
        workloadPerSecond: argv.workloadRate,
        checkpointIntervalMs: argv.checkpointIntervalMs,
        checkpointType: argv.checkpointType as CheckpointType,
        signal: controller.signal,
        drainMsMax: engineStopDrainMsMax,
        // A failing store must not stop the engine, nor flood its log: the ticker backs off and logs a failure once a minute.
        services: { tick: () => services.tick(), intervalMs: 250 },
        onProgress: (p) =>
          out(`processed ${p.recordsProcessed} records, delivered ${p.commandsDelivered} commands`, {
            event: 'progress',
            recordsProcessed: p.recordsProcessed,
            commandsDelivered: p.commandsDelivered,
          }),
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
      await api?.close();
      // Backups still uploading stop here; the next start marks them FAILED (FORMAT.md, "Backup manager").
      await backups?.manager.close();
      cluster.close();
      trace?.close();
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

function refuseApiWithoutStore(argv: StartArguments): undefined {
  if (argv.apiPort === undefined) return undefined;
  throw new CutlineError('USAGE', '--api-port needs a backup store', {
    hint: 'Pass --store <directory | s3://bucket/prefix> (or set CUTLINE_STORE, or store in the config file) too.',
  });
}

function openBackups(
  argv: StartArguments,
  file: ConfigFile | undefined,
  chunkCodec: ChunkCodec,
  log: EventLog,
): { manager: BackupManager; health: StoreHealth } {
  if (argv.apiPort !== undefined && (!Number.isInteger(argv.apiPort) || argv.apiPort < 0 || argv.apiPort > 65535)) {
    throw new CutlineError('USAGE', `--api-port must be a port number from 0 to 65535, got ${String(argv.apiPort)}`);
  }
  // Every store call's outcome feeds GET /health: an engine whose store refuses it keeps running, so it must say so.
  const health = new StoreHealth(systemClock);
  const store = new HealthTrackingBackupStore(openBackupStore(storeConfigFromArguments(argv, file)), health);
  return { manager: new BackupManager({ store, clock: systemClock, chunkCodec, log }), health };
}

function openTraceFile(path: string): NdjsonFileTraceSink {
  try {
    return new NdjsonFileTraceSink(path);
  } catch (cause) {
    throw new CutlineError('USAGE', `cannot create the trace file ${path}: ${(cause as Error).message}`, {
      cause,
      hint: 'Pass --trace a path in a writable directory.',
    });
  }
}
