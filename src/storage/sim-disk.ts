/**
 * The simulated disk: a durable key-value store with explicit sync. Writes made
 * since the last `sync` live in a volatile overlay and vanish on `crash`, the
 * way an OS page cache loses them on power loss.
 *
 * Storage faults (issue 5), all drawn from the disk's own random stream:
 * - {@link SimDisk.corrupt}: flips bits of one durable value (latent sector
 *   corruption); with `corruptRate`, each value written by a sync is stored
 *   with one flipped bit with that probability;
 * - torn writes: {@link SimDisk.tearOnNextCrash}, or `tornWriteRate` per
 *   crash, makes the crash leave one write half done on the disk: a prefix of
 *   the new bytes (an unsynced write in flight, or, when none is, a write of
 *   the last sync, as if the power failed while that sync was still running);
 * - {@link SimDisk.wipe}: the whole disk is lost (replaced by an empty one).
 * Checksums (`checksum.ts`) are how a node finds out.
 */
import type { CrashableStorage } from "../sim/host.js";
import type { Rng } from "../sim/rng.js";
import type { SharedDiskValues } from "./shared-values.js";
import { overlayGet, overlayKeys, type PendingWrites } from "./write-overlay.js";

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

const DELETED = null;

/** One node's disk. Survives its node's crashes (unsynced writes excepted). */
export class SimDisk implements CrashableStorage {
  readonly stats: SimDiskStats = { syncs: 0, writesLost: 0, corrupted: 0, torn: 0, wipes: 0 };
  private readonly durable = new Map<string, Uint8Array>();
  private readonly pending: PendingWrites = new Map();
  /** Keys written (not deleted) by the last sync, in write order. */
  private lastSynced: string[] = [];
  private faults: SimDiskFaults = { corruptRate: 0, tornWriteRate: 0 };
  private rng: Rng | undefined;
  private tearNext = false;
  private readonly shared: SharedDiskValues | undefined;

  /**
   * @param rng the disk's own random stream (e.g. `sim.rng("disk/v0")`); required
   *   before any fault is injected, never drawn from while no fault is configured
   * @param shared the values this run's disks share (one copy of a value several disks hold
   *   under the same key; see `shared-values.ts`); none: the disk keeps its own copies
   */
  constructor(rng?: Rng, shared?: SharedDiskValues) {
    this.rng = rng;
    this.shared = shared;
  }

  get(key: string): Uint8Array | undefined {
    return overlayGet(this.durable, this.pending, key);
  }

  put(key: string, value: Uint8Array): void {
    this.pending.set(key, value.slice());
  }

  delete(key: string): void {
    this.pending.set(key, DELETED);
  }

  keys(prefix: string): string[] {
    return overlayKeys(this.durable, this.pending, prefix);
  }

  sync(): void {
    this.stats.syncs++;
    const written: string[] = [];
    for (const [key, value] of this.pending) {
      if (value === DELETED) {
        this.setDurable(key, undefined);
        continue;
      }
      written.push(key);
      if (this.faults.corruptRate > 0 && this.random().chance(this.faults.corruptRate)) {
        this.setDurable(key, this.flipBits(value.slice(), 1));
        this.stats.corrupted++;
      } else {
        this.setDurable(key, this.shared === undefined ? value : this.shared.acquire(key, value));
      }
    }
    this.pending.clear();
    this.lastSynced = written;
  }

  crash(): void {
    if (this.tearNext || (this.faults.tornWriteRate > 0 && this.random().chance(this.faults.tornWriteRate))) this.tearOne();
    this.tearNext = false;
    this.stats.writesLost += this.pending.size;
    this.pending.clear();
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

  /** Makes the next crash tear one write (see the file comment). */
  tearOnNextCrash(): void {
    this.tearNext = true;
  }

  /**
   * Flips `bits` random bits of one random durable value whose key starts with `prefix`.
   * @returns the key corrupted, or undefined when no durable value matches (or all are empty)
   */
  corrupt(prefix = "", bits = 1): string | undefined {
    const candidates = [...this.durable.keys()].filter((k) => k.startsWith(prefix) && this.durable.get(k)!.length > 0).sort();
    if (candidates.length === 0) return undefined;
    const key = candidates[this.random().int(candidates.length)]!;
    this.setDurable(key, this.flipBits(this.durable.get(key)!.slice(), bits));
    this.stats.corrupted++;
    return key;
  }

  /** Loses the whole disk, synced and unsynced (the node must be crashed by the caller). */
  wipe(): void {
    this.stats.wipes++;
    this.stats.writesLost += this.pending.size;
    this.pending.clear();
    for (const key of [...this.durable.keys()]) this.setDurable(key, undefined);
    this.lastSynced = [];
  }

  /** Keys durable on disk right now (for tests). */
  durableKeys(): string[] {
    return [...this.durable.keys()];
  }

  /** The key torn by the last torn crash (for tests and fault descriptions). */
  lastTornKey: string | undefined;

  private tearOne(): void {
    const inFlight = [...this.pending].filter(([, v]) => v !== DELETED && v.length > 0).map(([k]) => k);
    const candidates = inFlight.length > 0 ? inFlight : this.lastSynced.filter((k) => (this.durable.get(k)?.length ?? 0) > 0);
    if (candidates.length === 0) return;
    const key = candidates[this.random().int(candidates.length)]!;
    const whole = (this.pending.get(key) as Uint8Array | undefined) ?? this.durable.get(key)!;
    // A prefix of the new bytes reached the disk, the rest did not.
    this.setDurable(key, whole.slice(0, this.random().int(whole.length)));
    this.pending.delete(key);
    this.stats.torn++;
    this.lastTornKey = key;
  }

  /** Replaces (or, with undefined, deletes) a durable value, giving a shared one back. */
  private setDurable(key: string, value: Uint8Array | undefined): void {
    const old = this.durable.get(key);
    if (old !== undefined) this.shared?.release(key, old);
    if (value === undefined) this.durable.delete(key);
    else this.durable.set(key, value);
  }

  private flipBits(bytes: Uint8Array, bits: number): Uint8Array {
    const rng = this.random();
    for (let i = 0; i < bits; i++) {
      const bit = rng.int(bytes.length * 8);
      bytes[bit >> 3]! ^= 1 << (bit & 7);
    }
    return bytes;
  }

  private random(): Rng {
    if (this.rng === undefined) throw new Error("SimDisk: faults need a random stream (constructor argument)");
    return this.rng;
  }
}
