// Cross-partition consistency of a cut (pure): finds orphan commands, received before the cut but sent after it (or never sent to the receiver).
import type { LogRecord } from '../log/log.js';
import { decodeRecord, isInterPartitionType, type CommandSource, type RecordTypeName } from './records.js';

/** One partition's log up to (at least) its cut; records after the cut are ignored. */
export interface PartitionCut {
  readonly partitionId: number;
  /** Position of the partition's cut record (its checkpoint record); records after it are not in the cut. */
  readonly cutPosition: number;
  readonly records: Iterable<LogRecord>;
}

/** A command recorded as received at or before the receiver's cut whose send is after the sender's cut. */
export interface Orphan {
  readonly receiverPartitionId: number;
  readonly receiverPosition: number;
  readonly recordType: RecordTypeName;
  readonly receiverCutPosition: number;
  readonly senderPartitionId: number;
  /** The sender's record whose processing sent the command (its sourcePosition). */
  readonly senderPosition: number;
  /** The sender's cut, or undefined when the sender partition is not part of the cut at all. */
  readonly senderCutPosition: number | undefined;
  /**
   * Set when the command is addressed to another partition than the one that recorded it: no partition
   * sent it to the receiver at all (a log of another partition, or records moved between partitions).
   */
  readonly addressedTo?: number;
  readonly message: string;
}

/**
 * The position of the cut of checkpoint `checkpointId` in one partition: its first CHECKPOINT_CREATE
 * with an id >= checkpointId (BCS: these records form a consistent cut), or undefined when there is none.
 */
export function cutPositionFor(records: Iterable<LogRecord>, checkpointId: number): number | undefined {
  for (const raw of records) {
    if (raw.recordType !== 1) continue;
    const record = decodeRecord(raw);
    if (record.type === 'CHECKPOINT_CREATE' && record.value.checkpointId >= checkpointId) return record.position;
  }
  return undefined;
}

/** Every orphan in the cut, in partition then position order; an empty list means the cut is consistent. */
export function findOrphans(cuts: readonly PartitionCut[]): Orphan[] {
  const cutOf = new Map(cuts.map((cut) => [cut.partitionId, cut.cutPosition]));
  const orphans: Orphan[] = [];
  for (const cut of [...cuts].sort((a, b) => a.partitionId - b.partitionId)) {
    for (const raw of cut.records) {
      if (raw.position > cut.cutPosition) break;
      if (!isInterPartitionType(raw.recordType)) continue;
      const record = decodeRecord(raw);
      if (!('source' in record.value)) continue;
      const instanceKey = typeof record.value.instanceKey === 'string' ? record.value.instanceKey : undefined;
      const orphan = orphanOf(
        cut.partitionId,
        cut.cutPosition,
        { position: record.position, type: record.type, source: record.value.source, instanceKey },
        cutOf,
      );
      if (orphan !== undefined) orphans.push(orphan);
    }
  }
  return orphans;
}

/** An inter-partition command as a receiver recorded it. */
export interface ReceivedCommand {
  readonly position: number;
  readonly type: RecordTypeName;
  readonly source: Pick<CommandSource, 'partitionId' | 'position'>;
  /** Its instanceKey, for the commands addressed to the instance's partition (isAddressedToInstance); else undefined. */
  readonly instanceKey?: string | undefined;
  /** The partition its instance key names, when known without the key (a command index, FORMAT.md "Command index"). */
  readonly addressedTo?: number | undefined;
}

/**
 * The commands sent to an instance's partition, whose instance key `{partitionId}-{position}` (FORMAT.md,
 * "Records") names the only partition that may record them: the key partition acknowledges a
 * subscription (SUBSCRIPTION_OPENED) and correlates a message (CORRELATE_MESSAGE) back to the partition
 * that created the instance.
 */
export function isAddressedToInstance(type: RecordTypeName): boolean {
  return type === 'SUBSCRIPTION_OPENED' || type === 'CORRELATE_MESSAGE';
}

/** The partition an instance key names, or undefined for a key not of the form `{partitionId}-{position}`. */
export function instancePartitionOf(instanceKey: string): number | undefined {
  const match = /^([1-9][0-9]{0,14})-[0-9]+$/.exec(instanceKey);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * The orphan a command received at or before its partition's cut makes, or undefined when its sender's
 * cut (from cutOf) holds the send. The one rule of a consistent cut, shared by every checker. A command
 * addressed to another partition (by its instance key) is an orphan whatever the cuts: nobody sent it here.
 */
export function orphanOf(
  receiverPartitionId: number,
  receiverCutPosition: number,
  command: ReceivedCommand,
  cutOf: ReadonlyMap<number, number>,
): Orphan | undefined {
  const { source } = command;
  const senderCut = cutOf.get(source.partitionId);
  const addressedTo = addressedPartitionOf(command);
  const misaddressed = addressedTo !== undefined && addressedTo !== receiverPartitionId;
  // The common case first, without building a message: millions of commands are checked per restore.
  if (!misaddressed && senderCut !== undefined && source.position <= senderCut) return undefined;
  const where = `partition ${receiverPartitionId} position ${command.position} (${command.type}, cut at ${receiverCutPosition})`;
  const orphan = {
    receiverPartitionId,
    receiverPosition: command.position,
    recordType: command.type,
    receiverCutPosition,
    senderPartitionId: source.partitionId,
    senderPosition: source.position,
    senderCutPosition: senderCut,
  };
  if (addressedTo !== undefined && addressedTo !== receiverPartitionId) {
    return {
      ...orphan,
      addressedTo,
      message: `orphan command: ${where} is addressed to partition ${addressedTo} (${command.instanceKey === undefined ? 'by its instance key' : `instance ${command.instanceKey}`}); no partition sent it to partition ${receiverPartitionId}`,
    };
  }
  if (senderCut !== undefined && source.position <= senderCut) return undefined;
  const sender =
    senderCut === undefined
      ? `partition ${source.partitionId} position ${source.position}, a partition without a cut`
      : `partition ${source.partitionId} position ${source.position}, after that partition's cut at ${senderCut}`;
  return { ...orphan, message: `orphan command: ${where} was sent by ${sender}` };
}

/** The partition a command is addressed to by its instance key (isAddressedToInstance), or undefined. */
export function addressedPartitionOf(command: ReceivedCommand): number | undefined {
  if (!isAddressedToInstance(command.type)) return undefined;
  if (command.addressedTo !== undefined) return command.addressedTo;
  return command.instanceKey === undefined ? undefined : instancePartitionOf(command.instanceKey);
}
