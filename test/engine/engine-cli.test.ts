// `cutline engine start` as an operator runs it: a real process, stopped by SIGTERM, restarted on the same data.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from './helpers.js';

const bin = new URL('../../src/cli/bin.ts', import.meta.url).pathname;

/** Starts the engine, waits for `linesBeforeStop` progress lines, sends SIGTERM; resolves with exit code and output. */
function runUntilStopped(dataDirectory: string, linesBeforeStop: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      // The progress lines it waits for are debug lines (--log-level debug; info leaves them out).
      ['--import', 'tsx', bin, 'engine', 'start', '--data-dir', dataDirectory, '--partitions', '3', '--nodes', '2', '--log-level', 'debug'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    let sent = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!sent && (output.match(/^processed \d+ records/gm)?.length ?? 0) >= linesBeforeStop) {
        sent = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('cutline engine start', () => {
  it('runs the workload, stops cleanly on SIGTERM with a snapshot per partition, and restarts from them', async () => {
    const dataDirectory = temporaryDirectory('engine-cli');
    const first = await runUntilStopped(dataDirectory, 1);
    expect(first.output).toMatch(/node 0: partitions 1, 3\nnode 1: partitions 2\n/);
    expect(first.output).toContain('engine stopped cleanly');
    expect(first.code).toBe(0);
    for (const partitionId of [1, 2, 3]) {
      const snapshots = fs.readdirSync(path.join(dataDirectory, 'partitions', String(partitionId), 'snapshots'));
      expect(
        snapshots.filter((name) => /^\d+-\d+$/.test(name)),
        `partition ${partitionId}`,
      ).toHaveLength(1);
    }
    const second = await runUntilStopped(dataDirectory, 1);
    expect(second.code).toBe(0);
    expect(second.output).toContain('engine stopped cleanly');
  });

  it("refuses --data-dir '' (USAGE, exit 2) instead of running in the current directory", async () => {
    const workingDirectory = temporaryDirectory('engine-cli-cwd');
    const result = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      // `--import tsx` resolves from the working directory, which is not the repository here.
      const tsx = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
      const child = spawn(
        process.execPath,
        ['--import', tsx, bin, 'engine', 'start', '--data-dir', '', '--partitions', '1', '--workload-rate', '0'],
        { cwd: workingDirectory, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        // Without the check the engine runs in the working directory: stop it rather than wait forever.
        if (output.includes('engine started')) child.kill('SIGTERM');
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, output }));
    });
    expect(result.output).toContain(`error [USAGE]: --data-dir is empty ("")`);
    expect(result.code).toBe(2);
    expect(fs.readdirSync(workingDirectory)).toEqual([]);
  });
});
