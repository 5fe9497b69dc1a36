// `engine start --quiet`, `--log-level` and `--verbose`: which lines it prints, and the level each JSON line carries.
import { describe, expect, it, vi } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { main } from '../../src/cli/main.js';
import { engineOutput } from '../../src/cli/commands/engine-output.js';
import { temporaryDirectories } from '../support/temporary-directories.js';

const freshDirectory = temporaryDirectories('engine-log-level');

/**
 * Runs `cutline engine start ...args` in this process and stops it the way SIGTERM does, by calling the
 * handler it registered, once `ready` holds for what it printed so far: no time limit but the test's.
 */
async function engineRun(args: string[], ready: (stdout: string) => boolean): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  const before = new Set(process.listeners('SIGTERM'));
  try {
    const running = main(['engine', 'start', '--data-dir', await freshDirectory(), '--partitions', '2', '--workload-rate', '100', ...args]);
    let finished = false;
    void running.finally(() => (finished = true));
    for (;;) {
      const stop = process.listeners('SIGTERM').find((listener) => !before.has(listener));
      if (finished) break;
      if (stop !== undefined && ready(stdout)) {
        (stop as () => void)();
        break;
      }
      // A poll of what the engine did so far, not a guess at how long it takes.
      await sleep(10);
    }
    return { code: await running, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

describe('engine start log levels', () => {
  it('prints only the final line under --quiet', async () => {
    const result = await engineRun(['--quiet'], () => true);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('engine stopped cleanly (snapshot taken on every partition)\n');
  }, 60_000);

  it('prints progress lines only at debug (--verbose or --log-level debug), each JSON line with its level', async () => {
    const result = await engineRun(['--log-level', 'debug', '--json'], (stdout) => stdout.includes('"event":"progress"'));
    expect(result.code).toBe(0);
    const events = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: string; event: string });
    expect(events.find((event) => event.event === 'progress')?.level).toBe('debug');
    expect(events.find((event) => event.event === 'started')?.level).toBe('info');
    const verbose = await engineRun(['--verbose'], (stdout) => stdout.includes('processed '));
    expect(verbose.stdout).toMatch(/^processed \d+ records, delivered \d+ commands$/m);
  }, 60_000);

  it('filters each event by its level: errors and warnings at warn, the result always', () => {
    const lines: string[] = [];
    const events = [
      ['progress', 'debug line'],
      ['started', 'info line'],
      ['service-failing', 'warn line'],
      ['backup-failed', 'error line'],
      ['stopped', 'result line'],
    ] as const;
    for (const [level, expected] of [
      ['warn', ['warn line', 'error line', 'result line']],
      ['error', ['error line', 'result line']],
      ['info', ['info line', 'warn line', 'error line', 'result line']],
    ] as const) {
      lines.length = 0;
      const log = engineOutput(false, level, (text) => void lines.push(text.trimEnd()));
      for (const [event, line] of events) log(line, { event });
      expect(lines, level).toEqual(expected);
    }
    // A line's own level wins over its event's: the repeated-failure log marks its lines warn.
    lines.length = 0;
    engineOutput(true, 'warn', (text) => void lines.push(text))('store failing', { event: 'log', level: 'warn' });
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'warn', event: 'log', message: 'store failing' });
  });
});
