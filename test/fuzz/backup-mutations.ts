// The backup fuzzer's mutations: byte damage, field edits with the hashes recomputed, swaps, duplicates and deletions, each drawn from one seeded random.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { chunkKey, parseChunkKey } from '../../src/backup/chunk-format.js';
import { parseManifestKey } from '../../src/backup/backup-layout.js';
import { decodeFrameHeader, frameHeaderBytes, segmentHeaderBytes } from '../../src/log/segment-format.js';
import type { SeededRandom } from '../../src/random.js';
import { isObject, sha256Hex, storedRef, type FileRef, type Json, type JsonObject, type Reseal, type StoreCopy } from './store-copy.js';

/** Draws from the seeded random; every choice of a mutation goes through it, so a seed replays exactly. */
export class Draw {
  constructor(readonly random: SeededRandom) {}

  int(lowest: number, highest: number): number {
    return lowest + this.random.int(highest - lowest + 1);
  }

  chance(probability: number): boolean {
    return this.random.next() < probability;
  }

  pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[this.random.int(items.length)];
  }
}

export interface MutationContext {
  readonly store: StoreCopy;
  readonly draw: Draw;
}

/** What one applied mutation did: its kind (for the sweep's tally), the object class it hit, and a description to replay by. */
export interface AppliedMutation {
  readonly kind: MutationKind;
  readonly target: string;
  readonly description: string;
}

type Mutation = (context: MutationContext) => Promise<Omit<AppliedMutation, 'kind'> | undefined>;

export const mutationKinds = [
  'flip',
  'truncate',
  'append',
  'damage-at-cut',
  'manifest-field',
  'snapshot-metadata-field',
  'checksums-edit',
  'state-db-field',
  'swap-partitions',
  'swap-backups',
  'swap-manifests',
  'duplicate',
  'delete',
] as const;
export type MutationKind = (typeof mutationKinds)[number];

const mutations: Readonly<Record<MutationKind, Mutation>> = {
  flip: (context) => damageBytes(context, 'flip', flipBytes),
  truncate: (context) => damageBytes(context, 'truncate', truncateBytes),
  append: (context) => damageBytes(context, 'append', appendBytes),
  'damage-at-cut': damageAtCut,
  'manifest-field': editManifestField,
  'snapshot-metadata-field': editSnapshotMetadata,
  'checksums-edit': editChecksums,
  'state-db-field': editStateDatabase,
  'swap-partitions': (context) => swapFiles(context, 'partitions'),
  'swap-backups': (context) => swapFiles(context, 'backups'),
  'swap-manifests': swapManifests,
  duplicate: duplicateSomething,
  delete: deleteSomething,
};

/** Applies `count` mutations (drawing another kind when one does not apply to the store as it is). */
export async function mutate(context: MutationContext, count: number): Promise<AppliedMutation[]> {
  const applied: AppliedMutation[] = [];
  for (let attempts = 0; applied.length < count && attempts < count * 20; attempts++) {
    const kind = context.draw.pick(mutationKinds) as MutationKind;
    const result = await mutations[kind](context);
    if (result !== undefined) applied.push({ kind, ...result });
  }
  return applied;
}

// ---------------------------------------------------------------------------------------------------
// Byte damage: any object, a listed file (whose hashes a tamperer may recompute), or a stored chunk.

type ByteChange = (bytes: Buffer, draw: Draw) => { bytes: Buffer; what: string } | undefined;

/** The class of a listed file, by its path. */
export function fileClass(path: string): string {
  if (path.startsWith('segments/')) return 'segment';
  if (path.startsWith('commands/')) return 'command-index';
  return path.split('/').at(-1) ?? path;
}

async function damageBytes(
  context: MutationContext,
  operation: string,
  change: ByteChange,
): Promise<Omit<AppliedMutation, 'kind'> | undefined> {
  const { store, draw } = context;
  const classes = [
    'manifest',
    'segment',
    'state.db',
    'metadata.json',
    'CHECKSUMS',
    ...(store.format === 'v2' ? ['chunk', 'command-index'] : []),
  ];
  const target = draw.pick(classes) as string;
  if (target === 'manifest') {
    const key = draw.pick(await store.manifestKeys());
    const bytes = key === undefined ? undefined : await store.read(key);
    const changed = bytes === undefined ? undefined : change(bytes, draw);
    if (key === undefined || changed === undefined) return undefined;
    await store.write(key, changed.bytes);
    return { target, description: `${operation} ${key}: ${changed.what}` };
  }
  if (target === 'chunk') {
    const key = draw.pick(await store.chunkKeys());
    const bytes = key === undefined ? undefined : await store.read(key);
    const changed = bytes === undefined ? undefined : change(bytes, draw);
    const chunk = key === undefined ? undefined : parseChunkKey(key);
    if (key === undefined || changed === undefined || chunk === undefined) return undefined;
    await store.write(key, changed.bytes);
    // The stored length is all a tamperer can fix without knowing the content's address.
    const reseal = changed.bytes.length !== bytes?.length && draw.chance(0.6);
    if (reseal) await store.resealStoredBytes(chunk.partitionId, chunk.sha256);
    return { target, description: `${operation} ${key}: ${changed.what}${reseal ? ' (storedBytes recomputed)' : ''}` };
  }
  const ref = draw.pick((await store.fileRefs()).filter((file) => fileClass(file.path) === target));
  const bytes = ref === undefined ? undefined : await store.fileBytes(ref);
  const changed = bytes === undefined ? undefined : change(bytes, draw);
  if (ref === undefined || changed === undefined) return undefined;
  const reseal = drawReseal(store, draw);
  await store.setFileBytes(ref, changed.bytes, reseal);
  return { target, description: `${operation} ${ref.manifestKey} ${ref.path}: ${changed.what} (reseal ${reseal})` };
}

/** How much a tamperer recomputes after changing a file: mostly everything, so that only the deeper checks can tell. */
function drawReseal(store: StoreCopy, draw: Draw): Reseal {
  const roll = draw.random.next();
  if (store.format === 'v1') return roll < 0.3 ? 'none' : 'file';
  return roll < 0.2 ? 'none' : roll < 0.4 ? 'address' : 'file';
}

/**
 * An offset to damage: often in the first bytes (headers: segment, chunk, SQLite page 1), often in the
 * last ones (a segment's records after the cut, which restore truncates away while verify reports them),
 * else anywhere.
 */
function offsetIn(bytes: Buffer, draw: Draw): number {
  const roll = draw.random.next();
  if (roll < 0.25) return draw.int(0, Math.min(bytes.length, 64) - 1);
  if (roll < 0.45) return draw.int(Math.max(0, bytes.length - 128), bytes.length - 1);
  return draw.int(0, bytes.length - 1);
}

const flipBytes: ByteChange = (bytes, draw) => {
  if (bytes.length === 0) return undefined;
  const copy = Buffer.from(bytes);
  const offsets: number[] = [];
  for (let count = draw.chance(0.7) ? 1 : draw.int(2, 4); count > 0; count--) {
    const offset = offsetIn(copy, draw);
    copy[offset] = (copy[offset] ?? 0) ^ (draw.chance(0.5) ? 1 << draw.int(0, 7) : draw.int(1, 255));
    offsets.push(offset);
  }
  return copy.equals(bytes) ? undefined : { bytes: copy, what: `bytes flipped at ${offsets.join(', ')}` };
};

const truncateBytes: ByteChange = (bytes, draw) => {
  if (bytes.length === 0) return undefined;
  const length = draw.chance(0.5) ? bytes.length - draw.int(1, Math.min(64, bytes.length)) : draw.int(0, bytes.length - 1);
  return { bytes: bytes.subarray(0, length), what: `cut from ${bytes.length} to ${length} bytes` };
};

const appendBytes: ByteChange = (bytes, draw) => {
  if (draw.chance(0.5) || bytes.length === 0) {
    const extra = Buffer.from(Array.from({ length: draw.int(1, 64) }, () => draw.int(0, 255)));
    return { bytes: Buffer.concat([bytes, extra]), what: `${extra.length} random bytes appended` };
  }
  // A copy of a piece of the file itself: to a reader, bytes that look like the ones it expects.
  const length = draw.int(1, Math.min(256, bytes.length));
  const start = draw.int(0, bytes.length - length);
  return {
    bytes: Buffer.concat([bytes, bytes.subarray(start, start + length)]),
    what: `bytes ${start}..${start + length - 1} appended again`,
  };
};

/**
 * Damage right around the end of a partition's checkpoint record, in the segment that holds it (the file
 * resealed): a flip or a cut a few bytes before the end of that frame must be refused, one after it is
 * truncated away by restore (and reported by verify). The boundary is where an off-by-one would hide.
 */
async function damageAtCut({ store, draw }: MutationContext): Promise<Omit<AppliedMutation, 'kind'> | undefined> {
  const manifestKey = draw.pick(await store.manifestKeys());
  const manifest = manifestKey === undefined ? undefined : await store.readJson(manifestKey);
  const cut = isObject(manifest) && isObject(manifest.descriptor) ? manifest.descriptor.checkpointPosition : undefined;
  if (manifestKey === undefined || typeof cut !== 'number') return undefined;
  for (const ref of (await store.fileRefs()).filter((file) => file.manifestKey === manifestKey && file.path.startsWith('segments/'))) {
    const bytes = await store.fileBytes(ref);
    const end = bytes === undefined ? undefined : endOfRecord(bytes, cut);
    if (bytes === undefined || end === undefined) continue;
    const offset = Math.max(segmentHeaderBytes, end + draw.int(-3, 40));
    const damaged = Buffer.from(bytes);
    let what: string;
    if (draw.chance(0.5) && offset < bytes.length) {
      damaged[offset] = (damaged[offset] ?? 0) ^ (1 << draw.int(0, 7));
      what = `a bit flipped at ${offset}`;
    } else {
      what = `cut to ${Math.min(offset, bytes.length)} bytes`;
    }
    const result = what.startsWith('cut') ? damaged.subarray(0, Math.min(offset, bytes.length)) : damaged;
    if (result.equals(bytes)) return undefined;
    await store.setFileBytes(ref, result, 'file');
    return {
      target: 'segment',
      description: `${manifestKey} ${ref.path}: the checkpoint record at ${cut} ends at byte ${end}; ${what} (reseal file)`,
    };
  }
  return undefined;
}

/** The offset after the frame of `position` in a segment's bytes, or undefined when the frames up to it do not hold it. */
function endOfRecord(bytes: Buffer, position: number): number | undefined {
  for (let offset = segmentHeaderBytes; offset + frameHeaderBytes <= bytes.length;) {
    const header = decodeFrameHeader(bytes, offset);
    const end = offset + frameHeaderBytes + header.payloadBytes;
    if (header.position === position) return end <= bytes.length ? end : undefined;
    if (header.position > position || end > bytes.length) return undefined;
    offset = end;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Field edits.

type JsonPath = (string | number)[];

/** Every node of a JSON tree with its path (the root excluded). */
function nodesOf(value: Json, path: JsonPath = []): { path: JsonPath; value: Json }[] {
  const here = path.length === 0 ? [] : [{ path, value }];
  if (Array.isArray(value)) return [...here, ...value.flatMap((item, index) => nodesOf(item, [...path, index]))];
  if (isObject(value)) return [...here, ...Object.entries(value).flatMap(([key, item]) => nodesOf(item, [...path, key]))];
  return here;
}

function parentOf(root: Json, path: JsonPath): Json | undefined {
  let node: Json | undefined = root;
  for (const step of path.slice(0, -1))
    node = Array.isArray(node) ? node[step as number] : isObject(node) ? node[step as string] : undefined;
  return node;
}

function setAt(root: Json, path: JsonPath, value: Json | undefined): void {
  const parent = parentOf(root, path);
  const last = path.at(-1) as string | number;
  if (Array.isArray(parent)) {
    if (value === undefined) parent.splice(last as number, 1);
    else parent[last as number] = value;
  } else if (isObject(parent)) {
    if (value === undefined) delete parent[last as string];
    else parent[last as string] = value;
  }
}

/** Another value for a number: off by one, off by more, zero, negative, huge, fractional, or another type. */
function otherNumber(value: number, draw: Draw, near: readonly number[] = []): Json {
  const choices: Json[] = [
    value + 1,
    value - 1,
    value + draw.int(2, 50),
    value - draw.int(2, 50),
    0,
    -value,
    value * 2,
    2 ** 53,
    value + 0.5,
    String(value),
    null,
    ...near,
  ];
  return draw.pick(choices.filter((choice) => choice !== value)) as Json;
}

const enums: Readonly<Record<string, readonly string[]>> = {
  status: ['IN_PROGRESS', 'COMPLETED', 'FAILED', 'DELETED', 'completed'],
  checkpointType: ['MANUAL_BACKUP', 'SCHEDULED_BACKUP', 'MARKER', 'SOMETIMES'],
  codec: ['none', 'gzip', 'zstd', 'brotli'],
  engineVersion: ['0.1.0', '0.1.1', '0.1.0-rc.1', '0.2.0', '0.0.9', '1.0.0', '0.1', 'x'],
  failureReason: ['disk full', ''],
  checkpoint_type: ['MANUAL_BACKUP', 'SCHEDULED_BACKUP', 'MARKER'],
};

/** Another value for a string field: the field's other legal values, a near-miss, or another type. */
function otherString(key: string | number | undefined, value: string, draw: Draw, related: readonly string[]): Json {
  const choices: Json[] = [
    ...(typeof key === 'string' ? (enums[key] ?? []) : []),
    ...related,
    `${value}x`,
    value.slice(0, -1),
    value.toUpperCase(),
    '',
    null,
    0,
  ];
  if (/^[0-9a-f]{64}$/.test(value)) {
    const at = draw.int(0, 63);
    choices.push(`${value.slice(0, at)}${value[at] === '0' ? '1' : '0'}${value.slice(at + 1)}`);
  }
  const digits = /\d+/.exec(value);
  if (digits !== null) {
    const number = Number(digits[0]);
    for (const other of [String(number + 1), String(Math.max(0, number - 1)), String(number), digits[0].padStart(20, '0')]) {
      choices.push(`${value.slice(0, digits.index)}${other}${value.slice(digits.index + digits[0].length)}`);
    }
  }
  return draw.pick(choices.filter((choice) => choice !== value)) as Json;
}

/** Every string in the store's manifests that looks like a path or a SHA-256: edits swap one for another. */
async function relatedStrings(store: StoreCopy): Promise<string[]> {
  const found = new Set<string>();
  for (const key of await store.manifestKeys()) {
    const manifest = await store.readJson(key);
    if (manifest === undefined) continue;
    for (const { value } of nodesOf(manifest))
      if (typeof value === 'string' && (/^[0-9a-f]{64}$/.test(value) || value.includes('/'))) found.add(value);
  }
  return [...found].sort();
}

/** Edits one JSON node: its value replaced (by its type), the node removed, or an array reordered. */
function editNode(
  root: Json,
  node: { path: JsonPath; value: Json },
  draw: Draw,
  related: readonly string[],
  near: readonly number[],
): string {
  const { path, value } = node;
  const key = path.at(-1);
  const where = path.join('.');
  if (draw.chance(0.08)) {
    setAt(root, path, undefined);
    return `${where} removed`;
  }
  if (Array.isArray(value) && value.length > 0) {
    const operation = draw.int(0, 3);
    const index = draw.int(0, value.length - 1);
    if (operation === 0) value.push(structuredClone(value[index]) as Json);
    else if (operation === 1) value.reverse();
    else if (operation === 2) value.splice(index, 1);
    else value.splice(draw.int(0, value.length), 0, structuredClone(value[index]) as Json);
    return `${where} ${['element duplicated at the end', 'reversed', `element ${index} removed`, `element ${index} duplicated inside`][operation] ?? ''}`;
  }
  if (isObject(value)) {
    value[draw.pick(['extra', 'sha256', 'path', 'status']) as string] = draw.pick(['x', 1, null]) as Json;
    return `${where}: a field added`;
  }
  const next =
    typeof value === 'number'
      ? otherNumber(value, draw, near)
      : typeof value === 'string'
        ? otherString(key, value, draw, related)
        : typeof value === 'boolean'
          ? !value
          : (draw.pick([0, 'x', '', {}]) as Json);
  setAt(root, path, next);
  return `${where}: ${JSON.stringify(value)} -> ${JSON.stringify(next)}`;
}

async function editManifestField({ store, draw }: MutationContext): Promise<Omit<AppliedMutation, 'kind'> | undefined> {
  const key = draw.pick(await store.manifestKeys());
  const manifest = key === undefined ? undefined : await store.readJson(key);
  if (key === undefined || manifest === undefined) return undefined;
  const node = draw.pick(nodesOf(manifest));
  if (node === undefined) return undefined;
  const before = structuredClone(manifest);
  const what = editNode(manifest, node, draw, await relatedStrings(store), [...descriptorPositions(manifest)]);
  const resealed = await resealFieldEdit(store, draw, key, before, manifest, node.path);
  await store.writeJson(key, manifest);
  return {
    target: `manifest ${node.path.filter((step) => typeof step === 'string').join('.')}`,
    description: `edit ${key}: ${what}${resealed}`,
  };
}

/** The descriptor's positions of a manifest: an edited position is often set to one of the others. */
function descriptorPositions(manifest: Json): number[] {
  const descriptor = isObject(manifest) ? manifest.descriptor : undefined;
  if (!isObject(descriptor)) return [];
  return Object.values(descriptor).filter((value): value is number => typeof value === 'number' && value < 1_000_000);
}

/**
 * What a tamperer fixes after a manifest edit, where the store could show it at a glance: a renamed file
 * (format v1) moves its object to the new name; a chunk reference pointed at another chunk takes that
 * chunk's lengths and codec (and the file its new size). Returns what was done, for the description.
 */
async function resealFieldEdit(store: StoreCopy, draw: Draw, key: string, before: Json, after: Json, path: JsonPath): Promise<string> {
  const id = parseManifestKey(key);
  if (id === undefined || !draw.chance(0.6) || path[0] !== 'files' || typeof path[1] !== 'number') return '';
  const oldFile = isObject(before) && Array.isArray(before.files) ? before.files[path[1]] : undefined;
  const newFile = isObject(after) && Array.isArray(after.files) ? after.files[path[1]] : undefined;
  if (!isObject(oldFile) || !isObject(newFile)) return '';
  if (path[2] === 'path' && store.format === 'v1' && typeof oldFile.path === 'string' && typeof newFile.path === 'string') {
    const from = `contents/${id.partitionId}/${id.checkpointId}/${id.nodeId}/${oldFile.path}`;
    const to = `contents/${id.partitionId}/${id.checkpointId}/${id.nodeId}/${newFile.path}`;
    if (
      !/^[A-Za-z0-9_][A-Za-z0-9._=+,@-]*(\/[A-Za-z0-9_][A-Za-z0-9._=+,@-]*)*$/.test(newFile.path) ||
      !store.exists(from) ||
      store.exists(to)
    )
      return '';
    await store.move(from, to);
    return ' (object moved to the new name)';
  }
  if (path[2] === 'chunks' && path[4] === 'sha256' && Array.isArray(newFile.chunks) && typeof path[3] === 'number') {
    const chunk = newFile.chunks[path[3]];
    const address = isObject(chunk) ? chunk.sha256 : undefined;
    const other = typeof address === 'string' ? await chunkReference(store, id.partitionId, address) : undefined;
    if (other === undefined || !isObject(chunk)) return '';
    Object.assign(chunk, other);
    newFile.sizeBytes = newFile.chunks.reduce<number>(
      (sum, each) => sum + (isObject(each) && typeof each.sizeBytes === 'number' ? each.sizeBytes : 0),
      0,
    );
    return " (the chunk's lengths and codec, and the file's size, recomputed)";
  }
  return '';
}

/** How some manifest of the partition describes a chunk, when one does. */
async function chunkReference(store: StoreCopy, partitionId: number, address: string): Promise<JsonObject | undefined> {
  for (const ref of await store.fileRefs()) {
    if (ref.partitionId !== partitionId) continue;
    const found = await store.entryOf(ref);
    for (const chunk of Array.isArray(found?.entry.chunks) ? found.entry.chunks : []) {
      const stored = storedRef(chunk);
      if (stored?.sha256 === address) return { ...stored };
    }
  }
  return undefined;
}

/** A snapshot file of some manifest, and its siblings' references. */
async function snapshotFile(store: StoreCopy, draw: Draw, name: string): Promise<FileRef | undefined> {
  return draw.pick((await store.fileRefs()).filter((ref) => ref.path.startsWith('snapshot/') && ref.path.endsWith(`/${name}`)));
}

function sibling(ref: FileRef, name: string): FileRef {
  return { ...ref, path: ref.path.replace(/[^/]+$/, name) };
}

/** Rewrites the CHECKSUMS line of `name` to the new SHA-256, as a tamperer who knows the snapshot's format would. */
async function resealChecksums(store: StoreCopy, ref: FileRef, name: string, sha256: string, reseal: Reseal): Promise<boolean> {
  const checksums = sibling(ref, 'CHECKSUMS');
  const text = (await store.fileBytes(checksums))?.toString('utf8');
  if (text === undefined) return false;
  const rewritten = text.replace(new RegExp(`^[0-9a-f]{64}(?=  ${name.replace('.', '\\.')}$)`, 'm'), sha256);
  if (rewritten === text) return false;
  await store.setFileBytes(checksums, Buffer.from(rewritten), reseal);
  return true;
}

async function editSnapshotMetadata({ store, draw }: MutationContext): Promise<Omit<AppliedMutation, 'kind'> | undefined> {
  const ref = await snapshotFile(store, draw, 'metadata.json');
  const text = ref === undefined ? undefined : (await store.fileBytes(ref))?.toString('utf8');
  let metadata: Json;
  try {
    metadata = JSON.parse(text ?? '') as Json;
  } catch {
    return undefined;
  }
  const node = draw.pick(nodesOf(metadata));
  if (ref === undefined || node === undefined) return undefined;
  const manifest = await store.readJson(ref.manifestKey);
  const checkpointPosition =
    isObject(manifest) && isObject(manifest.descriptor) && typeof manifest.descriptor.checkpointPosition === 'number'
      ? manifest.descriptor.checkpointPosition
      : 0;
  const what = editNode(metadata, node, draw, [], [checkpointPosition, checkpointPosition + 1, 1]);
  const bytes = Buffer.from(`${JSON.stringify(metadata, null, 2)}\n`);
  const reseal = drawReseal(store, draw);
  const sealed = draw.chance(0.85) && (await resealChecksums(store, ref, 'metadata.json', sha256Hex(bytes), reseal));
  await store.setFileBytes(ref, bytes, reseal);
  return {
    target: `metadata.json ${node.path.join('.')}`,
    description: `edit ${ref.manifestKey} ${ref.path}: ${what} (CHECKSUMS ${sealed ? 'recomputed' : 'kept'}, reseal ${reseal})`,
  };
}

async function editChecksums({ store, draw }: MutationContext): Promise<Omit<AppliedMutation, 'kind'> | undefined> {
  const ref = await snapshotFile(store, draw, 'CHECKSUMS');
  const text = ref === undefined ? undefined : (await store.fileBytes(ref))?.toString('utf8');
  if (ref === undefined || text === undefined) return undefined;
  const lines = text.split('\n').filter((line) => line !== '');
  const index = draw.int(0, Math.max(0, lines.length - 1));
  const line = lines[index] ?? '';
  const edits: [string, () => string[]][] = [
    ['a line removed', () => lines.filter((_, at) => at !== index)],
    ['a line duplicated', () => [...lines, line]],
    [
      'the hashes of two lines swapped',
      () =>
        lines.map((each, at) =>
          at === index
            ? `${lines[(index + 1) % lines.length]?.slice(0, 64) ?? ''}${each.slice(64)}`
            : at === (index + 1) % lines.length
              ? `${line.slice(0, 64)}${each.slice(64)}`
              : each,
        ),
    ],
    [
      'a file name changed',
      () =>
        lines.map((each, at) =>
          at === index
            ? `${each.slice(0, 66)}${draw.pick(['CHECKSUMS', 'state.db', 'metadata.json', 'other.db', '../state.db']) ?? ''}`
            : each,
        ),
    ],
    ['a line for CHECKSUMS itself added', () => [...lines, `${sha256Hex(Buffer.from(text))}  CHECKSUMS`]],
    ['the lines reordered', () => [...lines].reverse()],
    ['upper-case hex', () => lines.map((each, at) => (at === index ? each.slice(0, 64).toUpperCase() + each.slice(64) : each))],
    ['one space as separator', () => lines.map((each, at) => (at === index ? each.replace('  ', ' ') : each))],
    ['a binary-mode marker', () => lines.map((each, at) => (at === index ? each.replace('  ', ' *') : each))],
    ['a trailing space', () => lines.map((each, at) => (at === index ? `${each} ` : each))],
    ['a carriage return', () => lines.map((each, at) => (at === index ? `${each}\r` : each))],
    ['a comment line', () => ['# sha256', ...lines]],
  ];
  const [what, edit] = draw.pick(edits) as [string, () => string[]];
  const edited = edit();
  const bytes = Buffer.from(edited.length === 0 ? '' : `${edited.join('\n')}${draw.chance(0.9) ? '\n' : ''}`);
  if (bytes.toString('utf8') === text) return undefined;
  const reseal = drawReseal(store, draw);
  await store.setFileBytes(ref, bytes, reseal);
  return { target: 'CHECKSUMS', description: `edit ${ref.manifestKey} ${ref.path}: ${what} (line ${index}; reseal ${reseal})` };
}

/** One field of the snapshot database's partition_state: the snapshot's own record of where it is. */
async function editStateDatabase({ store, draw }: MutationContext): Promise<Omit<AppliedMutation, 'kind'> | undefined> {
  const ref = await snapshotFile(store, draw, 'state.db');
  const bytes = ref === undefined ? undefined : await store.fileBytes(ref);
  if (ref === undefined || bytes === undefined) return undefined;
  const column = draw.pick([
    'last_processed_position',
    'last_written_position',
    'checkpoint_id',
    'checkpoint_position',
    'checkpoint_type',
    'schema_version',
  ]) as string;
  const directory = await mkdtemp(join(tmpdir(), 'cutline-fuzz-db-'));
  let what: string;
  let edited: Buffer;
  try {
    const path = join(directory, 'state.db');
    await writeFile(path, bytes);
    const database = new Database(path);
    try {
      const row = database.prepare('SELECT * FROM partition_state').get() as Record<string, number | string | null> | undefined;
      const value = row?.[column];
      if (row === undefined || value === undefined) return undefined;
      const next =
        column === 'checkpoint_type'
          ? (draw.pick(enums.checkpoint_type ?? []) as string)
          : otherNumber(typeof value === 'number' ? value : 0, draw, [1, 2, 88, 104]);
      if (typeof next !== 'number' && typeof next !== 'string' && next !== null) return undefined;
      database.prepare(`UPDATE partition_state SET ${column} = ?`).run(next);
      what = `partition_state.${column}: ${JSON.stringify(value)} -> ${JSON.stringify(next)}`;
    } finally {
      database.close();
    }
    edited = await readFile(path);
  } catch {
    return undefined;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
  const reseal = drawReseal(store, draw);
  const sealed = draw.chance(0.85) && (await resealChecksums(store, ref, 'state.db', sha256Hex(edited), reseal));
  await store.setFileBytes(ref, edited, reseal);
  return {
    target: `state.db ${column}`,
    description: `edit ${ref.manifestKey} ${ref.path}: ${what} (CHECKSUMS ${sealed ? 'recomputed' : 'kept'}, reseal ${reseal})`,
  };
}

// ---------------------------------------------------------------------------------------------------
// Swaps, duplicates, deletions.

/** Swaps the bytes of two listed files of the same class: of two partitions of one backup, or of two backups of one partition. */
async function swapFiles(
  { store, draw }: MutationContext,
  between: 'partitions' | 'backups',
): Promise<Omit<AppliedMutation, 'kind'> | undefined> {
  const refs = await store.fileRefs();
  const first = draw.pick(refs);
  if (first === undefined) return undefined;
  const sameClass = draw.chance(0.85);
  const candidates = refs.filter(
    (ref) =>
      (between === 'partitions'
        ? ref.checkpointId === first.checkpointId && ref.partitionId !== first.partitionId
        : ref.partitionId === first.partitionId && ref.checkpointId !== first.checkpointId) &&
      (!sameClass || fileClass(ref.path) === fileClass(first.path)) &&
      (between === 'partitions' || !draw.chance(0.5) || ref.path === first.path),
  );
  const second = draw.pick(candidates);
  const [one, two] = [await store.fileBytes(first), second === undefined ? undefined : await store.fileBytes(second)];
  if (second === undefined || one === undefined || two === undefined || one.equals(two)) return undefined;
  const reseal = drawReseal(store, draw);
  await store.setFileBytes(first, two, reseal);
  await store.setFileBytes(second, one, reseal);
  return {
    target: `${fileClass(first.path)}/${fileClass(second.path)}`,
    description: `swap ${first.manifestKey} ${first.path} with ${second.manifestKey} ${second.path} (reseal ${reseal})`,
  };
}

/** Swaps two manifest objects (of two partitions, or two backups); a tamperer then fixes the ids inside to fit the keys. */
async function swapManifests({ store, draw }: MutationContext): Promise<Omit<AppliedMutation, 'kind'> | undefined> {
  const keys = await store.manifestKeys();
  const [first, second] = [draw.pick(keys), draw.pick(keys)];
  if (first === undefined || second === undefined || first === second) return undefined;
  const [one, two] = [await store.read(first), await store.read(second)];
  if (one === undefined || two === undefined) return undefined;
  await store.write(first, two);
  await store.write(second, one);
  const fixIds = draw.chance(0.7);
  if (fixIds) for (const key of [first, second]) await fixManifestId(store, key);
  return { target: 'manifest', description: `swap ${first} with ${second}${fixIds ? ' (ids fixed to fit the keys)' : ''}` };
}

async function fixManifestId(store: StoreCopy, key: string): Promise<void> {
  const id = parseManifestKey(key);
  const manifest = await store.readJson(key);
  if (id === undefined || !isObject(manifest)) return;
  manifest.id = { partitionId: id.partitionId, checkpointId: id.checkpointId, nodeId: id.nodeId };
  await store.writeJson(key, manifest);
}

async function duplicateSomething({ store, draw }: MutationContext): Promise<Omit<AppliedMutation, 'kind'> | undefined> {
  const what = draw.int(0, 2);
  if (what === 0) {
    // The same partition backup claimed by a second node (restore takes the lowest node id's).
    const key = draw.pick(await store.manifestKeys());
    const id = key === undefined ? undefined : parseManifestKey(key);
    if (key === undefined || id === undefined) return undefined;
    const nodeId = draw.pick([1, 2]) as number;
    const copy = `manifests/${id.partitionId}/${id.checkpointId}/${nodeId}/manifest.json`;
    if (store.exists(copy)) return undefined;
    await store.write(copy, (await store.read(key)) ?? Buffer.alloc(0));
    const fixIds = draw.chance(0.7);
    if (fixIds) await fixManifestId(store, copy);
    let copied = 0;
    if (draw.chance(0.5)) {
      for (const content of await store.objectKeys(`contents/${id.partitionId}/${id.checkpointId}/${id.nodeId}`)) {
        await store.write(
          content.replace(`/${id.checkpointId}/${id.nodeId}/`, `/${id.checkpointId}/${nodeId}/`),
          (await store.read(content)) ?? Buffer.alloc(0),
        );
        copied++;
      }
    }
    return {
      target: 'manifest',
      description: `${key} copied to ${copy}${fixIds ? ' (id fixed)' : ''}${copied > 0 ? ` with its ${copied} content objects` : ''}`,
    };
  }
  if (what === 1) {
    // A file listed twice under two names (the object copied): two segments with one id, or a second snapshot file.
    const ref = draw.pick(await store.fileRefs());
    const found = ref === undefined ? undefined : await store.entryOf(ref);
    if (ref === undefined || found === undefined) return undefined;
    const digits = /^segments\/(\d+)\.log$/.exec(ref.path)?.[1];
    const path =
      digits !== undefined
        ? `segments/${draw.chance(0.5) ? String(Number(digits)) : String(Number(digits) + draw.int(1, 40)).padStart(20, '0')}.log`
        : ref.path.replace(/^snapshot\/[^/]+\//, 'snapshot/');
    if (path === ref.path || !Array.isArray(found.manifest.files)) return undefined;
    found.manifest.files.splice(draw.int(0, found.manifest.files.length), 0, { ...structuredClone(found.entry), path });
    await store.writeJson(ref.manifestKey, found.manifest);
    const object = store.contentKeyOf(ref);
    if (store.format === 'v1' && store.exists(object))
      await store.write(store.contentKeyOf({ ...ref, path }), (await store.read(object)) ?? Buffer.alloc(0));
    return { target: fileClass(ref.path), description: `${ref.manifestKey} ${ref.path} listed again as ${path}` };
  }
  // A chunk listed twice in a row in a file (format v2), the file's size recomputed.
  const ref = draw.pick((await store.fileRefs()).filter(() => store.format === 'v2'));
  const found = ref === undefined ? undefined : await store.entryOf(ref);
  const chunks = found?.entry.chunks;
  if (ref === undefined || found === undefined || !Array.isArray(chunks) || chunks.length === 0) return undefined;
  const index = draw.int(0, chunks.length - 1);
  chunks.splice(index, 0, structuredClone(chunks[index]) as Json);
  found.entry.sizeBytes = chunks.reduce<number>(
    (sum, chunk) => sum + (isObject(chunk) && typeof chunk.sizeBytes === 'number' ? chunk.sizeBytes : 0),
    0,
  );
  const resealed = draw.chance(0.5);
  if (resealed) {
    const bytes = await store.fileBytes(ref);
    if (bytes !== undefined) found.entry.sha256 = sha256Hex(bytes);
  }
  await store.writeJson(ref.manifestKey, found.manifest);
  return {
    target: 'chunk',
    description: `${ref.manifestKey} ${ref.path}: chunk ${index} listed twice${resealed ? ' (file SHA-256 recomputed)' : ''}`,
  };
}

async function deleteSomething({ store, draw }: MutationContext): Promise<Omit<AppliedMutation, 'kind'> | undefined> {
  if (draw.chance(0.5)) {
    const key = draw.pick(await store.objectKeys());
    if (key === undefined) return undefined;
    await store.remove(key);
    return { target: key.split('/')[0] ?? key, description: `object ${key} deleted` };
  }
  // A file taken out of its manifest (and, half the time, out of the store).
  const ref = draw.pick(await store.fileRefs());
  const found = ref === undefined ? undefined : await store.entryOf(ref);
  if (ref === undefined || found === undefined || !Array.isArray(found.manifest.files)) return undefined;
  found.manifest.files = found.manifest.files.filter((file) => file !== found.entry);
  await store.writeJson(ref.manifestKey, found.manifest);
  const objectToo = draw.chance(0.5);
  if (objectToo) {
    if (store.format === 'v1') await store.remove(store.contentKeyOf(ref));
    else
      for (const chunk of Array.isArray(found.entry.chunks) ? found.entry.chunks : [])
        if (isObject(chunk) && typeof chunk.sha256 === 'string') await store.remove(chunkKey(ref.partitionId, chunk.sha256));
  }
  return { target: fileClass(ref.path), description: `${ref.path} taken out of ${ref.manifestKey}${objectToo ? ' and deleted' : ''}` };
}
