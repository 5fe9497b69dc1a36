// Snapshots of a partition's state: taken with VACUUM INTO, checksummed, listed, verified, reserved, pruned.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import type { StateStore } from './state-store.js';
import { CutlineError } from '../errors.js';
import { assert } from '../assert.js';

export const snapshotFormatVersion = 1;
export const snapshotStateFile = 'state.db';
export const snapshotMetadataFile = 'metadata.json';
export const snapshotChecksumFile = 'CHECKSUMS';

/** The contents of a snapshot's metadata.json (FORMAT.md "Engine data directory and records"). */
export interface SnapshotMetadata {
  readonly version: number;
  readonly snapshotId: string;
  readonly partitionId: number;
  /** Every record up to here is applied to the state in the snapshot. */
  readonly processedPosition: number;
  /** The last record written by processing the records up to processedPosition (0 if none). */
  readonly lastWrittenPosition: number;
  readonly checkpointId: number;
  readonly checkpointPosition: number;
  readonly createdAtMs: number;
}

export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  /** The snapshot's directory; its files are immutable while the snapshot exists. */
  readonly directory: string;
  /** The files a backup must copy, relative to the directory. */
  readonly files: readonly string[];
}

/** A pin on a snapshot: it is neither deleted nor allowed to lose the log after it until released. */
export interface SnapshotReservation {
  readonly snapshot: Snapshot;
  release(): void;
}

/** Snapshot ids are `{processedPosition}-{lastWrittenPosition}` in decimal, so the id encodes the position. */
export function snapshotId(processedPosition: number, lastWrittenPosition: number): string {
  return `${processedPosition}-${lastWrittenPosition}`;
}
const snapshotIdPattern = /^(\d+)-(\d+)$/;

export class SnapshotStore {
  private readonly reservations = new Map<string, number>();

  constructor(
    private readonly directory: string,
    private readonly partitionId: number,
    private readonly onReservationsChanged: () => void = () => {},
  ) {
    fs.mkdirSync(directory, { recursive: true });
  }

  /** Writes a snapshot of the committed state; returns the existing one if the id exists already. */
  take(store: StateStore, createdAtMs: number): Snapshot {
    const state = store.partitionState();
    const id = snapshotId(state.lastProcessedPosition, state.lastWrittenPosition);
    const existing = this.read(id);
    if (existing !== undefined) {
      if (this.verifies(existing)) return existing;
      fs.rmSync(existing.directory, { recursive: true, force: true }); // a damaged copy of this very state: replace it
    }
    const pending = path.join(this.directory, `.pending-${id}`);
    fs.rmSync(pending, { recursive: true, force: true });
    fs.mkdirSync(pending);
    // VACUUM INTO: synchronous, so the copy is exactly the state at lastProcessedPosition (see FORMAT.md).
    store.copyTo(path.join(pending, snapshotStateFile));
    const metadata: SnapshotMetadata = {
      version: snapshotFormatVersion,
      snapshotId: id,
      partitionId: this.partitionId,
      processedPosition: state.lastProcessedPosition,
      lastWrittenPosition: state.lastWrittenPosition,
      checkpointId: state.checkpointId,
      checkpointPosition: state.checkpointPosition,
      createdAtMs,
    };
    fs.writeFileSync(path.join(pending, snapshotMetadataFile), `${JSON.stringify(metadata, null, 2)}\n`);
    const lines = [snapshotStateFile, snapshotMetadataFile].map((name) => `${sha256File(path.join(pending, name))}  ${name}\n`);
    fs.writeFileSync(path.join(pending, snapshotChecksumFile), lines.join(''));
    for (const name of [snapshotStateFile, snapshotMetadataFile, snapshotChecksumFile]) syncPath(path.join(pending, name));
    syncPath(pending);
    fs.renameSync(pending, path.join(this.directory, id));
    syncPath(this.directory);
    const snapshot = this.read(id);
    assert(snapshot !== undefined, `snapshot ${id} exists after its rename`);
    return snapshot;
  }

  /** Every snapshot directory with readable metadata, newest (highest processed position) first. */
  list(): Snapshot[] {
    const snapshots: Snapshot[] = [];
    for (const name of fs.readdirSync(this.directory)) {
      if (!snapshotIdPattern.test(name)) continue;
      const snapshot = this.read(name);
      if (snapshot !== undefined) snapshots.push(snapshot);
    }
    return snapshots.sort(
      (a, b) =>
        b.metadata.processedPosition - a.metadata.processedPosition || b.metadata.lastWrittenPosition - a.metadata.lastWrittenPosition,
    );
  }

  /** Throws SNAPSHOT_CORRUPT unless every file listed in CHECKSUMS exists with its SHA-256. */
  verify(snapshot: Snapshot): void {
    const checksumPath = path.join(snapshot.directory, snapshotChecksumFile);
    const lines =
      readIfExists(checksumPath)
        ?.split('\n')
        .filter((line) => line !== '') ?? [];
    const listed = new Set<string>();
    for (const line of lines) {
      const match = /^([0-9a-f]{64}) {2}(\S+)$/.exec(line);
      if (match === null) throw corrupt(snapshot, `${checksumPath} has a malformed line: ${JSON.stringify(line)}`);
      const [, expected, name] = match as unknown as [string, string, string];
      listed.add(name);
      const filePath = path.join(snapshot.directory, name);
      if (!fs.existsSync(filePath)) throw corrupt(snapshot, `${filePath} is missing`);
      const actual = sha256File(filePath);
      if (actual !== expected) throw corrupt(snapshot, `${filePath} has SHA-256 ${actual}, ${snapshotChecksumFile} says ${expected}`);
    }
    for (const name of [snapshotStateFile, snapshotMetadataFile]) {
      if (!listed.has(name)) throw corrupt(snapshot, `${checksumPath} does not list ${name}`);
    }
  }

  /** Whether the snapshot verifies; any failure other than SNAPSHOT_CORRUPT is rethrown. */
  verifies(snapshot: Snapshot): boolean {
    try {
      this.verify(snapshot);
      return true;
    } catch (error) {
      if (error instanceof CutlineError && error.code === 'SNAPSHOT_CORRUPT') return false;
      throw error;
    }
  }

  /** The newest snapshot whose processed and last written positions are both at or before `position`. */
  newestAtOrBefore(position: number): Snapshot | undefined {
    return this.list().find((s) => s.metadata.processedPosition <= position && s.metadata.lastWrittenPosition <= position);
  }

  reserve(snapshot: Snapshot): SnapshotReservation {
    const id = snapshot.metadata.snapshotId;
    assert(fs.existsSync(snapshot.directory), `snapshot ${id} exists when reserved`);
    this.reservations.set(id, (this.reservations.get(id) ?? 0) + 1);
    let released = false;
    return {
      snapshot,
      release: () => {
        if (released) return;
        released = true;
        const count = this.reservations.get(id) ?? 0;
        if (count <= 1) this.reservations.delete(id);
        else this.reservations.set(id, count - 1);
        this.onReservationsChanged();
      },
    };
  }

  reserved(): Snapshot[] {
    return this.list().filter((s) => this.reservations.has(s.metadata.snapshotId));
  }

  /**
   * Deletes every snapshot except the newest, the newest clean one, and the reserved ones, plus
   * leftovers of interrupted snapshots. A snapshot is clean when its last written position is at or
   * before its processed position: it then suits a backup of ANY later checkpoint, so keeping one
   * (and the log after it) means a backup never lacks a snapshot, whatever the newest one is.
   */
  prune(): void {
    const snapshots = this.list();
    const keep = new Set<string>();
    const newest = snapshots[0];
    if (newest !== undefined) keep.add(newest.metadata.snapshotId);
    const newestClean = snapshots.find(isClean);
    if (newestClean !== undefined) keep.add(newestClean.metadata.snapshotId);
    for (const id of this.reservations.keys()) keep.add(id);
    for (const snapshot of snapshots) {
      if (!keep.has(snapshot.metadata.snapshotId)) fs.rmSync(snapshot.directory, { recursive: true, force: true });
    }
    for (const name of fs.readdirSync(this.directory)) {
      if (name.startsWith('.pending-')) fs.rmSync(path.join(this.directory, name), { recursive: true, force: true });
    }
  }

  private read(id: string): Snapshot | undefined {
    const directory = path.join(this.directory, id);
    const text = readIfExists(path.join(directory, snapshotMetadataFile));
    if (text === undefined) return undefined;
    let metadata: SnapshotMetadata;
    try {
      metadata = JSON.parse(text) as SnapshotMetadata;
    } catch {
      return undefined;
    }
    if (metadata.version !== snapshotFormatVersion || metadata.snapshotId !== id) return undefined;
    return { metadata, directory, files: [snapshotStateFile, snapshotMetadataFile, snapshotChecksumFile] };
  }
}

/** No record written by the processing in the snapshot lies after its processed position. */
export function isClean(snapshot: Snapshot): boolean {
  return snapshot.metadata.lastWrittenPosition <= snapshot.metadata.processedPosition;
}

export function sha256File(filePath: string): string {
  return createHash('sha256').update(fs.readFileSync(filePath)).digest('hex');
}

function readIfExists(filePath: string): string | undefined {
  try {
    return fs.readFileSync(filePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function syncPath(filePath: string): void {
  if (process.platform === 'win32' && fs.statSync(filePath).isDirectory()) return;
  const fd = fs.openSync(filePath, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function corrupt(snapshot: Snapshot, detail: string): CutlineError {
  return new CutlineError(
    'SNAPSHOT_CORRUPT',
    `snapshot ${snapshot.metadata.snapshotId} of partition ${snapshot.metadata.partitionId}: ${detail}`,
    {
      hint: 'Recovery skips a corrupt snapshot and uses an older one; delete the directory once a newer snapshot exists.',
    },
  );
}
