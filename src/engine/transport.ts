// Inter-partition transport: an interface, and an in-process implementation with injectable delay, reordering, duplication, loss.
import type { InterPartitionBody } from './records.js';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import { assert } from '../assert.js';

/** A command on its way to another partition; body.value.source is filled in by the sender. */
export interface InterPartitionCommand {
  readonly targetPartitionId: number;
  readonly body: InterPartitionBody;
}

export type CommandReceiver = (body: InterPartitionBody) => void;

export interface Transport {
  /** Registers the receiver of a partition's commands (replacing an earlier one, e.g. after recovery). */
  register(partitionId: number, receiver: CommandReceiver): void;
  unregister(partitionId: number): void;
  /** Fire and forget: the command may be delayed, reordered, duplicated or lost. */
  send(command: InterPartitionCommand): void;
}

export interface TransportFaults {
  readonly delayMsMin: number;
  readonly delayMsMax: number;
  /** Probability that a command is delivered twice. */
  readonly duplicateProbability: number;
  /** Probability that a command is never delivered (the sender's retry recovers it). */
  readonly lossProbability: number;
  /** When true, any due command may be delivered next; when false, due commands leave in send order. */
  readonly reorder: boolean;
}

export const noFaults: TransportFaults = { delayMsMin: 0, delayMsMax: 0, duplicateProbability: 0, lossProbability: 0, reorder: false };

export interface InFlightCommand {
  readonly sequence: number;
  readonly deliverAtMs: number;
  readonly command: InterPartitionCommand;
}

/**
 * Holds commands in flight until delivered by `deliverDue` (the scheduler's or the async pump's call),
 * so the same implementation serves the deterministic simulation and the real asynchronous mode.
 * Commands to an unregistered partition (a crashed one) are dropped on delivery, as a network would.
 */
export class InProcessTransport implements Transport {
  private readonly receivers = new Map<number, CommandReceiver>();
  private inFlight: InFlightCommand[] = [];
  private sequence = 0;
  delivered = 0;

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
    private faults: TransportFaults = noFaults,
  ) {}

  setFaults(faults: TransportFaults): void {
    this.faults = faults;
  }

  register(partitionId: number, receiver: CommandReceiver): void {
    this.receivers.set(partitionId, receiver);
  }

  unregister(partitionId: number): void {
    this.receivers.delete(partitionId);
  }

  send(command: InterPartitionCommand): void {
    assert(command.body.value.source.partitionId >= 1, 'a sent command carries its source partition');
    if (this.random.next() < this.faults.lossProbability) return;
    const copies = this.random.next() < this.faults.duplicateProbability ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      const span = this.faults.delayMsMax - this.faults.delayMsMin;
      const delayMs = this.faults.delayMsMin + (span > 0 ? this.random.int(span + 1) : 0);
      this.inFlight.push({ sequence: this.sequence++, deliverAtMs: this.clock.nowMs() + delayMs, command });
    }
  }

  /** The commands not yet delivered, in send order. */
  pending(): readonly InFlightCommand[] {
    return this.inFlight;
  }

  /** The earliest time a pending command becomes due, or undefined when none is pending. */
  nextDueMs(): number | undefined {
    let earliest: number | undefined;
    for (const entry of this.inFlight) if (earliest === undefined || entry.deliverAtMs < earliest) earliest = entry.deliverAtMs;
    return earliest;
  }

  /** Delivers up to `limit` due commands (in send order, or shuffled when reordering); returns how many. */
  deliverDue(limit = Number.POSITIVE_INFINITY): number {
    const now = this.clock.nowMs();
    const due = this.inFlight.filter((entry) => entry.deliverAtMs <= now);
    if (due.length === 0) return 0;
    if (this.faults.reorder) shuffle(due, this.random);
    const chosen = due.slice(0, Math.min(limit, due.length));
    const leaving = new Set(chosen.map((entry) => entry.sequence));
    this.inFlight = this.inFlight.filter((entry) => !leaving.has(entry.sequence));
    for (const entry of chosen) this.handOver(entry);
    return chosen.length;
  }

  /** Delivers one specific pending command now, whatever its delay: scripted tests use it. */
  deliver(sequence: number): void {
    const index = this.inFlight.findIndex((entry) => entry.sequence === sequence);
    assert(index >= 0, `command ${sequence} is in flight`);
    const [entry] = this.inFlight.splice(index, 1);
    assert(entry !== undefined, 'the spliced command exists');
    this.handOver(entry);
  }

  private handOver(entry: InFlightCommand): void {
    this.delivered++;
    this.receivers.get(entry.command.targetPartitionId)?.(entry.command.body);
  }

  /** Drops every command in flight (a whole-cluster restart loses the network's contents). */
  clear(): void {
    this.inFlight = [];
  }
}

/** Fisher-Yates with the injected random, so a seed replays the same order. */
function shuffle<T>(items: T[], random: Random): void {
  for (let index = items.length - 1; index > 0; index--) {
    const other = random.int(index + 1);
    const item = items[index] as T;
    items[index] = items[other] as T;
    items[other] = item;
  }
}
