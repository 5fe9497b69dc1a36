// A LogFileSystem over node:fs that records which files each call touched, and can fail a chosen call.
import { nodeLogFileSystem, type LogFileSystem } from '../../src/log/file-system.js';

export interface FileSystemCall {
  readonly operation: keyof LogFileSystem;
  readonly path: string;
  readonly bytes: number;
}

export class RecordingFileSystem implements LogFileSystem {
  readonly calls: FileSystemCall[] = [];
  private readonly paths = new Map<number, string>();
  /** When set, called before each operation; throwing from it fails the operation. */
  beforeCall: ((call: FileSystemCall) => void) | undefined;

  private record(operation: keyof LogFileSystem, path: string, bytes = 0): void {
    const call = { operation, path, bytes };
    this.beforeCall?.(call);
    this.calls.push(call);
  }

  private pathOf(fd: number): string {
    return this.paths.get(fd) ?? `fd ${fd}`;
  }

  makeDirectory(path: string): void {
    this.record('makeDirectory', path);
    nodeLogFileSystem.makeDirectory(path);
  }
  listDirectory(path: string): string[] {
    this.record('listDirectory', path);
    return nodeLogFileSystem.listDirectory(path);
  }
  openFile(path: string, mode: 'read' | 'read-write' | 'create'): number {
    this.record('openFile', path);
    const fd = nodeLogFileSystem.openFile(path, mode);
    this.paths.set(fd, path);
    return fd;
  }
  fileSize(fd: number): number {
    this.record('fileSize', this.pathOf(fd));
    return nodeLogFileSystem.fileSize(fd);
  }
  readAt(fd: number, target: Uint8Array, position: number): number {
    const read = nodeLogFileSystem.readAt(fd, target, position);
    this.record('readAt', this.pathOf(fd), read);
    return read;
  }
  writeAt(fd: number, source: Uint8Array, position: number): void {
    this.record('writeAt', this.pathOf(fd), source.length);
    nodeLogFileSystem.writeAt(fd, source, position);
  }
  syncFile(fd: number): void {
    this.record('syncFile', this.pathOf(fd));
    nodeLogFileSystem.syncFile(fd);
  }
  truncateFile(fd: number, sizeBytes: number): void {
    this.record('truncateFile', this.pathOf(fd), sizeBytes);
    nodeLogFileSystem.truncateFile(fd, sizeBytes);
  }
  closeFile(fd: number): void {
    this.record('closeFile', this.pathOf(fd));
    nodeLogFileSystem.closeFile(fd);
  }
  rename(from: string, to: string): void {
    this.record('rename', `${from} -> ${to}`);
    nodeLogFileSystem.rename(from, to);
  }
  removeFile(path: string): void {
    this.record('removeFile', path);
    nodeLogFileSystem.removeFile(path);
  }
  syncDirectory(path: string): void {
    this.record('syncDirectory', path);
    nodeLogFileSystem.syncDirectory(path);
  }
}
