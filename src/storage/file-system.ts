/**
 * The file system under the file store (`file-store.ts`): the few synchronous
 * calls it makes, so that the same store runs over the real file system in
 * real mode (`runtime/node-file-system.ts`, node:fs) and over the simulated
 * one in the simulator (`sim-file-system.ts`, where the storage faults live),
 * as TigerBeetle runs its replica over `storage.zig` or `testing/storage.zig`.
 *
 * Durability follows POSIX: data written to a file survives a crash only once
 * the file was fsynced; a created, renamed or deleted name survives only once
 * its directory was fsynced. Paths are `/`-separated.
 */

/** An open file (an opaque handle of the file system that opened it). */
export type FileHandle = number;

/** Synchronous file calls (see the file comment). Every call throws on an IO failure. */
export interface FileSystem {
  /** Whether a file exists at `path`. */
  exists(path: string): boolean;
  /** Creates the directory `path` and its parents, readable by the owner only; no-op when it exists. */
  mkdir(path: string): void;
  /** The whole content of the file at `path`. @throws Error when there is none */
  readFile(path: string): Uint8Array;
  /** Opens the file at `path` for appending and reading, creating it (owner-only) when absent. */
  openAppend(path: string): FileHandle;
  /** Opens the file at `path` for writing, creating it (owner-only) or emptying it. */
  openTruncate(path: string): FileHandle;
  /** Appends all of `bytes` at the end of the file. */
  append(handle: FileHandle, bytes: Uint8Array): void;
  /** `length` bytes of the file from byte `position` (fewer at the end of the file). */
  readAt(handle: FileHandle, position: number, length: number): Uint8Array;
  /** Cuts the file to `length` bytes (durable at the next {@link fsync}). */
  truncate(handle: FileHandle, length: number): void;
  /** Makes the file's data durable. */
  fsync(handle: FileHandle): void;
  /** Closes the handle. */
  close(handle: FileHandle): void;
  /** Renames `from` to `to`, replacing `to` atomically (durable once the directory is fsynced). */
  rename(from: string, to: string): void;
  /** Deletes the file at `path` (durable once the directory is fsynced). */
  unlink(path: string): void;
  /** Makes the creates, renames and deletes in directory `path` durable. */
  fsyncDirectory(path: string): void;
}
