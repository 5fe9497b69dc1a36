// kill -9 of a real `cutline restore` at seeded moments, then the same restore again: the data directory ends byte-identical to a clean restore.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/random.js';
import { completionMarkerName } from '../../src/restore/restore-layout.js';
import { temporaryDirectory } from '../engine/helpers.js';

const bin = new URL('../../src/cli/bin.ts', import.meta.url).pathname;
const storeDirectory = new URL('../../fixtures/golden-v2', import.meta.url).pathname;
/** How many kills the test makes; CUTLINE_KILL_RUNS raises it for a sweep (the issue asks for 20). */
const kills = Number(process.env.CUTLINE_KILL_RUNS ?? 3);

/** Runs `cutline restore`; with `killAfterBytes`, sends SIGKILL once that many bytes of output have come, or after `killAfterMs`. */
function restoreRun(target: string, kill?: { afterBytes: number; afterMs: number }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', bin, 'restore', '--backupId', '2', '--store', storeDirectory, '--data-dir', target],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    let killed = false;
    const killNow = () => {
      if (!killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    const timer = kill === undefined ? undefined : setTimeout(killNow, kill.afterMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (kill !== undefined && output.length >= kill.afterBytes) killNow();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Every file under `directory`, by relative path, with its bytes (the marker's one time field, completedAt, dropped). */
function snapshotOf(directory: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (path: string) => {
    for (const name of readdirSync(path).sort()) {
      const child = join(path, name);
      if (statSync(child).isDirectory()) walk(child);
      else files.set(relative(directory, child), readFileSync(child).toString('base64'));
    }
  };
  walk(directory);
  const marker = files.get(completionMarkerName);
  if (marker !== undefined) {
    const parsed = JSON.parse(Buffer.from(marker, 'base64').toString()) as Record<string, unknown>;
    files.set(completionMarkerName, JSON.stringify(Object.fromEntries(Object.entries(parsed).filter(([key]) => key !== 'completedAt'))));
  }
  return files;
}

describe('kill -9 during a restore', () => {
  it(`leaves a directory the same restore completes byte-identical to a clean restore (${kills} kills)`, async () => {
    const clean = temporaryDirectory('clean-restore');
    const first = await restoreRun(clean);
    expect(first.code, first.output).toBe(0);
    const expected = snapshotOf(clean);
    expect(expected.has(completionMarkerName)).toBe(true);
    const random = new SeededRandom(Number(process.env.CUTLINE_KILL_SEED ?? 16));
    let interrupted = 0;
    for (let run = 0; run < kills; run++) {
      const target = temporaryDirectory('killed-restore');
      // Half the kills land somewhere in the progress output, half at a seeded time from the spawn.
      const kill =
        random.int(2) === 0
          ? { afterBytes: 1 + random.int(first.output.length - 1), afterMs: 600_000 }
          : { afterBytes: Infinity, afterMs: random.int(2500) };
      const killed = await restoreRun(target, kill);
      if (killed.code === null) interrupted++;
      const again = await restoreRun(target);
      expect(again.code, `run ${run}: ${killed.output} / ${again.output}`).toBe(0);
      expect(snapshotOf(target), `run ${run}`).toEqual(expected);
    }
    // A sweep whose kills all came after the restore had finished would prove nothing.
    expect(interrupted).toBeGreaterThan(0);
  }, 600_000);
});
