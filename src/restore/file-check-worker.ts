// The file-check worker thread: follows files as a restore writes them, hashing (and for segments checking) every byte once.
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { assert } from '../assert.js';
import { transferError } from '../errors.js';
import type { FromFileCheckWorker, ReleasedMessage, ToFileCheckWorker } from './file-check-protocol.js';
import { finishPartition } from './restore-partition.js';
import { SegmentChecker } from './segment-check.js';

/** Read size: large enough that system calls and message handling are noise next to hashing. */
const readBytes = 1024 * 1024;

interface Check {
  readonly fd: number;
  readonly sizeBytes: number;
  readonly hash: Hash;
  readonly segment: SegmentChecker | undefined;
  offset: number;
  written: number;
}

const port = parentPort;
assert(port !== null, 'file-check-worker.ts runs as a worker thread');
const checks = new Map<number, Check>();
// One buffer for every read: hashing and checking consume a chunk before the next read.
const buffer = Buffer.allocUnsafe(readBytes);

port.on('message', (message: ToFileCheckWorker) => {
  if (message.kind === 'shutdown' || message.kind === 'release') {
    for (const job of [...checks.keys()]) drop(job);
    if (message.kind === 'shutdown') port.close();
    else post({ kind: 'released' });
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

function handle(message: Exclude<ToFileCheckWorker, { kind: 'shutdown' | 'release' }>): void {
  switch (message.kind) {
    case 'check': {
      const fd = openSync(message.path, 'r');
      const segment = message.segment === undefined ? undefined : new SegmentChecker(message.path, message.segment);
      checks.set(message.job, { fd, sizeBytes: message.sizeBytes, hash: createHash('sha256'), segment, offset: 0, written: 0 });
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

/** Reads what is written and not yet read; when the whole file is in, reports its result. */
function follow(job: number): void {
  const check = checks.get(job);
  assert(check !== undefined, `check ${job} is open`);
  assert(check.written <= check.sizeBytes, `check ${job}: ${check.written} bytes written of ${check.sizeBytes}`);
  while (check.offset < check.written) {
    const read = readSync(check.fd, buffer, 0, Math.min(readBytes, check.written - check.offset), check.offset);
    assert(read > 0, `check ${job}: bytes up to ${check.written} were written, but a read at ${check.offset} found none`);
    const chunk = buffer.subarray(0, read);
    check.hash.update(chunk);
    check.segment?.push(chunk);
    check.offset += read;
  }
  if (check.offset < check.sizeBytes) return;
  const result = { sha256: check.hash.digest('hex'), segment: check.segment?.finish() };
  drop(job);
  post({ kind: 'checked', job, result });
}

function drop(job: number): void {
  const check = checks.get(job);
  if (check === undefined) return;
  checks.delete(job);
  closeSync(check.fd);
}

function post(message: FromFileCheckWorker | ReleasedMessage): void {
  port?.postMessage(message);
}
