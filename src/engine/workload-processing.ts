// Message correlation across partitions (the seed's example): instances, subscriptions, messages.
import type { EngineRecord, UnsentCommandBody } from './records.js';
import type { ProcessingContext, ProcessingEffects } from './processing-effects.js';
import type { SubscriptionRow, MessageRow } from './state-store.js';
import { partitionForKey } from './partitioning.js';

type WorkloadRecord = Extract<
  EngineRecord,
  { type: 'CREATE_INSTANCE' | 'PUBLISH_MESSAGE' | 'OPEN_SUBSCRIPTION' | 'SUBSCRIPTION_OPENED' | 'CORRELATE_MESSAGE' | 'MESSAGE_CORRELATED' }
>;

/** Outbox keys: one pending command per instance and kind, so a re-processed record overwrites, never adds. */
export const outboxKey = {
  open: (instanceKey: string) => `open:${instanceKey}`,
  correlate: (instanceKey: string) => `correlate:${instanceKey}`,
};

export function processWorkloadRecord(record: WorkloadRecord, context: ProcessingContext, effects: ProcessingEffects): void {
  const { store } = context;
  switch (record.type) {
    case 'CREATE_INSTANCE': {
      // The instance key derives from the position, so re-processing the same record yields the same key.
      const instanceKey = `${context.partitionId}-${record.position}`;
      const { correlationKey } = record.value;
      store.putInstance({ instanceKey, correlationKey, state: 'OPENING_SUBSCRIPTION', messageId: null, createdPosition: record.position });
      const target = partitionForKey(correlationKey, context.partitionCount);
      addToOutbox(context, effects, outboxKey.open(instanceKey), target, record.position, {
        type: 'OPEN_SUBSCRIPTION',
        value: { instanceKey, correlationKey },
      });
      return;
    }
    case 'OPEN_SUBSCRIPTION': {
      const { instanceKey, correlationKey, source } = record.value;
      const reply: UnsentCommandBody = { type: 'SUBSCRIPTION_OPENED', value: { instanceKey } };
      effects.replies.push({ targetPartitionId: source.partitionId, body: reply });
      if (store.subscription(instanceKey) !== undefined) return; // a duplicate: acknowledged again above
      const subscription: SubscriptionRow = {
        instanceKey,
        instancePartitionId: source.partitionId,
        correlationKey,
        state: 'OPEN',
        messageId: null,
        openedPosition: record.position,
      };
      store.putSubscription(subscription);
      const message = store.uncorrelatedMessageFor(correlationKey);
      if (message !== undefined) correlate(context, effects, record.position, subscription, message);
      return;
    }
    case 'SUBSCRIPTION_OPENED': {
      const key = outboxKey.open(record.value.instanceKey);
      if (store.outboxRow(key) === undefined) return; // a duplicate, or the correlation overtook it
      store.deleteOutbox(key);
      const instance = store.instance(record.value.instanceKey);
      if (instance?.state === 'OPENING_SUBSCRIPTION') store.putInstance({ ...instance, state: 'WAITING' });
      return;
    }
    case 'PUBLISH_MESSAGE': {
      const { messageId, correlationKey } = record.value;
      if (store.message(messageId) !== undefined) return; // publishing is idempotent per message id
      const message: MessageRow = { messageId, correlationKey, publishedPosition: record.position, instanceKey: null };
      store.putMessage(message);
      const subscription = store.openSubscriptionFor(correlationKey);
      if (subscription !== undefined) correlate(context, effects, record.position, subscription, message);
      return;
    }
    case 'CORRELATE_MESSAGE': {
      const { instanceKey, messageId, source } = record.value;
      const instance = store.instance(instanceKey);
      if (instance === undefined) return; // unknown instance: never acknowledged, so the sender keeps retrying
      if (instance.state !== 'COMPLETED') {
        store.putInstance({ ...instance, state: 'COMPLETED', messageId });
        store.deleteOutbox(outboxKey.open(instanceKey)); // the correlation proves the subscription was opened
      }
      effects.replies.push({
        targetPartitionId: source.partitionId,
        body: { type: 'MESSAGE_CORRELATED', value: { instanceKey, messageId } },
      });
      return;
    }
    case 'MESSAGE_CORRELATED': {
      const key = outboxKey.correlate(record.value.instanceKey);
      if (store.outboxRow(key) === undefined) return; // a duplicate acknowledgement
      store.deleteOutbox(key);
      const subscription = store.subscription(record.value.instanceKey);
      if (subscription !== undefined) store.putSubscription({ ...subscription, state: 'CLOSED' });
      return;
    }
  }
}

function correlate(
  context: ProcessingContext,
  effects: ProcessingEffects,
  position: number,
  subscription: SubscriptionRow,
  message: MessageRow,
): void {
  context.store.putSubscription({ ...subscription, state: 'CORRELATING', messageId: message.messageId });
  context.store.putMessage({ ...message, instanceKey: subscription.instanceKey });
  addToOutbox(context, effects, outboxKey.correlate(subscription.instanceKey), subscription.instancePartitionId, position, {
    type: 'CORRELATE_MESSAGE',
    value: { instanceKey: subscription.instanceKey, messageId: message.messageId },
  });
}

function addToOutbox(
  context: ProcessingContext,
  effects: ProcessingEffects,
  commandKey: string,
  targetPartitionId: number,
  sourcePosition: number,
  body: UnsentCommandBody,
): void {
  // The piggybacked checkpoint is the one in force while the sending record is processed (DESIGN.md).
  const { checkpointId, checkpointType } = context.store.partitionState();
  context.store.putOutbox({
    commandKey,
    targetPartitionId,
    recordType: body.type,
    body: JSON.stringify(body.value),
    sourcePosition,
    checkpointId,
    checkpointType,
  });
  effects.outboxAdded.push(commandKey);
}
