/**
 * The simulated file system: one node's disk, in memory, with the storage
 * faults of the simulator. The file store that ships (`file-store.ts`) runs
 * above it exactly as it runs above node:fs in real mode, so these faults
 * exercise the shipped recovery code (issue 16).
 *
 * Durability follows POSIX as `file-system.ts` states: {@link crash} cuts
 * every file back to what its last fsync made durable and forgets names not
 * made durable by a directory fsync. Faults (the random stream is the
 * caller's):
 * - {@link tearLastWrite}: the last fsynced write is left half done (a prefix of
 *   its bytes), as if the power failed while it was still on its way;
 * - {@link flipBits}: bits flipped in a byte range of a file (latent sector errors,
 *   a bit flipped anywhere);
 * - {@link wipe}: the whole disk is lost.
 */
import { assert } from "../sim/assert.js";
import type { Rng } from "../sim/rng.js";
import type { FileHandle, FileSystem } from "./file-system.js";
import { internChunks } from "./shared-chunks.js";

/**
 * One file: its bytes as a list of immutable chunks (`shared-chunks.ts`: the same bytes on several
 * disks of the process are held once), its length, and the length its last fsync made durable.
 */
class SimFile {
  /** The chunks, in order; their lengths add up to `length`. Never written: a change replaces a chunk. */
  private chunks: Uint8Array[] = [];
  /** The file offset each chunk starts at. */
  private starts: number[] = [];
  length = 0;
  syncedLength = 0;

  append(data: Uint8Array): void {
    for (const chunk of internChunks(data)) {
      this.chunks.push(chunk);
      this.starts.push(this.length);
      this.length += chunk.length;
    }
  }

  /** A copy of bytes [`from`, `to`) (clamped to the file). */
  read(from: number, to: number): Uint8Array {
    const start = Math.max(0, Math.min(from, this.length));
    const end = Math.max(start, Math.min(to, this.length));
    const out = new Uint8Array(end - start);
    if (end === start) return out;
    for (let i = this.chunkAt(start); i < this.chunks.length && this.starts[i]! < end; i++) {
      const chunk = this.chunks[i]!;
      const chunkStart = this.starts[i]!;
      const a = Math.max(start, chunkStart) - chunkStart;
      const b = Math.min(end, chunkStart + chunk.length) - chunkStart;
      out.set(chunk.subarray(a, b), chunkStart + a - start);
    }
    return out;
  }

  /** Flips bit `bit` (0 is the lowest of byte 0) of the bytes from `position`, in this file's own copy of its chunk. */
  flipBit(position: number, bit: number): void {
    const at = position + (bit >> 3);
    assert(at < this.length, "the bit is inside the file");
    const i = this.chunkAt(at);
    const own = this.chunks[i]!.slice();
    own[at - this.starts[i]!]! ^= 1 << (bit & 7);
    this.chunks[i] = own;
  }

  /** Cuts to `length`; a cut below the synced length is durable at once (the data is gone either way). */
  cut(length: number): void {
    if (length < this.length) {
      const keep = Math.max(0, length);
      const i = keep === 0 ? 0 : this.chunkAt(keep - 1);
      if (keep > 0) this.chunks[i] = this.chunks[i]!.subarray(0, keep - this.starts[i]!);
      this.chunks.length = keep === 0 ? 0 : i + 1;
      this.starts.length = this.chunks.length;
      this.length = keep;
    }
    this.syncedLength = Math.min(this.syncedLength, this.length);
  }

  /** A new file holding this one's first `length` bytes (chunks shared, never written), all of them synced. */
  prefix(length: number): SimFile {
    const copy = new SimFile();
    copy.chunks = this.chunks.slice();
    copy.starts = this.starts.slice();
    copy.length = this.length;
    copy.cut(length);
    copy.syncedLength = copy.length;
    return copy;
  }

  /** The index of the chunk holding byte `offset` (0 <= offset < length). */
  private chunkAt(offset: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}

/** The range of the last fsynced write (see {@link SimFileSystem.tearLastWrite}). */
interface LastWrite {
  readonly file: SimFile;
  readonly start: number;
  readonly end: number;
}

/** Counters for tests. */
export interface SimFileSystemStats {
  fsyncs: number;
  bytesWritten: number;
}

/** One node's simulated disk (see the file comment). */
export class SimFileSystem implements FileSystem {
  readonly stats: SimFileSystemStats = { fsyncs: 0, bytesWritten: 0 };
  /** Names as the running process sees them. */
  private names = new Map<string, SimFile>();
  /** Names a crash keeps (made durable by a directory fsync). */
  private durableNames = new Map<string, SimFile>();
  private readonly handles = new Map<FileHandle, SimFile>();
  private nextHandle = 1;
  private lastWrite: LastWrite | undefined;

  exists(path: string): boolean {
    return this.names.has(path);
  }

  mkdir(): void {
    // Directories are implicit: a name's directory is the part before its last `/`.
  }

  readFile(path: string): Uint8Array {
    const file = this.names.get(path);
    if (file === undefined) throw new Error(`ENOENT: no such file ${path}`);
    return file.read(0, file.length);
  }

  openAppend(path: string): FileHandle {
    let file = this.names.get(path);
    if (file === undefined) {
      file = new SimFile();
      this.names.set(path, file);
    }
    return this.open(file);
  }

  openTruncate(path: string): FileHandle {
    const file = new SimFile();
    this.names.set(path, file);
    return this.open(file);
  }

  append(handle: FileHandle, bytes: Uint8Array): void {
    this.file(handle).append(bytes);
    this.stats.bytesWritten += bytes.length;
  }

  readAt(handle: FileHandle, position: number, length: number): Uint8Array {
    const file = this.file(handle);
    assert(position >= 0 && length >= 0, "reads are at a non-negative position");
    return file.read(position, position + length);
  }

  truncate(handle: FileHandle, length: number): void {
    this.file(handle).cut(length);
  }

  fsync(handle: FileHandle): void {
    const file = this.file(handle);
    this.stats.fsyncs++;
    if (file.length > file.syncedLength) this.lastWrite = { file, start: file.syncedLength, end: file.length };
    file.syncedLength = file.length;
  }

  close(handle: FileHandle): void {
    this.handles.delete(handle);
  }

  rename(from: string, to: string): void {
    const file = this.names.get(from);
    if (file === undefined) throw new Error(`ENOENT: no such file ${from}`);
    this.names.delete(from);
    this.names.set(to, file);
  }

  unlink(path: string): void {
    if (!this.names.delete(path)) throw new Error(`ENOENT: no such file ${path}`);
  }

  fsyncDirectory(path: string): void {
    const prefix = `${path}/`;
    for (const name of [...this.durableNames.keys()]) if (directChild(prefix, name) && !this.names.has(name)) this.durableNames.delete(name);
    for (const [name, file] of this.names) if (directChild(prefix, name)) this.durableNames.set(name, file);
  }

  /**
   * Power loss: every file is cut back to its last fsync, names not made
   * durable are forgotten, open handles are gone.
   */
  crash(): void {
    this.handles.clear();
    this.names = new Map(this.durableNames);
    for (const file of this.names.values()) file.cut(file.syncedLength);
  }

  /**
   * Leaves the last fsynced write half done: its file keeps a random prefix of
   * the bytes that write added (possibly none). Call before {@link crash}.
   * @returns the durable name of the file torn, or undefined when there was no write to tear (or its file is gone)
   */
  tearLastWrite(rng: Rng): string | undefined {
    const last = this.lastWrite;
    this.lastWrite = undefined;
    if (last === undefined || last.file.syncedLength < last.end) return undefined;
    const name = [...this.durableNames].find(([, file]) => file === last.file)?.[0];
    if (name === undefined) return undefined;
    last.file.cut(last.start + rng.int(last.end - last.start));
    return name;
  }

  /**
   * Flips `bits` random bits of bytes [`position`, `position + length`) of the
   * file at `path` (the change is on the disk: durable and visible at once).
   * @throws AssertionError when the range is empty or not inside the file
   */
  flipBits(path: string, position: number, length: number, bits: number, rng: Rng): void {
    const file = this.names.get(path);
    assert(file !== undefined, `no file ${path} to flip bits in`);
    assert(length > 0 && position >= 0 && position + length <= file.length, "bits are flipped inside the file");
    for (let i = 0; i < bits; i++) file.flipBit(position, rng.int(length * 8));
  }

  /**
   * A new file system holding what a crash now would keep (durable names, each file cut to
   * its last fsync), this one untouched: to look at the disk as a reboot would see it (tests).
   */
  durableCopy(): SimFileSystem {
    const copy = new SimFileSystem();
    const copies = new Map<SimFile, SimFile>();
    for (const [name, file] of this.durableNames) {
      let twin = copies.get(file);
      if (twin === undefined) {
        twin = file.prefix(file.syncedLength);
        copies.set(file, twin);
      }
      copy.names.set(name, twin);
      copy.durableNames.set(name, twin);
    }
    return copy;
  }

  /** Loses the whole disk (the caller crashes its node first). */
  wipe(): void {
    this.handles.clear();
    this.names.clear();
    this.durableNames.clear();
    this.lastWrite = undefined;
  }

  /** Bytes held by the files (for tests and memory reports). */
  get bytesStored(): number {
    let total = 0;
    for (const file of new Set([...this.names.values(), ...this.durableNames.values()])) total += file.length;
    return total;
  }

  private open(file: SimFile): FileHandle {
    const handle = this.nextHandle++;
    this.handles.set(handle, file);
    return handle;
  }

  private file(handle: FileHandle): SimFile {
    const file = this.handles.get(handle);
    assert(file !== undefined, `file handle ${handle} is not open (closed, or lost in a crash)`);
    return file;
  }
}

function directChild(prefix: string, name: string): boolean {
  return name.startsWith(prefix) && !name.includes("/", prefix.length);
}
