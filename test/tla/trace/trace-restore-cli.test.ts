// `cutline restore --trace` and `model-check --trace --settled`: a real `engine start --trace` run stopped by SIGTERM, a backup taken over its API, the restore appending its
// `restored` event, and `cutline model-check --trace` validating the whole run, the restore included.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../support/run-cli.js';
import { temporaryDirectories } from '../../support/temporary-directories.js';
import { eventually } from '../../support/eventually.js';

const bin = new URL('../../../src/cli/bin.ts', import.meta.url).pathname;
const freshDirectory = temporaryDirectories('trace-restore-cli');
let storeDirectory = '';
let tracePath = '';
let scratch = '';
let engineOutput = '';

/** Runs the engine with a trace until backup 1 is COMPLETED on both partitions, then stops it with SIGTERM. */
beforeAll(async () => {
  const dataDirectory = await freshDirectory();
  [storeDirectory, scratch] = [await freshDirectory(), await freshDirectory()];
  tracePath = join(scratch, 'run.ndjson');
  const args = ['engine', 'start', '--data-dir', dataDirectory, '--partitions', '2', '--workload-rate', '40'];
  const engine: ChildProcessWithoutNullStreams = spawn(process.execPath, [
    ...['--import', 'tsx', bin, ...args],
    ...['--store', storeDirectory, '--api-port', '0', '--trace', tracePath],
  ]);
  let output = '';
  let exited = false;
  engine.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  engine.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const closed = new Promise((resolve) => engine.once('close', resolve)).then(() => (exited = true));
  const says = (pattern: RegExp) =>
    eventually(() => {
      if (exited) throw new Error(`the engine exited before it printed ${String(pattern)}:\n${output}`);
      return pattern.exec(output);
    }, 20);
  const apiUrl = (await says(/management API listening on (\S+)/))[1] ?? '';
  const taken = await runCli(['backup', 'take', '--api', apiUrl, '--backupId', '1']);
  expect(taken.code, taken.stderr).toBe(0);
  await says(
    /backup 1: partition 1 COMPLETED[\s\S]*backup 1: partition 2 COMPLETED|backup 1: partition 2 COMPLETED[\s\S]*backup 1: partition 1 COMPLETED/,
  );
  engine.kill('SIGTERM');
  await closed;
  engineOutput = output;
}, 120_000);

function lastEvent(path: string): { event: string; checkpointId: number; cuts: { partitionId: number; checkpointPosition: number }[] } {
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '{}') as ReturnType<typeof lastEvent>;
}

describe('cutline model-check --trace --settled', () => {
  it('accepts the run of an engine that stopped settled, and rejects it cut short before its last processed record', async () => {
    expect(engineOutput).toMatch(/stopping: processed \d+ records in [0-9.]+ s; settled: every command delivered and acknowledged/);
    const settled = await runCli(['model-check', '--trace', tracePath, '--settled']);
    expect(settled.code, settled.stdout + settled.stderr).toBe(0);
    // Cut before its last record-processed event (a backup-taken may come after it: one left out changes nothing).
    const lines = readFileSync(tracePath, 'utf8').trimEnd().split('\n');
    const lastProcessed = lines.findLastIndex((line) => line.includes('"event":"record-processed"'));
    expect(lastProcessed).toBeGreaterThan(0);
    const cut = join(scratch, 'cut-short.ndjson');
    writeFileSync(cut, `${lines.slice(0, lastProcessed).join('\n')}\n`);
    expect((await runCli(['model-check', '--trace', cut])).code).toBe(0);
    const rejected = await runCli(['model-check', '--trace', cut, '--settled']);
    expect(rejected.code).toBe(1);
    expect(rejected.stdout).toContain('the end of a settled run: TraceSettled(TRUE)');
    expect(rejected.stderr).toContain(`error [TRACE_REJECTED]: ${cut}:${lastProcessed}: `);
  }, 120_000);

  it('is refused without --trace (USAGE)', async () => {
    const refused = await runCli(['model-check', '--all', '--settled']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error \[USAGE\]: --settled goes with --trace/);
  });
});

describe('cutline restore --trace', () => {
  it('appends the restored event with each partition cut, and model-check validates the run with the restore', async () => {
    const restoredTrace = join(scratch, 'restored.ndjson');
    copyFileSync(tracePath, restoredTrace);
    const target = join(await freshDirectory(), 'data');
    const restore = await runCli(['restore', '--backupId', '1', '--store', storeDirectory, '--data-dir', target, '--trace', restoredTrace]);
    expect(restore.code, restore.stderr).toBe(0);
    const restored = lastEvent(restoredTrace);
    expect(restored).toMatchObject({ event: 'restored', checkpointId: 1 });
    expect(restored.cuts.map((cut) => cut.partitionId)).toEqual([1, 2]);
    expect(restored.cuts.every((cut) => cut.checkpointPosition > 0)).toBe(true);

    const checked = await runCli(['model-check', '--trace', restoredTrace]);
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    expect(checked.stdout).toMatch(/is a behaviour of the spec: (\d+) of \1 events validated/);
    // The run is not empty: workload, the backup of both partitions, and the restore were all validated.
    expect(Number(/: (\d+) of/.exec(checked.stdout)?.[1])).toBeGreaterThan(20);

    // The same restore with one cut moved by a record is not one the spec allows: rejected at the restored line.
    const moved = {
      ...restored,
      cuts: restored.cuts.map((cut, index) => (index === 0 ? { ...cut, checkpointPosition: cut.checkpointPosition + 1 } : cut)),
    };
    const lines = readFileSync(restoredTrace, 'utf8').trimEnd().split('\n');
    const wrongTrace = join(scratch, 'wrong-cut.ndjson');
    writeFileSync(wrongTrace, `${[...lines.slice(0, -1), JSON.stringify(moved)].join('\n')}\n`);
    const rejected = await runCli(['model-check', '--trace', wrongTrace]);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain(`error [TRACE_REJECTED]: ${wrongTrace}:${lines.length}: the spec does not allow this restored event`);
  }, 120_000);

  it('refuses a file that is not a protocol trace before it restores anything (TRACE_INVALID), and leaves the file alone', async () => {
    const notTrace = join(scratch, 'notes.txt');
    writeFileSync(notTrace, 'not a trace\n');
    const directory = await freshDirectory();
    const restore = await runCli(
      ['restore', '--backupId', '1', '--store', storeDirectory, '--data-dir', join(directory, 'data')].concat(['--trace', notTrace]),
    );
    expect(restore.code).toBe(2);
    expect(restore.stderr).toMatch(new RegExp(`^error \\[TRACE_INVALID\\]: ${notTrace}:1: not a protocol trace`));
    expect(readFileSync(notTrace, 'utf8')).toBe('not a trace\n');
    expect(existsSync(join(directory, 'data')) ? readdirSync(join(directory, 'data')) : []).toEqual([]);
  });
});
