// `verify-backup --ranges`: per partition its backup ranges and the gaps between them, and the cluster-wide restorable window (pure).
import { restorableCheckpoints, type BackupRange } from '../protocol/ranges.js';
import { agreedPartitionCount, partitionViews } from '../restore/pitr-planner.js';
import type { PointInTimeListing } from '../restore/pitr-listing.js';

export interface RangeSummary {
  readonly checkpointIds: readonly number[];
  /** The cuts this range can rebuild: positions firstCutPosition..lastCutPosition. */
  readonly firstCutPosition: number;
  readonly lastCutPosition: number;
  readonly fromTime: string;
  readonly toTime: string;
}

/** The JSON form of a partition's ranges (PartitionRanges, protocol/ranges.ts): each range with ISO times, and the gaps between them. */
export interface PartitionRangesReport {
  readonly partitionId: number;
  readonly ranges: readonly RangeSummary[];
  /** Positions no range can rebuild a cut at, between two ranges. */
  readonly gaps: readonly { readonly fromPosition: number; readonly toPosition: number }[];
}

/** A run of consecutive checkpoints (in id order) that every partition can restore to. */
export interface RestorableWindow {
  readonly fromCheckpointId: number;
  readonly fromTime: string;
  readonly toCheckpointId: number;
  readonly toTime: string;
  readonly checkpoints: number;
}

export interface RangesReport {
  readonly partitionCount: number;
  readonly partitions: readonly PartitionRangesReport[];
  /** The intersection over partitions: where `restore --to` succeeds; more than one when a gap splits it. */
  readonly windows: readonly RestorableWindow[];
}

/** The report of a listing; the windows use the same rules as the point-in-time planner (pitr-planner.ts). */
export function rangesReport(listing: PointInTimeListing): RangesReport {
  // A store without a COMPLETED backup has nothing to restore: an empty window (exit 1, a finding for the
  // pipeline), not a store that cannot be read (exit 2), which is what agreedPartitionCount's error would make it.
  if (!listing.manifests.some((manifest) => manifest.status === 'COMPLETED')) return { partitionCount: 0, partitions: [], windows: [] };
  const partitionCount = agreedPartitionCount(listing.manifests);
  const views = partitionViews(listing, partitionCount);
  const partitions = views.map((view) => ({
    partitionId: view.partitionId,
    ranges: view.ranges.map(summary),
    gaps: view.ranges
      .slice(1)
      .map((range, index) => ({ fromPosition: (view.ranges[index]?.lastCutPosition ?? 0) + 1, toPosition: range.firstCutPosition - 1 })),
  }));
  const restorable = new Set(restorableCheckpoints(views).map((checkpoint) => checkpoint.checkpointId));
  const all = new Map(
    views.flatMap((view) => view.checkpoints.map((checkpoint) => [checkpoint.checkpointId, checkpoint.checkpointTimestampMs] as const)),
  );
  const ids = [...all.keys()].sort((a, b) => a - b);
  const windows: RestorableWindow[] = [];
  let open: { from: number; to: number; count: number } | undefined;
  const close = (): void => {
    if (open !== undefined)
      windows.push({
        fromCheckpointId: open.from,
        fromTime: time(all.get(open.from)),
        toCheckpointId: open.to,
        toTime: time(all.get(open.to)),
        checkpoints: open.count,
      });
    open = undefined;
  };
  for (const id of ids) {
    if (!restorable.has(id)) close();
    else open = open === undefined ? { from: id, to: id, count: 1 } : { ...open, to: id, count: open.count + 1 };
  }
  close();
  return { partitionCount, partitions, windows };
}

function summary(range: BackupRange): RangeSummary {
  return {
    checkpointIds: range.checkpointIds,
    firstCutPosition: range.firstCutPosition,
    lastCutPosition: range.lastCutPosition,
    fromTime: time(range.start.checkpointTimestampMs),
    toTime: time(range.end.checkpointTimestampMs),
  };
}

function time(ms: number | undefined): string {
  return new Date(ms ?? 0).toISOString();
}

/** The report as lines an operator reads. */
export function renderRangesText(report: RangesReport): string {
  const lines: string[] = [];
  if (report.partitionCount === 0) lines.push('no COMPLETED backup in the store');
  for (const partition of report.partitions) {
    lines.push(
      `partition ${partition.partitionId}: ${partition.ranges.length} range${partition.ranges.length === 1 ? '' : 's'}, ${partition.gaps.length} gap${partition.gaps.length === 1 ? '' : 's'}`,
    );
    for (const range of partition.ranges) {
      lines.push(
        `  range: cuts at positions ${range.firstCutPosition}..${range.lastCutPosition}, backups ${range.checkpointIds.join(', ')} (${range.fromTime} .. ${range.toTime})`,
      );
    }
    for (const gap of partition.gaps) lines.push(`  gap: positions ${gap.fromPosition}..${gap.toPosition} cannot be restored to`);
  }
  if (report.windows.length === 0) lines.push('restorable window: none (no checkpoint is reachable on every partition)');
  for (const window of report.windows) {
    lines.push(
      `restorable window: ${window.fromTime} .. ${window.toTime} (checkpoints ${window.fromCheckpointId} .. ${window.toCheckpointId}, ${window.checkpoints} in all)`,
    );
  }
  return `${lines.join('\n')}\n`;
}
