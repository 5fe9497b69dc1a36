// The narrow synchronous file-system seam the log writes through; node:fs by default, a fault injector in simulation.
import * as fs from 'node:fs';

/** How a file is opened: read only, read and write an existing file, or create (truncating) for read and write. */
export type FileOpenMode = 'read' | 'read-write' | 'create';

/**
 * The file operations the log needs, synchronous and positional (no shared file offset),
 * so that a seeded simulator can implement them in memory and inject faults at any call.
 * Every method throws on failure (as node:fs does); a missing path throws an error with code ENOENT.
 */
export interface LogFileSystem {
  /** Creates the directory and its parents; succeeds when it exists already. */
  makeDirectory(path: string): void;
  /** The names (not paths) of the entries of a directory, in no particular order. */
  listDirectory(path: string): string[];
  openFile(path: string, mode: FileOpenMode): number;
  fileSize(fd: number): number;
  /** Reads up to target.length bytes at position; returns how many were read (0 at end of file). */
  readAt(fd: number, target: Uint8Array, position: number): number;
  /** Writes all of source at position (looping over short writes). */
  writeAt(fd: number, source: Uint8Array, position: number): void;
  /** fsync: the file's bytes and size are durable when it returns. */
  syncFile(fd: number): void;
  truncateFile(fd: number, sizeBytes: number): void;
  closeFile(fd: number): void;
  /** Atomically replaces `to` with `from` (POSIX rename). */
  rename(from: string, to: string): void;
  removeFile(path: string): void;
  /** fsync of the directory itself, so that creations, renames and deletions in it are durable. */
  syncDirectory(path: string): void;
}

const openFlags: Record<FileOpenMode, string> = { read: 'r', 'read-write': 'r+', create: 'w+' };

/** The real file system. */
export const nodeLogFileSystem: LogFileSystem = {
  makeDirectory: (path) => void fs.mkdirSync(path, { recursive: true }),
  listDirectory: (path) => fs.readdirSync(path),
  openFile: (path, mode) => fs.openSync(path, openFlags[mode]),
  fileSize: (fd) => fs.fstatSync(fd).size,
  readAt: (fd, target, position) => fs.readSync(fd, target, 0, target.length, position),
  writeAt: (fd, source, position) => {
    let written = 0;
    while (written < source.length) {
      written += fs.writeSync(fd, source, written, source.length - written, position + written);
    }
  },
  syncFile: (fd) => fs.fsyncSync(fd),
  truncateFile: (fd, sizeBytes) => fs.ftruncateSync(fd, sizeBytes),
  closeFile: (fd) => fs.closeSync(fd),
  rename: (from, to) => fs.renameSync(from, to),
  removeFile: (path) => fs.unlinkSync(path),
  syncDirectory: (path) => {
    // Windows cannot open a directory for fsync; there, directory entries are durable with the file.
    if (process.platform === 'win32') return;
    const fd = fs.openSync(path, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  },
};
