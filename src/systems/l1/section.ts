/** The L1 system's section: the simulated L1 (the AssetRollup program in litesvm on virtual time). */
import { z } from "zod";
import { positiveDuration, probability } from "../../config/fields.js";

/** Background L1 faults (see `l1/l1-node.ts`): rates per transaction or per request. */
export const L1_FAULT_DEFAULTS = { dropRate: 0, delayRate: 0, delaySlotsMax: 3, rpcErrorRate: 0 };
const l1Faults = z.strictObject({
  dropRate: probability.default(0),
  delayRate: probability.default(0),
  delaySlotsMax: z.number().int().min(1).max(64).default(L1_FAULT_DEFAULTS.delaySlotsMax),
  rpcErrorRate: probability.default(0),
});

/** The simulated L1: the AssetRollup program in litesvm on virtual time. */
export const L1_DEFAULTS = { enabled: true, slotDuration: 400_000, confirmationDepthSlots: 1, finalizationDepthSlots: 32, faults: L1_FAULT_DEFAULTS };
/** The `l1` section. */
export const l1Section = z
  .strictObject({
    /** Run the L1, the batch poster and the operator (default true). */
    enabled: z.boolean().default(L1_DEFAULTS.enabled),
    slotDuration: positiveDuration.default(L1_DEFAULTS.slotDuration),
    /** Later slots after which a slot is confirmed. */
    confirmationDepthSlots: z.number().int().min(1).max(64).default(L1_DEFAULTS.confirmationDepthSlots),
    /** Later slots after which a slot is finalized (never reorged). */
    finalizationDepthSlots: z.number().int().min(2).max(512).default(L1_DEFAULTS.finalizationDepthSlots),
    faults: l1Faults.default(L1_FAULT_DEFAULTS),
  })
  .refine((l) => l.finalizationDepthSlots > l.confirmationDepthSlots, { message: "finalizationDepthSlots must be greater than confirmationDepthSlots", path: ["finalizationDepthSlots"] });


/** The world-level sections of the L1 system (zod shape). */
export const L1_SECTIONS = { l1: l1Section.default(L1_DEFAULTS) };
