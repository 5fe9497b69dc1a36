// Where things live: which partition owns a correlation key, and which node hosts a partition.
import { assert } from '../assert.js';

/** The partition (1..partitionCount) that owns a correlation key: FNV-1a of its UTF-16 code units. */
export function partitionForKey(correlationKey: string, partitionCount: number): number {
  assert(partitionCount >= 1, 'there is at least one partition');
  let hash = 0x811c9dc5;
  for (let index = 0; index < correlationKey.length; index++) {
    hash ^= correlationKey.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash % partitionCount) + 1;
}

/**
 * The one place that assigns partitions to nodes: round robin, partition p on node (p - 1) mod nodeCount.
 * Node ids start at 0, partition ids at 1 (as in Zeebe).
 */
export function nodeForPartition(partitionId: number, nodeCount: number): number {
  assert(partitionId >= 1 && nodeCount >= 1, 'partition ids start at 1 and there is at least one node');
  return (partitionId - 1) % nodeCount;
}

/** The partitions a node hosts, ascending. */
export function partitionsOfNode(nodeId: number, partitionCount: number, nodeCount: number): number[] {
  const result: number[] = [];
  for (let partitionId = 1; partitionId <= partitionCount; partitionId++) {
    if (nodeForPartition(partitionId, nodeCount) === nodeId) result.push(partitionId);
  }
  return result;
}
