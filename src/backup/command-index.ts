// The command index of a segment (format v3, FORMAT.md "Command index"): where each inter-partition command was sent from, in binary.
import { CutlineError } from '../errors.js';
import { peekInstanceKey, peekRecord } from '../engine/record-peek.js';
import { instancePartitionOf, isAddressedToInstance, type ReceivedCommand } from '../engine/consistency.js';
import { isInterPartitionType, recordTypeNameOf } from '../engine/records.js';
import { readU64, writeU64 } from '../log/segment-format.js';
import type { LogRecord } from '../log/log.js';

/** One inter-partition command of a segment, as the cross-partition consistency check needs it. */
export interface CommandIndexEntry {
  readonly position: number;
  readonly recordType: number;
  readonly sourcePartitionId: number;
  readonly sourcePosition: number;
  /** The partition the command's instance key names, for the types addressed to an instance; 0 otherwise. */
  readonly addressedTo: number;
}

const magic = Buffer.from('CLCI', 'latin1');
const version = 1;
export const commandIndexHeaderBytes = 8;
export const commandIndexEntryBytes = 32;

/** The manifest path of a segment's command index: `segments/{name}.log` -> `commands/{name}.idx`. */
export function commandIndexPath(segmentPath: string): string {
  return `commands/${segmentPath.replace(/^segments\//, '').replace(/\.log$/, '')}.idx`;
}

/** The index entry of a record, or undefined when it is not an inter-partition command (throws peekRecord's RECORD_MALFORMED). */
export function commandIndexEntryOf(record: LogRecord): CommandIndexEntry | undefined {
  const source = peekRecord(record);
  if (source === undefined) return undefined;
  const type = recordTypeNameOf(record);
  const instanceKey = isAddressedToInstance(type) ? peekInstanceKey(record) : undefined;
  const addressedTo = instanceKey === undefined ? 0 : (instancePartitionOf(instanceKey) ?? 0);
  // The engine's partition ids are small; a record naming one beyond 32 bits cannot be indexed (nor replayed sensibly).
  if (!(source.partitionId >= 1 && source.partitionId <= u32Max && addressedTo <= u32Max && Number.isSafeInteger(source.position))) {
    throw new CutlineError(
      'RECORD_MALFORMED',
      `record at position ${record.position} names partition ${Math.max(source.partitionId, addressedTo)} or source position ${source.position}, beyond what a command index holds`,
    );
  }
  return {
    position: record.position,
    recordType: record.recordType,
    sourcePartitionId: source.partitionId,
    sourcePosition: source.position,
    addressedTo,
  };
}

const u32Max = 0xffff_ffff;

/** The command an entry describes, for orphanOf. */
export function receivedCommandOf(entry: CommandIndexEntry): ReceivedCommand {
  return {
    position: entry.position,
    type: recordTypeNameOf({ position: entry.position, recordType: entry.recordType }),
    source: { partitionId: entry.sourcePartitionId, position: entry.sourcePosition },
    ...(entry.addressedTo === 0 ? {} : { addressedTo: entry.addressedTo }),
  };
}

/** Collects the entries of one segment in position order, growing a buffer; resumable from the entries of an earlier pass. */
export class CommandIndexBuilder {
  private buffer: Buffer;
  private length: number;

  constructor(earlier?: Buffer) {
    this.buffer = Buffer.alloc(Math.max(4096, (earlier?.length ?? 0) * 2));
    this.length = earlier?.copy(this.buffer) ?? 0;
  }

  add(entry: CommandIndexEntry): void {
    if (this.length + commandIndexEntryBytes > this.buffer.length) {
      const grown = Buffer.alloc(this.buffer.length * 2);
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    writeEntry(this.buffer, this.length, entry);
    this.length += commandIndexEntryBytes;
  }

  /** The entries so far, without the header (what a later pass resumes from). */
  entries(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }

  /** The index file: header, then the entries. */
  file(): Buffer {
    return commandIndexFile(this.buffer.subarray(0, this.length));
  }
}

/** An index file of the given entry bytes. */
export function commandIndexFile(entries: Buffer): Buffer {
  const header = Buffer.alloc(commandIndexHeaderBytes);
  magic.copy(header, 0);
  header.writeUInt8(version, 4);
  return Buffer.concat([header, entries]);
}

function writeEntry(target: Buffer, at: number, entry: CommandIndexEntry): void {
  writeU64(target, at, entry.position);
  writeU64(target, at + 8, entry.sourcePosition);
  target.writeUInt32LE(entry.sourcePartitionId, at + 16);
  target.writeUInt32LE(entry.addressedTo, at + 20);
  target.writeUInt16LE(entry.recordType, at + 24);
  target.fill(0, at + 26, at + commandIndexEntryBytes);
}

/** The positions a segment holds, which its index entries must lie in. */
export interface IndexedRange {
  readonly firstPosition: number;
  readonly lastPosition: number;
}

/** Visits one entry's fields (no object per entry: an index can hold millions). */
export type CommandIndexVisitor = (
  position: number,
  recordType: number,
  sourcePartitionId: number,
  sourcePosition: number,
  addressedTo: number,
) => void;

/**
 * Checks an index file and visits its entries in order: the header, whole entries, positions strictly
 * ascending inside the segment's range, known inter-partition record types, plausible sources, zero
 * reserved bytes. Throws COMMAND_INDEX_INVALID naming `where` and the entry.
 */
export function forEachCommandIndexEntry(bytes: Buffer, where: string, range: IndexedRange, visit: CommandIndexVisitor): void {
  const invalid = (detail: string): CutlineError =>
    new CutlineError('COMMAND_INDEX_INVALID', `command index ${where}: ${detail}`, {
      hint: 'The index was not written by a compatible backup manager, or was changed after; run `cutline verify-backup --level full` and restore from another backup id.',
    });
  if (bytes.length < commandIndexHeaderBytes || !bytes.subarray(0, 4).equals(magic)) throw invalid('it does not start with "CLCI"');
  if (bytes.readUInt8(4) !== version) throw invalid(`version ${bytes.readUInt8(4)}; this cutline reads version ${version}`);
  if (bytes.readUIntLE(5, 3) !== 0) throw invalid('the reserved header bytes are not zero');
  if ((bytes.length - commandIndexHeaderBytes) % commandIndexEntryBytes !== 0)
    throw invalid(`${bytes.length} bytes is not the header plus whole ${commandIndexEntryBytes}-byte entries`);
  let previous = range.firstPosition - 1;
  for (let at = commandIndexHeaderBytes; at < bytes.length; at += commandIndexEntryBytes) {
    const position = readU64(bytes, at);
    const sourcePosition = readU64(bytes, at + 8);
    const sourcePartitionId = bytes.readUInt32LE(at + 16);
    const addressedTo = bytes.readUInt32LE(at + 20);
    const recordType = bytes.readUInt16LE(at + 24);
    const entry = (at - commandIndexHeaderBytes) / commandIndexEntryBytes;
    if (!(position > previous && position <= range.lastPosition))
      throw invalid(
        `entry ${entry}: position ${position} is not after ${previous} and within the segment's ${range.firstPosition}..${range.lastPosition}`,
      );
    if (!indexedTypes.has(recordType)) throw invalid(`entry ${entry}: record type ${recordType} is not an inter-partition command`);
    if (sourcePartitionId < 1) throw invalid(`entry ${entry}: source partition 0`);
    if (!(sourcePosition >= 1)) throw invalid(`entry ${entry}: source position ${sourcePosition}`);
    if (bytes.readUInt16LE(at + 26) !== 0 || bytes.readUInt32LE(at + 28) !== 0)
      throw invalid(`entry ${entry}: the reserved bytes are not zero`);
    previous = position;
    visit(position, recordType, sourcePartitionId, sourcePosition, addressedTo);
  }
}

/** An index file's entries, checked as forEachCommandIndexEntry does. */
export function readCommandIndex(bytes: Buffer, where: string, range: IndexedRange): CommandIndexEntry[] {
  const entries: CommandIndexEntry[] = [];
  forEachCommandIndexEntry(bytes, where, range, (position, recordType, sourcePartitionId, sourcePosition, addressedTo) =>
    entries.push({ position, recordType, sourcePartitionId, sourcePosition, addressedTo }),
  );
  return entries;
}

/** The record types an index may list: the inter-partition commands the engine knows. */
const indexedTypes: ReadonlySet<number> = new Set(
  Array.from({ length: 64 }, (_, type) => type).filter((type) => isInterPartitionType(type) && knownType(type)),
);

function knownType(recordType: number): boolean {
  try {
    recordTypeNameOf({ position: 0, recordType });
    return true;
  } catch {
    return false;
  }
}
