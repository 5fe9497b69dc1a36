// The protocol trace: the events the engine emits for trace validation, the sink interface, and the NDJSON file sink.
import * as fs from 'node:fs';
import { commandSourceOf, type CheckpointType, type EngineRecord, type EngineRecordBody, type InterPartitionBody } from './records.js';

/** Version of the NDJSON protocol trace (FORMAT.md "Protocol trace"); readers abort on any other. */
export const protocolTraceVersion = 1;

/** Identifies an inter-partition command: its type, the instance it is about, and the record that sent it. */
export interface TracedCommand {
  readonly recordType: string;
  readonly instanceKey: string;
  readonly sourcePartitionId: number;
  readonly sourcePosition: number;
  readonly checkpointId: number;
  readonly checkpointType: CheckpointType;
}

/** One protocol event; every position is a log position of the partition named by `partitionId`. */
export type TraceEvent =
  | { readonly event: 'trace-start'; readonly version: number; readonly partitionCount: number; readonly lastPositions: readonly number[] }
  | { readonly event: 'checkpoint-triggered'; readonly checkpointId: number; readonly checkpointType: CheckpointType }
  | {
      readonly event: 'checkpoint-create-appended';
      readonly partitionId: number;
      readonly position: number;
      readonly checkpointId: number;
      readonly checkpointType: CheckpointType;
      /** Set when a received command forced it outside command-received (only the mutated engine does that). */
      readonly forced: boolean;
    }
  | { readonly event: 'command-appended'; readonly partitionId: number; readonly position: number; readonly recordType: string }
  | {
      readonly event: 'record-processed';
      readonly partitionId: number;
      readonly position: number;
      readonly recordType: string;
      /** The partition's checkpoint id and position after processing the record. */
      readonly checkpointId: number;
      readonly checkpointPosition: number;
    }
  | {
      readonly event: 'command-sent';
      readonly partitionId: number;
      readonly targetPartitionId: number;
      readonly retry: boolean;
      readonly command: TracedCommand;
    }
  | {
      readonly event: 'command-received';
      readonly partitionId: number;
      readonly command: TracedCommand;
      /** Where a CHECKPOINT_CREATE forced by the command's higher id landed, or null when none was appended. */
      readonly checkpointCreatePosition: number | null;
      readonly position: number;
    }
  | {
      readonly event: 'backup-taken';
      readonly partitionId: number;
      readonly checkpointId: number;
      readonly checkpointPosition: number;
      readonly lastPosition: number;
    }
  | {
      readonly event: 'restored';
      readonly checkpointId: number;
      readonly cuts: readonly { readonly partitionId: number; readonly checkpointPosition: number }[];
    };

export type TraceEventName = TraceEvent['event'];

/**
 * Receives the engine's protocol events in the order they happen (the engine is single-threaded, so
 * that order is a total one). A cluster without a sink emits nothing and builds no event objects.
 */
export interface TraceSink {
  emit(event: TraceEvent): void;
}

/** Keeps the events in memory: tests and the benchmark validate them without a file. */
export class ArrayTraceSink implements TraceSink {
  readonly events: TraceEvent[] = [];
  emit(event: TraceEvent): void {
    this.events.push(event);
  }
}

/** One JSON object per line; buffered, written with the file's own descriptor, flushed on close. */
export class NdjsonFileTraceSink implements TraceSink {
  private readonly descriptor: number;
  private buffer: string[] = [];
  private bufferedChars = 0;

  constructor(readonly path: string) {
    this.descriptor = fs.openSync(path, 'w');
  }

  emit(event: TraceEvent): void {
    const line = `${JSON.stringify(event)}\n`;
    this.buffer.push(line);
    this.bufferedChars += line.length;
    if (this.bufferedChars >= 64 * 1024) this.flush();
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    fs.writeSync(this.descriptor, this.buffer.join(''));
    this.buffer = [];
    this.bufferedChars = 0;
  }

  close(): void {
    this.flush();
    fs.closeSync(this.descriptor);
  }
}

/** The records the spec's log holds: CHECKPOINT_CREATE, client commands and received inter-partition commands. */
export function isProtocolRecord(record: EngineRecord): boolean {
  return (
    record.type === 'CHECKPOINT_CREATE' ||
    record.type === 'CREATE_INSTANCE' ||
    record.type === 'PUBLISH_MESSAGE' ||
    commandSourceOf(record) !== undefined
  );
}

export function tracedCommand(body: InterPartitionBody): TracedCommand {
  const { source, instanceKey } = body.value;
  return {
    recordType: body.type,
    instanceKey,
    sourcePartitionId: source.partitionId,
    sourcePosition: source.position,
    checkpointId: source.checkpointId,
    checkpointType: source.checkpointType,
  };
}

/** The event of a local append: an external CHECKPOINT_CREATE or a client command (other appends are not protocol events). */
export function traceAppended(trace: TraceSink, partitionId: number, body: EngineRecordBody, position: number): void {
  if (body.type === 'CHECKPOINT_CREATE') {
    const { checkpointId, checkpointType, forcedBy } = body.value;
    trace.emit({
      event: 'checkpoint-create-appended',
      partitionId,
      position,
      checkpointId,
      checkpointType,
      forced: forcedBy !== undefined,
    });
  } else if (body.type === 'CREATE_INSTANCE' || body.type === 'PUBLISH_MESSAGE') {
    trace.emit({ event: 'command-appended', partitionId, position, recordType: body.type });
  }
}
