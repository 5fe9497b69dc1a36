// Keeps a FileSystemBackupStore inside its directory: no object, and no directory of the store, may be a symbolic link.
import { lstat, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { CutlineError } from '../errors.js';

/** Turns an unexpected I/O failure of a check into the store's own error (STORE_UNAVAILABLE or STORE_ACCESS_DENIED). */
export type IoFailure = (operation: string, key: string, error: unknown) => CutlineError;

/**
 * A link inside the store could point anywhere (another store, /etc, a backup of another cluster), and
 * every read, write and delete through it would happen there. So the store follows no link below its
 * root; the root itself may be one (operators point a store at a mount through a link), and is resolved
 * once. This guards against links placed in the store, not against a process racing the checks: the
 * store directory must be writable only by the user cutline runs as.
 */
export class StoreContainment {
  private realRoot: string | undefined;

  constructor(
    private readonly root: string,
    private readonly ioFailure: IoFailure,
  ) {}

  /**
   * Checks the directories from the root down to `directories` (a key's components without its last
   * one): the deepest that exists must resolve to itself under the real root, so none on the way is a
   * link. Returns whether all of them exist. Checked before a put creates the missing ones, so a link
   * can never make the store create directories elsewhere.
   */
  async directoriesExist(directories: readonly string[], key: string): Promise<boolean> {
    const realRoot = await this.resolvedRoot(key);
    if (realRoot === undefined) return false;
    for (let depth = directories.length; depth >= 0; depth--) {
      const inside = directories.slice(0, depth);
      const real = await realpath(join(this.root, ...inside)).catch((error: unknown) => {
        if (isMissing(error)) return undefined;
        throw this.ioFailure('resolve the directory of', key, error);
      });
      if (real === undefined) continue;
      if (real !== join(realRoot, ...inside)) throw linkRefused(key, `${inside.join('/')}/`);
      return depth === directories.length;
    }
    return false;
  }

  /** Refuses an object path that is itself a link (a dangling one included); a missing path is fine. */
  async refuseLinkedObject(path: string, key: string): Promise<void> {
    const stats = await lstat(path).catch((error: unknown) => {
      if (isMissing(error)) return undefined;
      throw this.ioFailure('stat', key, error);
    });
    if (stats?.isSymbolicLink() === true) throw linkRefused(key, key);
  }

  /** The root with its own links resolved; undefined while it does not exist (a put creates it). */
  private async resolvedRoot(key: string): Promise<string | undefined> {
    if (this.realRoot !== undefined) return this.realRoot;
    const real = await realpath(this.root).catch((error: unknown) => {
      if (isMissing(error)) return undefined;
      throw this.ioFailure('resolve the store directory for', key, error);
    });
    this.realRoot = real;
    return real;
  }
}

/** STORE_SYMLINK: the object, or a directory on its way, is a symbolic link inside the store. */
export function linkRefused(key: string, linked: string): CutlineError {
  const what =
    linked === key
      ? `object ${key} is a symbolic link inside the filesystem store`
      : `${linked} is a symbolic link inside the filesystem store (on the way to ${key})`;
  return new CutlineError('STORE_SYMLINK', `${what}; the store never reads or writes through one`, {
    hint: 'Replace the link by the real file or directory, or point --store at the real location (the store directory itself may be a link).',
  });
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
