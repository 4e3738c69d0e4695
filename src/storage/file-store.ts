/**
 * `FileStore`: the node {@link Storage} contract over a directory of a
 * {@link FileSystem}. The same code runs in both worlds (issue 16): over
 * node:fs in real mode (`runtime/file-storage.ts`) and over the simulated file
 * system in the simulator (`sim-file-system.ts`, through `sim-disk.ts`), so the
 * simulator's torn writes, flipped bits, lost unsynced writes and lost disks
 * exercise this recovery code.
 *
 * Layout:
 * - `DIR/storage.log`: an append-only log of sync records. Every {@link sync}
 *   appends one record carrying all the writes made since the previous sync,
 *   then fsyncs the file, so a sync is atomic.
 * - `DIR/safety`: the vote-safety state (the keys in {@link SAFETY_FILE_KEYS}),
 *   kept out of the log in its own file, rewritten whole at every sync that
 *   changes it: temporary file, fsync, rename over `safety`, directory fsync
 *   (as CometBFT keeps its `priv_validator_state.json`). No repair of the log
 *   (cutting a torn or corrupt tail) can roll it back, and it can only be
 *   whole and new, whole and old (a crash before the rename: the sync never
 *   returned, so nothing acted on the new state), or damaged, which its
 *   checksum catches: {@link FileStoreRecovery.safetyLost}. It is written before
 *   the log record of the same sync.
 *
 * Record (both files): `length (u32 LE, of the body) || body || checksum (8
 * bytes: the first 8 of sha256(domain || body))`, domain
 * `asset-sim/file-storage/v1` in the log and `asset-sim/file-storage/safety/v1`
 * in the safety file. Body: operations `op (u8: 1 put, 2 delete) || key length
 * (u16 LE) || key (utf8) || [value length (u32 LE) || value]` (puts only).
 *
 * Recovery on open replays the log; the first record that runs past the end of
 * the file or fails its checksum is cut off with everything after it (the file
 * is truncated and fsynced): the store is always a prefix of its history.
 * Only the last record can be torn (a sync appends one record and fsyncs it
 * before the next starts), so when an intact record follows the bad one the log
 * was corrupted in the middle, not torn: {@link FileStoreRecovery.corruptMiddle}
 * says so (writes acknowledged after the bad record are gone: blocks, which
 * peers supply again; never the vote-safety state, which is not in the log).
 * A safety file that is missing (when the log is not) or fails its checksum
 * sets {@link FileStoreRecovery.safetyLost}, and the store then holds a 0-byte
 * value under the safety key, which no checksummed reader accepts
 * (`checksum.ts`): the validator reads its vote-safety state as corrupt and
 * recovers it from a quorum of its peers' views before it votes again
 * (`consensus/hotstuff/recovery.ts`), never trusting an older one; the same
 * path in both worlds, with nothing for the host to do.
 * The log is compacted (rewritten as one record to a temporary file, fsynced,
 * renamed over the log, directory fsynced) on open and whenever it grows past
 * `compactFactor` times the live data and `compactMinBytes`.
 *
 * Memory is bounded by the number of keys, not the data (issue 16, defect 8):
 * the store keeps an index, key to the value's place in the log, and reads
 * values from the file; only unsynced writes and the small vote-safety values
 * are held. Opening reads the log once (transiently).
 */
import { sha256Concat, utf8 } from "../crypto/hash.js";
import { RECOVERING_KEY, SAFETY_KEY } from "../consensus/safety-store.js";
import type { Storage } from "../sim/node.js";
import { assert } from "../sim/assert.js";
import type { FileHandle, FileSystem } from "./file-system.js";

/** Keys kept in the safety file, not the log: the vote-safety state and the recovery mark that guards it. */
export const SAFETY_FILE_KEYS: readonly string[] = [SAFETY_KEY, RECOVERING_KEY];

/** Options of {@link FileStore.openOn}. */
export interface FileStoreOptions {
  /** Compact when the log exceeds this multiple of the live data's size (default 4). */
  readonly compactFactor?: number;
  /** ...and exceeds this many bytes (default 8 MiB). */
  readonly compactMinBytes?: number;
}

/** What {@link FileStore.openOn} found. */
export interface FileStoreRecovery {
  /** True when the directory had neither log nor safety file: a new store (the caller formats it). */
  readonly created: boolean;
  /** Sync records replayed. */
  readonly records: number;
  /** Bytes cut off the end of the log as a torn or corrupt tail (0 normally). */
  readonly droppedBytes: number;
  /**
   * True when an intact record followed the first bad one: the log was corrupted in the middle (a torn write
   * damages only the last record), so later acknowledged writes were cut off with it.
   */
  readonly corruptMiddle: boolean;
  /** True when the safety file is missing (and the log is not) or fails its checksum: no vote-safety state may be trusted. */
  readonly safetyLost: boolean;
}

/** Where a durable value's bytes are (for the simulator's faults and tests). */
export interface ValueLocation {
  /** File path. */
  readonly path: string;
  /** Byte offset of the value in the file. */
  readonly offset: number;
  /** Bytes of the value. */
  readonly length: number;
}

export const LOG_FILE = "storage.log";
export const SAFETY_FILE = "safety";
const OP_PUT = 1;
const OP_DELETE = 2;
const HEADER_BYTES = 4;
const CHECKSUM_BYTES = 8;
/** Largest record accepted while reading (a length above this is a torn or corrupt header). */
const RECORD_BYTES_MAX = 1024 * 1024 * 1024;
const LOG_DOMAIN = utf8("asset-sim/file-storage/v1");
const SAFETY_DOMAIN = utf8("asset-sim/file-storage/safety/v1");
const DELETED = null;
const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

type Writes = Map<string, Uint8Array | typeof DELETED>;

/** A durable value in the log: its offset (of the value bytes) and length. */
interface Place {
  offset: number;
  length: number;
}

/** Durable key-value storage in a directory (see the file comment). */
export class FileStore implements Storage {
  /** What the open found. */
  readonly recovery: FileStoreRecovery;
  /** The directory. */
  readonly dir: string;
  protected readonly fs: FileSystem;
  private readonly index = new Map<string, Place>();
  private readonly safetyValues = new Map<string, Uint8Array>();
  private readonly pending: Writes = new Map();
  /** Vote-safety keys found in the log while opening: a log written before they had their own file (migrated once). */
  private readonly legacySafety = new Map<string, Uint8Array>();
  private fd: FileHandle | undefined;
  private logBytes = 0;
  /** Keys written by the last log record this store appended (for the simulator's fault descriptions). */
  lastRecordKeys: readonly string[] = [];
  /** Bytes the live log data would take compacted (kept up to date at every sync). */
  private liveBytes = HEADER_BYTES + CHECKSUM_BYTES;
  private readonly compactFactor: number;
  private readonly compactMinBytes: number;

  protected constructor(fs: FileSystem, dir: string, options: FileStoreOptions) {
    this.fs = fs;
    this.dir = dir;
    this.compactFactor = options.compactFactor ?? 4;
    this.compactMinBytes = options.compactMinBytes ?? 8 * 1024 * 1024;
    assert(this.compactFactor > 1, "compaction must shrink the log");
    fs.mkdir(dir);
    const logPath = this.path(LOG_FILE);
    const safetyPath = this.path(SAFETY_FILE);
    const logExists = fs.exists(logPath);
    const safetyExists = fs.exists(safetyPath);
    const created = !logExists && !safetyExists;
    let records = 0;
    let droppedBytes = 0;
    let corruptMiddle = false;
    let safetyLost = false;
    if (logExists) {
      const bytes = fs.readFile(logPath);
      let offset = 0;
      while (offset < bytes.length) {
        const body = readRecord(bytes, offset, LOG_DOMAIN);
        if (body === undefined) break;
        this.applyBody(body, offset + HEADER_BYTES);
        records++;
        offset += HEADER_BYTES + body.length + CHECKSUM_BYTES;
      }
      droppedBytes = bytes.length - offset;
      corruptMiddle = droppedBytes > 0 && intactRecordAfter(bytes, offset);
      this.logBytes = offset;
    }
    if (safetyExists) {
      const bytes = fs.readFile(safetyPath);
      const body = readRecord(bytes, 0, SAFETY_DOMAIN);
      if (body === undefined || HEADER_BYTES + body.length + CHECKSUM_BYTES !== bytes.length) safetyLost = true;
      else for (const [key, value] of decodeBody(body)) if (value !== DELETED) this.safetyValues.set(key, value.slice());
    }
    if (!safetyExists && logExists && this.legacySafety.size > 0) {
      // A store from before the safety file: its vote-safety state moves out of the log (trusted only if the log is whole).
      for (const [key, value] of this.legacySafety) this.safetyValues.set(key, value);
      safetyLost = corruptMiddle;
    } else if (!safetyExists && logExists) {
      safetyLost = true;
    }
    this.legacySafety.clear();
    if (safetyLost) {
      // The loss is handed to the reader as a value no checksummed reader accepts (0 bytes), stored like any other
      // until it deletes it: a validator then recovers its vote-safety state from its peers (hotstuff/recovery.ts).
      this.safetyValues.clear();
      this.safetyValues.set(SAFETY_KEY, new Uint8Array());
    }
    this.recovery = { created, records, droppedBytes, corruptMiddle, safetyLost };
    this.fd = fs.openAppend(logPath);
    if (droppedBytes > 0) {
      fs.truncate(this.fd, this.logBytes);
      fs.fsync(this.fd);
    }
    if (!safetyExists) this.writeSafetyFile();
    else fs.fsyncDirectory(dir);
    if (this.logBytes > this.compactMinBytes && this.logBytes > this.compactFactor * this.liveBytes) this.compact();
  }

  /**
   * Opens (creating when absent) the store in `dir` of `fs` and recovers it (see the file comment).
   * @throws Error (from the file system) when the directory cannot be created, read or written
   */
  static openOn(fs: FileSystem, dir: string, options: FileStoreOptions = {}): FileStore {
    return new FileStore(fs, dir, options);
  }

  get(key: string): Uint8Array | undefined {
    const value = this.pending.get(key);
    if (value === DELETED) return undefined;
    if (value !== undefined) return value.slice();
    if (isSafetyKey(key)) return this.safetyValues.get(key)?.slice();
    const place = this.index.get(key);
    if (place === undefined) return undefined;
    this.assertOpen();
    // A plain Uint8Array read from the file (the disk, not memory: a flipped bit there is what the caller sees).
    return this.fs.readAt(this.fd!, place.offset, place.length);
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
    const out = new Set<string>();
    for (const key of this.index.keys()) if (key.startsWith(prefix)) out.add(key);
    for (const key of this.safetyValues.keys()) if (key.startsWith(prefix)) out.add(key);
    for (const [key, value] of this.pending) {
      if (!key.startsWith(prefix)) continue;
      if (value === DELETED) out.delete(key);
      else out.add(key);
    }
    return [...out].sort();
  }

  /**
   * Makes every write since the last sync durable: first the safety file when a
   * vote-safety key changed, then one log record with the other writes, fsynced.
   * @throws Error (from the file system) when a write or fsync fails: the caller must stop, the store's state is unknown
   */
  sync(): void {
    this.assertOpen();
    if (this.pending.size === 0) return;
    const logWrites: Writes = new Map();
    let safetyChanged = false;
    for (const [key, value] of this.pending) {
      if (!isSafetyKey(key)) {
        logWrites.set(key, value);
        continue;
      }
      safetyChanged = true;
      if (value === DELETED) this.safetyValues.delete(key);
      else this.safetyValues.set(key, value);
    }
    this.pending.clear();
    if (safetyChanged) this.writeSafetyFile();
    if (logWrites.size === 0) return;
    const { record, keyByteLengths } = encodeRecord(logWrites, LOG_DOMAIN);
    const start = this.logBytes;
    this.lastRecordKeys = [...logWrites.keys()];
    this.fs.append(this.fd!, record);
    this.fs.fsync(this.fd!);
    this.logBytes += record.length;
    this.indexWrites(logWrites, keyByteLengths, start + HEADER_BYTES, record.length - HEADER_BYTES - CHECKSUM_BYTES);
    if (this.logBytes > this.compactMinBytes && this.logBytes > this.compactFactor * this.liveBytes) this.compact();
  }

  /** Unsynced writes waiting for the next {@link sync}. */
  get unsyncedWrites(): number {
    return this.pending.size;
  }

  /** Keys of the unsynced puts (not deletes), in write order. */
  unsyncedPutKeys(): string[] {
    const out: string[] = [];
    for (const [key, value] of this.pending) if (value !== DELETED) out.push(key);
    return out;
  }

  /** Size of the log file, bytes. */
  get logSizeBytes(): number {
    return this.logBytes;
  }

  /**
   * Bytes this store holds in memory: the index (keys and places), the vote-safety values
   * and the unsynced writes (an estimate of the data, not of the JavaScript objects' overhead).
   */
  get residentBytes(): number {
    let total = 0;
    for (const key of this.index.keys()) total += key.length + 16;
    for (const [key, value] of this.safetyValues) total += key.length + value.length;
    for (const [key, value] of this.pending) total += key.length + (value?.length ?? 0);
    return total;
  }

  /** Durable keys (unsynced writes left out), ascending. */
  durableKeys(): string[] {
    return [...this.index.keys(), ...this.safetyValues.keys()].sort();
  }

  /** Where the durable value of `key` lies on the disk, or undefined when it has none. */
  locate(key: string): ValueLocation | undefined {
    if (isSafetyKey(key)) {
      const value = this.safetyValues.get(key);
      if (value === undefined) return undefined;
      return this.locateInSafetyFile(key);
    }
    const place = this.index.get(key);
    return place === undefined ? undefined : { path: this.path(LOG_FILE), offset: place.offset, length: place.length };
  }

  /** Closes the log. Unsynced writes are dropped (call {@link sync} first to keep them). Idempotent. */
  close(): void {
    if (this.fd === undefined) return;
    this.fs.close(this.fd);
    this.fd = undefined;
    this.pending.clear();
  }

  /** The path of `name` in the store's directory. */
  protected path(name: string): string {
    return `${this.dir}/${name}`;
  }

  /** Rewrites the safety file atomically (temporary file, fsync, rename, directory fsync). */
  private writeSafetyFile(): void {
    const puts: Writes = new Map([...this.safetyValues].sort(([a], [b]) => (a < b ? -1 : 1)));
    const path = this.path(SAFETY_FILE);
    writeFileAtomically(this.fs, this.dir, path, encodeRecord(puts, SAFETY_DOMAIN).record);
  }

  private locateInSafetyFile(key: string): ValueLocation | undefined {
    const path = this.path(SAFETY_FILE);
    const bytes = this.fs.readFile(path);
    const body = readRecord(bytes, 0, SAFETY_DOMAIN);
    if (body === undefined) return undefined;
    let found: ValueLocation | undefined;
    walkBody(body, (op, k, valueOffset, valueLength) => {
      if (op === OP_PUT && k === key) found = { path, offset: HEADER_BYTES + valueOffset, length: valueLength };
    });
    return found;
  }

  /** Rewrites the log as one record of the live data (temporary file, fsync, rename, directory fsync). */
  private compact(): void {
    const live: Writes = new Map();
    for (const key of this.index.keys()) live.set(key, this.get(key)!);
    const { record } = encodeRecord(live, LOG_DOMAIN);
    const path = this.path(LOG_FILE);
    this.fs.close(this.fd!);
    this.fd = undefined;
    writeFileAtomically(this.fs, this.dir, path, record);
    this.fd = this.fs.openAppend(path);
    this.index.clear();
    this.liveBytes = HEADER_BYTES + CHECKSUM_BYTES;
    this.applyBody(record.subarray(HEADER_BYTES, record.length - CHECKSUM_BYTES), HEADER_BYTES);
    this.logBytes = record.length;
  }

  /**
   * Indexes the writes of the record {@link sync} just appended, whose body (`bodyLength` bytes) starts at
   * byte `bodyOffset` of the log: what {@link applyBody} would do with that body, without decoding it
   * again (the keys are at hand; `keyByteLengths` are their UTF-8 lengths in write order, as
   * {@link encodeRecord} gave them). Log writes never hold a vote-safety key (sync files those apart).
   */
  private indexWrites(writes: Writes, keyByteLengths: readonly number[], bodyOffset: number, bodyLength: number): void {
    let offset = bodyOffset;
    let i = 0;
    for (const [key, value] of writes) {
      const keyLength = keyByteLengths[i++]!;
      const old = this.index.get(key);
      if (old !== undefined) this.liveBytes -= LIVE_ENTRY_OVERHEAD_BYTES + keyLength + old.length;
      offset += 3 + keyLength;
      if (value === DELETED) {
        this.index.delete(key);
        continue;
      }
      this.index.set(key, { offset: offset + 4, length: value.length });
      this.liveBytes += LIVE_ENTRY_OVERHEAD_BYTES + keyLength + value.length;
      offset += 4 + value.length;
    }
    assert(i === keyByteLengths.length, "one key length per write");
    assert(offset === bodyOffset + bodyLength, "the writes indexed span the record's body");
  }

  /** Applies a log record's body that starts at byte `bodyOffset` of the log to the index. */
  private applyBody(body: Uint8Array, bodyOffset: number): void {
    walkBody(body, (op, key, valueOffset, valueLength) => {
      if (isSafetyKey(key)) {
        if (op === OP_PUT) this.legacySafety.set(key, body.slice(valueOffset, valueOffset + valueLength));
        else this.legacySafety.delete(key);
        return;
      }
      const old = this.index.get(key);
      if (old !== undefined) this.liveBytes -= liveSize(key, old.length);
      if (op === OP_PUT) {
        this.index.set(key, { offset: bodyOffset + valueOffset, length: valueLength });
        this.liveBytes += liveSize(key, valueLength);
      } else {
        this.index.delete(key);
      }
    });
  }

  private assertOpen(): void {
    if (this.fd === undefined) throw new Error(`FileStore ${this.dir} is closed`);
  }
}

function isSafetyKey(key: string): boolean {
  return key === SAFETY_FILE_KEYS[0] || key === SAFETY_FILE_KEYS[1];
}

/** Bytes of a live entry in a compacted record besides its key and value: op (1), key length (2), value length (4). */
const LIVE_ENTRY_OVERHEAD_BYTES = 7;

/** Bytes one live entry takes in a compacted record. */
function liveSize(key: string, valueLength: number): number {
  return LIVE_ENTRY_OVERHEAD_BYTES + ENCODER.encode(key).length + valueLength;
}

/** Writes `bytes` as the whole new content of `path`: a temporary file, fsync, rename over `path`, directory fsync. */
function writeFileAtomically(fs: FileSystem, dir: string, path: string, bytes: Uint8Array): void {
  const temporary = `${path}.tmp`;
  const fd = fs.openTruncate(temporary);
  try {
    fs.append(fd, bytes);
    fs.fsync(fd);
  } finally {
    fs.close(fd);
  }
  fs.rename(temporary, path);
  fs.fsyncDirectory(dir);
}

function checksum(domain: Uint8Array, body: Uint8Array): Uint8Array {
  return sha256Concat(domain, body).subarray(0, CHECKSUM_BYTES);
}

/** The body of the record at `offset`, or undefined when it is torn or corrupt. */
function readRecord(bytes: Uint8Array, offset: number, domain: Uint8Array): Uint8Array | undefined {
  if (offset + HEADER_BYTES > bytes.length) return undefined;
  const length = new DataView(bytes.buffer, bytes.byteOffset + offset, HEADER_BYTES).getUint32(0, true);
  if (length > RECORD_BYTES_MAX) return undefined;
  const end = offset + HEADER_BYTES + length + CHECKSUM_BYTES;
  if (end > bytes.length) return undefined;
  const body = bytes.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length);
  const stored = bytes.subarray(offset + HEADER_BYTES + length, end);
  const expected = checksum(domain, body);
  for (let i = 0; i < CHECKSUM_BYTES; i++) if (stored[i] !== expected[i]) return undefined;
  return body;
}

/** Whether an intact log record (its length in bounds and its checksum right) starts at some offset after `bad`. */
function intactRecordAfter(bytes: Uint8Array, bad: number): boolean {
  for (let offset = bad + 1; offset + HEADER_BYTES + CHECKSUM_BYTES <= bytes.length; offset++) {
    if (readRecord(bytes, offset, LOG_DOMAIN) !== undefined) return true;
  }
  return false;
}

/** Calls `visit` for each operation of a body: op, key, and the value's offset in the body and length (0, 0 for a delete). */
function walkBody(body: Uint8Array, visit: (op: number, key: string, valueOffset: number, valueLength: number) => void): void {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let offset = 0;
  while (offset < body.length) {
    const op = body[offset]!;
    const keyLength = view.getUint16(offset + 1, true);
    const key = DECODER.decode(body.subarray(offset + 3, offset + 3 + keyLength));
    offset += 3 + keyLength;
    if (op === OP_PUT) {
      const valueLength = view.getUint32(offset, true);
      visit(op, key, offset + 4, valueLength);
      offset += 4 + valueLength;
    } else {
      visit(op, key, 0, 0);
    }
  }
}

function decodeBody(body: Uint8Array): Writes {
  const out: Writes = new Map();
  walkBody(body, (op, key, valueOffset, valueLength) => out.set(key, op === OP_PUT ? body.subarray(valueOffset, valueOffset + valueLength) : DELETED));
  return out;
}

/**
 * `writes` as one framed record, `length u32 | body | checksum`: the body (per write: op u8, key length u16, key,
 * and for a put value length u32 and value) framed by its length and checksum, written in one buffer, and the UTF-8 length of each key in write order.
 * @throws RangeError when a key is longer than 65535 bytes
 */
function encodeRecord(writes: ReadonlyMap<string, Uint8Array | typeof DELETED>, domain: Uint8Array): { readonly record: Uint8Array; readonly keyByteLengths: number[] } {
  const keys: Uint8Array[] = [];
  let total = 0;
  for (const [key, value] of writes) {
    const keyBytes = ENCODER.encode(key);
    if (keyBytes.length > 0xffff) throw new RangeError(`storage key longer than 65535 bytes: ${key.slice(0, 40)}...`);
    keys.push(keyBytes);
    total += 3 + keyBytes.length + (value === DELETED ? 0 : 4 + value.length);
  }
  const out = new Uint8Array(HEADER_BYTES + total + CHECKSUM_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, total, true);
  let offset = HEADER_BYTES;
  let i = 0;
  for (const value of writes.values()) {
    const keyBytes = keys[i++]!;
    out[offset] = value === DELETED ? OP_DELETE : OP_PUT;
    view.setUint16(offset + 1, keyBytes.length, true);
    out.set(keyBytes, offset + 3);
    offset += 3 + keyBytes.length;
    if (value !== DELETED) {
      view.setUint32(offset, value.length, true);
      out.set(value, offset + 4);
      offset += 4 + value.length;
    }
  }
  out.set(checksum(domain, out.subarray(HEADER_BYTES, HEADER_BYTES + total)), HEADER_BYTES + total);
  return { record: out, keyByteLengths: keys.map((k) => k.length) };
}

