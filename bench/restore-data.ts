// The backups the restore benchmarks restore: partition logs of a record shape, uploaded as a v1 backup and as a chunked one (format v3, or v2).
import { createReadStream } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import type { BackupStore } from '../src/store/backup-store.js';
import type { BackupFileSource } from '../src/backup/manifest-store.js';
import { SegmentedLog } from '../src/log/segmented-log.js';
import type { AppendRecord } from '../src/log/log.js';
import type { ChunkCodec } from '../src/store/chunk-codec.js';
import { encodeRecord } from '../src/engine/records.js';
import { cutlineVersion } from '../src/version.js';
import { importBuilt } from './built.js';
import type * as ManifestStoreModule from '../src/backup/manifest-store.js';
import type * as ChunkedBackupModule from '../src/backup/chunked-backup.js';
import type * as ChunkingModule from '../src/backup/chunking.js';
import type * as ClockModule from '../src/clock.js';
import type * as LimiterModule from '../src/concurrency-limiter.js';

/** large = 64 KiB records (bytes dominate); engine = the engine's own record mix, where per-record work dominates. */
export type Shape = 'large' | 'engine';

const { uploadBackup } = await importBuilt<typeof ManifestStoreModule>('backup/manifest-store.js');
const { uploadChunkedBackup } = await importBuilt<typeof ChunkedBackupModule>('backup/chunked-backup.js');
const { chunkCommandIndex, chunkSegmentFile } = await importBuilt<typeof ChunkingModule>('backup/chunking.js');

/** The chunked format the benchmarks write (CUTLINE_BENCH_CHUNKED_FORMAT): 3 (command indexes, the default) or 2. */
export const chunkedFormat: 2 | 3 = process.env.CUTLINE_BENCH_CHUNKED_FORMAT === '2' ? 2 : 3;
/** The codec of the chunked backup's chunks (CUTLINE_BENCH_CHUNK_CODEC: gzip, the backup default, or none or zstd). */
export const chunkCodec = (process.env.CUTLINE_BENCH_CHUNK_CODEC ?? 'gzip') as ChunkCodec;
const { systemClock } = await importBuilt<typeof ClockModule>('clock.js');
const { ConcurrencyLimiter } = await importBuilt<typeof LimiterModule>('concurrency-limiter.js');

/**
 * A partition log of about `bytesWanted` bytes in `directory`, the checkpoint record, and a few records after it.
 * Engine-shaped logs cycle through the engine's record types; their commands name sending records on the
 * other partitions well inside those partitions' cuts (every log has the same length), so the cut is consistent.
 */
export async function writePartitionLog(
  directory: string,
  partitionId: number,
  partitionCount: number,
  shape: Shape,
  bytesWanted: number,
): Promise<{ directory: string; lastPosition: number; checkpointPosition: number }> {
  await mkdir(directory, { recursive: true });
  const log = SegmentedLog.open({ directory });
  const key = 'k'.repeat(64 * 1024 - 40);
  const now = Date.now();
  for (let index = 0, bytes = 0; bytes < bytesWanted;) {
    const batch = [];
    for (let end = index + (shape === 'large' ? 1 : 1000); index < end; index++) {
      const record =
        shape === 'large'
          ? encodeRecord({ type: 'CREATE_INSTANCE', value: { correlationKey: `${index}-${key}` } }, now)
          : engineRecord(partitionId, partitionCount, index, now);
      bytes += record.payload.length + 26;
      batch.push(record);
    }
    log.append(batch);
  }
  const checkpointPosition = log.append([
    encodeRecord({ type: 'CHECKPOINT_CREATE', value: { checkpointId: 1, checkpointType: 'MANUAL_BACKUP' } }, now),
  ]);
  for (let index = 0; index < 3; index++)
    log.append([encodeRecord({ type: 'CREATE_INSTANCE', value: { correlationKey: `after-${index}` } }, now)]);
  log.flush();
  const lastPosition = log.lastPosition;
  log.close();
  return { directory, lastPosition, checkpointPosition };
}

/** The engine's own payloads: the sender appends the source envelope after the command's fields (Partition.send). */
function engineRecord(partitionId: number, partitionCount: number, index: number, now: number): AppendRecord {
  const source = {
    partitionId: (partitionId % partitionCount) + 1,
    position: Math.max(1, index - 1000),
    checkpointId: 1,
    checkpointType: 'MANUAL_BACKUP' as const,
  };
  const instanceKey = `${partitionId}-${index}`;
  const correlationKey = `order-${index % 10_000}`;
  const messageId = `message-${index}`;
  switch (index % 6) {
    case 0:
      return encodeRecord({ type: 'CREATE_INSTANCE', value: { correlationKey } }, now);
    case 1:
      return encodeRecord({ type: 'PUBLISH_MESSAGE', value: { messageId, correlationKey } }, now);
    case 2:
      return encodeRecord({ type: 'OPEN_SUBSCRIPTION', value: { instanceKey, correlationKey, source } }, now);
    case 3:
      return encodeRecord({ type: 'SUBSCRIPTION_OPENED', value: { instanceKey, source } }, now);
    case 4:
      return encodeRecord({ type: 'CORRELATE_MESSAGE', value: { instanceKey, messageId, source } }, now);
    default:
      return encodeRecord({ type: 'MESSAGE_CORRELATED', value: { instanceKey, messageId, source } }, now);
  }
}

/** Uploads the log's segments as the backup manager names them (by first position), without a snapshot. */
export async function uploadPartition(
  stores: { readonly v1: BackupStore; readonly v2?: BackupStore },
  partitionId: number,
  partitionCount: number,
  directory: string,
  checkpointPosition: number,
  lastPosition: number,
): Promise<void> {
  const { v1: store, v2: storeV2 } = stores;
  const log = SegmentedLog.open({ directory, readOnly: true });
  const segments = log.segments();
  const sources: BackupFileSource[] = segments.map((segment) => ({
    path: segmentPath(segment.firstPosition),
    body: { sizeBytes: segment.sizeBytes, open: () => createReadStream(segment.path) },
  }));
  log.close();
  const descriptor = {
    snapshotId: null,
    snapshotProcessedPosition: 0,
    checkpointPosition,
    checkpointTimestampMs: Date.now(),
    checkpointType: 'MANUAL_BACKUP' as const,
    firstLogPosition: 1,
    lastLogPosition: lastPosition,
    partitionCount,
    engineVersion: cutlineVersion,
  };
  // The v1 upload is the raw baseline's data, so it is always written.
  await uploadBackup(store, { partitionId, checkpointId: 1, nodeId: 0 }, descriptor, sources, systemClock);
  if (storeV2 === undefined) return;
  const handles = await Promise.all(segments.map((segment) => open(segment.path, 'r')));
  try {
    const chunk = async () => {
      const files = await Promise.all(
        segments.map((segment, index) =>
          chunkSegmentFile(
            {
              path: segmentPath(segment.firstPosition),
              handle: handles[index] as FileHandle,
              sizeBytes: segment.sizeBytes,
              identity: segment.path,
              // Format 3: frame-checked as the backup manager does, with the command index beside each segment.
              ...(chunkedFormat === 3
                ? { frames: { file: segment.path, firstPosition: segment.firstPosition, lastPosition: segment.lastPosition } }
                : {}),
            },
            undefined,
          ),
        ),
      );
      return chunkedFormat === 3 ? [...files, ...files.map(chunkCommandIndex)] : files;
    };
    await uploadChunkedBackup(storeV2, { partitionId, checkpointId: 1, nodeId: 0 }, descriptor, chunk, systemClock, {
      codec: chunkCodec,
      limiter: new ConcurrencyLimiter(4),
      formatVersion: chunkedFormat,
    });
  } finally {
    await Promise.all(handles.map((handle) => handle.close()));
  }
}

function segmentPath(firstPosition: number): string {
  return `segments/${String(firstPosition).padStart(20, '0')}.log`;
}
