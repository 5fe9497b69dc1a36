// The simulator's backup store: a router giving each partition its own seeded FaultInjectingBackupStore (the one fault store, in test/support/), and a crash hook on puts.
import type { Readable } from 'node:stream';
import type { Random } from '../../src/random.js';
import { SeededRandom } from '../../src/random.js';
import type {
  BackupStore,
  GetOptions,
  ListEntry,
  ObjectInfo,
  PutBody,
  PutOptions,
  StoreCallOptions,
} from '../../src/store/backup-store.js';
import { FaultInjectingBackupStore, type FaultPlan, type InjectedFault } from '../support/fault-injecting-backup-store.js';

/** Decides, before a put reaches the store, whether the partition owning the key crashes right there. */
export type PutCrashHook = (partitionId: number, key: string) => void;

/** Faults are injected virtually: a "slow" call yields to the event loop instead of sleeping in real time. */
const virtualWait = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Backups of different partitions may upload concurrently and real file I/O finishes in any order, so
 * one shared fault Random would draw in a different order on every run. Each partition's keys get their
 * own FaultInjectingBackupStore with its own seeded Random instead: a partition's uploads are sequential,
 * so its fault decisions replay exactly with the seed.
 */
export class PartitionedFaultStore implements BackupStore {
  readonly description: string;
  private readonly byPartition = new Map<number, FaultInjectingBackupStore>();
  onPut: PutCrashHook = () => {};

  constructor(
    readonly inner: BackupStore,
    private readonly seed: number,
    private readonly plan: FaultPlan,
  ) {
    this.description = `simulated faults over ${inner.description}`;
  }

  /** Every fault injected so far, over every partition. */
  faults(): InjectedFault[] {
    return [...this.byPartition.values()].flatMap((store) => store.faults);
  }

  async put(key: string, body: PutBody, options?: PutOptions): Promise<void> {
    const partitionId = partitionOfKey(key);
    this.onPut(partitionId, key);
    await this.storeFor(partitionId).put(key, body, options);
  }

  get(key: string, options?: GetOptions): Promise<Readable> {
    return this.storeFor(partitionOfKey(key)).get(key, options);
  }

  list(prefix: string, options?: StoreCallOptions): AsyncIterable<ListEntry> {
    return this.inner.list(prefix, options);
  }

  head(key: string, options?: StoreCallOptions): Promise<ObjectInfo | undefined> {
    return this.storeFor(partitionOfKey(key)).head(key, options);
  }

  delete(key: string, options?: StoreCallOptions): Promise<void> {
    return this.storeFor(partitionOfKey(key)).delete(key, options);
  }

  private storeFor(partitionId: number): FaultInjectingBackupStore {
    let store = this.byPartition.get(partitionId);
    if (store === undefined) {
      const random: Random = new SeededRandom((this.seed * 7919 + partitionId * 104_729) >>> 0);
      store = new FaultInjectingBackupStore(this.inner, random, this.plan, virtualWait);
      this.byPartition.set(partitionId, store);
    }
    return store;
  }
}

/** `manifests/{p}/...`, `contents/{p}/...`, `chunks/{p}/...` and `metadata/{p}...` belong to partition p; anything else to 0. */
export function partitionOfKey(key: string): number {
  const match = /^(?:manifests|contents|chunks|metadata)\/([0-9]+)/.exec(key);
  return match === null ? 0 : Number(match[1]);
}

/** A store whose GETs fail and are slow at random (the restore side), with a transparent wait. */
export function restoreFaultStore(inner: BackupStore, random: Random, failProbability: number): FaultInjectingBackupStore {
  return new FaultInjectingBackupStore(
    inner,
    random,
    { failProbability, delayMsMax: 20, breakReadProbability: failProbability, operations: ['get'] },
    virtualWait,
  );
}
