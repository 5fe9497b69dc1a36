// One COMPLETED backup per partition and backup id: restore and export refuse a partition that two nodes both completed.
import { CutlineError } from '../errors.js';
import type { Manifest } from './manifest.js';

/**
 * Two nodes that both completed a backup of one partition for one checkpoint (a node id reused by two
 * machines, two clusters writing to one store prefix) may hold different logs, and nothing in the store
 * says which one the cluster went on with. So restore and export refuse, naming the partition and the
 * nodes, rather than pick one; verify-backup reports the same backup as PARTITION_DUPLICATE. Which
 * backup is right is for the operator to decide. Throws PARTITION_DUPLICATE; manifests of other
 * statuses are ignored.
 */
export function refuseDuplicateBackups(manifests: readonly Manifest[], backupId: number): void {
  const nodesOf = new Map<number, number[]>();
  for (const manifest of manifests) {
    if (manifest.status !== 'COMPLETED') continue;
    nodesOf.set(manifest.id.partitionId, [...(nodesOf.get(manifest.id.partitionId) ?? []), manifest.id.nodeId]);
  }
  const duplicated = [...nodesOf].filter(([, nodeIds]) => nodeIds.length > 1).sort(([left], [right]) => left - right);
  const [first] = duplicated;
  if (first === undefined) return;
  const described = duplicated.map(
    ([partitionId, nodeIds]) => `partition ${partitionId} by nodes ${[...nodeIds].sort((a, b) => a - b).join(' and ')}`,
  );
  throw new CutlineError(
    'PARTITION_DUPLICATE',
    `backup ${backupId} was completed more than once: ${described.join('; ')}; cutline does not guess which one the cluster continued from`,
    {
      hint: `Use another backup id; or, once you know which node ran the partition at that checkpoint, move the other node's manifest out of manifests/${first[0]}/${backupId}/ (cutline verify-backup lists both).`,
    },
  );
}
