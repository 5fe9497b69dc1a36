// The restore's names in the target: staging, the completion marker, where downloaded files wait (FORMAT.md, "Restore"); pure.
// Kept free of the manifest module: the check threads import it, and should start without loading the manifest's schemas.
import type { PlannedFile } from './restore-plan.js';

/** The staging directory inside the target, and the completion marker written last (FORMAT.md, "Restore"). */
export const stagingDirectoryName = '.cutline-restore-staging';
export const completionMarkerName = '.cutline-restore.json';

/**
 * Where downloaded segments wait in staging: the object names say nothing reliable about the segment id
 * (the backup manager names them by first position), so each is moved into `log/` under the id its
 * header holds once it is downloaded and checked (restore-partition.ts).
 */
export function incomingSegmentsPath(partitionId: number): string {
  return `partitions/${partitionId}/incoming-segments`;
}

/** Where downloaded command indexes (format v3) wait in staging until the cross-partition check has read them. */
export function incomingCommandsPath(partitionId: number): string {
  return `partitions/${partitionId}/incoming-commands`;
}

/** Whether a planned file is a log segment (placeFiles puts it among the partition's incoming segments). */
export function isSegmentFile(partitionId: number, file: PlannedFile): boolean {
  return file.targetPath.startsWith(`${incomingSegmentsPath(partitionId)}/`);
}
