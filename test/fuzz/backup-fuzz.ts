// The backup fuzzer: mutates a copy of a golden store, then holds verify-backup --level full, restore and the engine started on the result to issue 16's promise.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { goldenDirectory, goldenV2Directory, goldenV3Directory } from '../../fixtures/generate.js';
import { listBackupManifests } from '../../src/backup/manifest-store.js';
import { ManualClock } from '../../src/clock.js';
import { Cluster } from '../../src/engine/cluster.js';
import { engineDescriptorFile } from '../../src/engine/data-directory.js';
import { InProcessTransport } from '../../src/engine/transport.js';
import { isCutlineError } from '../../src/errors.js';
import { SeededRandom } from '../../src/random.js';
import { FileCheckPool } from '../../src/restore/file-check-pool.js';
import { executeRestore } from '../../src/restore/restore-executor.js';
import { completionMarkerName } from '../../src/restore/restore-layout.js';
import { planBackupIdRestore } from '../../src/restore/restore-planner.js';
import { unsyncedFileSystem } from '../sim/sim-world.js';
import { FileSystemBackupStore } from '../../src/store/fs-backup-store.js';
import { allFindings } from '../../src/verify/findings.js';
import { verifyBackups } from '../../src/verify/verify-backup.js';
import { Draw, mutate, type AppliedMutation } from './backup-mutations.js';
import { StoreCopy } from './store-copy.js';

export type FuzzFormat = 'v1' | 'v2' | 'v3';

/** Each format's golden store and the backup ids checked on it (golden-v2's and golden-v3's two backups share chunks, so both are checked). */
export const fuzzFormats: Readonly<Record<FuzzFormat, { readonly directory: string; readonly backupIds: readonly number[] }>> = {
  v1: { directory: goldenDirectory, backupIds: [1] },
  v2: { directory: goldenV2Directory, backupIds: [1, 2] },
  v3: { directory: goldenV3Directory, backupIds: [1, 2] },
};

/** Where issue 16's promise was broken, or an error that should have been a finding or a typed refusal. */
export type DisagreementKind =
  'restore-refused-verify-clean' | 'restored-wrong-state' | 'target-not-as-found' | 'verify-threw' | 'restore-untyped-error';

export interface BackupCheck {
  readonly backupId: number;
  /** The codes of verify-backup --level full's findings (with repeats). */
  readonly findingCodes: readonly string[];
  /** How restore ended: restored, or refused with an error code ('untyped' for an error that is not a CutlineError). */
  readonly restore: { readonly kind: 'restored' } | { readonly kind: 'refused'; readonly code: string; readonly message: string };
  readonly disagreements: readonly { readonly kind: DisagreementKind; readonly detail: string }[];
}

export interface SeedOutcome {
  readonly seed: number;
  readonly format: FuzzFormat;
  readonly mutations: readonly AppliedMutation[];
  readonly checks: readonly BackupCheck[];
}

/** One partition of a restored data directory, as the engine sees it after starting on it. */
interface PartitionDump {
  readonly cut: number | undefined;
  /** Every record up to the cut: position, timestamp, type and payload. */
  readonly records: readonly string[];
  readonly state: Record<string, unknown[]>;
}

/** A restored data directory as the engine sees it: partition count and each partition's dump (or why the engine did not start). */
type DataDump =
  { readonly partitionCount: number; readonly partitions: Readonly<Record<string, PartitionDump>> } | { readonly failed: string };

/**
 * What a sweep shares across seeds: one pool of restore check threads (starting threads costs more than
 * restoring these small backups), a directory for the seeds' copies, and the golden backups' dumps.
 */
export class FuzzEnvironment {
  private readonly expected = new Map<string, Promise<DataDump>>();
  private readonly pool = new FileCheckPool(1);

  private constructor(readonly workDirectory: string) {}

  static async open(parent: string): Promise<FuzzEnvironment> {
    await mkdir(parent, { recursive: true });
    return new FuzzEnvironment(await mkdtemp(join(parent, 'cutline-backup-fuzz-')));
  }

  async close(): Promise<void> {
    await this.pool.close();
    await rm(this.workDirectory, { recursive: true, force: true });
  }

  /** Mutates a fresh copy of the format's golden store with the seed's mutations and checks every backup id of it. */
  async runSeed(seed: number, format: FuzzFormat, mutationsMax = 3): Promise<SeedOutcome> {
    const directory = await mkdtemp(join(this.workDirectory, `${format}-${seed}-`));
    try {
      const root = join(directory, 'store');
      await cp(fuzzFormats[format].directory, root, { recursive: true });
      const draw = new Draw(new SeededRandom(seed));
      // Mostly one mutation: a backup hit once survives more often, so the restores that succeed (and are compared) are many.
      const count = Math.min(mutationsMax, draw.chance(0.5) ? 1 : draw.int(2, 3));
      const mutations = await mutate({ store: new StoreCopy(root, format === 'v1' ? 'v1' : 'v2'), draw }, count);
      const checks: BackupCheck[] = [];
      for (const backupId of fuzzFormats[format].backupIds)
        checks.push(await this.check(root, backupId, join(directory, `target-${backupId}`), seed, format));
      return { seed, format, mutations, checks };
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }

  /** The golden backup restored and started, once per format and backup id. */
  expectedDump(format: FuzzFormat, backupId: number): Promise<DataDump> {
    const key = `${format}/${backupId}`;
    let dump = this.expected.get(key);
    if (dump === undefined) {
      dump = this.restoreGolden(format, backupId);
      this.expected.set(key, dump);
    }
    return dump;
  }

  private async restoreGolden(format: FuzzFormat, backupId: number): Promise<DataDump> {
    const target = await mkdtemp(join(this.workDirectory, `golden-${format}-${backupId}-`));
    try {
      const store = new FileSystemBackupStore(fuzzFormats[format].directory);
      await this.restore(store, backupId, join(target, 'data'), 0);
      return dumpDataDirectory(join(target, 'data'));
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  }

  private async restore(store: FileSystemBackupStore, backupId: number, target: string, seed: number): Promise<void> {
    const plan = planBackupIdRestore({ backupId, nodeId: 0, clusterSize: 1, manifests: await listBackupManifests(store, backupId) });
    await executeRestore({
      plan,
      store,
      dataDirectory: target,
      parallelism: 4,
      clock: new ManualClock(1_800_000_000_000),
      random: new SeededRandom(seed),
      checkPool: this.pool,
    });
  }

  private async check(root: string, backupId: number, target: string, seed: number, format: FuzzFormat): Promise<BackupCheck> {
    const store = new FileSystemBackupStore(root);
    const disagreements: { kind: DisagreementKind; detail: string }[] = [];
    let findingCodes: string[] = [];
    try {
      const report = await verifyBackups(store, { backupId }, { level: 'full', temporaryDirectory: join(target, '..') });
      findingCodes = allFindings(report).map((finding) => finding.code);
    } catch (error) {
      disagreements.push({ kind: 'verify-threw', detail: describeError(error) });
    }
    // Half the seeds restore into an existing empty directory, half into one restore has to create.
    if (seed % 2 === 0) await mkdir(target);
    let restore: BackupCheck['restore'] = { kind: 'restored' };
    try {
      await this.restore(store, backupId, target, seed);
    } catch (error) {
      restore = { kind: 'refused', code: isCutlineError(error) ? error.code : 'untyped', message: describeError(error) };
      if (!isCutlineError(error)) disagreements.push({ kind: 'restore-untyped-error', detail: describeError(error) });
    }
    if (restore.kind === 'refused') {
      if (findingCodes.length === 0 && !disagreements.some((each) => each.kind === 'verify-threw')) {
        disagreements.push({ kind: 'restore-refused-verify-clean', detail: `restore refused [${restore.code}] ${restore.message}` });
      }
      // As found: the empty directory still there (and empty), or none where there was none (an empty one is tolerated).
      const left = existsSync(target) ? readdirSync(target) : undefined;
      if (left !== undefined && left.length > 0)
        disagreements.push({ kind: 'target-not-as-found', detail: `the refused restore left ${left.join(', ')} in the target` });
      if (left === undefined && seed % 2 === 0)
        disagreements.push({ kind: 'target-not-as-found', detail: 'the refused restore removed the empty target directory it was given' });
    } else {
      const difference = compareDumps(await this.expectedDump(format, backupId), dumpDataDirectory(target));
      if (difference !== undefined)
        disagreements.push({
          kind: 'restored-wrong-state',
          detail: `${difference} (verify found ${findingCodes.length === 0 ? 'nothing' : [...new Set(findingCodes)].join(', ')})`,
        });
    }
    await rm(target, { recursive: true, force: true });
    return { backupId, findingCodes, restore, disagreements };
  }
}

/** Starts the engine on a restored data directory (one node, a manual clock) and dumps each partition up to its cut. */
function dumpDataDirectory(dataDirectory: string): DataDump {
  let partitionCount: number;
  let cuts: Record<string, number>;
  try {
    partitionCount = (JSON.parse(readFileSync(join(dataDirectory, engineDescriptorFile), 'utf8')) as { partitionCount: number })
      .partitionCount;
    cuts = (JSON.parse(readFileSync(join(dataDirectory, completionMarkerName), 'utf8')) as { cuts: Record<string, number> }).cuts;
  } catch (error) {
    return { failed: `the restored directory has no readable engine.json or marker: ${describeError(error)}` };
  }
  const clock = new ManualClock(1_800_000_000_000);
  let cluster: Cluster;
  try {
    cluster = Cluster.open({
      dataDirectory,
      partitionCount,
      nodeCount: 1,
      clock,
      transport: new InProcessTransport(clock, new SeededRandom(1)),
      logFileSystem: unsyncedFileSystem,
      snapshotIntervalRecords: 0,
      retryIntervalMs: 60_000,
    });
  } catch (error) {
    return { failed: `the engine does not start on the restored directory: ${describeError(error)}` };
  }
  try {
    const partitions: Record<string, PartitionDump> = {};
    for (const partition of cluster.partitions()) {
      const cut = cuts[String(partition.partitionId)];
      const records: string[] = [];
      for (const record of partition.log.read(partition.log.firstPosition)) {
        if (cut === undefined || record.position > cut) break;
        records.push(`${record.position} ${record.timestampMs} ${record.recordType} ${Buffer.from(record.payload).toString('hex')}`);
      }
      partitions[String(partition.partitionId)] = { cut, records, state: partition.dumpState() };
    }
    return { partitionCount, partitions };
  } finally {
    cluster.close();
  }
}

/** Where a restored directory differs from the golden one, or undefined when it does not. */
function compareDumps(expected: DataDump, actual: DataDump): string | undefined {
  if ('failed' in expected) throw new Error(`the golden backup does not restore and start: ${expected.failed}`);
  if ('failed' in actual) return actual.failed;
  if (actual.partitionCount !== expected.partitionCount)
    return `engine.json says ${actual.partitionCount} partitions, not ${expected.partitionCount}`;
  for (const [partitionId, want] of Object.entries(expected.partitions)) {
    const got = actual.partitions[partitionId];
    if (got === undefined) return `partition ${partitionId} is missing`;
    if (got.cut !== want.cut) return `partition ${partitionId} is cut at ${String(got.cut)}, not ${String(want.cut)}`;
    const record = want.records.findIndex((line, index) => got.records[index] !== line);
    if (record >= 0 || got.records.length !== want.records.length)
      return `partition ${partitionId}'s log differs from record ${record >= 0 ? record : want.records.length} on (${got.records.length} records up to the cut, ${want.records.length} expected)`;
    for (const table of Object.keys(want.state)) {
      if (JSON.stringify(got.state[table]) !== JSON.stringify(want.state[table]))
        return `partition ${partitionId}'s ${table} differs: ${JSON.stringify(got.state[table]).slice(0, 300)} instead of ${JSON.stringify(want.state[table]).slice(0, 300)}`;
    }
  }
  return undefined;
}

function describeError(error: unknown): string {
  if (isCutlineError(error)) return `[${error.code}] ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The figures of a sweep: what was done to the backups and how verify and restore answered. */
export class FuzzTally {
  seeds = 0;
  checks = 0;
  restored = 0;
  /** Backups verify-backup --level full found nothing in (each must restore to the state at the cut). */
  verifiedClean = 0;
  readonly mutationsByKind = new Map<string, number>();
  readonly mutationsByTarget = new Map<string, number>();
  /** Backups in which verify-backup reported each code at least once. */
  readonly findingsByCode = new Map<string, number>();
  readonly refusalsByCode = new Map<string, number>();
  /** Backups restored to the right state although verify reported the code (verify may be stricter than restore). */
  readonly restoredDespiteByCode = new Map<string, number>();
  readonly disagreementsByKind = new Map<string, number>();
  readonly disagreements: { seed: number; format: FuzzFormat; line: string }[] = [];

  add(outcome: SeedOutcome): void {
    this.seeds += 1;
    for (const mutation of outcome.mutations) {
      increment(this.mutationsByKind, mutation.kind);
      increment(this.mutationsByTarget, `${mutation.kind} ${mutation.target.split(' ')[0] ?? ''}`);
    }
    for (const check of outcome.checks) {
      this.checks += 1;
      if (check.findingCodes.length === 0) this.verifiedClean += 1;
      for (const code of new Set(check.findingCodes)) increment(this.findingsByCode, code);
      if (check.restore.kind === 'refused') increment(this.refusalsByCode, check.restore.code);
      else this.restored += 1;
      if (check.restore.kind === 'restored' && check.disagreements.length === 0)
        for (const code of new Set(check.findingCodes)) increment(this.restoredDespiteByCode, code);
      for (const disagreement of check.disagreements) {
        increment(this.disagreementsByKind, disagreement.kind);
        this.disagreements.push({ seed: outcome.seed, format: outcome.format, line: disagreementLine(outcome, check, disagreement) });
      }
    }
  }

  summary(): string {
    const list = (counts: ReadonlyMap<string, number>): string =>
      counts.size === 0
        ? 'none'
        : [...counts.entries()]
            .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
            .map(([name, count]) => `${name} ${count}`)
            .join(', ');
    return [
      `seeds: ${this.seeds} (${this.checks} backups verified and restored)`,
      `mutations by kind: ${list(this.mutationsByKind)}`,
      `mutations by kind and what they hit: ${list(this.mutationsByTarget)}`,
      `verify findings by code (backups with the code): ${list(this.findingsByCode)}; no finding in ${this.verifiedClean}`,
      `restore refusals by code: ${list(this.refusalsByCode)}`,
      `restored: ${this.restored} (each compared with the golden backup's restored state)`,
      `restored to the right state although verify reported (backups with the code): ${list(this.restoredDespiteByCode)}`,
      `disagreements: ${this.disagreements.length}${this.disagreements.length === 0 ? '' : ` (${list(this.disagreementsByKind)})`}`,
    ].join('\n');
  }
}

export function disagreementLine(outcome: SeedOutcome, check: BackupCheck, disagreement: BackupCheck['disagreements'][number]): string {
  const mutations = outcome.mutations.map((mutation) => `${mutation.kind}: ${mutation.description}`).join('; ');
  return `seed ${outcome.seed} ${outcome.format} backup ${check.backupId}: DISAGREEMENT ${disagreement.kind}: ${disagreement.detail} | mutations: ${mutations}`;
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
