/**
 * The posting system's rollup-level sections: the batch poster and the
 * operator's operations (each fired at a time, a view or an event, like a
 * fault action; see `harness/triggers.ts`).
 */
import { z } from "zod";
import { positiveDuration } from "../../config/fields.js";
import { checkTrigger, desugarTrigger, triggerShape } from "../../harness/triggers.js";

/** The batch poster (see `sequencer/batch-poster.ts`). */
export const BATCH_POSTER_DEFAULTS = { batchEveryBlocks: 1, maxRootsPerTransaction: 8, keys: 2, pollInterval: 200_000, retryBase: 200_000, retryMax: 5_000_000, requestTimeout: 2_000_000, resendInterval: 1_600_000 };
/** The `batchPoster` section. */
export const batchPosterSection = z.strictObject({
  /** K: one registry entry per K L2 blocks, carrying the state root of the K-th. */
  batchEveryBlocks: z.number().int().min(1).max(10_000).default(BATCH_POSTER_DEFAULTS.batchEveryBlocks),
  /** Most roots per L1 transaction (each submit_batch_root instruction takes about 60 of its 1232 bytes). */
  maxRootsPerTransaction: z.number().int().min(1).max(12).default(BATCH_POSTER_DEFAULTS.maxRootsPerTransaction),
  /** Poster keys (key 0 is the authority at initialize; `rotate-poster` names another). */
  keys: z.number().int().min(1).max(16).default(BATCH_POSTER_DEFAULTS.keys),
  pollInterval: positiveDuration.default(BATCH_POSTER_DEFAULTS.pollInterval),
  retryBase: positiveDuration.default(BATCH_POSTER_DEFAULTS.retryBase),
  retryMax: positiveDuration.default(BATCH_POSTER_DEFAULTS.retryMax),
  requestTimeout: positiveDuration.default(BATCH_POSTER_DEFAULTS.requestTimeout),
  /** Rebroadcast a posting transaction the L1 has not included after this long. */
  resendInterval: positiveDuration.default(BATCH_POSTER_DEFAULTS.resendInterval),
});

/** Operations of the upgrade authority (carried out by the operator node). */
const operation = z
  .preprocess(
    desugarTrigger,
    z.discriminatedUnion("action", [
      z.strictObject({ ...triggerShape, action: z.enum(["pause-posting", "resume-posting", "unauthorized-pause"]) }).superRefine(checkTrigger),
      z.strictObject({ ...triggerShape, action: z.literal("rotate-poster"), keyIndex: z.number().int().min(0).max(15) }).superRefine(checkTrigger),
      z.strictObject({ ...triggerShape, action: z.literal("set-version"), version: z.number().int().min(0).max(0xffff_ffff) }).superRefine(checkTrigger),
    ]),
  )
  .transform((op) => ({ ...op, at: op.at ?? 0 }));

/** The rollup-level sections of the posting system (zod shape). */
export const POSTING_SECTIONS = {
  batchPoster: batchPosterSection.default(BATCH_POSTER_DEFAULTS),
  operations: z.array(operation).default([]),
};
