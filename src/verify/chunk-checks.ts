// The presence and checksum checks of format v2 files: every chunk listed (one LIST per partition), downloaded and checked once per run, each file hashed over its chunks.
import { createHash, type Hash } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { contentKey } from '../backup/backup-layout.js';
import {
  chunkKey,
  chunkPartitionPrefix,
  decodeChunk,
  parseChunkKey,
  readChunkHeader,
  type StoredChunkRef,
} from '../backup/chunk-format.js';
import { codecAvailable } from '../store/chunk-codec.js';
import { storedChunks, type ManifestFile } from '../backup/manifest.js';
import { isCutlineError } from '../errors.js';
import { verifyFileParallelism } from '../limits.js';
import { getBytes, type BackupStore, type StoreCallOptions } from '../store/backup-store.js';
import { forEachBounded, type DownloadedFile, type FileCheckResult } from './file-checks.js';
import type { Finding, FindingCode, VerifyLevel } from './findings.js';
import type { PartitionBackup } from './manifest-checks.js';

/** What checking one chunk found: nothing, or one problem (its finding code and what is wrong). */
interface ChunkVerdict {
  readonly problem?: { readonly code: FindingCode; readonly detail: string };
  /** Whether the chunk decodes, so its bytes can be read (true also when they do not hash to its address). */
  readonly decodes: boolean;
}

/**
 * The chunk checks of one verify run, shared by every backup it verifies: a chunk that several files or
 * backups list is looked up in one listing of its partition and downloaded and checked once (per way a
 * manifest describes it: its address, lengths and codec). Each backup still reports the problems of the
 * chunks it lists.
 */
export class ChunkChecks {
  private readonly listings = new Map<number, Promise<ReadonlyMap<string, number>>>();
  private readonly verdicts = new Map<string, Promise<ChunkVerdict>>();
  /**
   * The SHA-256 state after the last chunk of each file whose chunks all checked out, by its chunk list
   * (chunkListSignatures): a file with the same list (a sealed segment in the next backup) costs no
   * download, and one that continues it (a segment that grew) hashes only its new chunks.
   */
  private readonly fileStates = new Map<string, Hash>();

  constructor(
    private readonly store: BackupStore,
    private readonly options: StoreCallOptions = {},
  ) {}

  /** The stored length of every chunk of a partition, by its SHA-256: one listing of `chunks/{partitionId}/` per run. */
  stored(partitionId: number): Promise<ReadonlyMap<string, number>> {
    let listing = this.listings.get(partitionId);
    if (listing === undefined) {
      listing = this.list(partitionId);
      this.listings.set(partitionId, listing);
    }
    return listing;
  }

  private async list(partitionId: number): Promise<ReadonlyMap<string, number>> {
    const sizes = new Map<string, number>();
    for await (const entry of this.store.list(chunkPartitionPrefix(partitionId), this.options)) {
      const chunk = parseChunkKey(entry.key);
      // Anything else under the prefix is not a chunk; no manifest can reference it.
      if (chunk?.partitionId === partitionId) sizes.set(chunk.sha256, entry.sizeBytes);
    }
    return sizes;
  }

  /**
   * Checks a chunk (the first time it is asked for in this run) and returns its verdict, with its
   * uncompressed bytes when `wantBytes` and it decodes. A chunk already checked is downloaded again only
   * for its bytes.
   */
  async check(partitionId: number, chunk: StoredChunkRef, wantBytes: boolean): Promise<{ verdict: ChunkVerdict; raw?: Buffer }> {
    const memoKey = `${partitionId}/${refKey(chunk)}`;
    const known = this.verdicts.get(memoKey);
    if (known !== undefined) {
      const verdict = await known;
      if (!wantBytes || !verdict.decodes) return { verdict };
      const key = chunkKey(partitionId, chunk.sha256);
      return { verdict, raw: await decodeChunk(await getBytes(this.store, key, this.options), chunk, key) };
    }
    const checked = this.download(partitionId, chunk);
    const verdictOnly = checked.then(({ verdict }) => verdict);
    // A store failure rejects this call; later callers of the same chunk get it too, and none may go unhandled.
    verdictOnly.catch(() => undefined);
    this.verdicts.set(memoKey, verdictOnly);
    const { verdict, raw } = await checked;
    return wantBytes && raw !== undefined ? { verdict, raw } : { verdict };
  }

  /** Downloads a chunk and checks it: header, codec and lengths (decodeChunk), then the SHA-256 of its bytes against its address. */
  private async download(partitionId: number, chunk: StoredChunkRef): Promise<{ verdict: ChunkVerdict; raw?: Buffer }> {
    const key = chunkKey(partitionId, chunk.sha256);
    let stored: Buffer;
    try {
      stored = await getBytes(this.store, key, this.options);
    } catch (error) {
      // Listed a moment ago, gone now: as missing as a chunk the listing did not show.
      if (!isCutlineError(error) || error.code !== 'STORE_NOT_FOUND') throw error;
      return { verdict: { problem: { code: 'CHUNK_MISSING', detail: `chunk ${key} is not in the store` }, decodes: false } };
    }
    let raw: Buffer;
    try {
      raw = await decodeChunk(stored, chunk, key);
    } catch (error) {
      if (!isCutlineError(error)) throw error;
      if (error.code === 'CHUNK_CORRUPT') return { verdict: { problem: { code: 'CHUNK_CORRUPT', detail: error.message }, decodes: false } };
      if (error.code === 'CHUNK_CODEC')
        return { verdict: { problem: { code: codecFindingCode(stored, key), detail: error.message }, decodes: false } };
      throw error;
    }
    const sha256 = createHash('sha256').update(raw).digest('hex');
    if (sha256 !== chunk.sha256) {
      return {
        verdict: {
          problem: {
            code: 'CHUNK_CHECKSUM_MISMATCH',
            detail: `chunk ${key} holds ${raw.length} bytes whose SHA-256 is ${sha256}, not its address`,
          },
          decodes: true,
        },
        raw,
      };
    }
    return { verdict: { decodes: true }, raw };
  }

  /** The hash state after the file whose chunk list has this signature, when one was hashed clean in this run. */
  fileState(signature: string): Hash | undefined {
    return this.fileStates.get(signature);
  }

  rememberFileState(signature: string, state: Hash): void {
    this.fileStates.set(signature, state.copy());
  }
}

/** A codec byte this cutline does not know, or a codec it knows that this Node cannot decode (zstd before Node 22.15). */
function codecFindingCode(stored: Buffer, key: string): FindingCode {
  try {
    return codecAvailable(readChunkHeader(stored, key).codec) ? 'CHUNK_CODEC_UNKNOWN' : 'CHUNK_CODEC_UNAVAILABLE';
  } catch {
    return 'CHUNK_CODEC_UNKNOWN';
  }
}

/** A chunk as one manifest describes it: two manifests that describe it differently are checked separately. */
function refKey(chunk: StoredChunkRef): string {
  return `${chunk.sha256}/${chunk.sizeBytes}/${chunk.storedBytes}/${chunk.codec}`;
}

/** One signature per prefix of a chunk list (after chunk 0, 0..1, ...): equal signatures, equal lists. */
function chunkListSignatures(chunks: readonly StoredChunkRef[]): string[] {
  const signatures: string[] = [];
  let previous = '';
  for (const chunk of chunks) {
    previous = createHash('sha256').update(previous).update(refKey(chunk)).digest('hex');
    signatures.push(previous);
  }
  return signatures;
}

/** The chunks of a partition backup's problems, reported once per backup each, naming the files that list the chunk. */
class ChunkProblems {
  private readonly problems = new Map<string, { code: FindingCode; detail: string; key: string; paths: Set<string> }>();

  add(key: string, chunk: StoredChunkRef, code: FindingCode, detail: string, path: string): void {
    const id = refKey(chunk);
    const entry = this.problems.get(id) ?? { code, detail, key, paths: new Set<string>() };
    entry.paths.add(path);
    this.problems.set(id, entry);
  }

  /** The chunks with a problem so far (refKey). */
  chunks(): Set<string> {
    return new Set(this.problems.keys());
  }

  findings(backup: PartitionBackup): Finding[] {
    const { checkpointId: backupId, partitionId } = backup.id;
    return [...this.problems.values()].map(({ code, detail, key, paths }) => ({
      code,
      backupId,
      partitionId,
      path: key,
      message: `${detail}; ${backup.key} lists it for ${[...paths].join(', ')}`,
    }));
  }
}

/**
 * checkFiles for a format v2 partition backup. Presence: every chunk a file lists is in the partition's
 * listing with its storedBytes. Checksum: every chunk decodes as its manifest says and hashes to its
 * address, and each file's chunks, in order, hash to the file's SHA-256 (reported only for a file whose
 * chunks are all sound: a damaged chunk is one finding, not two). With a download directory (the full
 * level) each file whose chunks decode is written there from its uncompressed chunks.
 */
export async function checkChunkedFiles(
  chunks: ChunkChecks,
  backup: PartitionBackup,
  level: VerifyLevel,
  downloadDirectory: string | undefined,
): Promise<FileCheckResult> {
  const { checkpointId: backupId, partitionId } = backup.id;
  const problems = new ChunkProblems();
  const stored = await chunks.stored(partitionId);
  for (const file of backup.manifest.files) {
    for (const chunk of storedChunks(file)) {
      const key = chunkKey(partitionId, chunk.sha256);
      const size = stored.get(chunk.sha256);
      if (size === undefined) problems.add(key, chunk, 'CHUNK_MISSING', `chunk ${key} is not in the store`, file.path);
      else if (size !== chunk.storedBytes)
        problems.add(
          key,
          chunk,
          'CHUNK_SIZE_MISMATCH',
          `chunk ${key} is ${size} bytes stored; the manifest lists ${chunk.storedBytes}`,
          file.path,
        );
    }
  }
  const findings: Finding[] = [];
  const downloaded: DownloadedFile[] = [];
  if (level !== 'presence') {
    // Chunks the presence check found unusable are not downloaded; a file holding one cannot be read.
    const absent = problems.chunks();
    await forEachBounded(backup.manifest.files, verifyFileParallelism, async (file) => {
      const localPath = downloadDirectory === undefined ? undefined : join(downloadDirectory, file.path);
      const result = await readChunkedFile(chunks, backup, file, absent, problems, localPath);
      if (result === undefined) return;
      const key = contentKey(backup.id, file.path);
      if (localPath !== undefined) downloaded.push({ file, key, localPath, sha256: result.sha256 });
      if (result.chunksSound && result.sha256 !== file.sha256) {
        findings.push({
          code: 'FILE_CHECKSUM_MISMATCH',
          backupId,
          partitionId,
          path: key,
          message: `${key} (its ${storedChunks(file).length} chunks in order) has SHA-256 ${result.sha256}; the manifest lists ${file.sha256}`,
        });
      }
    });
  }
  return { findings: [...problems.findings(backup), ...findings], downloaded };
}

/**
 * Checks the chunks of one file in order, hashing their bytes (and writing them to localPath when given).
 * Undefined when a chunk cannot be read (missing, wrong length, does not decode): its finding says so.
 */
async function readChunkedFile(
  chunks: ChunkChecks,
  backup: PartitionBackup,
  file: ManifestFile,
  absent: ReadonlySet<string>,
  problems: ChunkProblems,
  localPath: string | undefined,
): Promise<{ sha256: string; chunksSound: boolean } | undefined> {
  const partitionId = backup.id.partitionId;
  const list = storedChunks(file);
  const signatures = chunkListSignatures(list);
  // Without a local copy to write, hashing resumes after the longest leading run of chunks hashed clean before.
  let resumeAt = 0;
  let hash = createHash('sha256');
  if (localPath === undefined) {
    for (let count = list.length; count > 0; count--) {
      const state = chunks.fileState(signatures[count - 1] as string);
      if (state === undefined) continue;
      [resumeAt, hash] = [count, state.copy()];
      break;
    }
  }
  let readable = true;
  let chunksSound = true;
  if (localPath !== undefined) await mkdir(dirname(localPath), { recursive: true });
  const handle = localPath === undefined ? undefined : await open(localPath, 'wx');
  try {
    for (const chunk of list.slice(resumeAt)) {
      const key = chunkKey(partitionId, chunk.sha256);
      if (absent.has(refKey(chunk))) {
        [readable, chunksSound] = [false, false];
        continue;
      }
      // Once the file cannot be read, its other chunks are still checked, but none is fetched again for its bytes.
      const { verdict, raw } = await chunks.check(partitionId, chunk, readable);
      if (verdict.problem !== undefined) {
        problems.add(key, chunk, verdict.problem.code, verdict.problem.detail, file.path);
        chunksSound = false;
      }
      if (raw === undefined) {
        readable = false;
        continue;
      }
      hash.update(raw);
      for (let written = 0; handle !== undefined && written < raw.length;) written += (await handle.write(raw, written)).bytesWritten;
    }
  } finally {
    await handle?.close();
  }
  if (!readable) {
    if (localPath !== undefined) await rm(localPath, { force: true });
    return undefined;
  }
  const last = signatures.at(-1);
  if (chunksSound && last !== undefined) chunks.rememberFileState(last, hash);
  return { sha256: hash.digest('hex'), chunksSound };
}
