// `cutline ... | head`: a reader that closes the pipe early ends the command quietly, not with an EPIPE stack trace.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const bin = new URL('../../src/cli/bin.ts', import.meta.url).pathname;

describe('a closed output pipe', () => {
  it('ends the command with its exit code and nothing on stderr', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', bin, 'completion'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Closed before the command writes anything: its first write fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'close')) as [number | null];
    expect(stderr).toBe('');
    expect(code).toBe(0);
  }, 60_000);
});
