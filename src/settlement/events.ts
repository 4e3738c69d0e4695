/**
 * The observations of optimistic settlement, derived from the L1's state of
 * the AssetRollup program's game accounts (`settlement-watch.ts`), as events
 * of node `l1`, and read by the settlement checkers (src/check/settlement/).
 *
 * Units and encodings follow `check/events.ts`: roots 64 hex digits, keys
 * base58, lamports as integers (bonds stay far below 2^53).
 */
import { z } from "zod";
import { base58, count, EventCatalogue, hash32Hex } from "../check/events.js";

/** A batch's status on L1. */
export const BATCH_STATUS_NAMES = ["pending", "final", "rejected"] as const;
/** A game's winner so far. */
export const GAME_WINNER_NAMES = ["none", "poster", "challenger"] as const;

/** The schemas of the settlement events (event name -> fields). */
export const SETTLEMENT_EVENTS = new EventCatalogue("settlement", {
  /**
   * The OptimisticBatch at `height` as the L1 holds it: status, claimed root, poster's bond still locked (lamports),
   * reposts so far, and the L1 unix times (seconds) it was posted at and became final at (0 until final).
   */
  "settlement-batch": z.strictObject({
    height: count,
    status: z.enum(BATCH_STATUS_NAMES),
    postRoot: hash32Hex,
    generation: count,
    bond: count,
    txCount: count,
    gamesPlayed: count,
    postedAt: count,
    finalizedAt: count,
    /** The rollup's name, when the scenario has several. */
    rollup: z.string().optional(),
  }),
  /** A DisputeGame as the L1 holds it (until `resolve` closes it): moves include the challenge. */
  "settlement-game": z.strictObject({
    height: count,
    challenger: base58,
    winner: z.enum(GAME_WINNER_NAMES),
    moves: count,
    txCount: count,
    lo: count,
    hi: count,
    rollup: z.string().optional(),
  }),
  /**
   * The bond ledger: lamports in the vault above its rent minimum, the
   * program's cumulative bonds posted and paid, and the bonds the batch and
   * game accounts say are locked.
   */
  "settlement-bonds": z.strictObject({ vaultLocked: count, posted: count, paid: count, lockedInBatches: count, lockedInGames: count, rollup: z.string().optional() }),
});
