// Where each file of a partition backup goes in the engine's data directory (FORMAT.md, "Restore"); pure.
import { CutlineError } from '../errors.js';
import { contentKey } from '../backup/backup-layout.js';
import { hasCommandIndexes, isChunked, storedChunks, type Manifest } from '../backup/manifest.js';
import { chunkKey } from '../backup/chunk-format.js';
import { snapshotChecksumFile, snapshotMetadataFile, snapshotStateFile } from '../engine/snapshot-store.js';
import type { PlannedFile } from './restore-plan.js';
import { incomingCommandsPath, incomingSegmentsPath } from './restore-layout.js';

const snapshotFiles = [snapshotStateFile, snapshotMetadataFile, snapshotChecksumFile] as const;
const segmentPathPattern = /^segments\/([0-9]{1,20})\.log$/;
const commandIndexPathPattern = /^commands\/([0-9]{1,20})\.idx$/;
const engineSnapshotIdPattern = /^(0|[1-9][0-9]*)-(0|[1-9][0-9]*)$/;

/**
 * Maps every file of a COMPLETED manifest to its place: `snapshot/[{snapshotId}/]{name}` to
 * `partitions/{p}/snapshots/{snapshotId}/{name}`, `segments/{digits}.log` to the incoming segments
 * directory. Throws RESTORE_LAYOUT naming the partition and the file for anything else.
 */
export function placeFiles(manifest: Manifest): PlannedFile[] {
  const partitionId = manifest.id.partitionId;
  const { snapshotId, snapshotProcessedPosition } = manifest.descriptor;
  const problems: string[] = [];
  if (snapshotId !== null) {
    const match = engineSnapshotIdPattern.exec(snapshotId);
    if (match === null || Number(match[1]) !== snapshotProcessedPosition) {
      problems.push(
        `snapshotId ${JSON.stringify(snapshotId)} is not {processedPosition}-{lastWrittenPosition} with processed position ${snapshotProcessedPosition}`,
      );
    }
  }
  const placed: PlannedFile[] = [];
  const segmentNames = new Set<string>();
  const snapshotNames = new Set<string>();
  for (const file of manifest.files) {
    const targetPath = placeOne(file.path, partitionId, snapshotId, problems, segmentNames, snapshotNames);
    if (targetPath === undefined) continue;
    const chunks = isChunked(manifest)
      ? storedChunks(file).map((chunk) => ({ ...chunk, key: chunkKey(partitionId, chunk.sha256) }))
      : undefined;
    const commandIndexPath = hasCommandIndexes(manifest) ? commandIndexTarget(file.path, partitionId) : undefined;
    placed.push({
      key: contentKey(manifest.id, file.path),
      sizeBytes: file.sizeBytes,
      sha256: file.sha256,
      targetPath,
      ...(chunks === undefined ? {} : { chunks }),
      ...(commandIndexPath === undefined ? {} : { commandIndexPath }),
    });
  }
  if (segmentNames.size === 0) problems.push('the backup holds no log segment');
  if (snapshotId !== null) {
    for (const name of snapshotFiles) if (!snapshotNames.has(name)) problems.push(`snapshot ${snapshotId} lacks ${name}`);
  }
  if (problems.length > 0) {
    throw new CutlineError('RESTORE_LAYOUT', `partition ${partitionId} (backup of node ${manifest.id.nodeId}): ${problems.join('; ')}`, {
      hint: 'FORMAT.md, section "Restore", says which file paths a partition backup may hold; this backup was not written by a compatible backup manager.',
    });
  }
  return placed;
}

/** For a segment of a v3 manifest, where its command index is staged (checkManifest made sure the manifest lists it). */
function commandIndexTarget(path: string, partitionId: number): string | undefined {
  const segment = segmentPathPattern.exec(path);
  return segment?.[1] === undefined ? undefined : `${incomingCommandsPath(partitionId)}/${segment[1].padStart(20, '0')}.idx`;
}

function placeOne(
  path: string,
  partitionId: number,
  snapshotId: string | null,
  problems: string[],
  segmentNames: Set<string>,
  snapshotNames: Set<string>,
): string | undefined {
  const index = commandIndexPathPattern.exec(path);
  if (index?.[1] !== undefined) return `${incomingCommandsPath(partitionId)}/${index[1].padStart(20, '0')}.idx`;
  const segment = segmentPathPattern.exec(path);
  if (segment?.[1] !== undefined) {
    // Leading zeros differ between writers; 2.log and 0002.log would name the same segment.
    const name = `${segment[1].padStart(20, '0')}.log`;
    if (segmentNames.has(name)) problems.push(`${path} is a second file named for position or id ${Number(segment[1])}`);
    segmentNames.add(name);
    return `${incomingSegmentsPath(partitionId)}/${name}`;
  }
  const parts = path.split('/');
  const name = parts.at(-1) ?? '';
  const inSnapshot = parts[0] === 'snapshot' && (parts.length === 2 || (parts.length === 3 && parts[1] === snapshotId));
  if (!inSnapshot || !(snapshotFiles as readonly string[]).includes(name)) {
    problems.push(
      `${path} is neither segments/{digits}.log, commands/{digits}.idx nor snapshot/[{snapshotId}/]{${snapshotFiles.join(',')}}`,
    );
    return undefined;
  }
  if (snapshotId === null) {
    problems.push(`${path} is a snapshot file, but the manifest's snapshotId is null`);
    return undefined;
  }
  if (snapshotNames.has(name)) problems.push(`${path} is a second copy of snapshot file ${name}`);
  snapshotNames.add(name);
  return `partitions/${partitionId}/snapshots/${snapshotId}/${name}`;
}
