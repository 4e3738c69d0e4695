/**
 * Slot time and blockhashes of the simulated L1: pure functions of the slot
 * number and the node's timing settings, so a slot's Clock sysvar and
 * blockhash are the same on every run and after every reorg.
 */
import { sha256Concat, u64, utf8 } from "../crypto/hash.js";
import { base58Encode } from "./base58.js";
import { SLOTS_PER_EPOCH, type ClockValues } from "./svm.js";

/** Timing of the slots. */
export interface SlotTiming {
  /** Virtual time of slot 0 (the node's start), in microseconds. */
  readonly genesisUs: number;
  /** Length of a slot, in microseconds. */
  readonly slotDurationUs: number;
  /** Unix time at virtual time 0, in seconds. */
  readonly genesisUnixTimestamp: number;
}

/** Virtual time at which `slot` is produced, in microseconds. */
export function slotStartUs(timing: SlotTiming, slot: number): number {
  return timing.genesisUs + slot * timing.slotDurationUs;
}

/** Unix time of `slot` in seconds: the genesis timestamp plus the whole seconds of virtual time at the slot's start. */
export function slotUnixTimestamp(timing: SlotTiming, slot: number): number {
  return timing.genesisUnixTimestamp + Math.floor(slotStartUs(timing, slot) / 1_000_000);
}

/** The Clock sysvar while `slot` executes (epochs of {@link SLOTS_PER_EPOCH} slots, no warmup). */
export function clockForSlot(timing: SlotTiming, slot: number): ClockValues {
  const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
  return {
    slot,
    epoch,
    epochStartTimestamp: slotUnixTimestamp(timing, epoch * SLOTS_PER_EPOCH),
    leaderScheduleEpoch: epoch + 1,
    unixTimestamp: slotUnixTimestamp(timing, slot),
  };
}

const BLOCKHASH_DOMAIN = utf8("asset-sim/l1/blockhash");

/** The blockhash the node issues for `slot`: base58 of sha256("asset-sim/l1/blockhash" || u64be(slot)). */
export function blockhashForSlot(slot: number): string {
  return base58Encode(sha256Concat(BLOCKHASH_DOMAIN, u64(slot)));
}
