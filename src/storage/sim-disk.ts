/**
 * The simulated disk of one node: the shipped file store (`file-store.ts`)
 * over a simulated file system (`sim-file-system.ts`). The node's storage in
 * the simulator is the same code as in real mode; only the file system under it
 * differs, and the faults live there (issue 16).
 *
 * A crash loses what was not fsynced and reopens the store: the next boot sees
 * what the shipped recovery made of the disk (a torn tail cut, a corrupt middle
 * cut and reported, a damaged safety file read as a corrupt safety state).
 * `onOpen` lets the world report what the reopen found.
 *
 * Storage faults (issue 5), all drawn from the disk's own random stream:
 * - {@link SimDisk.corrupt}: flips bits of one durable value on the disk (in the
 *   log or the safety file: the value's checksum catches it when read, the
 *   record's checksum at the next open); with `corruptRate`, each value written
 *   by a sync gets one flipped bit on the disk with that probability;
 * - torn writes: {@link SimDisk.tearOnNextCrash}, or `tornWriteRate` per crash,
 *   makes the crash leave the last fsynced write half done (a prefix of its
 *   bytes: the tail record of the log, or the whole safety file);
 * - {@link SimDisk.wipe}: the whole disk is lost.
 */
import type { CrashableStorage } from "../sim/host.js";
import type { Rng } from "../sim/rng.js";
import { FileStore, SAFETY_FILE, SAFETY_FILE_KEYS, type FileStoreOptions, type FileStoreRecovery } from "./file-store.js";
import { SimFileSystem } from "./sim-file-system.js";

/** Counters for tests and reports. */
export interface SimDiskStats {
  syncs: number;
  writesLost: number;
  /** Values given flipped bits (by `corrupt` or `corruptRate`). */
  corrupted: number;
  /** Writes torn by a crash. */
  torn: number;
  /** Times the whole disk was lost. */
  wipes: number;
}

/** Background storage faults of one disk (probabilities). */
export interface SimDiskFaults {
  /** Probability that a value written by a sync is stored with one flipped bit. */
  corruptRate: number;
  /** Probability that a crash tears one write. */
  tornWriteRate: number;
}

/** The directory of the store on a simulated disk. */
export const SIM_DISK_DIR = "/data/storage";
const DIR = SIM_DISK_DIR;

/** One node's disk. Survives its node's crashes (unsynced writes excepted). */
export class SimDisk implements CrashableStorage {
  readonly stats: SimDiskStats = { syncs: 0, writesLost: 0, corrupted: 0, torn: 0, wipes: 0 };
  /** The simulated file system under the store. */
  readonly fs = new SimFileSystem();
  /**
   * Called after every reopen (a crash or a wipe) with the store and what its
   * recovery found, before the node boots again; its writes go to the store.
   */
  onOpen: ((store: FileStore, recovery: FileStoreRecovery) => void) | undefined;
  private store: FileStore;
  private readonly storeOptions: FileStoreOptions;
  private faults: SimDiskFaults = { corruptRate: 0, tornWriteRate: 0 };
  private rng: Rng | undefined;
  private tearNext = false;

  /**
   * @param rng the disk's own random stream (e.g. `sim.rng("disk/v0")`); required
   *   before any fault is injected, never drawn from while no fault is configured
   * @param options of the store (compaction thresholds)
   */
  constructor(rng?: Rng, options: FileStoreOptions = {}) {
    this.rng = rng;
    this.storeOptions = options;
    this.store = FileStore.openOn(this.fs, DIR, options);
  }

  get(key: string): Uint8Array | undefined {
    return this.store.get(key);
  }

  put(key: string, value: Uint8Array): void {
    this.store.put(key, value);
  }

  delete(key: string): void {
    this.store.delete(key);
  }

  keys(prefix: string): string[] {
    return this.store.keys(prefix);
  }

  sync(): void {
    this.stats.syncs++;
    const written = this.faults.corruptRate > 0 ? this.store.unsyncedPutKeys() : [];
    this.store.sync();
    for (const key of written) {
      if (!this.random().chance(this.faults.corruptRate)) continue;
      if (this.flipIn(key, 1)) this.stats.corrupted++;
    }
  }

  crash(): void {
    if (this.tearNext || (this.faults.tornWriteRate > 0 && this.random().chance(this.faults.tornWriteRate))) {
      const file = this.fs.tearLastWrite(this.random());
      if (file !== undefined) {
        this.stats.torn++;
        this.lastTornKey = file === `${DIR}/${SAFETY_FILE}` ? SAFETY_FILE_KEYS[0] : this.store.lastRecordKeys[0];
      }
    }
    this.tearNext = false;
    this.stats.writesLost += this.store.unsyncedWrites;
    this.fs.crash();
    this.reopen();
  }

  /** Sets the background faults from now on (0 turns one off). @throws Error without a random stream */
  setFaults(faults: SimDiskFaults): void {
    if ((faults.corruptRate > 0 || faults.tornWriteRate > 0) && this.rng === undefined) throw new Error("SimDisk: faults need a random stream (constructor argument)");
    this.faults = { ...faults };
  }

  /** The background faults in force. */
  get currentFaults(): SimDiskFaults {
    return { ...this.faults };
  }

  /** Makes the next crash tear the last fsynced write (see the file comment). */
  tearOnNextCrash(): void {
    this.tearNext = true;
  }

  /**
   * Flips `bits` random bits of one random durable value whose key starts with `prefix`, on the disk.
   * @returns the key corrupted, or undefined when no durable value matches (or all are empty)
   */
  corrupt(prefix = "", bits = 1): string | undefined {
    const candidates = this.store.durableKeys().filter((k) => k.startsWith(prefix) && (this.store.locate(k)?.length ?? 0) > 0);
    if (candidates.length === 0) return undefined;
    const key = candidates[this.random().int(candidates.length)]!;
    this.flipIn(key, bits);
    this.stats.corrupted++;
    return key;
  }

  /** Loses the whole disk, synced and unsynced (the node must be crashed by the caller). */
  wipe(): void {
    this.stats.wipes++;
    this.stats.writesLost += this.store.unsyncedWrites;
    this.fs.wipe();
    this.reopen();
  }

  /** Keys durable on disk right now (for tests). */
  durableKeys(): string[] {
    return this.store.durableKeys();
  }

  /** What the store's last open found. */
  get recovery(): FileStoreRecovery {
    return this.store.recovery;
  }

  /** A key of the write torn by the last torn crash (the safety key, or the first key of the log's last record; for tests and fault descriptions). */
  lastTornKey: string | undefined;

  private reopen(): void {
    this.store = FileStore.openOn(this.fs, DIR, this.storeOptions);
    this.onOpen?.(this.store, this.store.recovery);
  }

  /** Flips `bits` bits inside the durable value of `key` on the disk; false when it has no (non-empty) value there. */
  private flipIn(key: string, bits: number): boolean {
    const place = this.store.locate(key);
    if (place === undefined || place.length === 0) return false;
    this.fs.flipBits(place.path, place.offset, place.length, bits, this.random());
    return true;
  }

  private random(): Rng {
    if (this.rng === undefined) throw new Error("SimDisk: faults need a random stream (constructor argument)");
    return this.rng;
  }
}
