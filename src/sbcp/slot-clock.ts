/**
 * SBCP slots (`superblock_construction_protocol.md`, "Block Time" and the SP's
 * `computeCurrentSlot`): slots of `slotDurationUs` (default 12 s, one Ethereum
 * slot) counted from the genesis time; the SP requests the seal once
 * `sealCutover` of the slot has passed (default 2/3).
 *
 * Slot s runs over [genesisTimeUs + s * slotDurationUs, genesisTimeUs + (s + 1) * slotDurationUs).
 * Slot 0 is the genesis slot: the first StartSlot is Slot 1 (SP, "Genesis").
 * The spec writes `computeCurrentSlot() = max(round((now - genesisTime) / SlotDuration), 0)`;
 * this clock floors instead of rounding, so the slot number changes at the
 * slot's start rather than at its middle (with `round`, the seal cut-over at 2/3
 * would fall in the next slot's number).
 */
import { assert } from "../sim/assert.js";

/** Default slot duration: 12 s (us). */
export const DEFAULT_SLOT_DURATION_US = 12_000_000;
/** Default seal cut-over: 2/3 of the slot. */
export const DEFAULT_SEAL_CUTOVER = 2 / 3;

/** Slot arithmetic for one network. Times are microseconds. */
export class SlotClock {
  /**
   * @param genesisTimeUs the start of slot 0
   * @param slotDurationUs the length of a slot (> 0)
   * @param sealCutover the fraction of a slot after which the SP requests the seal, in (0, 1)
   */
  constructor(
    readonly genesisTimeUs: number,
    readonly slotDurationUs: number = DEFAULT_SLOT_DURATION_US,
    readonly sealCutover: number = DEFAULT_SEAL_CUTOVER,
  ) {
    assert(Number.isSafeInteger(genesisTimeUs) && genesisTimeUs >= 0, "genesis time is a safe non-negative integer");
    assert(Number.isSafeInteger(slotDurationUs) && slotDurationUs > 0, "slot duration is a positive integer");
    assert(sealCutover > 0 && sealCutover < 1, "seal cut-over is in (0, 1)");
  }

  /** The slot at `nowUs` (0 before genesis). */
  slotAt(nowUs: number): number {
    return Math.max(Math.floor((nowUs - this.genesisTimeUs) / this.slotDurationUs), 0);
  }

  /** When `slot` starts. */
  startOf(slot: number): number {
    return this.genesisTimeUs + slot * this.slotDurationUs;
  }

  /** When the SP requests the seal of `slot`: its start plus `sealCutover` of a slot (floored to a microsecond). */
  sealTimeOf(slot: number): number {
    return this.startOf(slot) + Math.floor(this.slotDurationUs * this.sealCutover);
  }
}
