// The demo's steps: each is shown as an operator types it, the ones whose output the demo only reads too.
import { EventEmitter } from 'node:events';
import type * as fs from 'node:fs';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runStep } from '../../src/cli/commands/demo-process.js';
import { commandOutput } from '../../src/cli/command-output.js';

// No built CLI and no child process: spawn answers every step with one line of JSON and exit status 0.
vi.mock('node:child_process', () => ({
  spawn: () => {
    const child = Object.assign(new EventEmitter(), { stdout: new PassThrough(), stderr: new PassThrough() });
    setImmediate(() => {
      child.stdout.end('{"backupId":7}\n');
      child.stderr.end();
      child.stdout.on('close', () => child.emit('close', 0));
    });
    return child;
  },
}));
vi.mock('node:fs', async (importOriginal) => ({ ...(await importOriginal<typeof fs>()), existsSync: () => true }));

afterEach(() => {
  vi.restoreAllMocks();
});

async function shown(step: () => Promise<string>): Promise<{ printed: string; returned: string }> {
  let printed = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((printed += String(chunk)), true));
  const returned = await step();
  vi.restoreAllMocks();
  return { printed, returned };
}

describe('a demo step', () => {
  it('shows its command line as typed, also when its output is only read (quiet)', async () => {
    const take = await shown(() => runStep(['backup', 'take', '--api', 'http://127.0.0.1:9600', '--json'], { quiet: true }));
    expect(take).toEqual({ printed: '  $ cutline backup take --api http://127.0.0.1:9600 --json\n', returned: '{"backupId":7}\n' });
    const list = await shown(() => runStep(['backup', 'list', '--api', 'http://127.0.0.1:9600']));
    expect(list.printed).toBe('  $ cutline backup list --api http://127.0.0.1:9600\n    | {"backupId":7}\n');
  });

  it('under --json is a command event, then an output event with what it printed', async () => {
    const out = commandOutput({ json: true, level: 'info' });
    const list = await shown(() => runStep(['backup', 'list', '--api', 'http://127.0.0.1:9600'], { out }));
    const events = list.printed
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const command = 'cutline backup list --api http://127.0.0.1:9600';
    expect(events).toEqual([
      expect.objectContaining({ level: 'info', event: 'command', command, message: `  $ ${command}` }),
      expect.objectContaining({ level: 'info', event: 'output', command, output: '{"backupId":7}\n' }),
    ]);
    // --quiet: a step is progress, not the demo's result.
    const quiet = await shown(() => runStep(['backup', 'list'], { out: commandOutput({ json: false, level: 'error' }) }));
    expect(quiet.printed).toBe('');
  });

  it('is not shown again when it repeats the step just shown (a poll)', async () => {
    const poll = await shown(() => runStep(['backup', 'status', '--backupId', '7', '--json'], { quiet: true, repeat: true }));
    expect(poll).toEqual({ printed: '', returned: '{"backupId":7}\n' });
  });
});
