// `cutline demo`: the end-to-end tour on the embedded filesystem store, run through the real CLI.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { CutlineError } from '../../errors.js';
import { SegmentedLog } from '../../log/segmented-log.js';
import type { AnyCommand } from '../command.js';
import { cutlineBinPath, runStep, startEngine, type RunningEngine } from './demo-process.js';

interface DemoArguments {
  readonly dir: string | undefined;
  readonly keep: boolean;
}

const partitionCount = 3;

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

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

async function takeBackup(api: string): Promise<number> {
  const taken = JSON.parse(await runStep(['backup', 'take', '--api', api, '--json'], { quiet: true })) as { backupId: number };
  say(`    backup ${taken.backupId} triggered; the engine keeps processing while partitions upload`);
  const statusStep = ['backup', 'status', '--api', api, '--backupId', String(taken.backupId), '--json'];
  for (let attempt = 0; attempt < 100; attempt += 1) {
    // Shown once: the polls after the first repeat it.
    const status = JSON.parse(await runStep(statusStep, { quiet: true, repeat: attempt > 0 })) as { status: string };
    if (status.status === 'COMPLETED') return taken.backupId;
    if (status.status === 'FAILED') throw new CutlineError('BACKUP_INCOMPLETE', `demo backup ${taken.backupId} failed`);
    await sleep(200);
  }
  throw new CutlineError('BACKUP_INCOMPLETE', `demo backup ${taken.backupId} did not complete within 20 s`);
}

async function backUpWhileRunning(dataDir: string, store: string): Promise<number> {
  say('1. Start a 3-partition engine with its workload, backing up to a directory store:');
  const engine: RunningEngine = await startEngine([
    'engine',
    'start',
    '--data-dir',
    dataDir,
    '--partitions',
    String(partitionCount),
    '--store',
    store,
    '--api-port',
    '0',
  ]);
  try {
    await sleep(1500);
    say('\n2. Take two hot backups while it runs (the management API, as an operator would):');
    await takeBackup(engine.apiUrl);
    await sleep(1500);
    const backupId = await takeBackup(engine.apiUrl);
    await runStep(['backup', 'list', '--api', engine.apiUrl]);
    return backupId;
  } finally {
    await engine.stop();
    say(`    engine stopped; its logs end at positions ${lastPositions(dataDir).join(', ')}`);
  }
}

async function restoreAndResume(store: string, backupId: number, restored: string): Promise<void> {
  say('\n3. Verify the backup the way a CI pipeline does (every file, CRC, checkpoint record, snapshot, cut):');
  await runStep(['verify-backup', '--store', store, '--backupId', String(backupId), '--level', 'full']);
  say('\n4. Disaster: restore the newer backup into a fresh data directory:');
  await runStep(['restore', '--backupId', String(backupId), '--store', store, '--data-dir', restored]);
  const cut = lastPositions(restored);
  say(`    restored logs end at their checkpoint records: positions ${cut.join(', ')}`);
  say('\n5. Start the engine on the restored directory: it recovers, re-sends in-transit commands and resumes:');
  const engine = await startEngine(['engine', 'start', '--data-dir', restored, '--partitions', String(partitionCount)]);
  await sleep(2000);
  await engine.stop();
  const resumed = lastPositions(restored);
  say(`    after 2 s the logs have grown from ${cut.join(', ')} to ${resumed.join(', ')}`);
  if (resumed.some((position, index) => position <= (cut[index] ?? 0))) {
    throw new CutlineError('ENGINE_RECOVERY', 'the engine on the restored data did not resume processing');
  }
}

async function demo(argv: DemoArguments): Promise<void> {
  const directory = argv.dir ?? mkdtempSync(join(tmpdir(), 'cutline-demo-'));
  mkdirSync(directory, { recursive: true });
  const dataDir = join(directory, 'data');
  const store = join(directory, 'store');
  const restored = join(directory, 'restored');
  say(`cutline demo in ${directory} (commands run through ${cutlineBinPath()})\n`);
  try {
    const backupId = await backUpWhileRunning(dataDir, store);
    await restoreAndResume(store, backupId, restored);
    say(`\nDone: a hot backup taken under load, verified, restored to a consistent cut, and resumed.`);
    if (argv.keep) say(`Everything is in ${directory}: data/, store/, restored/.`);
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
      .option('keep', { type: 'boolean', default: false, describe: 'Keep the temporary directory to inspect it afterwards' }),
  handler: (argv: ArgumentsCamelCase<DemoArguments>) => demo(argv),
} satisfies CommandModule<object, DemoArguments> as AnyCommand;
