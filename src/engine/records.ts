// The engine's record types, their payloads and the JSON codec that puts them into log records.
import type { AppendRecord, LogRecord } from '../log/log.js';
import { CutlineError } from '../errors.js';

/** Checkpoint types; MARKER checkpoints are restore points without a backup of their own. */
export const checkpointTypes = ['MANUAL_BACKUP', 'SCHEDULED_BACKUP', 'MARKER'] as const;
export type CheckpointType = (typeof checkpointTypes)[number];

export function isBackupType(type: CheckpointType): boolean {
  return type === 'MANUAL_BACKUP' || type === 'SCHEDULED_BACKUP';
}

/** Record type numbers as stored in the log's recordType field (see FORMAT.md). */
export const RecordType = {
  CHECKPOINT_CREATE: 1,
  CHECKPOINT_CREATED: 2,
  CHECKPOINT_IGNORED: 3,
  BACKUP_CONFIRMED: 4,
  BACKUP_DELETED: 5,
  CREATE_INSTANCE: 16,
  PUBLISH_MESSAGE: 17,
  OPEN_SUBSCRIPTION: 32,
  SUBSCRIPTION_OPENED: 33,
  CORRELATE_MESSAGE: 34,
  MESSAGE_CORRELATED: 35,
} as const;
export type RecordTypeName = keyof typeof RecordType;

/** Inter-partition commands occupy 32..63: they always carry a `source` envelope. */
export function isInterPartitionType(recordType: number): boolean {
  return recordType >= 32 && recordType <= 63;
}

/** Who sent an inter-partition command, from which record, and the checkpoint it piggybacks. */
export interface CommandSource {
  readonly partitionId: number;
  /** Position (on the sender) of the record whose processing sent the command. */
  readonly position: number;
  readonly checkpointId: number;
  readonly checkpointType: CheckpointType;
}

export interface CheckpointCreate {
  readonly checkpointId: number;
  readonly checkpointType: CheckpointType;
  /** Set when a received command with a higher id forced the checkpoint; absent for external triggers. */
  readonly forcedBy?: { readonly partitionId: number; readonly position: number };
}
export interface CheckpointCreated {
  readonly checkpointId: number;
  readonly checkpointType: CheckpointType;
  readonly checkpointPosition: number;
  /** Position of the CHECKPOINT_CREATE whose processing wrote this record. */
  readonly causePosition: number;
}
export interface CheckpointIgnored {
  readonly requestedCheckpointId: number;
  readonly checkpointId: number;
  readonly checkpointPosition: number;
  readonly causePosition: number;
}
export interface BackupConfirmed {
  readonly checkpointId: number;
  readonly checkpointPosition: number;
  readonly status: 'COMPLETED' | 'FAILED';
  readonly reason?: string;
  /** What a COMPLETED backup holds (from its manifest's descriptor): the partition's backup ranges are built from it. */
  readonly coverage?: BackupCoverage;
}
/** The part of a manifest's descriptor that ranges need (FORMAT.md "Manifest"). */
export interface BackupCoverage {
  readonly checkpointType: 'MANUAL_BACKUP' | 'SCHEDULED_BACKUP';
  readonly checkpointTimestampMs: number;
  readonly snapshotProcessedPosition: number;
  readonly firstLogPosition: number;
  readonly lastLogPosition: number;
}
/** A backup was deleted from the store (retention or an operator): it leaves the partition's ranges. */
export interface BackupDeleted {
  readonly checkpointId: number;
}
export interface CreateInstance {
  readonly correlationKey: string;
}
export interface PublishMessage {
  readonly messageId: string;
  readonly correlationKey: string;
}
export interface OpenSubscription {
  readonly source: CommandSource;
  readonly instanceKey: string;
  readonly correlationKey: string;
}
export interface SubscriptionOpened {
  readonly source: CommandSource;
  readonly instanceKey: string;
}
export interface CorrelateMessage {
  readonly source: CommandSource;
  readonly instanceKey: string;
  readonly messageId: string;
}
export interface MessageCorrelated {
  readonly source: CommandSource;
  readonly instanceKey: string;
  readonly messageId: string;
}

/** Every engine record, discriminated by its type name. */
export type EngineRecordBody =
  | { readonly type: 'CHECKPOINT_CREATE'; readonly value: CheckpointCreate }
  | { readonly type: 'CHECKPOINT_CREATED'; readonly value: CheckpointCreated }
  | { readonly type: 'CHECKPOINT_IGNORED'; readonly value: CheckpointIgnored }
  | { readonly type: 'BACKUP_CONFIRMED'; readonly value: BackupConfirmed }
  | { readonly type: 'BACKUP_DELETED'; readonly value: BackupDeleted }
  | { readonly type: 'CREATE_INSTANCE'; readonly value: CreateInstance }
  | { readonly type: 'PUBLISH_MESSAGE'; readonly value: PublishMessage }
  | { readonly type: 'OPEN_SUBSCRIPTION'; readonly value: OpenSubscription }
  | { readonly type: 'SUBSCRIPTION_OPENED'; readonly value: SubscriptionOpened }
  | { readonly type: 'CORRELATE_MESSAGE'; readonly value: CorrelateMessage }
  | { readonly type: 'MESSAGE_CORRELATED'; readonly value: MessageCorrelated };

/** The inter-partition subset: the bodies that carry a `source`. */
export type InterPartitionBody = Extract<EngineRecordBody, { value: { source: CommandSource } }>;

/** An inter-partition command as processing decides it: the sending partition adds the `source` envelope. */
export type UnsentCommandBody = InterPartitionBody extends infer B
  ? B extends { readonly type: infer T; readonly value: infer V }
    ? { readonly type: T; readonly value: Omit<V, 'source'> }
    : never
  : never;

export type EngineRecord = EngineRecordBody & { readonly position: number; readonly timestampMs: number };

const typeNames = new Map<number, RecordTypeName>(Object.entries(RecordType).map(([name, number]) => [number, name as RecordTypeName]));

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Encodes a body as a log record: the payload is the UTF-8 JSON of the body's value. */
export function encodeRecord(body: EngineRecordBody, timestampMs: number): AppendRecord {
  return { timestampMs, recordType: RecordType[body.type], payload: encoder.encode(JSON.stringify(body.value)) };
}

/** The name of a record type number, or undefined for a number no engine record uses (`log dump` prints those as numbers). */
export function recordTypeName(recordType: number): RecordTypeName | undefined {
  return typeNames.get(recordType);
}

/** The name of a record's type; an unknown type is a RECORD_MALFORMED error. */
export function recordTypeNameOf(record: Pick<LogRecord, 'position' | 'recordType'>): RecordTypeName {
  const name = typeNames.get(record.recordType);
  if (name === undefined) {
    throw new CutlineError('RECORD_MALFORMED', `record at position ${record.position} has unknown type ${record.recordType}`, {
      hint: 'The log was written by another program or a newer cutline; see FORMAT.md for the record types.',
    });
  }
  return name;
}

/** The RECORD_MALFORMED error of a payload that is not a UTF-8 JSON object: `what` says how. */
export function malformedPayload(position: number, name: RecordTypeName, what: string, cause?: unknown): CutlineError {
  return new CutlineError('RECORD_MALFORMED', `record at position ${position} (${name}) has a payload that ${what}`, {
    ...(cause === undefined ? {} : { cause }),
    hint: 'The payload of every engine record is a UTF-8 JSON object; see FORMAT.md.',
  });
}

/** Decodes a log record; an unknown type or a payload that is not JSON is a RECORD_MALFORMED error. */
export function decodeRecord(record: LogRecord): EngineRecord {
  const name = recordTypeNameOf(record);
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(record.payload));
  } catch (error) {
    throw malformedPayload(record.position, name, 'is not UTF-8 JSON', error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw malformedPayload(record.position, name, 'is not a JSON object');
  return { type: name, value, position: record.position, timestampMs: record.timestampMs } as EngineRecord;
}

/** The source envelope of an inter-partition record, or undefined for local records. */
export function commandSourceOf(record: EngineRecord): CommandSource | undefined {
  return 'source' in record.value ? record.value.source : undefined;
}
