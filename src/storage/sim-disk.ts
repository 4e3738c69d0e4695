/**
 * The simulated disk: a durable key-value store with explicit sync. Writes made
 * since the last `sync` live in a volatile overlay and vanish on `crash`, the
 * way an OS page cache loses them on power loss.
 */
import type { CrashableStorage } from "../sim/host.js";

/** Counters for tests and reports. */
export interface SimDiskStats {
  syncs: number;
  writesLost: number;
}

const DELETED = null;

/** One node's disk. Survives its node's crashes (unsynced writes excepted). */
export class SimDisk implements CrashableStorage {
  readonly stats: SimDiskStats = { syncs: 0, writesLost: 0 };
  private readonly durable = new Map<string, Uint8Array>();
  private readonly pending = new Map<string, Uint8Array | typeof DELETED>();

  get(key: string): Uint8Array | undefined {
    const value = this.pending.get(key);
    if (value === DELETED) return undefined;
    return (value ?? this.durable.get(key))?.slice();
  }

  put(key: string, value: Uint8Array): void {
    this.pending.set(key, value.slice());
  }

  delete(key: string): void {
    this.pending.set(key, DELETED);
  }

  keys(prefix: string): string[] {
    const out = new Set<string>();
    for (const key of this.durable.keys()) if (key.startsWith(prefix)) out.add(key);
    for (const [key, value] of this.pending) {
      if (!key.startsWith(prefix)) continue;
      if (value === DELETED) out.delete(key);
      else out.add(key);
    }
    return [...out].sort();
  }

  sync(): void {
    this.stats.syncs++;
    for (const [key, value] of this.pending) {
      if (value === DELETED) this.durable.delete(key);
      else this.durable.set(key, value);
    }
    this.pending.clear();
  }

  crash(): void {
    this.stats.writesLost += this.pending.size;
    this.pending.clear();
  }

  /** Keys durable on disk right now (for tests). */
  durableKeys(): string[] {
    return [...this.durable.keys()];
  }
}
