// Benchmark of the partition log: append throughput against raw fs writes, the streaming scanner against raw reads,
// crc32cRange against the native crc32c per call, and truncateAfter on a small vs a large log. Sizes come from the environment so a quick run is possible:
//   CUTLINE_BENCH_APPEND_MB (256), CUTLINE_BENCH_PAYLOAD_BYTES (1024), CUTLINE_BENCH_SMALL_MB (20),
//   CUTLINE_BENCH_LARGE_MB (2048), CUTLINE_BENCH_SCAN_MB (256), CUTLINE_BENCH_DIR (the OS temporary directory).
import { closeSync, fsyncSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { crc32c } from '@node-rs/crc32';
import { crc32cNativeBytesMin, crc32cRange } from '../src/log/crc32c.js';
import type { AppendRecord } from '../src/log/log.js';
import { frameSize } from '../src/log/segment-format.js';
import { SegmentStreamScanner } from '../src/log/segment-stream-scan.js';
import { SegmentedLog } from '../src/log/segmented-log.js';

const megabyte = 1024 * 1024;
const batchRecords = 256;
const truncationRounds = 5;

function sizeFromEnvironment(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}=${text} is not a positive number`);
  return value;
}

const appendMegabytes = sizeFromEnvironment('CUTLINE_BENCH_APPEND_MB', 256);
const payloadBytes = Math.floor(sizeFromEnvironment('CUTLINE_BENCH_PAYLOAD_BYTES', 1024));
const smallMegabytes = sizeFromEnvironment('CUTLINE_BENCH_SMALL_MB', 20);
const largeMegabytes = sizeFromEnvironment('CUTLINE_BENCH_LARGE_MB', 2048);
const scanMegabytes = sizeFromEnvironment('CUTLINE_BENCH_SCAN_MB', 256);
/** The chunk size of restore's single read of each segment file. */
const scanChunkBytes = 1024 * 1024;
const root = mkdtempSync(join(process.env.CUTLINE_BENCH_DIR ?? tmpdir(), 'cutline-bench-log-'));

/** One batch of records reused for every append: the benchmark measures the log, not the generator. */
const batch: AppendRecord[] = Array.from({ length: batchRecords }, (_, at) => {
  const payload = new Uint8Array(payloadBytes);
  for (let index = 0; index < payloadBytes; index += 1) payload[index] = (index * 31 + at) & 0xff;
  return { timestampMs: 1_700_000_000_000 + at, recordType: at % 16, payload };
});
const batchBytes = batch.reduce((sum, record) => sum + frameSize(record.payload.length), 0);

function batchesFor(megabytes: number): number {
  return Math.max(1, Math.round((megabytes * megabyte) / batchBytes));
}

function fillLog(directory: string, batches: number): void {
  const log = SegmentedLog.open({ directory });
  for (let round = 0; round < batches; round += 1) log.append(batch);
  log.flush();
  log.close();
}

function measureAppend(): void {
  const batches = batchesFor(appendMegabytes);
  const totalBytes = batches * batchBytes;
  const rawPath = join(root, 'raw.bin');
  const rawChunk = Buffer.alloc(batchBytes, 7);
  const rawStart = performance.now();
  const fd = openSync(rawPath, 'w');
  for (let round = 0; round < batches; round += 1) writeSync(fd, rawChunk, 0, rawChunk.length, round * batchBytes);
  fsyncSync(fd);
  closeSync(fd);
  const rawSeconds = (performance.now() - rawStart) / 1000;
  rmSync(rawPath);
  const logStart = performance.now();
  fillLog(join(root, 'append'), batches);
  const logSeconds = (performance.now() - logStart) / 1000;
  rmSync(join(root, 'append'), { recursive: true });
  const rawRate = totalBytes / megabyte / rawSeconds;
  const logRate = totalBytes / megabyte / logSeconds;
  console.log(
    `append: ${(totalBytes / megabyte).toFixed(0)} MB in batches of ${batchRecords} records of ${payloadBytes} B, fsync at the end (and at each roll)`,
  );
  console.log(`  raw fs write of the same bytes: ${rawRate.toFixed(0)} MB/s`);
  console.log(`  SegmentedLog.append:            ${logRate.toFixed(0)} MB/s`);
  console.log(`  ratio log / raw:                ${(logRate / rawRate).toFixed(2)}`);
}

/** Reads every segment file once in chunks, handing each chunk to consume; returns the seconds taken. */
function readSegmentsInChunks(paths: readonly string[], consume: (path: string, chunk: Buffer) => void): number {
  const buffer = Buffer.allocUnsafe(scanChunkBytes);
  const start = performance.now();
  for (const path of paths) {
    const fd = openSync(path, 'r');
    try {
      for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) consume(path, buffer.subarray(0, read));
    } finally {
      closeSync(fd);
    }
  }
  return (performance.now() - start) / 1000;
}

/** The streaming scanner (restore's check of every frame) over a log's files, against reading the same files raw. */
function measureStreamScan(): void {
  const directory = join(root, 'scan');
  fillLog(directory, batchesFor(scanMegabytes));
  const log = SegmentedLog.open({ directory, readOnly: true });
  const segments = log.segments();
  log.close();
  const paths = segments.map((segment) => segment.path);
  const totalBytes = segments.reduce((sum, segment) => sum + segment.sizeBytes, 0);
  let frames = 0;
  const scanners = new Map(paths.map((path) => [path, new SegmentStreamScanner(path, () => (frames += 1))]));
  // The raw read goes first, so both runs read files the page cache already holds.
  const rawSeconds = readSegmentsInChunks(paths, () => undefined);
  const scanSeconds = readSegmentsInChunks(paths, (path, chunk) => scanners.get(path)?.push(chunk));
  const damaged = [...scanners.values()].filter((scanner) => scanner.finish().damage !== undefined).length;
  rmSync(directory, { recursive: true });
  if (damaged > 0 || frames !== log.lastPosition)
    throw new Error(`the scan found ${damaged} damaged segment(s) and ${frames} frames of ${log.lastPosition}`);
  const rawRate = totalBytes / megabyte / rawSeconds;
  const scanRate = totalBytes / megabyte / scanSeconds;
  console.log(
    `stream scan: ${(totalBytes / megabyte).toFixed(0)} MB in ${segments.length} segment(s), ${frames} frames of ${payloadBytes} B, read in ${scanChunkBytes / megabyte} MiB chunks`,
  );
  console.log(`  raw read of the same files:      ${rawRate.toFixed(0)} MB/s`);
  console.log(`  read + SegmentStreamScanner:     ${scanRate.toFixed(0)} MB/s`);
  console.log(`  ratio scan / raw:                ${(scanRate / rawRate).toFixed(2)}`);
}

/** Best-of-5 nanoseconds per call of checksum over ranges of rangeBytes spread across source. */
function nanosecondsPerCall(source: Buffer, rangeBytes: number, checksum: (bytes: Buffer, start: number, end: number) => number): number {
  const calls = Math.max(2000, Math.floor(20_000_000 / (rangeBytes + 300)));
  let best = Number.POSITIVE_INFINITY;
  let sink = 0;
  for (let round = 0; round < 5; round += 1) {
    const start = performance.now();
    for (let call = 0, offset = 0; call < calls; call += 1) {
      sink ^= checksum(source, offset, offset + rangeBytes);
      offset = offset + 2 * rangeBytes + 1 > source.length ? call & 7 : offset + rangeBytes + 1;
    }
    best = Math.min(best, ((performance.now() - start) * 1e6) / calls);
  }
  if (sink === -1) console.log('unreachable: a CRC is unsigned');
  return best;
}

/** crc32cRange (JS below its threshold) against the native crc32c of a subarray, the call frames made before it. */
function measureCrc(): void {
  const source = Buffer.alloc(megabyte);
  for (let index = 0; index < source.length; index += 1) source[index] = (index * 131 + 7) & 0xff;
  const native = (bytes: Buffer, start: number, end: number): number => crc32c(bytes.subarray(start, end));
  console.log(`crc32c per call (ns, best of 5; crc32cRange computes in JS below ${crc32cNativeBytesMin} bytes):`);
  for (const rangeBytes of [18, 64, 128, 192, 256, 512, 1024, 4096]) {
    const nativeNs = nanosecondsPerCall(source, rangeBytes, native);
    const rangeNs = nanosecondsPerCall(source, rangeBytes, crc32cRange);
    console.log(
      `  ${String(rangeBytes).padStart(5)} B: native(subarray) ${nativeNs.toFixed(0).padStart(5)}, crc32cRange ${rangeNs.toFixed(0).padStart(5)}, ratio range / native ${(rangeNs / nativeNs).toFixed(2)}`,
    );
  }
}

/** Median time of truncateAfter cutting about one batch off the end, after a reopen (cold indexes). */
function measureTruncation(megabytes: number): { medianMs: number; segments: number; sizeMegabytes: number } {
  const directory = join(root, `truncate-${megabytes}`);
  fillLog(directory, batchesFor(megabytes));
  const log = SegmentedLog.open({ directory });
  const segments = log.segments().length;
  const sizeMegabytes = log.segments().reduce((sum, segment) => sum + segment.sizeBytes, 0) / megabyte;
  const timesMs: number[] = [];
  for (let round = 0; round < truncationRounds; round += 1) {
    const start = performance.now();
    log.truncateAfter(log.lastPosition - batchRecords);
    timesMs.push(performance.now() - start);
  }
  log.close();
  rmSync(directory, { recursive: true });
  timesMs.sort((a, b) => a - b);
  return { medianMs: timesMs[Math.floor(timesMs.length / 2)] ?? Number.NaN, segments, sizeMegabytes };
}

function main(): void {
  try {
    measureAppend();
    measureStreamScan();
    measureCrc();
    const small = measureTruncation(smallMegabytes);
    const large = measureTruncation(largeMegabytes);
    console.log(`truncateAfter (cut ${batchRecords} records off the end, median of ${truncationRounds}, after a reopen):`);
    console.log(`  small log ${small.sizeMegabytes.toFixed(0)} MB in ${small.segments} segment(s): ${small.medianMs.toFixed(3)} ms`);
    console.log(`  large log ${large.sizeMegabytes.toFixed(0)} MB in ${large.segments} segment(s): ${large.medianMs.toFixed(3)} ms`);
    console.log(
      `  ratio large / small: ${(large.medianMs / small.medianMs).toFixed(2)} (log size ratio ${(large.sizeMegabytes / small.sizeMegabytes).toFixed(0)})`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main();
