// The full snapshot check: the backed-up state.db opens read-only, passes PRAGMA integrity_check, and is at the manifest's position.
import { readFileSync } from 'node:fs';
import { inspectSnapshotDatabase, snapshotDisagreement } from '../engine/snapshot-database.js';
import {
  snapshotChecksumFile,
  snapshotFormatVersion,
  snapshotMetadataFile,
  snapshotStateFile,
  type SnapshotMetadata,
} from '../engine/snapshot-store.js';
import type { Finding } from './findings.js';
import type { DownloadedFile } from './file-checks.js';
import type { PartitionBackup } from './manifest-checks.js';

const stateFile = snapshotStateFile;
const metadataFile = snapshotMetadataFile;
const checksumsFile = snapshotChecksumFile;

/** Checks the snapshot a partition backup holds; a backup without a snapshot (replay from 1) has nothing to check. */
export function checkSnapshot(backup: PartitionBackup, downloaded: readonly DownloadedFile[]): Finding[] {
  const { checkpointId: backupId, partitionId } = backup.id;
  const { snapshotId, snapshotProcessedPosition } = backup.manifest.descriptor;
  if (snapshotId === null) return [];
  const path = `snapshot/${snapshotId}/${stateFile}`;
  const state = downloaded.find((file) => file.file.path === path);
  if (state === undefined) {
    const listed = backup.manifest.files.some((file) => file.path === path);
    const why = listed ? 'is listed but could not be read from the store' : 'is not listed';
    return [{ code: 'SNAPSHOT_MISSING', backupId, partitionId, message: `the manifest names snapshot ${snapshotId}, but ${path} ${why}` }];
  }
  const metadata = checkMetadataFile(backup, downloaded, `snapshot/${snapshotId}/`);
  const checksums = [...checkChecksumsFile(backup, downloaded, `snapshot/${snapshotId}/`), ...metadata.findings];
  const corrupt = (detail: string): Finding[] => [
    ...checksums,
    { code: 'SNAPSHOT_CORRUPT', backupId, partitionId, path: state.key, message: `${state.key}: ${detail}` },
  ];
  const inspected = inspectSnapshotDatabase(state.localPath);
  if ('problem' in inspected) return corrupt(inspected.problem);
  if (inspected.lastProcessedPosition !== snapshotProcessedPosition) {
    return [
      ...checksums,
      {
        code: 'SNAPSHOT_POSITION_MISMATCH',
        backupId,
        partitionId,
        path: state.key,
        message: `${state.key} has processed position ${inspected.lastProcessedPosition}; the manifest says snapshotProcessedPosition ${snapshotProcessedPosition}`,
      },
    ];
  }
  const disagreement = metadata.parsed === undefined ? undefined : snapshotDisagreement(metadata.parsed, inspected);
  if (disagreement === undefined) return checksums;
  // The engine chooses a snapshot by its metadata.json and starts from its state.db: restore refuses a snapshot whose two disagree.
  return [
    ...checksums,
    {
      code: 'SNAPSHOT_CORRUPT',
      backupId,
      partitionId,
      path: state.key,
      message: `${state.key}: the snapshot disagrees with itself: ${disagreement}`,
    },
  ];
}

/**
 * The snapshot's own CHECKSUMS file (sha256sum format) must match the bytes of the files it names: the
 * engine refuses a snapshot whose CHECKSUMS disagree, so a restored partition would not start.
 */
function checkChecksumsFile(backup: PartitionBackup, downloaded: readonly DownloadedFile[], directory: string): Finding[] {
  const { checkpointId: backupId, partitionId } = backup.id;
  const file = downloaded.find((entry) => entry.file.path === `${directory}${checksumsFile}`);
  if (file === undefined)
    return [{ code: 'SNAPSHOT_CORRUPT', backupId, partitionId, message: `the snapshot has no readable ${directory}${checksumsFile}` }];
  const findings: Finding[] = [];
  const listed = new Set<string>();
  for (const line of readFileSync(file.localPath, 'utf8')
    .split('\n')
    .filter((entry) => entry !== '')) {
    const match = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    const named = match === null ? undefined : downloaded.find((entry) => entry.file.path === `${directory}${match[2] ?? ''}`);
    if (match === null || named === undefined) {
      findings.push({
        code: 'SNAPSHOT_CORRUPT',
        backupId,
        partitionId,
        path: file.key,
        message: `${file.key}: the line ${JSON.stringify(line)} does not name a file of the snapshot with its SHA-256`,
      });
    } else if (named.sha256 !== match[1]) {
      findings.push({
        code: 'SNAPSHOT_CORRUPT',
        backupId,
        partitionId,
        path: named.key,
        message: `${named.key} has SHA-256 ${named.sha256}; the snapshot's ${checksumsFile} says ${String(match[1])}`,
      });
    }
    if (match?.[2] !== undefined) listed.add(match[2]);
  }
  // The engine (and restore) refuse a snapshot whose CHECKSUMS does not vouch for both of these.
  for (const name of [stateFile, metadataFile].filter((required) => !listed.has(required))) {
    findings.push({ code: 'SNAPSHOT_CORRUPT', backupId, partitionId, path: file.key, message: `${file.key} does not list ${name}` });
  }
  return findings;
}

/**
 * The snapshot's metadata.json is what the engine recovers by (and restore checks): it must be of
 * version 1, name this snapshot and partition, and say the manifest's processed position.
 */
function checkMetadataFile(
  backup: PartitionBackup,
  downloaded: readonly DownloadedFile[],
  directory: string,
): { findings: Finding[]; parsed?: Partial<SnapshotMetadata> } {
  const { checkpointId: backupId, partitionId } = backup.id;
  const { snapshotId, snapshotProcessedPosition } = backup.manifest.descriptor;
  const file = downloaded.find((entry) => entry.file.path === `${directory}${metadataFile}`);
  if (file === undefined)
    return {
      findings: [{ code: 'SNAPSHOT_CORRUPT', backupId, partitionId, message: `the snapshot has no readable ${directory}${metadataFile}` }],
    };
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file.localPath, 'utf8'));
  } catch (error) {
    return {
      findings: [
        {
          code: 'SNAPSHOT_CORRUPT',
          backupId,
          partitionId,
          path: file.key,
          message: `${file.key} is not valid JSON: ${(error as Error).message}`,
        },
      ],
    };
  }
  if (typeof document !== 'object' || document === null) {
    return {
      findings: [
        {
          code: 'SNAPSHOT_CORRUPT',
          backupId,
          partitionId,
          path: file.key,
          message: `${file.key} is ${JSON.stringify(document)}, not a JSON object`,
        },
      ],
    };
  }
  const metadata = document as Partial<SnapshotMetadata>;
  if (metadata.version !== snapshotFormatVersion || metadata.snapshotId !== snapshotId || metadata.partitionId !== partitionId) {
    const found = `version ${JSON.stringify(metadata.version)}, snapshot ${JSON.stringify(metadata.snapshotId)}, partition ${JSON.stringify(metadata.partitionId)}`;
    return {
      findings: [
        {
          code: 'SNAPSHOT_CORRUPT',
          backupId,
          partitionId,
          path: file.key,
          message: `${file.key} says ${found}; it must say version ${snapshotFormatVersion}, snapshot ${JSON.stringify(snapshotId)}, partition ${partitionId}`,
        },
      ],
      parsed: metadata,
    };
  }
  if (metadata.processedPosition !== snapshotProcessedPosition) {
    return {
      findings: [
        {
          code: 'SNAPSHOT_POSITION_MISMATCH',
          backupId,
          partitionId,
          path: file.key,
          message: `${file.key} has processed position ${String(metadata.processedPosition)}; the manifest says snapshotProcessedPosition ${snapshotProcessedPosition}`,
        },
      ],
      parsed: metadata,
    };
  }
  return { findings: [], parsed: metadata };
}
