// A partition's sends of inter-partition commands: the source envelope with the piggybacked checkpoint, the outbox
// re-sends on the retry timer, and their trace events.
import { assert } from '../assert.js';
import type { CheckpointType, InterPartitionBody, UnsentCommandBody } from './records.js';
import type { StateStore } from './state-store.js';
import { tracedCommand } from './trace-sink.js';
import type { PartitionConfig } from './partition-config.js';

/** A command a processed record sends: its target, body, the record that sent it and the checkpoint in force then. */
export interface CommandSend {
  readonly target: number;
  readonly body: UnsentCommandBody;
  readonly sourcePosition: number;
  readonly checkpointId: number;
  readonly checkpointType: CheckpointType;
}

type SenderConfig = Pick<PartitionConfig, 'partitionId' | 'transport' | 'clock' | 'retryIntervalMs' | 'testOnly' | 'trace'>;

export class CommandSender {
  private readonly lastSentMs = new Map<string, number>();

  /** `store` gives the partition's current state store (recovery may replace it). */
  constructor(
    private readonly config: SenderConfig,
    private readonly store: () => StateStore,
  ) {}

  /** Re-sends every unacknowledged command not sent within the retry interval; returns how many. */
  retryDue(): number {
    const now = this.config.clock.nowMs();
    let count = 0;
    for (const row of this.store().outbox()) {
      const sentMs = this.lastSentMs.get(row.commandKey);
      if (sentMs !== undefined && now - sentMs < this.config.retryIntervalMs) continue;
      this.sendFromOutbox(row.commandKey, true);
      count++;
    }
    return count;
  }

  /**
   * Sends an outbox command. From retryDue it is a re-send (`retry` in the trace), even when this run has
   * not sent it yet: a command in the outbox after a restart may have been sent before the crash, or not.
   */
  sendFromOutbox(commandKey: string, fromRetryTimer: boolean): void {
    const row = this.store().outboxRow(commandKey);
    if (row === undefined) return; // acknowledged within the same batch
    const body = { type: row.recordType, value: JSON.parse(row.body) as object } as UnsentCommandBody;
    const retry = fromRetryTimer || this.lastSentMs.has(commandKey);
    const { targetPartitionId: target, sourcePosition, checkpointId, checkpointType } = row;
    this.send({ target, body, sourcePosition, checkpointId, checkpointType }, retry);
    this.lastSentMs.set(commandKey, this.config.clock.nowMs());
  }

  /** The one place that fills in the source envelope, piggybacking the checkpoint (unless switched off). */
  send(command: CommandSend, retry: boolean): void {
    const piggyback = this.config.testOnly.piggybacking !== false;
    const source = {
      partitionId: this.config.partitionId,
      position: command.sourcePosition,
      checkpointId: piggyback ? command.checkpointId : 0,
      checkpointType: piggyback ? command.checkpointType : ('MARKER' as const),
    };
    assert(source.position >= 1, 'a command names the record whose processing sent it');
    const sent = { ...command.body, value: { ...command.body.value, source } } as InterPartitionBody;
    this.config.trace?.emit({
      event: 'command-sent',
      partitionId: this.config.partitionId,
      targetPartitionId: command.target,
      retry,
      command: tracedCommand(sent),
    });
    this.config.transport.send({ targetPartitionId: command.target, body: sent });
  }
}
