// Opening a log directory: finding its segments, checking their headers, and cutting a torn tail back.
import { join } from 'node:path';
import { assert } from '../assert.js';
import { CutlineError } from '../errors.js';
import type { LogFileSystem } from './file-system.js';
import { FileWindow } from './file-window.js';
import { decodeSegmentHeader, parseSegmentFileName, segmentFileName, segmentHeaderBytes } from './segment-format.js';
import { createSegmentFile, SegmentFile, temporarySuffix, withSegmentFd } from './segment-file.js';
import { findValidFrameAfter, scanSegment } from './segment-scan.js';
import { SparseIndex } from './sparse-index.js';

/** What opening the log found and repaired. */
export interface RecoveryReport {
  /** Leftovers of a crash while a segment was being created (deleted unless read-only). */
  readonly temporaryFiles: readonly string[];
  /** The torn tail cut from the last segment (left in place when read-only), if there was one. */
  readonly tornTail: TornTail | undefined;
  /** Whether the directory held no segment and the first one was created. */
  readonly createdFirstSegment: boolean;
}

export interface TornTail {
  readonly path: string;
  /** Byte offset of the first frame that was not whole: the new end of the segment. */
  readonly offset: number;
  /** The position that frame would have held. */
  readonly position: number;
  readonly reason: string;
  readonly bytesRemoved: number;
}

export interface RecoveryOptions {
  readonly readOnly: boolean;
  readonly indexIntervalBytes: number;
}

export interface RecoveredLog {
  readonly segments: SegmentFile[];
  /** A descriptor of the last segment, read-write unless read-only. */
  readonly activeFd: number;
  readonly report: RecoveryReport;
}

export function recoverLog(fileSystem: LogFileSystem, directory: string, options: RecoveryOptions): RecoveredLog {
  const names = listLogDirectory(fileSystem, directory, options.readOnly);
  const temporaryFiles = names.filter((name) => name.endsWith(temporarySuffix)).map((name) => join(directory, name));
  if (!options.readOnly) {
    for (const path of temporaryFiles) fileSystem.removeFile(path);
    if (temporaryFiles.length > 0) fileSystem.syncDirectory(directory);
  }
  const ids = names.flatMap((name) => parseSegmentFileName(name) ?? []).sort((a, b) => a - b);
  if (ids.length === 0) {
    if (options.readOnly)
      throw new CutlineError('USAGE', `${directory} holds no log segment (*.log)`, { hint: 'Pass the directory of one partition log.' });
    const { segment, fd } = createSegmentFile(fileSystem, directory, 1, 1);
    segment.index = new SparseIndex(options.indexIntervalBytes);
    return { segments: [segment], activeFd: fd, report: { temporaryFiles, tornTail: undefined, createdFirstSegment: true } };
  }
  const segments = ids.map((id) => readSegmentHeader(fileSystem, directory, id));
  checkSegmentSequence(segments);
  const last = segments.at(-1);
  assert(last !== undefined, 'a log with segment ids has a last segment');
  const activeFd = fileSystem.openFile(last.path, options.readOnly ? 'read' : 'read-write');
  try {
    const tornTail = recoverLastSegment(fileSystem, last, activeFd, options);
    return { segments, activeFd, report: { temporaryFiles, tornTail, createdFirstSegment: false } };
  } catch (error) {
    fileSystem.closeFile(activeFd);
    throw error;
  }
}

function listLogDirectory(fileSystem: LogFileSystem, directory: string, readOnly: boolean): string[] {
  try {
    return fileSystem.listDirectory(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    if (readOnly)
      throw new CutlineError('USAGE', `log directory ${directory} does not exist`, {
        cause: error,
        hint: 'Pass the directory of one partition log.',
      });
    fileSystem.makeDirectory(directory);
    return [];
  }
}

function readSegmentHeader(fileSystem: LogFileSystem, directory: string, segmentId: number): SegmentFile {
  const path = join(directory, segmentFileName(segmentId));
  return withSegmentFd(fileSystem, path, (fd) => {
    const sizeBytes = fileSystem.fileSize(fd);
    const bytes = Buffer.alloc(Math.min(sizeBytes, segmentHeaderBytes));
    const read = fileSystem.readAt(fd, bytes, 0);
    const header = decodeSegmentHeader(bytes.subarray(0, read), path);
    if (header.segmentId !== segmentId) {
      throw new CutlineError('LOG_CORRUPT', `segment ${path} holds segment id ${header.segmentId} in its header, not ${segmentId}`, {
        hint: 'A segment file was renamed or copied over another; restore the log from a backup.',
      });
    }
    return new SegmentFile(segmentId, path, header.firstPosition, sizeBytes);
  });
}

/**
 * Segment ids must be consecutive and first positions strictly increasing: only the last segment may be
 * empty. A sealed segment's last position is taken from its successor's header until a scan confirms it.
 */
function checkSegmentSequence(segments: readonly SegmentFile[]): void {
  for (let index = 1; index < segments.length; index += 1) {
    const previous = segments[index - 1];
    const current = segments[index];
    if (previous === undefined || current === undefined) continue;
    if (current.segmentId !== previous.segmentId + 1) {
      throw new CutlineError(
        'LOG_POSITION',
        `segments ${previous.path} and ${current.path} are not consecutive: segment ids ${previous.segmentId + 1}..${current.segmentId - 1} are missing`,
        {
          hint: 'A segment file was deleted from the middle of the log; restore the log from a backup.',
        },
      );
    }
    if (current.firstPosition <= previous.firstPosition) {
      throw new CutlineError(
        'LOG_POSITION',
        `segment ${current.path} starts at position ${current.firstPosition}, not after segment ${previous.path} which starts at ${previous.firstPosition}`,
        {
          hint: 'Positions must be contiguous across segments; restore the log from a backup.',
        },
      );
    }
    previous.lastPosition = current.firstPosition - 1;
  }
}

/** Scans the last segment; a damaged tail is torn (cut back) unless a valid frame follows it (corruption). */
function recoverLastSegment(fileSystem: LogFileSystem, last: SegmentFile, fd: number, options: RecoveryOptions): TornTail | undefined {
  const fileSize = last.sizeBytes;
  const index = new SparseIndex(options.indexIntervalBytes);
  const scan = scanSegment(last, new FileWindow(fileSystem, fd, fileSize), index);
  last.index = index;
  last.lastPosition = scan.lastPosition;
  last.sizeBytes = scan.endOffset;
  last.durableSizeBytes = scan.endOffset;
  if (scan.damage !== undefined) {
    const found = findValidFrameAfter(fileSystem, fd, fileSize, scan.damage);
    if (found !== undefined) {
      throw new CutlineError(
        'LOG_CORRUPT',
        `segment ${last.path}: ${scan.damage.reason} in the frame at byte offset ${scan.damage.offset} (expected position ${scan.damage.position}), ` +
          `followed by a valid frame at byte offset ${found.offset} (position ${found.position}): the damage is in the middle of the log, not a torn tail`,
        { hint: 'Restore the log from a backup; cutline never drops records that follow damage.' },
      );
    }
  }
  if (options.readOnly) {
    return scan.damage === undefined ? undefined : { path: last.path, ...scan.damage, bytesRemoved: 0 };
  }
  if (scan.damage !== undefined) fileSystem.truncateFile(fd, scan.endOffset);
  // Bytes a crashed process left in the page cache are not yet durable: make them so before reporting them durable.
  fileSystem.syncFile(fd);
  return scan.damage === undefined ? undefined : { path: last.path, ...scan.damage, bytesRemoved: fileSize - scan.endOffset };
}
