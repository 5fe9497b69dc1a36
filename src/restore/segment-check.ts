// Checking one restored segment in a single pass over its bytes: frames, records up to the cut, and orphan commands.
import { isAddressedToInstance, orphanOf, type Orphan, type ReceivedCommand } from '../engine/consistency.js';
import { peekInstanceKey, peekRecord } from '../engine/record-peek.js';
import { RecordType, recordTypeNameOf, type RecordTypeName } from '../engine/records.js';
import { receivedCommandOf } from '../backup/command-index.js';
import { isCutlineError } from '../errors.js';
import { SegmentStreamScanner, type StreamedDamage, type StreamedFrame } from '../log/segment-stream-scan.js';

/** What a segment of a partition is checked against; plain data, so it can be posted to a worker thread. */
export interface SegmentCheckContext {
  readonly partitionId: number;
  readonly cutPosition: number;
  /** The cut of every partition the plan knows, this one included: [partitionId, cut position]. */
  readonly senderCuts: readonly (readonly [number, number])[];
  /** Partitions without a COMPLETED backup: commands they sent cannot be checked (single-node restores only). */
  readonly uncheckedPartitions: readonly number[];
  /**
   * The segment comes from a format 3 backup, whose frames were checked when it was taken (FORMAT.md
   * "Chain of trust") and whose commands are in its command index: only lengths and positions are followed.
   */
  readonly framesChecked?: boolean;
}

/** Everything restore needs to know of one segment file; plain data (it crosses from the worker thread). */
export interface SegmentCheck {
  readonly segmentId: number;
  readonly firstPosition: number;
  /** The last whole, valid record (firstPosition - 1 when none). */
  readonly lastPosition: number;
  /** Where the valid frames stop before the end of the file, if they do. */
  readonly damage: StreamedDamage | undefined;
  /** The first record at or before the cut that is malformed as far as peekRecord reads it (the engine could not replay it). */
  readonly malformed: { readonly position: number; readonly message: string } | undefined;
  /** Inter-partition commands at or before the cut whose sender's cut holds their send. */
  readonly commandsChecked: number;
  /** Commands at or before the cut from partitions without a cut (see SegmentCheckContext). */
  readonly commandsUnchecked: number;
  /** The first orphans found (at most orphansKeptMax); orphanCount counts them all. */
  readonly orphans: readonly Orphan[];
  readonly orphanCount: number;
}

/** Enough orphans to name in an error message; the rest are counted. */
export const orphansKeptMax = 10;

/**
 * Fed the bytes of one segment file in order (any chunking), it checks every frame (CRC, contiguous
 * positions), the type and payload outline of every record up to the cut (peekRecord), and every
 * inter-partition command up to the cut against its sender's cut and its addressee (orphanOf): the
 * work of a full read of the restored log, done while the file is hashed, so restore reads each byte once.
 */
export class SegmentChecker {
  private readonly scanner: SegmentStreamScanner;
  private malformed: SegmentCheck['malformed'];
  private readonly tally: CommandTally;

  constructor(
    path: string,
    private readonly context: SegmentCheckContext,
  ) {
    this.tally = new CommandTally(context);
    this.scanner =
      context.framesChecked === true
        ? new SegmentStreamScanner(path, undefined, { crc: false })
        : new SegmentStreamScanner(path, (frame) => this.onFrame(frame));
  }

  push(chunk: Buffer): void {
    this.scanner.push(chunk);
  }

  finish(): SegmentCheck {
    const summary = this.scanner.finish();
    return {
      segmentId: summary.header.segmentId,
      firstPosition: summary.header.firstPosition,
      lastPosition: summary.lastPosition,
      damage: summary.damage,
      malformed: this.malformed,
      ...this.tally.result(),
    };
  }

  private onFrame({ header, payload }: StreamedFrame): void {
    const { position } = header;
    const { cutPosition } = this.context;
    // Records after the cut are truncated away: they need not be valid, and they are not in the cut.
    if (position > cutPosition) return;
    let source;
    let instanceKey;
    try {
      const record = { position, timestampMs: header.timestampMs, recordType: header.recordType, payload };
      source = peekRecord(record);
      // A command addressed to an instance's partition names it in its instance key: recorded anywhere else, nobody sent it here.
      instanceKey = source !== undefined && isAddressedToInstance(recordTypeNameOf(header)) ? peekInstanceKey(record) : undefined;
    } catch (error) {
      if (!isCutlineError(error)) throw error;
      this.malformed ??= { position, message: error.message };
      return;
    }
    if (source === undefined) return;
    this.tally.add({ position, type: recordTypeNameOf(header), source, instanceKey });
  }
}

/** The record types whose instance key names the partition that may record them (isAddressedToInstance). */
const addressedTypes: ReadonlySet<number> = new Set(
  Object.entries(RecordType)
    .filter(([name]) => isAddressedToInstance(name as RecordTypeName))
    .map(([, type]) => type),
);

/** What the commands of a segment up to the cut prove, counted one command at a time (from its records or its command index). */
export class CommandTally {
  private readonly cutOf: ReadonlyMap<number, number>;
  private readonly unchecked: ReadonlySet<number>;
  private commandsChecked = 0;
  private commandsUnchecked = 0;
  private readonly orphans: Orphan[] = [];
  private orphanCount = 0;

  constructor(private readonly context: SegmentCheckContext) {
    this.cutOf = new Map(context.senderCuts.map(([partitionId, position]) => [partitionId, position]));
    this.unchecked = new Set(context.uncheckedPartitions);
  }

  /** A command recorded at or before the cut. */
  add(command: ReceivedCommand): void {
    const orphan = orphanOf(this.context.partitionId, this.context.cutPosition, command, this.cutOf);
    if (orphan === undefined) this.commandsChecked += 1;
    else if (orphan.addressedTo === undefined && orphan.senderCutPosition === undefined && this.unchecked.has(command.source.partitionId))
      this.commandsUnchecked += 1;
    else {
      this.orphanCount += 1;
      if (this.orphans.length < orphansKeptMax) this.orphans.push(orphan);
    }
  }

  /**
   * A command from a command index: counted without building an object when its sender's cut holds it
   * and it is not addressed elsewhere (the case of nearly every command), else as add() does.
   */
  addIndexed(position: number, recordType: number, sourcePartitionId: number, sourcePosition: number, addressedTo: number): void {
    const senderCut = this.cutOf.get(sourcePartitionId);
    const elsewhere = addressedTo !== 0 && addressedTo !== this.context.partitionId && addressedTypes.has(recordType);
    if (!elsewhere && senderCut !== undefined && sourcePosition <= senderCut) {
      this.commandsChecked += 1;
      return;
    }
    this.add(receivedCommandOf({ position, recordType, sourcePartitionId, sourcePosition, addressedTo }));
  }

  result(): Pick<SegmentCheck, 'commandsChecked' | 'commandsUnchecked' | 'orphans' | 'orphanCount'> {
    const { commandsChecked, commandsUnchecked, orphans, orphanCount } = this;
    return { commandsChecked, commandsUnchecked, orphans, orphanCount };
  }
}
