// Mutations of real protocol traces that no run of the protocol can produce: drops, duplicates, reorders, changed ids, types and positions.
import type { TraceEvent, TracedCommand } from '../../../src/engine/trace-sink.js';

export type MutationKind = 'drop' | 'duplicate' | 'reorder' | 'id' | 'type' | 'position';

/** One mutation: what it does, the first line (1-based) it changes, and the mutated events. */
export interface TraceMutation {
  readonly kind: MutationKind;
  readonly description: string;
  readonly line: number;
  apply(): TraceEvent[];
}

type Edit = (event: TraceEvent) => TraceEvent;

const commandKey = (command: TracedCommand): string =>
  `${command.recordType} ${command.instanceKey} ${command.sourcePartitionId}@${command.sourcePosition}`;

/**
 * The first sends of commands the outbox re-sends later: a re-send may be a first send (after a crash
 * between commit and send), so without the first one the trace is still a behaviour.
 */
function retriedFirstSends(events: readonly TraceEvent[]): Set<TraceEvent> {
  const retried = new Set<string>();
  const out = new Set<TraceEvent>();
  for (let index = events.length - 1; index >= 0; index--) {
    const event = events[index] as TraceEvent;
    if (event.event !== 'command-sent') continue;
    const key = `${commandKey(event.command)} to ${event.targetPartitionId}`;
    if (event.retry) retried.add(key);
    else if (retried.has(key)) out.add(event);
  }
  return out;
}

/**
 * Events whose drop leaves a behaviour of the protocol, so no validation can reject it: a retry's copy of
 * a command (the first copy may have arrived), the first send of a command re-sent later (see above), a
 * restore (a run may not restore at all), and a backup (the spec lets a backup never complete, and a
 * `restored` event names its checkpoint, not the backups it read, so a later backup reaching past the cut
 * can stand in for a dropped one).
 */
function optionalDrop(event: TraceEvent, retried: ReadonlySet<TraceEvent>): boolean {
  if (event.event === 'command-sent') return event.retry || retried.has(event);
  return event.event === 'restored' || event.event === 'backup-taken';
}

/** Events whose copy is a behaviour too: another retry of a command, the same restore run again. */
function optionalDuplicate(event: TraceEvent): boolean {
  return (event.event === 'command-sent' && event.retry) || event.event === 'restored';
}

function replaced(events: readonly TraceEvent[], index: number, edit: Edit): () => TraceEvent[] {
  return () => events.map((event, at) => (at === index ? edit(event) : event));
}

function moved(events: readonly TraceEvent[], from: number, to: number): () => TraceEvent[] {
  return () => {
    const copy = events.slice();
    const [event] = copy.splice(from, 1);
    copy.splice(to, 0, event as TraceEvent);
    return copy;
  };
}

/** Drops and duplicates of every required event (line 1, trace-start, is the reader's business). */
function dropsAndDuplicates(events: readonly TraceEvent[]): TraceMutation[] {
  const out: TraceMutation[] = [];
  const retried = retriedFirstSends(events);
  events.forEach((event, index) => {
    if (index === 0) return;
    const line = index + 1;
    if (!optionalDrop(event, retried))
      out.push({
        kind: 'drop',
        description: `drop line ${line} (${event.event})`,
        line,
        apply: () => events.filter((_, at) => at !== index),
      });
    if (!optionalDuplicate(event))
      out.push({
        kind: 'duplicate',
        description: `duplicate line ${line} (${event.event})`,
        line: line + 1,
        apply: () => [...events.slice(0, index + 1), event, ...events.slice(index + 1)],
      });
  });
  return out;
}

/** Two record-processed events of one partition swapped; a command received before it was first sent; a trigger's append before it. */
function reorders(events: readonly TraceEvent[]): TraceMutation[] {
  const out: TraceMutation[] = [];
  const lastProcessed = new Map<number, number>();
  const firstSent = new Map<string, number>();
  const triggered = new Map<number, number>();
  events.forEach((event, index) => {
    const line = index + 1;
    if (event.event === 'record-processed') {
      const earlier = lastProcessed.get(event.partitionId);
      if (earlier !== undefined) {
        out.push({
          kind: 'reorder',
          description: `swap the record-processed events of partition ${event.partitionId} at lines ${earlier + 1} and ${line}`,
          line: earlier + 1,
          apply: () => events.map((e, at) => (at === earlier ? event : at === index ? (events[earlier] as TraceEvent) : e)),
        });
      }
      lastProcessed.set(event.partitionId, index);
    }
    if (event.event === 'command-sent' && !event.retry) firstSent.set(commandKey(event.command), index);
    if (event.event === 'command-received') {
      const sent = firstSent.get(commandKey(event.command));
      if (sent !== undefined) {
        firstSent.delete(commandKey(event.command));
        out.push({
          kind: 'reorder',
          description: `line ${line} (command-received) before its send at line ${sent + 1}`,
          line: sent + 1,
          apply: moved(events, index, sent),
        });
      }
    }
    if (event.event === 'checkpoint-triggered') triggered.set(event.checkpointId, index);
    if (event.event === 'checkpoint-create-appended') {
      const at = triggered.get(event.checkpointId);
      if (at !== undefined)
        out.push({
          kind: 'reorder',
          description: `line ${line} (checkpoint-create-appended) before its trigger`,
          line: at + 1,
          apply: moved(events, index, at),
        });
    }
  });
  return out;
}

const checkpointTypes = ['MANUAL_BACKUP', 'SCHEDULED_BACKUP', 'MARKER'] as const;

type FieldEdit = { readonly kind: 'id' | 'type' | 'position'; readonly field: string; readonly edit: Edit };

function numberEdits(kind: FieldEdit['kind'], field: string, value: number, min: number, set: (value: number) => Edit): FieldEdit[] {
  return [value - 1, value + 1].filter((v) => v >= min).map((v) => ({ kind, field: `${field} ${value} -> ${v}`, edit: set(v) }));
}

function commandEdits(command: TracedCommand, commandTypes: readonly string[], set: (command: TracedCommand) => Edit): FieldEdit[] {
  const edits: FieldEdit[] = [
    ...numberEdits('id', 'command.checkpointId', command.checkpointId, 0, (v) => set({ ...command, checkpointId: v })),
    ...numberEdits('position', 'command.sourcePosition', command.sourcePosition, 1, (v) => set({ ...command, sourcePosition: v })),
    ...commandTypes
      .filter((t) => t !== command.recordType)
      .map((t) => ({ kind: 'type' as const, field: `command.recordType -> ${t}`, edit: set({ ...command, recordType: t }) })),
  ];
  // Before its sender's first checkpoint a command's type means nothing (FORMAT.md), so only a real one is changed.
  if (command.checkpointId === 0) return edits;
  return [
    ...edits,
    ...checkpointTypes
      .filter((t) => t !== command.checkpointType)
      .map((t) => ({ kind: 'type' as const, field: `command.checkpointType -> ${t}`, edit: set({ ...command, checkpointType: t }) })),
  ];
}

/** The ids, types and positions of one event, each changed to a neighbouring or another valid value. */
function fieldEdits(event: TraceEvent, recordTypes: readonly string[], commandTypes: readonly string[]): FieldEdit[] {
  const otherTypes = (current: string) => checkpointTypes.filter((t) => t !== current);
  switch (event.event) {
    case 'trace-start':
      return [];
    case 'checkpoint-triggered':
    case 'checkpoint-create-appended': {
      const edits: FieldEdit[] = [
        ...numberEdits('id', 'checkpointId', event.checkpointId, 1, (v) => (e) => ({ ...e, checkpointId: v }) as TraceEvent),
        ...otherTypes(event.checkpointType).map((t) => ({
          kind: 'type' as const,
          field: `checkpointType -> ${t}`,
          edit: (e: TraceEvent) => ({ ...e, checkpointType: t }) as TraceEvent,
        })),
      ];
      if (event.event === 'checkpoint-triggered') return edits;
      return [...edits, ...numberEdits('position', 'position', event.position, 1, (v) => (e) => ({ ...e, position: v }) as TraceEvent)];
    }
    case 'command-appended':
      return [
        ...numberEdits('position', 'position', event.position, 1, (v) => (e) => ({ ...e, position: v }) as TraceEvent),
        ...recordTypes
          .filter((t) => t !== event.recordType && !commandTypes.includes(t))
          .map((t) => ({
            kind: 'type' as const,
            field: `recordType -> ${t}`,
            edit: (e: TraceEvent) => ({ ...e, recordType: t }) as TraceEvent,
          })),
      ];
    case 'record-processed':
      return [
        ...numberEdits('position', 'position', event.position, 1, (v) => (e) => ({ ...e, position: v }) as TraceEvent),
        ...numberEdits(
          'position',
          'checkpointPosition',
          event.checkpointPosition,
          0,
          (v) => (e) => ({ ...e, checkpointPosition: v }) as TraceEvent,
        ),
        ...numberEdits('id', 'checkpointId', event.checkpointId, 0, (v) => (e) => ({ ...e, checkpointId: v }) as TraceEvent),
        ...recordTypes
          .filter((t) => t !== event.recordType)
          .map((t) => ({
            kind: 'type' as const,
            field: `recordType -> ${t}`,
            edit: (e: TraceEvent) => ({ ...e, recordType: t }) as TraceEvent,
          })),
      ];
    case 'command-sent':
      return commandEdits(event.command, commandTypes, (command) => (e) => ({ ...e, command }) as TraceEvent);
    case 'command-received':
      return receivedEdits(event, commandTypes);
    case 'backup-taken':
      // lastPosition is left alone: a backup may hold any durable length at or after its checkpoint record.
      return [
        ...numberEdits('id', 'checkpointId', event.checkpointId, 1, (v) => (e) => ({ ...e, checkpointId: v }) as TraceEvent),
        ...numberEdits(
          'position',
          'checkpointPosition',
          event.checkpointPosition,
          1,
          (v) => (e) => ({ ...e, checkpointPosition: v }) as TraceEvent,
        ),
      ];
    case 'restored':
      return [
        ...numberEdits('id', 'checkpointId', event.checkpointId, 1, (v) => (e) => ({ ...e, checkpointId: v }) as TraceEvent),
        ...event.cuts.flatMap((cut, k) =>
          numberEdits('position', `cuts[${k}].checkpointPosition`, cut.checkpointPosition, 1, (v) => (e) => {
            const cuts = event.cuts.map((c, at) => (at === k ? { ...c, checkpointPosition: v } : c));
            return { ...e, cuts } as TraceEvent;
          }),
        ),
      ];
  }
}

function receivedEdits(event: Extract<TraceEvent, { event: 'command-received' }>, commandTypes: readonly string[]): FieldEdit[] {
  const forced = event.checkpointCreatePosition;
  const forcedEdits: FieldEdit[] =
    forced === null
      ? [
          {
            kind: 'position',
            field: 'checkpointCreatePosition null -> position - 1',
            edit: (e) => ({ ...e, checkpointCreatePosition: event.position - 1 }) as TraceEvent,
          },
        ]
      : [
          {
            kind: 'position',
            field: `checkpointCreatePosition ${forced} -> null`,
            edit: (e) => ({ ...e, checkpointCreatePosition: null }) as TraceEvent,
          },
          ...numberEdits(
            'position',
            'checkpointCreatePosition',
            forced,
            1,
            (v) => (e) => ({ ...e, checkpointCreatePosition: v }) as TraceEvent,
          ),
        ];
  return [
    ...commandEdits(event.command, commandTypes, (command) => (e) => ({ ...e, command }) as TraceEvent),
    ...numberEdits('position', 'position', event.position, 1, (v) => (e) => ({ ...e, position: v }) as TraceEvent),
    ...forcedEdits,
  ];
}

/** Every mutation of `events` that no run of the protocol can produce (see `optionalDrop` for the events left out). */
export function traceMutations(events: readonly TraceEvent[]): TraceMutation[] {
  const recordTypes = new Set<string>();
  const commandTypes = new Set<string>();
  for (const event of events) {
    if (event.event === 'record-processed') recordTypes.add(event.recordType);
    if (event.event === 'command-sent') commandTypes.add(event.command.recordType);
  }
  const edits: TraceMutation[] = [];
  const retried = retriedFirstSends(events);
  events.forEach((event, index) => {
    for (const { kind, field, edit } of fieldEdits(event, [...recordTypes], [...commandTypes])) {
      // Another command's first send, and the re-send as this one's first: a behaviour (see retriedFirstSends).
      if (retried.has(event) && /^command\.(recordType|sourcePosition)/.test(field)) continue;
      const line = index + 1;
      edits.push({ kind, description: `line ${line} (${event.event}): ${field}`, line, apply: replaced(events, index, edit) });
    }
  });
  return [...dropsAndDuplicates(events), ...reorders(events), ...edits];
}
