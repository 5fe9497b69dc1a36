// Maps each protocol trace event to the step operators of spec/CheckpointProtocolTrace.tla, translating engine log positions to spec log indices.
import type { CheckpointType } from '../../engine/records.js';
import type { TraceEvent, TracedCommand } from '../../engine/trace-sink.js';
import type { Step, StepAlternatives } from '../builtin/constrained-search.js';
import { makeFn, makeRecord, type Value } from '../builtin/value.js';

/** What one event means in the spec. */
export interface MappedEvent {
  readonly alternatives: StepAlternatives;
  /** The spec action the event is, in words, for the rejection report. */
  readonly expected: string;
  /** An operator whose result shows what the spec would have done instead (an action, or a value). */
  readonly explain?: { readonly kind: 'action' | 'value'; readonly step: Step; readonly label: string };
}

/** An event that names something no earlier event introduced: the trace is inconsistent before the spec is asked. */
export class TraceMappingError extends Error {}

/**
 * The spec's checkpoint kind: the engine's type itself (the spec's IsBackupKind treats both backup
 * types alike, so a trace that swaps them is still caught); NONE before the first checkpoint, whose
 * piggybacked type means nothing.
 */
export function kindValue(checkpointType: CheckpointType, checkpointId: number): string {
  return checkpointId === 0 ? 'NONE' : checkpointType;
}

/**
 * Keeps, per partition, the engine positions of the records the spec's log holds, in append order,
 * so that spec index i of partition p is the i-th of them. Records the spec does not model
 * (CHECKPOINT_CREATED, CHECKPOINT_IGNORED, BACKUP_CONFIRMED) never appear in a trace's appends.
 */
export class PositionMap {
  private readonly positions: number[][];
  /** The record type appended at each position, per partition: a record-processed event must name the same. */
  private readonly recordTypes: Map<number, string>[];

  constructor(partitionCount: number) {
    this.positions = Array.from({ length: partitionCount }, () => []);
    this.recordTypes = Array.from({ length: partitionCount }, () => new Map<number, string>());
  }

  append(partitionId: number, position: number, recordType: string): number {
    const list = this.list(partitionId);
    const last = list[list.length - 1] ?? 0;
    if (position <= last)
      throw new TraceMappingError(`partition ${partitionId} appends position ${position} after position ${last}: positions must increase`);
    list.push(position);
    this.recordTypes[partitionId - 1]?.set(position, recordType);
    return list.length;
  }

  /** The spec index of an appended engine position whose record must be of `recordType`. */
  indexOfType(partitionId: number, position: number, recordType: string): number {
    const index = this.index(partitionId, position);
    const appended = this.recordTypes[partitionId - 1]?.get(position);
    if (appended !== recordType)
      throw new TraceMappingError(`partition ${partitionId} position ${position} holds ${appended ?? 'nothing'}, not ${recordType}`);
    return index;
  }

  /** The spec index of an appended engine position. */
  index(partitionId: number, position: number): number {
    const list = this.list(partitionId);
    const at = upperBound(list, position);
    if (at === 0 || list[at - 1] !== position)
      throw new TraceMappingError(`partition ${partitionId} position ${position} was never appended by an earlier event`);
    return at;
  }

  /** How many spec records have an engine position <= `position` (a log prefix's spec length). */
  countUpTo(partitionId: number, position: number): number {
    return upperBound(this.list(partitionId), position);
  }

  private list(partitionId: number): number[] {
    const list = this.positions[partitionId - 1];
    if (list === undefined) throw new TraceMappingError(`partition ${partitionId} does not exist (the trace has ${this.positions.length})`);
    return list;
  }
}

function upperBound(list: readonly number[], value: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((list[middle] as number) <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

const step = (operator: string, ...args: Value[]): Step => ({ operator, args });

/** Translates events, in trace order, to steps; it owns the position map the events build up. */
export class ProtocolTraceMapping {
  private readonly positions: PositionMap;

  constructor(private readonly partitionCount: number) {
    this.positions = new PositionMap(partitionCount);
  }

  map(event: TraceEvent): MappedEvent {
    switch (event.event) {
      case 'trace-start':
        throw new TraceMappingError('a second trace-start: a trace holds one run');
      case 'checkpoint-triggered': {
        const kind = kindValue(event.checkpointType, event.checkpointId);
        return {
          alternatives: [[step('TriggerStep', event.checkpointId, kind)]],
          expected: `Trigger("${kind}") starting checkpoint ${event.checkpointId}`,
          explain: { kind: 'action', step: step('Trigger', kind), label: `Trigger("${kind}")` },
        };
      }
      case 'checkpoint-create-appended': {
        const { partitionId: p, checkpointId: c } = event;
        // The protocol appends a forced CHECKPOINT_CREATE only together with its command (command-received).
        if (event.forced)
          throw new TraceMappingError(`partition ${p} appends a forced CHECKPOINT_CREATE apart from the command that forced it`);
        this.positions.append(p, event.position, 'CHECKPOINT_CREATE');
        const kind = kindValue(event.checkpointType, c);
        return {
          alternatives: [[step('DeliverStep', p, c, kind)]],
          expected: `Deliver(${p}, ${c}): the trigger of checkpoint ${c} reaches partition ${p}`,
          explain: { kind: 'action', step: step('Deliver', p, c), label: `Deliver(${p}, ${c})` },
        };
      }
      case 'command-appended':
        this.positions.append(event.partitionId, event.position, event.recordType);
        return {
          alternatives: [[step('ClientStep', event.partitionId)]],
          expected: `a client command appended to partition ${event.partitionId}`,
        };
      case 'record-processed':
        return this.processed(event);
      case 'command-sent':
        return this.sent(event.partitionId, event.targetPartitionId, event.command, event.retry);
      case 'command-received':
        return this.received(event);
      case 'backup-taken': {
        const p = event.partitionId;
        const cx = this.positions.indexOfType(p, event.checkpointPosition, 'CHECKPOINT_CREATE');
        const n = this.positions.countUpTo(p, event.lastPosition);
        return {
          alternatives: [[step('BackupStep', p, event.checkpointId, cx, n)]],
          expected: `TakeBackup(${p}) of checkpoint ${event.checkpointId} at spec position ${cx} holding ${n} record(s)`,
          explain: { kind: 'action', step: step('TakeBackup', p), label: `TakeBackup(${p})` },
        };
      }
      case 'restored': {
        const keys: Value[] = [];
        const values: Value[] = [];
        for (const cut of event.cuts) {
          keys.push(cut.partitionId);
          values.push(this.positions.indexOfType(cut.partitionId, cut.checkpointPosition, 'CHECKPOINT_CREATE'));
        }
        if (keys.length !== this.partitionCount)
          throw new TraceMappingError(`restored names ${keys.length} partition(s), the trace has ${this.partitionCount}`);
        return {
          alternatives: [[step('RestoreStep', event.checkpointId, makeFn(keys, values))]],
          expected: `Restore(${event.checkpointId})`,
          explain: { kind: 'action', step: step('Restore', event.checkpointId), label: `Restore(${event.checkpointId})` },
        };
      }
    }
  }

  private processed(event: Extract<TraceEvent, { event: 'record-processed' }>): MappedEvent {
    const p = event.partitionId;
    const x = this.positions.indexOfType(p, event.position, event.recordType);
    const cx = event.checkpointPosition === 0 ? 0 : this.positions.indexOfType(p, event.checkpointPosition, 'CHECKPOINT_CREATE');
    const create = event.recordType === 'CHECKPOINT_CREATE';
    const operator = create ? 'ProcessCreateStep' : 'ProcessCommandStep';
    const what = create ? 'CHECKPOINT_CREATE' : `the command ${event.recordType}`;
    return {
      alternatives: [[step(operator, p, x, event.checkpointId, cx)]],
      expected: `Process(${p}) of ${what} at spec position ${x}, leaving checkpoint ${event.checkpointId} at spec position ${cx}`,
      explain: { kind: 'action', step: step('ProcessNext', p), label: `processing of partition ${p}'s next record` },
    };
  }

  /** The spec's message: its id names the sending record's spec index, so TraceConsistentCut can find the sender. */
  private message(command: TracedCommand, target: number): Value {
    const from = command.sourcePartitionId;
    const source = this.positions.index(from, command.sourcePosition);
    return makeRecord([
      [
        'id',
        makeRecord([
          ['source', source],
          ['command', `${command.recordType} ${command.instanceKey}`],
        ]),
      ],
      ['from', from],
      ['to', target],
      ['cp', command.checkpointId],
      ['cpKind', kindValue(command.checkpointType, command.checkpointId)],
    ]);
  }

  private sent(p: number, target: number, command: TracedCommand, retry: boolean): MappedEvent {
    if (command.sourcePartitionId !== p)
      throw new TraceMappingError(`partition ${p} sends a command whose source is partition ${command.sourcePartitionId}`);
    const x = this.positions.index(p, command.sourcePosition);
    const what = retry ? 'a retry of a command sent before' : 'the first send of a command';
    return {
      alternatives: [[step(retry ? 'RetryStep' : 'FirstSendStep', p, x, this.message(command, target))]],
      expected: `Send from partition ${p} for the record at spec position ${x} (${what}), piggybacking checkpoint ${command.checkpointId}`,
      explain: {
        kind: 'value',
        step: step('ExpectedPiggyback', p, x),
        label: `the checkpoint in force after spec position ${x} of partition ${p}`,
      },
    };
  }

  private received(event: Extract<TraceEvent, { event: 'command-received' }>): MappedEvent {
    const q = event.partitionId;
    const { command } = event;
    const x = this.positions.index(command.sourcePartitionId, command.sourcePosition);
    const forced = event.checkpointCreatePosition !== null;
    if (event.checkpointCreatePosition !== null) this.positions.append(q, event.checkpointCreatePosition, 'CHECKPOINT_CREATE');
    this.positions.append(q, event.position, command.recordType);
    const m = this.message(command, q);
    const receive = step('ReceiveStep', m, forced);
    return {
      alternatives: [[receive], [step('DuplicateStep', command.sourcePartitionId, x, m), receive]],
      expected: `Receive(m) on partition ${q} with ${forced ? 'CHECKPOINT_CREATE appended before the command' : 'the command appended alone'}`,
      explain: { kind: 'action', step: step('Receive', m), label: 'Receive(m)' },
    };
  }
}
