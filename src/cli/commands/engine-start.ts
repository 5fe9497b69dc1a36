// `cutline engine start`: runs the engine with a generated workload until SIGINT or SIGTERM, then shuts down cleanly.
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
import { engineNodesMax, enginePartitionsMax } from '../../limits.js';

interface StartArguments {
  dataDir: string;
  partitions: number;
  nodes: number;
  workloadRate: number;
  checkpointIntervalMs: number;
  checkpointType: string;
  trace?: string;
}

export const engineStartCommand: CommandModule<object, StartArguments> = {
  command: 'start',
  describe: 'Run the engine with a generated message-correlation workload until SIGINT/SIGTERM',
  builder: (yargs: Argv) =>
    yargs
      .option('data-dir', { type: 'string', demandOption: true, describe: 'Engine data directory (created if missing)' })
      .option('partitions', { type: 'number', default: 3, describe: `Number of partitions (1..${enginePartitionsMax})` })
      .option('nodes', { type: 'number', default: 1, describe: `Number of nodes the partitions are spread over (1..${engineNodesMax})` })
      .option('workload-rate', { type: 'number', default: 200, describe: 'Workload commands per second (0: none)' })
      .option('checkpoint-interval-ms', { type: 'number', default: 0, describe: 'Trigger a checkpoint every N ms (0: never)' })
      .option('trace', { type: 'string', describe: 'Write the protocol trace (NDJSON, FORMAT.md "Protocol trace") to this file, for `cutline model-check --trace`' })
      .option('checkpoint-type', { type: 'string', choices: checkpointTypes, default: 'MARKER', describe: 'Type of the periodic checkpoints' })
      .example('$0 engine start --data-dir /var/lib/cutline --partitions 3 --nodes 1', 'Run three partitions on one node')
      .example('$0 engine start --data-dir /tmp/fresh --trace run.ndjson', 'Record the protocol trace of a run from an empty data directory') as unknown as Argv<StartArguments>,
  handler: async (argv: ArgumentsCamelCase<StartArguments>) => {
    checkCount('--partitions', argv.partitions, enginePartitionsMax);
    checkCount('--nodes', argv.nodes, engineNodesMax);
    if (!(argv.workloadRate >= 0) || !(argv.checkpointIntervalMs >= 0)) {
      throw new CutlineError('USAGE', '--workload-rate and --checkpoint-interval-ms must be 0 or more', { hint: 'Use 0 to switch either off.' });
    }
    const transport = new InProcessTransport(systemClock, systemRandom);
    const trace = argv.trace === undefined ? undefined : openTraceFile(argv.trace);
    const cluster = Cluster.open({
      dataDirectory: argv.dataDir,
      partitionCount: argv.partitions,
      nodeCount: argv.nodes,
      clock: systemClock,
      transport,
      ...(trace === undefined ? {} : { trace }),
    });
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    for (let node = 0; node < argv.nodes; node++) {
      process.stdout.write(`node ${node}: partitions ${partitionsOfNode(node, argv.partitions, argv.nodes).join(', ') || '(none)'}\n`);
    }
    process.stdout.write(`engine started: ${argv.partitions} partitions on ${argv.nodes} node(s), data dir ${argv.dataDir}\n`);
    try {
      const result = await runEngine({
        cluster,
        transport,
        clock: systemClock,
        workload: argv.workloadRate > 0 ? new Workload(cluster, systemRandom, `order-${Date.now()}`) : undefined,
        workloadPerSecond: argv.workloadRate,
        checkpointIntervalMs: argv.checkpointIntervalMs,
        checkpointType: argv.checkpointType as CheckpointType,
        signal: controller.signal,
        onProgress: (p) => process.stdout.write(`processed ${p.recordsProcessed} records, delivered ${p.commandsDelivered} commands\n`),
      });
      process.stdout.write(`stopping: processed ${result.recordsProcessed} records in ${(result.elapsedMs / 1000).toFixed(1)} s\n`);
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      cluster.close();
      trace?.close();
    }
    process.stdout.write('engine stopped cleanly (snapshot taken on every partition)\n');
  },
};

function openTraceFile(path: string): NdjsonFileTraceSink {
  try {
    return new NdjsonFileTraceSink(path);
  } catch (cause) {
    throw new CutlineError('USAGE', `cannot create the trace file ${path}: ${(cause as Error).message}`, { cause, hint: 'Pass --trace a path in a writable directory.' });
  }
}

function checkCount(option: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new CutlineError('USAGE', `${option} must be an integer from 1 to ${max}, got ${String(value)}`, { hint: `Pass ${option} N with 1 <= N <= ${max}.` });
  }
}
