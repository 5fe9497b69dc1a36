// Segment copies: cut at the durable length read at copy start, with the last record inside it found by walking frame headers.
import { describe, expect, it } from 'vitest';
import * as path from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import { SegmentedLog } from '../../src/log/segmented-log.js';
import { closeHandles, openSegmentCopies, segmentObjectPath } from '../../src/backup/segment-copy.js';
import { readAll } from '../../src/store/backup-store.js';
import { handleBody } from '../../src/backup/segment-copy.js';
import { temporaryDirectories } from '../support/temporary-directories.js';

const freshDirectory = temporaryDirectories('segment-copy');
const record = (index: number) => ({
  timestampMs: 1_700_000_000_000 + index,
  recordType: 16,
  payload: Buffer.from(JSON.stringify({ index, pad: 'x'.repeat(index % 50) })),
});

async function logWithUnflushedTail(): Promise<SegmentedLog> {
  const log = SegmentedLog.open({ directory: path.join(await freshDirectory(), 'log'), segmentSizeBytes: 4096, fsyncPolicy: 'manual' });
  for (let index = 1; index <= 120; index++) log.append([record(index)]);
  log.flush();
  for (let index = 121; index <= 130; index++) log.append([record(index)]);
  return log;
}

describe('openSegmentCopies', () => {
  it('copies every segment from the position on, the last one only up to its durable length and last durable record', async () => {
    const log = await logWithUnflushedTail();
    const segments = log.segments();
    const last = segments.at(-1);
    expect(last !== undefined && last.durableSizeBytes < last.sizeBytes).toBe(true);
    const opened: { handle: FileHandle }[] = [];
    try {
      const copies = await openSegmentCopies(segments, 50, opened);
      expect(copies[0]?.firstPosition).toBeLessThanOrEqual(50);
      expect(copies.at(-1)?.lastPosition).toBe(120);
      expect(copies.at(-1)?.lengthBytes).toBe(last?.durableSizeBytes);
      for (let index = 1; index < copies.length; index++)
        expect(copies[index]?.firstPosition).toBe((copies[index - 1]?.lastPosition ?? 0) + 1);
      const tail = copies.at(-1);
      if (tail !== undefined) expect((await readAll(handleBody(tail.handle, tail.lengthBytes).open())).length).toBe(tail.lengthBytes);
    } finally {
      await closeHandles(opened);
      log.close();
    }
  });

  it('fails with LOG_CORRUPT when a durable length ends inside a frame', async () => {
    const log = await logWithUnflushedTail();
    const last = log.segments().at(-1);
    if (last === undefined) throw new Error('the log has segments');
    const opened: { handle: FileHandle }[] = [];
    try {
      await expect(openSegmentCopies([{ ...last, durableSizeBytes: last.durableSizeBytes - 3 }], 1, opened)).rejects.toMatchObject({
        code: 'LOG_CORRUPT',
        message: expect.stringContaining('has a frame that runs past the durable length') as string,
      });
    } finally {
      await closeHandles(opened);
      log.close();
    }
  });

  it('names segment objects by first position in 20 digits', () => {
    expect(segmentObjectPath(1)).toBe('segments/00000000000000000001.log');
    expect(segmentObjectPath(1234567)).toBe('segments/00000000000001234567.log');
  });
});
