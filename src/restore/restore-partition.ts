// Finishing one downloaded partition in staging: check its snapshot, check the checkpoint record, truncate the log right after it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CutlineError } from '../errors.js';
import { decodeSegmentHeader, segmentFileName, segmentHeaderBytes } from '../log/segment-format.js';
import { incomingSegmentsPath } from './restore-layout.js';
import { SegmentedLog } from '../log/segmented-log.js';
import { partitionPaths } from '../engine/partition-recovery.js';
import { SnapshotStore } from '../engine/snapshot-store.js';
import { inspectSnapshotDatabase, snapshotDisagreement } from '../engine/snapshot-database.js';
import { decodeRecord } from '../engine/records.js';
import type { PartitionPlan } from './restore-plan.js';
import { checkSegmentExtends } from './segment-stitch.js';

/** What a finished partition looks like, for the summary. */
export interface RestoredPartition {
  readonly partitionId: number;
  readonly snapshotId: string | null;
  readonly firstPosition: number;
  readonly cutPosition: number;
  /** Records of the backup after the checkpoint record, removed by the truncation. */
  readonly truncatedRecords: number;
}

/**
 * Checks that the snapshot verifies (its CHECKSUMS) and is the one planned, and that the record at the
 * cut position exists and is the CHECKPOINT_CREATE of the checkpoint id; then truncates the log right
 * after it (durably: truncateAfter fsyncs before it returns).
 */
export function finishPartition(stagedData: string, partition: PartitionPlan): RestoredPartition {
  const paths = partitionPaths(stagedData, partition.partitionId);
  checkSnapshot(paths.snapshots, partition);
  placeSegments(path.join(stagedData, incomingSegmentsPath(partition.partitionId)), paths.log, partition);
  const log = SegmentedLog.open({ directory: paths.log, fsyncPolicy: 'every-append' });
  try {
    const { position, checkpointId } = partition.cut;
    const where = `partition ${partition.partitionId}`;
    const startsAt = partition.snapshot === null ? 1 : partition.snapshot.processedPosition + 1;
    if (log.firstPosition > startsAt) {
      throw new CutlineError(
        'RESTORE_LAYOUT',
        `${where}: the restored log starts at position ${log.firstPosition}, after the snapshot's next position ${startsAt}`,
        {
          hint: 'The backup lacks the segments that continue its snapshot; restore from another backup id.',
        },
      );
    }
    const raw = log.get(position);
    if (raw === undefined) {
      throw new CutlineError(
        'RESTORE_CHECKPOINT_RECORD',
        `${where}: checkpointPosition ${position} is not in the restored log, which holds positions ${log.firstPosition}..${log.lastPosition}`,
        {
          hint: 'The backup lacks the segment holding its checkpoint record; restore from another backup id.',
        },
      );
    }
    const record = decodeRecord(raw);
    if (record.type !== 'CHECKPOINT_CREATE' || record.value.checkpointId !== checkpointId) {
      const found = record.type === 'CHECKPOINT_CREATE' ? `CHECKPOINT_CREATE of checkpoint ${record.value.checkpointId}` : record.type;
      throw new CutlineError(
        'RESTORE_CHECKPOINT_RECORD',
        `${where}: the record at checkpointPosition ${position} is ${found}, not the CHECKPOINT_CREATE of checkpoint ${checkpointId}`,
        {
          hint: 'The manifest and the log disagree (a damaged or foreign backup); run `cutline verify-backup --level full` and restore from another backup id.',
        },
      );
    }
    const truncatedRecords = log.lastPosition - position;
    log.truncateAfter(position);
    return {
      partitionId: partition.partitionId,
      snapshotId: partition.snapshot?.snapshotId ?? null,
      firstPosition: log.firstPosition,
      cutPosition: position,
      truncatedRecords,
    };
  } finally {
    log.close();
  }
}

function checkSnapshot(directory: string, partition: PartitionPlan): void {
  const planned = partition.snapshot;
  const snapshots = new SnapshotStore(directory, partition.partitionId);
  const found = snapshots.list();
  if (planned === null) return;
  const snapshot = found.find((candidate) => candidate.metadata.snapshotId === planned.snapshotId);
  if (
    snapshot === undefined ||
    snapshot.metadata.processedPosition !== planned.processedPosition ||
    snapshot.metadata.partitionId !== partition.partitionId
  ) {
    throw new CutlineError(
      'RESTORE_LAYOUT',
      `partition ${partition.partitionId}: the restored snapshot ${planned.snapshotId} has no readable metadata.json for partition ${partition.partitionId} at processed position ${planned.processedPosition}`,
      {
        hint: 'The snapshot in the backup does not match its manifest; restore from another backup id.',
      },
    );
  }
  snapshots.verify(snapshot);
  const inspected = inspectSnapshotDatabase(path.join(snapshot.directory, 'state.db'));
  if ('problem' in inspected) {
    throw new CutlineError(
      'SNAPSHOT_CORRUPT',
      `partition ${partition.partitionId}: the restored snapshot ${planned.snapshotId}'s state.db ${inspected.problem}`,
      {
        hint: 'The engine could not start from this snapshot; run `cutline verify-backup --level full` and restore from another backup id.',
      },
    );
  }
  // metadata.json and CHECKSUMS can be rewritten to fit any state.db (another partition's, say); the
  // engine trusts the position in the database itself, so that one must be the planned one too.
  if (inspected.lastProcessedPosition !== planned.processedPosition) {
    throw new CutlineError(
      'SNAPSHOT_CORRUPT',
      `partition ${partition.partitionId}: the restored snapshot ${planned.snapshotId}'s state.db has processed position ${inspected.lastProcessedPosition}, but its metadata.json and the manifest say ${planned.processedPosition}`,
      {
        hint: "The state.db is not the one its snapshot describes (another partition's or another moment's); run `cutline verify-backup --level full` and restore from another backup id.",
      },
    );
  }
  // The engine chooses the snapshot by its metadata.json and starts from its state.db: the two must describe one state.
  const disagreement = snapshotDisagreement(snapshot.metadata, inspected);
  if (disagreement !== undefined) {
    throw new CutlineError(
      'SNAPSHOT_CORRUPT',
      `partition ${partition.partitionId}: the restored snapshot ${planned.snapshotId} disagrees with itself: ${disagreement}`,
      {
        hint: 'The engine would skip this snapshot or start from another state than it describes; run `cutline verify-backup --level full` and restore from another backup id.',
      },
    );
  }
}

/**
 * Moves each downloaded segment into the log directory under the name of the id in its header (the
 * log checks that name and header agree). Two objects of one backup holding the same segment id are
 * RESTORE_LAYOUT. A stitched (point-in-time) plan stages each backup's segments in
 * `{incoming}/{checkpointId}/`; they are placed in chain order, and a later backup's copy of a segment
 * replaces the earlier one only after checking it extends it (RESTORE_STITCH otherwise).
 */
function placeSegments(incoming: string, logDirectory: string, partition: PartitionPlan): void {
  fs.mkdirSync(logDirectory, { recursive: true });
  const stitched = partition.backups
    .map((backup) => ({ directory: path.join(incoming, String(backup.id.checkpointId)), checkpointId: backup.id.checkpointId }))
    .filter((source) => fs.existsSync(source.directory));
  const sources = stitched.length > 0 ? stitched : [{ directory: incoming, checkpointId: undefined }];
  const placedBy = new Map<number, number | undefined>();
  for (const source of sources) {
    const placedHere = new Set<number>();
    for (const name of fs.readdirSync(source.directory).sort()) {
      const from = path.join(source.directory, name);
      const segmentId = readSegmentId(from, `${name} of partition ${partition.partitionId}'s backup`);
      const to = path.join(logDirectory, segmentFileName(segmentId));
      if (placedHere.has(segmentId)) {
        throw new CutlineError(
          'RESTORE_LAYOUT',
          `partition ${partition.partitionId}: two segment objects of the backup hold segment ${segmentId} (the second is ${name})`,
          {
            hint: 'The backup lists the same segment twice; restore from another backup id.',
          },
        );
      }
      placedHere.add(segmentId);
      const earlier = placedBy.get(segmentId);
      const describe = (): string =>
        `partition ${partition.partitionId}: backup ${source.checkpointId ?? '?'}'s copy of segment ${segmentId} does not extend backup ${earlier ?? '?'}'s`;
      if (placedBy.has(segmentId) && !checkSegmentExtends(to, from, describe)) fs.rmSync(from);
      else fs.renameSync(from, to);
      placedBy.set(segmentId, source.checkpointId);
    }
    if (source.directory !== incoming) fs.rmdirSync(source.directory);
  }
  fs.rmdirSync(incoming);
}

function readSegmentId(file: string, where: string): number {
  const header = Buffer.alloc(segmentHeaderBytes);
  const fd = fs.openSync(file, 'r');
  let bytesRead: number;
  try {
    bytesRead = fs.readSync(fd, header, 0, segmentHeaderBytes, 0);
  } finally {
    fs.closeSync(fd);
  }
  return decodeSegmentHeader(header.subarray(0, bytesRead), where).segmentId;
}
