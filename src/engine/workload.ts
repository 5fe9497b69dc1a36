// The generated workload: instances waiting for messages, and the messages that complete them, across partitions.
import type { Random } from '../random.js';
import type { Cluster } from './cluster.js';
import { partitionForKey } from './partitioning.js';

/**
 * Creates instances on random partitions, each waiting for a message with its own correlation key
 * (owned by whichever partition the key hashes to), and later publishes that message. Because the
 * instance's partition and the key's partition usually differ, every instance crosses partitions
 * four times: open subscription, its acknowledgement, correlation, and its acknowledgement.
 */
export class Workload {
  private nextKey = 1;
  private readonly unpublished: string[] = [];
  instancesCreated = 0;
  messagesPublished = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly random: Random,
    private readonly keyPrefix = 'order',
  ) {}

  /** Submits one command: usually a new instance, otherwise the message of a random earlier instance. */
  step(): void {
    const publish = this.unpublished.length > 0 && this.random.next() < 0.5;
    if (publish) this.publishOne();
    else this.createOne();
  }

  createOne(): void {
    const partitionIds = this.cluster.partitionIds().filter((id) => this.cluster.isRunning(id));
    const partitionId = partitionIds[this.random.int(partitionIds.length)];
    if (partitionId === undefined) return;
    const correlationKey = `${this.keyPrefix}-${this.nextKey++}`;
    this.cluster.partition(partitionId).submit({ type: 'CREATE_INSTANCE', value: { correlationKey } });
    this.unpublished.push(correlationKey);
    this.instancesCreated++;
  }

  publishOne(): void {
    const index = this.random.int(this.unpublished.length);
    const correlationKey = this.unpublished[index];
    if (correlationKey === undefined) return;
    const partitionId = partitionForKey(correlationKey, this.cluster.options.partitionCount);
    if (!this.cluster.isRunning(partitionId)) return; // try again later: the key's partition is down
    this.unpublished.splice(index, 1);
    this.cluster
      .partition(partitionId)
      .submit({ type: 'PUBLISH_MESSAGE', value: { messageId: `message-${correlationKey}`, correlationKey } });
    this.messagesPublished++;
  }
}
