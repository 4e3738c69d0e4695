/**
 * `FileStorage`: the shipped file store (`storage/file-store.ts`, the same code
 * the simulator runs over its simulated file system) over node:fs, for real
 * mode, plus the directory's `LOCK` file holding the pid of the process that
 * has the directory open (two processes writing one log would corrupt it).
 * See `storage/file-store.ts` for the layout, the vote-safety file and recovery.
 */
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FileStore, type FileStoreOptions, type FileStoreRecovery } from "../storage/file-store.js";
import { NodeFileSystem } from "./node-file-system.js";

/** Options of {@link FileStorage.open}. */
export interface FileStorageOptions extends FileStoreOptions {
  /** Take the directory's LOCK (default true). */
  readonly lock?: boolean;
}

/** What {@link FileStorage.open} found. */
export type FileStorageRecovery = FileStoreRecovery;

/** The data directory is held by another live process. */
export class StorageLockedError extends Error {
  constructor(dir: string, pid: number) {
    super(`data directory ${dir} is in use by process ${pid} (remove ${join(dir, "LOCK")} if that process is gone)`);
    this.name = "StorageLockedError";
  }
}

const FILE_MODE = 0o600;
const LOCK_FILE = "LOCK";

/** The file store in a real directory (see the file comment). */
export class FileStorage extends FileStore {
  private readonly locked: boolean;
  private released = false;

  private constructor(dir: string, options: FileStorageOptions) {
    const fs = new NodeFileSystem();
    const locked = options.lock ?? true;
    if (locked) {
      fs.mkdir(dir);
      takeLock(dir);
    }
    try {
      super(fs, dir, options);
    } catch (error) {
      if (locked) releaseLock(dir);
      throw error;
    }
    this.locked = locked;
  }

  /**
   * Opens (creating when absent) the store in `dir` and recovers it.
   * @throws StorageLockedError when another live process holds the directory
   * @throws Error (from node:fs) when the directory cannot be created or read
   */
  static open(dir: string, options: FileStorageOptions = {}): FileStorage {
    return new FileStorage(dir, options);
  }

  /** Closes the log and releases the lock. Unsynced writes are dropped (call {@link sync} first). Idempotent. */
  override close(): void {
    super.close();
    if (this.locked && !this.released) {
      this.released = true;
      releaseLock(this.dir);
    }
  }
}

function takeLock(dir: string): void {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: "wx", mode: FILE_MODE });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const pid = Number.parseInt(readLockPid(path), 10);
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) throw new StorageLockedError(dir, pid);
    // A stale lock (its process died, e.g. kill -9): take it over.
    unlinkSync(path);
  }
  throw new Error(`could not take ${path}`);
}

function readLockPid(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "";
  }
}

function releaseLock(dir: string): void {
  try {
    unlinkSync(join(dir, LOCK_FILE));
  } catch {
    // Already gone: nothing to release.
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
