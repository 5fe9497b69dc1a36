// Proof that a staging directory found past its commit point is this restore's: bound to the plan, every file there with the bytes committed.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { plannedFiles, type RestorePlan } from './restore-plan.js';
import { stagingDirectoryName } from './restore-layout.js';
import { stagedDataName, type CommitRecord } from './restore-target.js';

/** One entry of the staged data: its path relative to `data/`, its size, and its SHA-256 (null for anything but a regular file). */
export interface StagedFile {
  readonly path: string;
  readonly sizeBytes: number;
  readonly sha256: string | null;
}

/** The SHA-256 of a file when the restore already knows it (it checked those bytes), else undefined. */
export type KnownSha256 = (path: string, sizeBytes: number) => string | undefined;

/**
 * SHA-256 over what a plan restores, in a canonical order: the restore's identity, every cut, and every
 * planned file (key, size, SHA-256, target path). The same store and arguments give the same digest.
 */
export function planDigest(plan: RestorePlan): string {
  const lines = [
    `restore ${plan.target.backupId} node ${plan.nodeId} of ${plan.clusterSize}`,
    ...plan.partitions.map((partition) => `cut ${partition.partitionId} ${partition.cut.checkpointId} ${partition.cut.position}`),
    ...plannedFiles(plan)
      .map((file) => `file ${file.key} ${file.sizeBytes} ${file.sha256} ${file.targetPath}`)
      .sort(),
  ];
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** SHA-256 over a listing of the staged data: one line per entry (path, size, SHA-256), in path order. */
export function listingDigest(files: readonly StagedFile[]): string {
  const lines = files.map((file) => `${file.path}\t${file.sizeBytes}\t${file.sha256 ?? 'not a file'}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** Lists `relative` under root and everything beneath it (paths `/`-separated, relative to root); unknown SHA-256s are read from disk. */
export async function listTree(root: string, relative: string, known: KnownSha256, out: StagedFile[]): Promise<void> {
  const path = join(root, relative);
  const stats = await lstat(path);
  if (stats.isDirectory()) {
    for (const name of (await readdir(path)).sort()) await listTree(root, `${relative}/${name}`, known, out);
    return;
  }
  const sha256 = stats.isFile() ? (known(relative, stats.size) ?? (await sha256OfFile(path))) : null;
  out.push({ path: relative, sizeBytes: stats.size, sha256 });
}

/**
 * Whether a staging directory past its commit point is this restore's, and complete: the commit record
 * names this plan and exactly the entries a restore writes, and those entries (each either still in
 * `data/` or already moved into the target, never both) hold exactly the files, sizes and SHA-256s
 * committed. Anything else (a record this cutline did not write, data deleted or added since) is not.
 */
export async function provesStaging(
  dataDirectory: string,
  commit: CommitRecord,
  plan: RestorePlan,
  entries: readonly string[],
): Promise<boolean> {
  if (commit.planSha256 !== planDigest(plan) || typeof commit.dataSha256 !== 'string') return false;
  if (commit.entries.length !== entries.length || commit.entries.some((entry, index) => entry !== entries[index])) return false;
  const staged = join(dataDirectory, stagingDirectoryName, stagedDataName);
  const stagedEntries = await readdir(staged).catch(() => [] as string[]);
  if (stagedEntries.some((name) => !entries.includes(name))) return false;
  const files: StagedFile[] = [];
  for (const entry of entries) {
    const inStaging = stagedEntries.includes(entry);
    const inTarget = await lstat(join(dataDirectory, entry)).then(
      () => true,
      () => false,
    );
    if (inStaging === inTarget) return false;
    await listTree(inStaging ? staged : dataDirectory, entry, () => undefined, files);
  }
  return listingDigest(files) === commit.dataSha256;
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
