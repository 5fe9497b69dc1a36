// What `cutline restore` prints: the plan (--dry-run), a progress bar on a TTY while it runs, and the final summary.
import cliProgress from 'cli-progress';
import type { DownloadProgress, RestorePlan, RestoreResult } from '../../restore/restore-runner.js';
import { formatBytes } from './backup-arguments.js';

export interface ProgressView {
  update(progress: DownloadProgress): void;
  stop(): void;
}

/**
 * A bar of bytes with the file count, on stderr; only when stderr is a terminal and the output is not JSON.
 * The formatted sizes are `{bytesDone}` and `{bytesTotal}`: cli-progress fills its own `{total}` (the raw
 * byte count) over a payload field of that name, which showed "604.7 KiB of 619170".
 */
export function progressView(enabled: boolean, plan: RestorePlan): ProgressView {
  if (!enabled) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'restoring [{bar}] {percentage}% | {bytesDone} of {bytesTotal} | {filesDone}/{filesTotal} files | {speed}',
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const startedMs = Date.now();
  bar.start(Math.max(1, plan.totalBytes), 0, {
    bytesDone: formatBytes(0),
    bytesTotal: formatBytes(plan.totalBytes),
    filesDone: 0,
    filesTotal: plan.totalFiles,
    speed: '',
  });
  return {
    update: (progress) => {
      const seconds = Math.max(0.001, (Date.now() - startedMs) / 1000);
      bar.update(progress.bytesDone, {
        bytesDone: formatBytes(progress.bytesDone),
        filesDone: progress.filesDone,
        speed: `${formatBytes(progress.bytesDone / seconds)}/s`,
      });
    },
    stop: () => bar.stop(),
  };
}

/** The summary as text: one line per partition, then the line an operator looks for. */
export function formatSummary(result: RestoreResult, plan: RestorePlan, dataDirectory: string): string {
  const what = describeTarget(plan);
  if (result.status === 'already-restored') {
    return `${what.charAt(0).toUpperCase()}${what.slice(1)} was already restored into ${dataDirectory} (completed ${result.marker.completedAt}); nothing changed.\nSuccessfully restored\n`;
  }
  const lines = result.partitions.map((partition) => {
    const from = partition.snapshotId === null ? 'no snapshot' : `snapshot ${partition.snapshotId}`;
    return `partition ${partition.partitionId}: ${from}, log ${partition.firstPosition}..${partition.cutPosition} (checkpoint record at ${partition.cutPosition}; ${partition.truncatedRecords} later records removed)`;
  });
  if (result.consistency !== undefined) {
    const unchecked =
      result.consistency.commandsUnchecked > 0
        ? `; ${result.consistency.commandsUnchecked} commands from partitions ${plan.uncheckedPartitions.join(', ')} without a COMPLETED backup not checked`
        : '';
    lines.push(
      `consistency: ${result.consistency.commandsChecked} inter-partition commands checked against their senders' cuts${unchecked}`,
    );
  }
  const seconds = result.durationMs / 1000;
  const rate = seconds > 0 ? `, ${formatBytes(result.bytesDownloaded / seconds)}/s` : '';
  lines.push(`${result.filesDownloaded} files, ${formatBytes(result.bytesDownloaded)} in ${seconds.toFixed(1)} s${rate}`);
  lines.push(
    `Successfully restored ${what} (node ${plan.nodeId} of ${plan.clusterSize}, partitions ${plan.partitions.map((p) => p.partitionId).join(', ')}) into ${dataDirectory}`,
  );
  return `${lines.join('\n')}\n`;
}

/** What is restored: a backup, or the point of a point-in-time restore (with the --to time it was picked for). */
export function describeTarget(plan: RestorePlan): string {
  const target = plan.target;
  if (target.kind === 'backupId') return `backup ${target.backupId}`;
  const asked = target.toTimeMs === null ? '' : `, the newest at or before ${new Date(target.toTimeMs).toISOString()}`;
  return `checkpoint ${target.backupId} (${new Date(target.checkpointTimestampMs).toISOString()}${asked})`;
}

/** The plan as an operator reads it (`--dry-run` without `--json`). */
export function formatPlan(plan: RestorePlan): string {
  const lines = [
    `restore of ${describeTarget(plan)} for node ${plan.nodeId} of ${plan.clusterSize} (${plan.partitionCount} partitions, engine ${plan.engineVersion})`,
    `${plan.totalFiles} files, ${formatBytes(plan.totalBytes)}`,
  ];
  for (const partition of plan.partitions) {
    const snapshot =
      partition.snapshot === null
        ? 'no snapshot (replay from position 1)'
        : `snapshot ${partition.snapshot.snapshotId} (processed ${partition.snapshot.processedPosition})`;
    lines.push(
      `partition ${partition.partitionId}: ${snapshot}; truncate after position ${partition.cut.position} (checkpoint ${partition.cut.checkpointId})`,
    );
    for (const backup of partition.backups) {
      lines.push(
        `  from node ${backup.id.nodeId}'s backup ${backup.id.checkpointId}, log ${backup.firstLogPosition}..${backup.lastLogPosition}:`,
      );
      for (const file of backup.files) lines.push(`    ${file.key} -> ${file.targetPath} (${file.sizeBytes} bytes, sha256 ${file.sha256})`);
    }
  }
  if (plan.foreignCuts.length > 0)
    lines.push(
      `cuts of the other partitions (for the consistency check): ${plan.foreignCuts.map((cut) => `${cut.partitionId}@${cut.position}`).join(', ')}`,
    );
  if (plan.uncheckedPartitions.length > 0)
    lines.push(`no COMPLETED backup of partitions ${plan.uncheckedPartitions.join(', ')}: commands they sent are not checked`);
  return `${lines.join('\n')}\n`;
}
