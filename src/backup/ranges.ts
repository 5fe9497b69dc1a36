// The ranges of a partition read from its manifests (the pure range rules are in protocol/ranges.ts).
import type { Manifest } from './manifest.js';
import { computeRanges, type BackupRange, type RangeBackup } from '../protocol/ranges.js';

/** The range view of a COMPLETED manifest; undefined for any other status (only completed backups form ranges). */
export function rangeBackupOf(manifest: Manifest): RangeBackup | undefined {
  if (manifest.status !== 'COMPLETED') return undefined;
  const d = manifest.descriptor;
  return {
    checkpointId: manifest.id.checkpointId,
    checkpointType: d.checkpointType,
    checkpointPosition: d.checkpointPosition,
    checkpointTimestampMs: d.checkpointTimestampMs,
    snapshotProcessedPosition: d.snapshotProcessedPosition,
    firstLogPosition: d.firstLogPosition,
    lastLogPosition: d.lastLogPosition,
  };
}

/**
 * The ranges of one partition from its manifests: COMPLETED ones only, one per checkpoint id (a
 * backup taken by two nodes, e.g. after a handover, counts once: the lowest node id's).
 */
export function rangesFromManifests(manifests: readonly Manifest[]): { backups: RangeBackup[]; ranges: BackupRange[] } {
  const byId = new Map<number, RangeBackup>();
  const sorted = [...manifests].sort((left, right) => left.id.nodeId - right.id.nodeId);
  for (const manifest of sorted) {
    const backup = rangeBackupOf(manifest);
    if (backup !== undefined && !byId.has(backup.checkpointId)) byId.set(backup.checkpointId, backup);
  }
  const backups = [...byId.values()].sort((left, right) => left.checkpointId - right.checkpointId);
  return { backups, ranges: computeRanges(backups) };
}
