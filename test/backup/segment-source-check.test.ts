// Frame integrity at backup time: a backup reads every segment byte it uploads through a frame check, and fails on a damaged log.
import { afterEach, describe, expect, it } from 'vitest';
import { open } from 'node:fs/promises';
import { chunkSegmentFile, type ChunkSource } from '../../src/backup/chunking.js';
import { encodeRecord } from '../../src/engine/records.js';
import { CutlineError } from '../../src/errors.js';
import { SegmentedLog } from '../../src/log/segmented-log.js';
import type { SegmentInfo } from '../../src/log/log.js';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { driveToQuiet, openBackupTestCluster, takeBackupAndWait, type BackupTestCluster } from '../support/backup-fixtures.js';
import { temporaryDirectories } from '../support/temporary-directories.js';

const freshDirectory = temporaryDirectories('segment-source-check');

/** A one-segment log of `count` engine records from position 1; returns its segment. */
function writeLog(directory: string, count: number, recordType?: number): SegmentInfo {
  const log = SegmentedLog.open({ directory });
  const records = Array.from({ length: count }, (_, index) =>
    encodeRecord({ type: 'CREATE_INSTANCE', value: { correlationKey: `key-${index}` } }, 1_000),
  );
  log.append(recordType === undefined ? records : records.map((record) => ({ ...record, recordType })));
  log.flush();
  const [segment] = log.segments();
  log.close();
  if (segment === undefined) throw new Error('the log has a segment');
  return segment;
}

function appendTo(directory: string, count: number): SegmentInfo {
  const log = SegmentedLog.open({ directory });
  log.append(
    Array.from({ length: count }, (_, index) =>
      encodeRecord({ type: 'PUBLISH_MESSAGE', value: { messageId: `m-${index}`, correlationKey: 'k' } }, 2_000),
    ),
  );
  log.flush();
  const segment = log.segments().at(-1);
  log.close();
  if (segment === undefined) throw new Error('the log has a segment');
  return segment;
}

async function sourceOf(segment: SegmentInfo, identity = 'segment 1'): Promise<ChunkSource & { close(): Promise<void> }> {
  const handle = await open(segment.path, 'r');
  const frames = { file: segment.path, firstPosition: segment.firstPosition, lastPosition: segment.lastPosition };
  return { path: 'segments/1.log', handle, sizeBytes: segment.durableSizeBytes, identity, frames, close: () => handle.close() };
}

async function flipByte(path: string, offset: number): Promise<void> {
  const handle = await open(path, 'r+');
  const byte = Buffer.alloc(1);
  await handle.read(byte, 0, 1, offset);
  byte[0] = (byte[0] ?? 0) ^ 0x20;
  await handle.write(byte, 0, 1, offset);
  await handle.close();
}

async function failure(promise: Promise<unknown>): Promise<CutlineError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CutlineError);
  return error as CutlineError;
}

describe('the frame check of a segment being backed up', () => {
  it('passes a whole log, then checks only what was appended, and remembers where it ended', async () => {
    const directory = await freshDirectory();
    const first = await sourceOf(writeLog(directory, 200));
    const one = await chunkSegmentFile(first, undefined);
    await first.close();
    expect(one.remembered.frames).toMatchObject({ lastPosition: 200, endOffset: first.sizeBytes });
    const grown = await sourceOf(appendTo(directory, 50));
    const two = await chunkSegmentFile(grown, one.remembered);
    await grown.close();
    expect(two.remembered.frames).toMatchObject({ lastPosition: 250, endOffset: grown.sizeBytes });
  });

  it('fails with BACKUP_SOURCE_DAMAGED on a frame whose CRC does not match, naming the file, offset and position', async () => {
    const directory = await freshDirectory();
    const segment = writeLog(directory, 100);
    // The last byte of the last payload: its frame's CRC no longer matches.
    await flipByte(segment.path, segment.durableSizeBytes - 2);
    const source = await sourceOf(segment);
    const error = await failure(chunkSegmentFile(source, undefined));
    await source.close();
    expect(error.code).toBe('BACKUP_SOURCE_DAMAGED');
    expect(error.message).toMatch(
      new RegExp(`^segment ${segment.path} of the engine's log cannot be backed up: at offset \\d+ \\(position 100\\): `),
    );
  });

  it('checks the appended bytes of a file it resumes, and finds damage there', async () => {
    const directory = await freshDirectory();
    const first = await sourceOf(writeLog(directory, 100));
    const one = await chunkSegmentFile(first, undefined);
    await first.close();
    const grown = appendTo(directory, 20);
    await flipByte(grown.path, grown.durableSizeBytes - 3);
    const source = await sourceOf(grown);
    const error = await failure(chunkSegmentFile(source, one.remembered));
    await source.close();
    expect(error.code).toBe('BACKUP_SOURCE_DAMAGED');
    expect(error.message).toContain('(position 120)');
  });

  it('fails on a record the engine could not replay (an unknown record type behind a valid CRC)', async () => {
    const directory = await freshDirectory();
    const source = await sourceOf(writeLog(directory, 3, 60_000));
    const error = await failure(chunkSegmentFile(source, undefined));
    await source.close();
    expect(error.code).toBe('BACKUP_SOURCE_DAMAGED');
    expect(error.message).toMatch(/the record at position 1 \(offset \d+\) is malformed: /);
  });

  it('fails when the frames end before the last position the log lists', async () => {
    const directory = await freshDirectory();
    const segment = writeLog(directory, 10);
    const source = await sourceOf({ ...segment, lastPosition: 11 });
    const error = await failure(chunkSegmentFile(source, undefined));
    await source.close();
    expect(error.message).toContain('its frames end at position 10, but the log lists records up to position 11');
  });
});

describe('a backup of a damaged log', () => {
  let engine: BackupTestCluster | undefined;
  afterEach(async () => {
    await engine?.manager.close();
    for (const partition of engine?.cluster.partitions() ?? []) engine?.cluster.crash(partition.partitionId);
    engine = undefined;
  });

  it('ends FAILED with BACKUP_SOURCE_DAMAGED on the damaged partition, and never COMPLETED', async () => {
    const store = new FileSystemBackupStore(await freshDirectory());
    engine = openBackupTestCluster(71, store);
    const { cluster, manager, scheduler } = engine;
    await manager.start(cluster);
    scheduler.run(400);
    expect((await takeBackupAndWait(cluster, manager, 1, { drive: () => scheduler.run(20) })).status).toBe('COMPLETED');
    const backedUp = cluster.partition(2).log.segments().at(-1);
    scheduler.run(400);
    driveToQuiet(cluster);
    // Damage a durable record of partition 2 written (and processed) after the first backup: the next backup reads it.
    const segment = cluster.partition(2).log.segments().at(-1);
    if (segment === undefined || backedUp === undefined) throw new Error('partition 2 has a segment');
    // A segment begun since is new as a whole; the same one must have grown.
    if (segment.segmentId === backedUp.segmentId) expect(segment.durableSizeBytes).toBeGreaterThan(backedUp.durableSizeBytes);
    const from = segment.segmentId === backedUp.segmentId ? backedUp.durableSizeBytes : 0;
    await flipByte(segment.path, Math.floor((from + segment.durableSizeBytes) / 2));
    const status = await takeBackupAndWait(cluster, manager, 2, { drive: () => scheduler.run(20) });
    expect(status.status).toBe('FAILED');
    expect(status.failureReason).toMatch(
      /^partition 2: segment \S+ of the engine's log cannot be backed up: at offset \d+ \(position \d+\): /,
    );
    const confirmed = cluster
      .partition(2)
      .confirmedBackups()
      .find((backup) => backup.checkpointId === 2);
    expect(confirmed).toMatchObject({ status: 'FAILED', reason: expect.stringContaining('BACKUP_SOURCE_DAMAGED') as string });
  });
});
