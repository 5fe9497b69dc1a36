// `cutline demo`: the end-to-end tour on the embedded filesystem store, run through the real CLI.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { CutlineError } from '../../errors.js';
import { SegmentedLog } from '../../log/segmented-log.js';
import type { AnyCommand } from '../command.js';
import { cutlineBinPath, runStep, startEngine, type RunningEngine } from './demo-process.js';
import { commandOutput, type CommandOutput } from '../command-output.js';
import { logLevelFrom, type LogLevelArguments } from '../log-level.js';

interface DemoArguments extends LogLevelArguments {
  readonly dir: string | undefined;
  readonly keep: boolean;
  readonly json: boolean;
}

const partitionCount = 3;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The last position of each partition's log, read directly from the data directory. */
function lastPositions(dataDir: string): number[] {
  return Array.from({ length: partitionCount }, (_, index) => {
    const log = SegmentedLog.open({ directory: join(dataDir, 'partitions', String(index + 1), 'log'), readOnly: true });
    try {
      return log.lastPosition;
    } finally {
      log.close();
    }
  });
}

async function takeBackup(api: string, out: CommandOutput): Promise<number> {
  const taken = JSON.parse(await runStep(['backup', 'take', '--api', api, '--json'], { quiet: true, out })) as { backupId: number };
  out(`    backup ${taken.backupId} triggered; the engine keeps processing while partitions upload`, {
    event: 'backup-triggered',
    backupId: taken.backupId,
  });
  const statusStep = ['backup', 'status', '--api', api, '--backupId', String(taken.backupId), '--json'];
  for (let attempt = 0; attempt < 100; attempt += 1) {
    // Shown once: the polls after the first repeat it.
    const status = JSON.parse(await runStep(statusStep, { quiet: true, repeat: attempt > 0, out })) as { status: string };
    if (status.status === 'COMPLETED') return taken.backupId;
    if (status.status === 'FAILED') throw new CutlineError('BACKUP_INCOMPLETE', `demo backup ${taken.backupId} failed`);
    await sleep(200);
  }
  throw new CutlineError('BACKUP_INCOMPLETE', `demo backup ${taken.backupId} did not complete within 20 s`);
}

async function backUpWhileRunning(dataDir: string, store: string, out: CommandOutput): Promise<number> {
  out('1. Start a 3-partition engine with its workload, backing up to a directory store:', { event: 'section', section: 1 });
  const engine: RunningEngine = await startEngine(
    ['engine', 'start', '--data-dir', dataDir, '--partitions', String(partitionCount), '--store', store, '--api-port', '0'],
    out,
  );
  try {
    await sleep(1500);
    out('\n2. Take two hot backups while it runs (the management API, as an operator would):', { event: 'section', section: 2 });
    await takeBackup(engine.apiUrl, out);
    await sleep(1500);
    const backupId = await takeBackup(engine.apiUrl, out);
    await runStep(['backup', 'list', '--api', engine.apiUrl], { out });
    return backupId;
  } finally {
    await engine.stop();
    const positions = lastPositions(dataDir);
    out(`    engine stopped; its logs end at positions ${positions.join(', ')}`, { event: 'engine-stopped', lastPositions: positions });
  }
}

async function restoreAndResume(store: string, backupId: number, restored: string, out: CommandOutput): Promise<void> {
  out('\n3. Verify the backup the way a CI pipeline does (every file, CRC, checkpoint record, snapshot, cut):', {
    event: 'section',
    section: 3,
  });
  await runStep(['verify-backup', '--store', store, '--backupId', String(backupId), '--level', 'full'], { out });
  out('\n4. Disaster: restore the newer backup into a fresh data directory:', { event: 'section', section: 4 });
  await runStep(['restore', '--backupId', String(backupId), '--store', store, '--data-dir', restored], { out });
  const cut = lastPositions(restored);
  out(`    restored logs end at their checkpoint records: positions ${cut.join(', ')}`, { event: 'restored', lastPositions: cut });
  out('\n5. Start the engine on the restored directory: it recovers, re-sends in-transit commands and resumes:', {
    event: 'section',
    section: 5,
  });
  const engine = await startEngine(['engine', 'start', '--data-dir', restored, '--partitions', String(partitionCount)], out);
  await sleep(2000);
  await engine.stop();
  const resumed = lastPositions(restored);
  out(`    after 2 s the logs have grown from ${cut.join(', ')} to ${resumed.join(', ')}`, { event: 'resumed', lastPositions: resumed });
  if (resumed.some((position, index) => position <= (cut[index] ?? 0))) {
    throw new CutlineError('ENGINE_RECOVERY', 'the engine on the restored data did not resume processing');
  }
}

async function demo(argv: DemoArguments): Promise<void> {
  const out = commandOutput({ json: argv.json, level: logLevelFrom(argv, process.env, undefined), results: new Set(['done']) });
  const directory = argv.dir ?? mkdtempSync(join(tmpdir(), 'cutline-demo-'));
  mkdirSync(directory, { recursive: true });
  const dataDir = join(directory, 'data');
  const store = join(directory, 'store');
  const restored = join(directory, 'restored');
  out(`cutline demo in ${directory} (commands run through ${cutlineBinPath()})\n`, { event: 'started', directory, bin: cutlineBinPath() });
  try {
    const backupId = await backUpWhileRunning(dataDir, store, out);
    await restoreAndResume(store, backupId, restored, out);
    const kept = argv.keep || argv.dir !== undefined;
    out(
      `\nDone: a hot backup taken under load, verified, restored to a consistent cut, and resumed.${kept ? `\nEverything is in ${directory}: data/, store/, restored/.` : ''}`,
      { event: 'done', backupId, directory, kept },
    );
  } finally {
    if (!argv.keep && argv.dir === undefined) rmSync(directory, { recursive: true, force: true });
  }
}

export const demoCommand = {
  command: 'demo',
  describe: 'End to end on the filesystem store: run an engine, back it up hot, verify, restore, resume',
  builder: (yargs: Argv) =>
    yargs
      .option('dir', { type: 'string', describe: 'Work in this directory (kept) instead of a temporary one' })
      .option('keep', { type: 'boolean', default: false, describe: 'Keep the temporary directory to inspect it afterwards' })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'Print JSON lines: one object per event (started, section, command, output, backup-triggered, ..., done)',
      }),
  handler: (argv: ArgumentsCamelCase<DemoArguments>) => demo(argv),
} satisfies CommandModule<object, DemoArguments> as AnyCommand;
