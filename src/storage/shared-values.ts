/**
 * Values shared between the simulated disks of one run.
 *
 * Every validator stores the same committed blocks under the same keys, with
 * the same checksummed bytes: n disks would hold n copies of each. The disks
 * of a run keep one copy of a value that several of them hold under the same
 * key, counted by reference, and drop it when the last disk deletes or
 * overwrites it. Durable values are never mutated in place (a corrupted or torn
 * value is a new copy), so what a disk reads is the same as with its own copy:
 * this is a shortcut of the simulation process only, like the run memo
 * (`sim/run-memo.ts`); the real file store has one disk and keeps nothing here.
 */
import { bytesEqual } from "../crypto/hash.js";
import { assert } from "../sim/assert.js";

interface Shared {
  readonly bytes: Uint8Array;
  refs: number;
}

/** The values one run's disks share, by key (see the module comment). */
export class SharedDiskValues {
  private readonly byKey = new Map<string, Shared[]>();

  /**
   * The shared copy of `bytes` under `key` (one more reference to it): an
   * equal value some disk holds already, or `bytes` itself, now shared.
   * The caller must never mutate the returned bytes.
   */
  acquire(key: string, bytes: Uint8Array): Uint8Array {
    const entries = this.byKey.get(key);
    if (entries === undefined) {
      this.byKey.set(key, [{ bytes, refs: 1 }]);
      return bytes;
    }
    for (const entry of entries) {
      if (entry.bytes === bytes || bytesEqual(entry.bytes, bytes)) {
        entry.refs++;
        return entry.bytes;
      }
    }
    entries.push({ bytes, refs: 1 });
    return bytes;
  }

  /** Gives back one reference to `bytes` under `key`; a value no disk holds any more is dropped. Bytes not from {@link acquire} are ignored. */
  release(key: string, bytes: Uint8Array): void {
    const entries = this.byKey.get(key);
    if (entries === undefined) return;
    const index = entries.findIndex((e) => e.bytes === bytes);
    if (index < 0) return;
    const entry = entries[index]!;
    entry.refs--;
    assert(entry.refs >= 0, "a shared disk value is released at most as often as it was acquired");
    if (entry.refs > 0) return;
    entries.splice(index, 1);
    if (entries.length === 0) this.byKey.delete(key);
  }

  /** Distinct values held (for tests). */
  get size(): number {
    let n = 0;
    for (const entries of this.byKey.values()) n += entries.length;
    return n;
  }
}
