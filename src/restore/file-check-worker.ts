// The file-check worker thread: follows files as a restore writes them, hashing (and for segments checking) every byte once.
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { assert } from '../assert.js';
import { decodeChunkSync } from '../backup/chunk-format.js';
import { transferError } from '../errors.js';
import type { ChunkWriteAnswer, FromFileCheckWorker, ReleasedMessage, ToFileCheckWorker } from './file-check-protocol.js';
import { finishPartition } from './restore-partition.js';
import { SegmentChecker } from './segment-check.js';

/** Read size: large enough that system calls and message handling are noise next to hashing. */
const readBytes = 1024 * 1024;
/**
 * Decoded chunks kept (per thread) until the bytes before them are hashed, instead of read back from
 * disk: two 4 MiB chunks catch most arrivals out of order, and keep the thread's memory small.
 */
const aheadBytesMax = 8 * 1024 * 1024;

interface Check {
  readonly fd: number;
  readonly sizeBytes: number;
  readonly hash: Hash;
  readonly segment: SegmentChecker | undefined;
  offset: number;
  written: number;
  /** Chunks this thread wrote past `offset`, by their offset: hashed from memory when `offset` reaches them. */
  readonly ahead: Map<number, Buffer>;
}

const port = parentPort;
assert(port !== null, 'file-check-worker.ts runs as a worker thread');
const checks = new Map<number, Check>();
// One buffer for every read: hashing and checking consume a chunk before the next read.
const buffer = Buffer.allocUnsafe(readBytes);
let aheadBytes = 0;

port.on('message', (message: ToFileCheckWorker) => {
  if (message.kind === 'shutdown' || message.kind === 'release') {
    for (const job of [...checks.keys()]) drop(job);
    if (message.kind === 'shutdown') port.close();
    else post({ kind: 'released' });
    return;
  }
  if (message.kind === 'write-chunk') {
    post(writeChunk(message));
    return;
  }
  const job = message.job;
  try {
    handle(message);
  } catch (error) {
    drop(job);
    post({ kind: 'failed', job, error: transferError(error) });
  }
});

function handle(message: Exclude<ToFileCheckWorker, { kind: 'shutdown' | 'release' | 'write-chunk' }>): void {
  switch (message.kind) {
    case 'check': {
      const fd = openSync(message.path, message.writes ? 'r+' : 'r');
      const segment = message.segment === undefined ? undefined : new SegmentChecker(message.path, message.segment);
      checks.set(message.job, {
        fd,
        sizeBytes: message.sizeBytes,
        hash: createHash('sha256'),
        segment,
        offset: 0,
        written: 0,
        ahead: new Map(),
      });
      follow(message.job);
      return;
    }
    case 'advance': {
      const check = checks.get(message.job);
      if (check === undefined) return; // already failed and reported
      check.written = Math.max(check.written, message.bytes);
      follow(message.job);
      return;
    }
    case 'cancel':
      drop(message.job);
      return;
    case 'finish-partition':
      post({ kind: 'finished-partition', job: message.job, restored: finishPartition(message.stagedData, message.partition) });
      return;
  }
}

/**
 * Decodes a chunk and writes it in place. On the job's own thread the decoded bytes are hashed (and
 * checked) now when they come next in the file, or kept until they do (up to aheadBytesMax).
 */
function writeChunk(message: Extract<ToFileCheckWorker, { kind: 'write-chunk' }>): ChunkWriteAnswer {
  try {
    const stored = Buffer.from(message.stored.buffer, message.stored.byteOffset, message.stored.byteLength);
    const raw = decodeChunkSync(stored, message.chunk, message.where);
    const check = checks.get(message.job);
    if (check === undefined) {
      const fd = openSync(message.path, 'r+');
      try {
        writeAll(fd, raw, message.offset);
      } finally {
        closeSync(fd);
      }
    } else {
      writeAll(check.fd, raw, message.offset);
      if (message.offset === check.offset || (message.offset > check.offset && aheadBytes + raw.length <= aheadBytesMax)) {
        check.ahead.set(message.offset, raw);
        aheadBytes += raw.length;
        follow(message.job);
      }
    }
    return { kind: 'wrote-chunk', request: message.request };
  } catch (error) {
    // The file cannot be right any more: its check ends too (on its own thread).
    if (checks.has(message.job)) {
      drop(message.job);
      post({ kind: 'failed', job: message.job, error: transferError(error) });
    }
    return { kind: 'write-chunk-failed', request: message.request, error: transferError(error) };
  }
}

/** Hashes what is written and not yet hashed (from memory when this thread holds it, else read back); when the whole file is in, reports its result. */
function follow(job: number): void {
  const check = checks.get(job);
  assert(check !== undefined, `check ${job} is open`);
  assert(check.written <= check.sizeBytes, `check ${job}: ${check.written} bytes written of ${check.sizeBytes}`);
  for (;;) {
    const held = check.ahead.get(check.offset);
    if (held !== undefined) {
      check.ahead.delete(check.offset);
      aheadBytes -= held.length;
      consume(check, held);
      continue;
    }
    if (check.offset >= check.written) break;
    // A read stops at the next held chunk, so that it is taken from memory.
    const read = readSync(
      check.fd,
      buffer,
      0,
      Math.min(readBytes, check.written - check.offset, nextHeld(check) - check.offset),
      check.offset,
    );
    assert(read > 0, `check ${job}: bytes up to ${check.written} were written, but a read at ${check.offset} found none`);
    consume(check, buffer.subarray(0, read));
  }
  if (check.offset < check.sizeBytes) return;
  assert(check.offset === check.sizeBytes, `check ${job}: ${check.offset} bytes hashed of ${check.sizeBytes}`);
  const result = { sha256: check.hash.digest('hex'), segment: check.segment?.finish() };
  drop(job);
  post({ kind: 'checked', job, result });
}

function consume(check: Check, bytes: Buffer): void {
  check.hash.update(bytes);
  check.segment?.push(bytes);
  check.offset += bytes.length;
}

function nextHeld(check: Check): number {
  let next = Infinity;
  for (const offset of check.ahead.keys()) if (offset > check.offset && offset < next) next = offset;
  return next;
}

function writeAll(fd: number, bytes: Buffer, position: number): void {
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

function drop(job: number): void {
  const check = checks.get(job);
  if (check === undefined) return;
  checks.delete(job);
  for (const held of check.ahead.values()) aheadBytes -= held.length;
  closeSync(check.fd);
}

function post(message: FromFileCheckWorker | ChunkWriteAnswer | ReleasedMessage): void {
  port?.postMessage(message);
}
