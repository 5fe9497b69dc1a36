// The CLI's log commands (dump, verify, tour), run through main() as a user would: output and exit codes.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { SegmentedLog } from '../../src/log/segmented-log.js';
import { segmentHeaderBytes } from '../../src/log/segment-format.js';
import { segmentPath, temporaryDirectory, testRecords } from '../log/log-fixtures.js';

/** Runs the CLI and returns its exit code and everything it printed. */
async function run(...argv: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void (stdout += `${parts.join(' ')}\n`));
  vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void (stderr += `${parts.join(' ')}\n`));
  try {
    const exitCode = await main(argv);
    return { exitCode, stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}

function writeLog(count: number): string {
  const directory = temporaryDirectory();
  const log = SegmentedLog.open({ directory, segmentSizeBytes: 4096 });
  log.append(testRecords(count));
  log.close();
  return directory;
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('cutline', () => {
  it('lists its commands in --help', async () => {
    const { exitCode, stdout } = await run('--help');
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/cutline log <command>/);
    expect(stdout).toMatch(/cutline demo/);
  });

  it('exits with 2 and a USAGE error for an unknown command', async () => {
    const { exitCode, stderr } = await run('no-such-command');
    expect(exitCode).toBe(2);
    expect(stderr).toContain('error [USAGE]');
  });
});

describe('cutline log', () => {
  it('verify reports a whole log and exits 0', async () => {
    const directory = writeLog(150);
    const { exitCode, stdout } = await run('log', 'verify', '--dir', directory);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^ok: 3 segments, positions 1\.\.150, \d+ bytes/);
  });

  it('verify names a damaged middle segment, its offset and position, and exits 3', async () => {
    const directory = writeLog(150);
    const path = segmentPath(directory, 2);
    const bytes = readFileSync(path);
    const offset = segmentHeaderBytes + 10 * 66 + 30;
    bytes[offset] = (bytes[offset] ?? 0) ^ 0x10;
    writeFileSync(path, bytes);
    const { exitCode, stdout, stderr } = await run('log', 'verify', '--dir', directory);
    expect(exitCode).toBe(3);
    expect(stdout).toContain(
      `damaged [LOG_CORRUPT]: segment ${path}: a CRC mismatch in the frame at byte offset ${segmentHeaderBytes + 10 * 66} (expected position 72)`,
    );
    expect(stderr).toContain('error [LOG_CORRUPT]: 1 of 3 segments');
    // --json: the result on stdout, the error as one JSON object on stderr.
    const json = await run('log', 'verify', '--dir', directory, '--json');
    expect(json.exitCode).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'damaged', segments: 3, findings: [{ code: 'LOG_CORRUPT' }] });
    expect(JSON.parse(json.stderr)).toEqual({
      code: 'LOG_CORRUPT',
      message: '1 of 3 segments in ' + directory + ' are damaged',
      hint: expect.stringContaining('Restore the partition') as string,
      exitCode: 3,
    });
  });

  it('verify --json reports a whole log as one JSON object', async () => {
    const directory = writeLog(150);
    const { exitCode, stdout } = await run('log', 'verify', '--dir', directory, '--json');
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'ok', segments: 3, firstPosition: 1, lastPosition: 150, findings: [] });
  });

  it('dump prints records from a position, as text or JSON lines, with record types by name', async () => {
    const directory = writeLog(20);
    const text = await run('log', 'dump', '--dir', directory, '--from', '19');
    expect(text.exitCode).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    // Type 5 is BACKUP_DELETED; the payload holds control bytes after "record-19", so it is previewed in hex.
    expect(lines[0]).toMatch(/^19\t2023-11-14T22:13:20\.019Z\tBACKUP_DELETED\t40 B\t0x7265636f72642d3139/);
    // No engine record has type 6: its number is printed.
    expect(lines[1]).toMatch(/^20\t2023-11-14T22:13:20\.020Z\t6 \(unknown\)\t/);
    const json = await run('log', 'dump', '--dir', directory, '--from', '19', '--json');
    const [named, unknown] = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    expect(named).toMatchObject({ position: 19, recordType: 5, recordTypeName: 'BACKUP_DELETED' });
    expect(unknown).toEqual({
      position: 20,
      timestampMs: 1_700_000_000_020,
      recordType: 6,
      recordTypeName: null,
      payloadBase64: Buffer.from(testRecords(20)[19]?.payload ?? []).toString('base64'),
    });
  });

  it('refuses a directory that does not exist with exit 2', async () => {
    const { exitCode, stderr } = await run('log', 'dump', '--dir', '/nonexistent/cutline-log');
    expect(exitCode).toBe(2);
    expect(stderr).toContain('log directory /nonexistent/cutline-log does not exist');
  });
});

describe('cutline log tour', () => {
  it('runs the log tour and cleans up', async () => {
    const { exitCode, stdout } = await run('log', 'tour');
    expect(exitCode).toBe(0);
    expect(stdout).toContain('recovery found the torn tail');
    expect(stdout).toContain('appending continues at position 43');
  });

  it('prints one JSON object a line under --json: started, steps 1 to 5 with their figures, done', async () => {
    const { exitCode, stdout } = await run('log', 'tour', '--json');
    expect(exitCode).toBe(0);
    const events = stdout
      .trimEnd()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as { time: string; level: string; event: string; step?: number; message: string; [field: string]: unknown },
      );
    expect(events.map((event) => event.step ?? event.event)).toEqual(['started', 1, 2, 3, 4, 5, 'done']);
    for (const event of events) {
      expect(event.level).toBe('info');
      expect(Number.isNaN(Date.parse(event.time))).toBe(false);
      expect(event.message).not.toMatch(/^\n/);
    }
    expect(events[3]).toMatchObject({ firstPosition: 1, lastPosition: 100, tornTail: { position: 101 } });
    expect(events[4]).toMatchObject({ truncatedAfter: 42, nextPosition: 43 });
    expect(events[6]).toMatchObject({ event: 'done', kept: false });
  });

  it('prints only its last line under --quiet', async () => {
    const { exitCode, stdout } = await run('log', 'tour', '--quiet');
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^\nInspect it yourself: cutline log verify --dir \S+ {3}\(pass --keep to keep the directory\)\n$/);
  });
});
