// One partition's backup of one checkpoint: the pinned snapshot plus the segments at copy start, uploaded with the manifest last.
import { open, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import type { Clock } from '../clock.js';
import type { ConcurrencyLimiter } from '../concurrency-limiter.js';
import { CutlineError } from '../errors.js';
import type { SegmentInfo } from '../log/log.js';
import type { Snapshot } from '../engine/snapshot-store.js';
import type { BackupStore } from '../store/backup-store.js';
import type { BackupId } from './backup-layout.js';
import type { Manifest } from './manifest.js';
import { createManifest, failBackup } from './manifest-store.js';
import { newManifest } from './manifest.js';
import { closeHandles, openSegmentCopies, segmentObjectPath, type SegmentCopy } from './segment-copy.js';
import type { ChunkCodec } from '../store/chunk-codec.js';
import { chunkCommandIndex, chunkSegmentFile, chunkSnapshotFile, type ChunkSource } from './chunking.js';
import type { ChunkMemory } from './chunk-memory.js';
import { uploadChunkedBackup } from './chunked-backup.js';
import type { BackupCheckpointType, ManifestDescriptor } from '../protocol/backup-descriptor.js';

/** A checkpoint whose backup base was pinned synchronously in the hook. */
export interface PinnedCheckpoint {
  readonly id: BackupId;
  readonly checkpointPosition: number;
  readonly checkpointType: BackupCheckpointType;
  readonly checkpointTimestampMs: number;
  /** The snapshot the backup holds; undefined when the partition has none yet (replay from position 1). */
  readonly snapshot: Snapshot | undefined;
  /** Continuous mode: the log must start here (right after the previous completed backup) so the backups form a range. */
  readonly logStart?: number | undefined;
}

export interface PartitionBackupContext {
  readonly store: BackupStore;
  readonly clock: Clock;
  readonly limiter: ConcurrencyLimiter;
  readonly partitionCount: number;
  readonly engineVersion: string;
  readonly signal: AbortSignal;
  /** The partition's memory of its last backup (format v2 chunk boundaries and stored chunks). */
  readonly memory: ChunkMemory;
  /** How new chunks are compressed. */
  readonly codec: ChunkCodec;
}

/** The files a backup copies: snapshot files first, then segments in log order. */
interface BackupSources {
  readonly snapshot: readonly ChunkSource[];
  readonly segments: readonly ChunkSource[];
}

/**
 * Takes the backup: reads the segment list now (copy start), opens every file it copies,
 * then runs the commit protocol of uploadBackup. A failure before the manifest exists (also a pin that
 * failed in the hook, `pinFailure`) still leaves a FAILED manifest (see failedBeforeUpload), so the
 * backup's status never stays unknown.
 */
export async function runPartitionBackup(
  pinned: PinnedCheckpoint,
  segments: () => readonly SegmentInfo[],
  context: PartitionBackupContext,
  pinFailure?: Error,
): Promise<Manifest> {
  const pinnedFiles: { handle: FileHandle }[] = [];
  try {
    let plan: { descriptor: ManifestDescriptor; sources: BackupSources };
    try {
      if (pinFailure !== undefined) throw pinFailure;
      plan = await planBackup(pinned, segments, context, pinnedFiles);
      await context.memory.seed(context.store, pinned.id, { signal: context.signal });
    } catch (error) {
      if (!context.signal.aborted) await failedBeforeUpload(pinned, context, error);
      throw error;
    }
    const { memory } = context;
    const chunk = async () => {
      const segmentFiles = await Promise.all(plan.sources.segments.map((source) => chunkSegmentFile(source, memory.file(source.path))));
      return [
        ...(await Promise.all(plan.sources.snapshot.map((source) => chunkSnapshotFile(source, memory.file(source.path))))),
        ...segmentFiles,
        ...segmentFiles.map(chunkCommandIndex),
      ];
    };
    const options = { signal: context.signal, limiter: context.limiter, codec: context.codec, known: memory.known };
    const { manifest, files } = await uploadChunkedBackup(context.store, pinned.id, plan.descriptor, chunk, context.clock, options);
    memory.remember(files, manifest);
    return manifest;
  } finally {
    await closeHandles(pinnedFiles);
  }
}

async function planBackup(
  pinned: PinnedCheckpoint,
  segments: () => readonly SegmentInfo[],
  context: PartitionBackupContext,
  pinnedFiles: { handle: FileHandle }[],
): Promise<{ descriptor: ManifestDescriptor; sources: BackupSources }> {
  const snapshot = pinned.snapshot;
  const processed = snapshot?.metadata.processedPosition ?? 0;
  // The log must continue the snapshot and hold the checkpoint record itself (restore checks it).
  const fromPosition = Math.min(processed + 1, pinned.checkpointPosition, pinned.logStart ?? Number.POSITIVE_INFINITY);
  const snapshotSources: ChunkSource[] = [];
  if (snapshot !== undefined) {
    for (const name of snapshot.files) {
      const handle = await open(path.join(snapshot.directory, name), 'r');
      pinnedFiles.push({ handle });
      const stat = await handle.stat();
      snapshotSources.push({
        path: `snapshot/${snapshot.metadata.snapshotId}/${name}`,
        handle,
        sizeBytes: stat.size,
        identity: `${stat.dev}:${stat.ino}`,
      });
    }
  }
  const copies = await openSegmentCopies(segments(), fromPosition, pinnedFiles);
  checkCoverage(pinned, copies, fromPosition);
  const segmentSources = await Promise.all(
    copies.map(async (copy): Promise<ChunkSource> => {
      const stat = await copy.handle.stat();
      // Segment ids are reused after a truncation, inodes after a deletion: together they name one file's life.
      const frames = { file: copy.path, firstPosition: copy.firstPosition, lastPosition: copy.lastPosition };
      return {
        path: segmentObjectPath(copy.firstPosition),
        handle: copy.handle,
        sizeBytes: copy.lengthBytes,
        identity: `${stat.dev}:${stat.ino}:${copy.segmentId}`,
        frames,
      };
    }),
  );
  const sources = { snapshot: snapshotSources, segments: segmentSources };
  const descriptor: ManifestDescriptor = {
    snapshotId: snapshot?.metadata.snapshotId ?? null,
    snapshotProcessedPosition: processed,
    checkpointPosition: pinned.checkpointPosition,
    checkpointTimestampMs: pinned.checkpointTimestampMs,
    checkpointType: pinned.checkpointType,
    firstLogPosition: copies[0]?.firstPosition ?? fromPosition,
    lastLogPosition: copies.at(-1)?.lastPosition ?? fromPosition,
    partitionCount: context.partitionCount,
    engineVersion: context.engineVersion,
  };
  return { descriptor, sources };
}

/** The copied segments must run without a gap from fromPosition through the checkpoint record. */
function checkCoverage(pinned: PinnedCheckpoint, copies: readonly SegmentCopy[], fromPosition: number): void {
  const where = `partition ${pinned.id.partitionId}, backup ${pinned.id.checkpointId}`;
  const first = copies[0];
  const last = copies.at(-1);
  if (first === undefined || last === undefined || first.firstPosition > fromPosition) {
    throw new CutlineError(
      'LOG_POSITION',
      `${where}: the log no longer holds position ${fromPosition} (it starts at ${first?.firstPosition ?? 'nothing'})`,
      {
        hint: 'The segments after the backup snapshot were compacted away; take a new backup.',
      },
    );
  }
  for (let index = 1; index < copies.length; index++) {
    const [previous, next] = [copies[index - 1], copies[index]];
    if (previous !== undefined && next !== undefined && next.firstPosition !== previous.lastPosition + 1) {
      throw new CutlineError(
        'LOG_POSITION',
        `${where}: segment ${next.path} starts at ${next.firstPosition}, but the durable part of ${previous.path} ends at ${previous.lastPosition}`,
      );
    }
  }
  if (last.lastPosition < pinned.checkpointPosition) {
    throw new CutlineError(
      'LOG_POSITION',
      `${where}: the durable log ends at ${last.lastPosition}, before the checkpoint record at ${pinned.checkpointPosition}`,
    );
  }
}

/**
 * The contents could not even be chosen: the manifest is still written, IN_PROGRESS then FAILED, with a
 * descriptor naming no snapshot and the log range [1, checkpointPosition] (FORMAT.md, "Backup manager").
 */
async function failedBeforeUpload(pinned: PinnedCheckpoint, context: PartitionBackupContext, error: unknown): Promise<void> {
  const descriptor: ManifestDescriptor = {
    snapshotId: null,
    snapshotProcessedPosition: 0,
    checkpointPosition: pinned.checkpointPosition,
    checkpointTimestampMs: pinned.checkpointTimestampMs,
    checkpointType: pinned.checkpointType,
    firstLogPosition: 1,
    lastLogPosition: pinned.checkpointPosition,
    partitionCount: context.partitionCount,
    engineVersion: context.engineVersion,
  };
  try {
    await createManifest(context.store, newManifest(pinned.id, descriptor, context.clock));
    await failBackup(context.store, pinned.id, error instanceof Error ? error.message : String(error), context.clock);
  } catch {
    // The store is failing too, or the id was used before: the partition's confirmation records the failure.
  }
}
