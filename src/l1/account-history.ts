/**
 * Pre-images of accounts, per slot that is not finalized: for each such slot,
 * the state every account the slot's transactions could write had just
 * before the slot first touched it.
 *
 * That is enough for the two things the L1 needs besides the current
 * (processed) state: reading an account as of an older slot (the confirmed
 * or the finalized one: the pre-image in the oldest newer slot that touched
 * it, else the current state), and undoing the newest slots in a reorg
 * (restore each slot's pre-images, newest slot first). Finalized slots are
 * never read or undone, so their pre-images are dropped.
 */
import { toHex } from "../crypto/hash.js";
import type { AccountState } from "./svm.js";

interface PreImage {
  readonly address: Uint8Array;
  readonly state: AccountState | null;
}

interface SlotPreImages {
  readonly slot: number;
  readonly byKey: Map<string, PreImage>;
}

/** The pre-images of the slots that are not finalized, oldest slot first. */
export class AccountHistory {
  private readonly slots: SlotPreImages[] = [];

  /** Number of slots with pre-images held. */
  get slotCount(): number {
    return this.slots.length;
  }

  /** Starts recording `slot`, which must be newer than every slot held. */
  openSlot(slot: number): void {
    const newest = this.slots[this.slots.length - 1];
    if (newest !== undefined && !(slot > newest.slot)) throw new Error(`AccountHistory: slot ${slot} is not after ${newest.slot}`);
    this.slots.push({ slot, byKey: new Map() });
  }

  /**
   * Records the state of `address` before the newest slot changes it, unless
   * that slot already has it (the first pre-image of a slot is the one that counts).
   * `read` gives the account's current state.
   */
  capture(address: Uint8Array, read: (address: Uint8Array) => AccountState | null): void {
    const newest = this.slots[this.slots.length - 1];
    if (newest === undefined) throw new Error("AccountHistory: capture with no open slot");
    const key = toHex(address);
    if (newest.byKey.has(key)) return;
    newest.byKey.set(key, { address, state: read(address) });
  }

  /**
   * The state of `address` at the end of `slot` (which must not be older than
   * the oldest held slot's predecessor): the pre-image recorded by the oldest
   * held slot after `slot` that touched it, or `current` when none did.
   */
  stateAfter(address: Uint8Array, slot: number, current: (address: Uint8Array) => AccountState | null): AccountState | null {
    const key = toHex(address);
    for (const record of this.slots) {
      if (record.slot <= slot) continue;
      const preImage = record.byKey.get(key);
      if (preImage !== undefined) return preImage.state;
    }
    return current(address);
  }

  /**
   * Removes the newest slot and writes its pre-images back with `restore`.
   * @returns the slot undone
   */
  undoNewest(restore: (address: Uint8Array, state: AccountState | null) => void): number {
    const newest = this.slots.pop();
    if (newest === undefined) throw new Error("AccountHistory: nothing to undo");
    for (const preImage of newest.byKey.values()) restore(preImage.address, preImage.state);
    return newest.slot;
  }

  /** Drops the pre-images of every slot up to and including `slot` (it became finalized). */
  forgetThrough(slot: number): void {
    let count = 0;
    while (count < this.slots.length && this.slots[count]!.slot <= slot) count++;
    this.slots.splice(0, count);
  }
}
