/**
 * `FileStorage`: the node {@link Storage} contract over a data directory, for
 * real mode.
 *
 * Layout: `DIR/storage.log`, an append-only log of sync records, and
 * `DIR/LOCK`, holding the pid of the process that has the directory open.
 * Every {@link FileStorage.sync} appends exactly one record carrying all the
 * writes made since the previous sync, then fsyncs the file, so a sync is
 * atomic: after a crash either all of its writes are there or none is.
 *
 * Record: `length (u32 LE, of the body) || body || checksum (8 bytes: the first
 * 8 of sha256("asset-sim/file-storage/v1" || body))`. Body: a sequence of
 * operations `op (u8: 1 put, 2 delete) || key length (u16 LE) || key (utf8)
 * || [value length (u32 LE) || value]` (the value for puts only).
 *
 * Recovery on open replays the log; the first record that runs past the end
 * of the file or fails its checksum is cut off with everything after it (the
 * file is truncated and fsynced) and counted in {@link FileStorage.recovery}.
 * Only the last record can be torn (a sync appends one record and fsyncs it
 * before the next sync starts), so when an intact record follows the bad one
 * the log was corrupted in the middle, not torn: `corruptMiddle` says so, and
 * the caller must not trust what the store holds to be the newest it wrote
 * (a validator then recovers its vote-safety state from its peers: issue 16,
 * a bit flipped in the middle of the log silently rolled it back). The log is
 * compacted (rewritten as one record to a temporary file, fsynced, renamed over
 * the log, directory fsynced) on open and whenever it grows past
 * `compactFactor` times the live data and `compactMinBytes`.
 *
 * Reads are served from memory: the whole key space is held in a map (fine for
 * a testnet node; a production store would index the log instead).
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Storage } from "../sim/node.js";
import { overlayGet, overlayKeys, type PendingWrites } from "../storage/write-overlay.js";

/** Options of {@link FileStorage.open}. */
export interface FileStorageOptions {
  /** Compact when the log exceeds this multiple of the live data's size (default 4). */
  readonly compactFactor?: number;
  /** ...and exceeds this many bytes (default 8 MiB). */
  readonly compactMinBytes?: number;
  /** Take the directory's LOCK (default true). Two processes writing one log would corrupt it. */
  readonly lock?: boolean;
}

/** What {@link FileStorage.open} found. */
export interface FileStorageRecovery {
  /** True when the directory had no log: a new store (the caller formats it). */
  readonly created: boolean;
  /** Sync records replayed. */
  readonly records: number;
  /** Bytes cut off the end of the log as a torn or corrupt tail (0 normally). */
  readonly droppedBytes: number;
  /**
   * True when an intact record followed the first bad one: the log was corrupted in the middle (a torn write
   * damages only the last record), so later writes were cut off with it and the store may hold older values
   * than it acknowledged.
   */
  readonly corruptMiddle: boolean;
}

/** The data directory is held by another live process. */
export class StorageLockedError extends Error {
  constructor(dir: string, pid: number) {
    super(`data directory ${dir} is in use by process ${pid} (remove ${join(dir, "LOCK")} if that process is gone)`);
    this.name = "StorageLockedError";
  }
}

/** Files and folders the store creates are its owner's alone (issue 16: data was world-readable). */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
const LOG_FILE = "storage.log";
const LOCK_FILE = "LOCK";
const OP_PUT = 1;
const OP_DELETE = 2;
const HEADER_BYTES = 4;
const CHECKSUM_BYTES = 8;
/** Largest record accepted while reading (a length above this is a torn or corrupt header). */
const RECORD_BYTES_MAX = 1024 * 1024 * 1024;
const DOMAIN = Buffer.from("asset-sim/file-storage/v1");
const DELETED = null;

function checksum(body: Uint8Array): Buffer {
  return createHash("sha256").update(DOMAIN).update(body).digest().subarray(0, CHECKSUM_BYTES);
}

/** Durable key-value storage in a directory (see the file comment). */
export class FileStorage implements Storage {
  /** What the last open found. */
  readonly recovery: FileStorageRecovery;
  private readonly dir: string;
  private readonly durable = new Map<string, Uint8Array>();
  private readonly pending: PendingWrites = new Map();
  private fd: number | undefined;
  private logBytes = 0;
  private liveBytes = 0;
  private readonly compactFactor: number;
  private readonly compactMinBytes: number;
  private readonly locked: boolean;

  private constructor(dir: string, options: FileStorageOptions) {
    this.dir = dir;
    this.compactFactor = options.compactFactor ?? 4;
    this.compactMinBytes = options.compactMinBytes ?? 8 * 1024 * 1024;
    this.locked = options.lock ?? true;
    mkdirSync(dir, { recursive: true, mode: DIR_MODE });
    if (this.locked) takeLock(dir);
    const path = join(dir, LOG_FILE);
    const created = !existsSync(path);
    let records = 0;
    let droppedBytes = 0;
    let corruptMiddle = false;
    if (!created) {
      const bytes = readFileSync(path);
      let offset = 0;
      while (offset < bytes.length) {
        const body = readRecord(bytes, offset);
        if (body === undefined) break;
        this.applyBody(body);
        records++;
        offset += HEADER_BYTES + body.length + CHECKSUM_BYTES;
      }
      droppedBytes = bytes.length - offset;
      corruptMiddle = droppedBytes > 0 && intactRecordAfter(bytes, offset);
      if (droppedBytes > 0) {
        const fd = openSync(path, "r+");
        try {
          ftruncateSync(fd, offset);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
      this.logBytes = offset;
    }
    this.recovery = { created, records, droppedBytes, corruptMiddle };
    this.liveBytes = this.measureLive();
    if (created) {
      this.fd = openSync(path, "a", FILE_MODE);
      fsyncDirectory(dir);
    } else if (this.logBytes > this.compactMinBytes && this.logBytes > this.compactFactor * this.liveBytes) {
      this.compact();
    } else {
      this.fd = openSync(path, "a", FILE_MODE);
    }
  }

  /**
   * Opens (creating when absent) the store in `dir` and recovers it from its log.
   * @throws StorageLockedError when another live process holds the directory
   * @throws Error (from node:fs) when the directory cannot be created or read
   */
  static open(dir: string, options: FileStorageOptions = {}): FileStorage {
    return new FileStorage(dir, options);
  }

  get(key: string): Uint8Array | undefined {
    return overlayGet(this.durable, this.pending, key);
  }

  put(key: string, value: Uint8Array): void {
    this.assertOpen();
    this.pending.set(key, value.slice());
  }

  delete(key: string): void {
    this.assertOpen();
    this.pending.set(key, DELETED);
  }

  keys(prefix: string): string[] {
    return overlayKeys(this.durable, this.pending, prefix);
  }

  /**
   * Appends one record with every write since the last sync and fsyncs the log.
   * @throws Error (from node:fs) when the write or fsync fails: the caller must stop, the store's state is unknown
   */
  sync(): void {
    this.assertOpen();
    if (this.pending.size === 0) return;
    const body = encodeBody(this.pending);
    const record = frame(body);
    let written = 0;
    while (written < record.length) written += writeSync(this.fd!, record, written, record.length - written);
    fsyncSync(this.fd!);
    this.logBytes += record.length;
    this.applyBody(body);
    this.pending.clear();
    this.liveBytes = this.measureLive();
    if (this.logBytes > this.compactMinBytes && this.logBytes > this.compactFactor * this.liveBytes) this.compact();
  }

  /** Unsynced writes waiting for the next {@link sync}. */
  get unsyncedWrites(): number {
    return this.pending.size;
  }

  /** Size of the log file, bytes. */
  get logSizeBytes(): number {
    return this.logBytes;
  }

  /**
   * Closes the log and releases the lock. Unsynced writes are dropped (call
   * {@link sync} first to keep them). Idempotent.
   */
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    this.pending.clear();
    if (this.locked) releaseLock(this.dir);
  }

  /** Rewrites the log as one record of the live data (temp file, fsync, rename, directory fsync). */
  private compact(): void {
    const path = join(this.dir, LOG_FILE);
    const temporary = `${path}.compact`;
    const record = frame(encodeBody(this.durable));
    const fd = openSync(temporary, "w", FILE_MODE);
    try {
      let written = 0;
      while (written < record.length) written += writeSync(fd, record, written, record.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (this.fd !== undefined) closeSync(this.fd);
    renameSync(temporary, path);
    fsyncDirectory(this.dir);
    this.fd = openSync(path, "a", FILE_MODE);
    this.logBytes = record.length;
  }

  private applyBody(body: Uint8Array): void {
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    let offset = 0;
    while (offset < body.length) {
      const op = body[offset]!;
      const keyLength = view.getUint16(offset + 1, true);
      const key = Buffer.from(body.subarray(offset + 3, offset + 3 + keyLength)).toString("utf8");
      offset += 3 + keyLength;
      if (op === OP_PUT) {
        const valueLength = view.getUint32(offset, true);
        // A plain Uint8Array copy (not a Buffer view of the log), as a node expects.
        this.durable.set(key, new Uint8Array(body.subarray(offset + 4, offset + 4 + valueLength)));
        offset += 4 + valueLength;
      } else {
        this.durable.delete(key);
      }
    }
  }

  private measureLive(): number {
    let total = HEADER_BYTES + CHECKSUM_BYTES;
    for (const [key, value] of this.durable) total += 7 + Buffer.byteLength(key) + value.length;
    return total;
  }

  private assertOpen(): void {
    if (this.fd === undefined) throw new Error(`FileStorage ${this.dir} is closed`);
  }
}

/** The body of the record at `offset`, or undefined when it is torn or corrupt. */
function readRecord(bytes: Uint8Array, offset: number): Uint8Array | undefined {
  if (offset + HEADER_BYTES > bytes.length) return undefined;
  const length = new DataView(bytes.buffer, bytes.byteOffset + offset, HEADER_BYTES).getUint32(0, true);
  if (length > RECORD_BYTES_MAX) return undefined;
  const end = offset + HEADER_BYTES + length + CHECKSUM_BYTES;
  if (end > bytes.length) return undefined;
  const body = bytes.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length);
  const stored = bytes.subarray(offset + HEADER_BYTES + length, end);
  const expected = checksum(body);
  for (let i = 0; i < CHECKSUM_BYTES; i++) if (stored[i] !== expected[i]) return undefined;
  return body;
}

/** Whether an intact record (its length in bounds and its checksum right) starts at some offset after `bad`. */
function intactRecordAfter(bytes: Uint8Array, bad: number): boolean {
  for (let offset = bad + 1; offset + HEADER_BYTES + CHECKSUM_BYTES <= bytes.length; offset++) {
    if (readRecord(bytes, offset) !== undefined) return true;
  }
  return false;
}

function encodeBody(writes: ReadonlyMap<string, Uint8Array | typeof DELETED>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of writes) {
    const keyBytes = Buffer.from(key, "utf8");
    if (keyBytes.length > 0xffff) throw new RangeError(`storage key longer than 65535 bytes: ${key.slice(0, 40)}...`);
    const head = Buffer.alloc(3 + keyBytes.length + (value === DELETED ? 0 : 4));
    head[0] = value === DELETED ? OP_DELETE : OP_PUT;
    head.writeUInt16LE(keyBytes.length, 1);
    keyBytes.copy(head, 3);
    if (value !== DELETED) head.writeUInt32LE(value.length, 3 + keyBytes.length);
    parts.push(head);
    if (value !== DELETED) parts.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return Buffer.concat(parts);
}

function frame(body: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(body.length, 0);
  return Buffer.concat([header, body, checksum(body)]);
}

/** Makes a create or rename in `dir` durable. */
function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
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
