// The one entry point of a running engine for its callers (the CLI's `engine start`): the cluster with its workload and
// checkpoint timer, the backup manager and continuous-backup services when a store is given, and the management API.
import { systemClock } from '../clock.js';
import { CutlineError } from '../errors.js';
import type { EventLog } from '../event-log.js';
import { systemRandom } from '../random.js';
import type { BackupConfig } from '../protocol/backup-config.js';
import { Cluster } from '../engine/cluster.js';
import { runEngine, type EngineRunResult } from '../engine/engine-runner.js';
import { partitionsOfNode } from '../engine/partitioning.js';
import type { CheckpointType } from '../engine/records.js';
import { NdjsonFileTraceSink } from '../engine/trace-sink.js';
import { InProcessTransport } from '../engine/transport.js';
import { Workload } from '../engine/workload.js';
import { BackupManager } from '../backup/backup-manager.js';
import { ContinuousBackups } from '../backup/continuous-backups.js';
import { BackupServicesTicker } from '../backup/services-ticker.js';
import { openBackupStore, type StoreConfig } from '../store/store-config.js';
import { HealthTrackingBackupStore, StoreHealth } from '../store/store-health.js';
import { BackupApiService } from './backup-api-service.js';
import { startManagementApi, type ManagementApi } from './management-api.js';

export interface EngineNodeOptions {
  readonly dataDirectory: string;
  readonly partitions: number;
  readonly nodes: number;
  /** Where backups go; undefined: no backups, no management API. */
  readonly store: StoreConfig | undefined;
  readonly backupConfig: BackupConfig;
  /** Serve the management API (needs a store); the token is required on every route when set. */
  readonly api?: { readonly port: number; readonly host: string; readonly token: string | undefined };
  /** Workload commands per second (0: none). */
  readonly workloadPerSecond: number;
  /** An external checkpoint trigger of `checkpointType` this often (0: never). */
  readonly checkpointIntervalMs: number;
  readonly checkpointType: CheckpointType;
  /** Write the protocol trace (FORMAT.md "Protocol trace") to this file. */
  readonly tracePath?: string;
  /** At most this long, once aborted, to deliver and process what is in flight (runEngine's drainMsMax). */
  readonly drainMsMax: number;
  readonly log: EventLog;
  readonly signal: AbortSignal;
  /** Called once the cluster is open (its node lines logged), before the backup manager starts. */
  readonly onStarted?: () => void;
}

/**
 * Opens the cluster and its backup services, runs it until the signal aborts and it drained, and closes everything:
 * uploads still running stop (the next start marks them FAILED), and every partition takes a snapshot.
 */
export async function runEngineNode(options: EngineNodeOptions): Promise<EngineRunResult> {
  const { log } = options;
  if (options.api !== undefined && options.store === undefined) {
    throw new CutlineError('USAGE', 'the management API needs a backup store', {
      hint: 'Pass --store <directory | s3://bucket/prefix> (or set CUTLINE_STORE, or store in the config file) too.',
    });
  }
  const backups = options.store === undefined ? undefined : openBackups(options.store, options.backupConfig, log);
  const transport = new InProcessTransport(systemClock, systemRandom);
  const trace = options.tracePath === undefined ? undefined : openTraceFile(options.tracePath);
  const cluster = Cluster.open({
    dataDirectory: options.dataDirectory,
    partitionCount: options.partitions,
    nodeCount: options.nodes,
    clock: systemClock,
    transport,
    continuousBackups: options.backupConfig.continuous,
    ...(trace === undefined ? {} : { trace }),
    ...(backups === undefined ? {} : { backupHook: backups.manager }),
  });
  const continuous = new ContinuousBackups({
    cluster,
    clock: systemClock,
    config: options.backupConfig,
    log,
    ...(backups === undefined ? {} : { manager: backups.manager }),
  });
  let api: ManagementApi | undefined;
  try {
    for (let node = 0; node < options.nodes; node++) {
      const partitions = partitionsOfNode(node, options.partitions, options.nodes);
      log(`node ${node}: partitions ${partitions.join(', ') || '(none)'}`, {
        event: 'node',
        nodeId: node,
        partitions: partitions.join(','),
      });
    }
    options.onStarted?.();
    if (backups !== undefined) {
      await backups.manager.start(cluster);
      log(`backups go to ${backups.manager.store.description}`, { event: 'store', store: backups.manager.store.description });
      if (options.api !== undefined)
        api = await startApi(new BackupApiService(cluster, backups.manager, continuous, backups.health), options.api, log);
    }
    const services = new BackupServicesTicker({ services: continuous, clock: systemClock, log });
    return await runEngine({
      cluster,
      transport,
      clock: systemClock,
      workload: options.workloadPerSecond > 0 ? new Workload(cluster, systemRandom, `order-${Date.now()}`) : undefined,
      workloadPerSecond: options.workloadPerSecond,
      checkpointIntervalMs: options.checkpointIntervalMs,
      checkpointType: options.checkpointType,
      signal: options.signal,
      drainMsMax: options.drainMsMax,
      // A failing store must not stop the engine, nor flood its log: the ticker backs off and logs a failure once a minute.
      services: { tick: () => services.tick(), intervalMs: 250 },
      onProgress: (p) =>
        log(`processed ${p.recordsProcessed} records, delivered ${p.commandsDelivered} commands`, {
          event: 'progress',
          recordsProcessed: p.recordsProcessed,
          commandsDelivered: p.commandsDelivered,
        }),
    });
  } finally {
    await api?.close();
    // Backups still uploading stop here; the next start marks them FAILED (FORMAT.md, "Backup manager").
    await backups?.manager.close();
    cluster.close();
    trace?.close();
  }
}

async function startApi(service: BackupApiService, api: NonNullable<EngineNodeOptions['api']>, log: EventLog): Promise<ManagementApi> {
  const started = await startManagementApi(service, api.port, api.host, api.token === undefined ? {} : { token: api.token });
  const access = api.token === undefined ? ' (loopback only, no token)' : ' (bearer token required)';
  log(`management API listening on ${started.url}${access}`, { event: 'api-listening', url: started.url, token: api.token !== undefined });
  return started;
}

function openBackups(storeConfig: StoreConfig, config: BackupConfig, log: EventLog): { manager: BackupManager; health: StoreHealth } {
  // Every store call's outcome feeds GET /health: an engine whose store refuses it keeps running, so it must say so.
  const health = new StoreHealth(systemClock);
  const store = new HealthTrackingBackupStore(openBackupStore(storeConfig), health);
  return { manager: new BackupManager({ store, clock: systemClock, chunkCodec: config.compression, log }), health };
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
