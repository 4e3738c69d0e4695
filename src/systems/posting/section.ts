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

/** Defaults of the `settlement` section: posting mode (the registry, no dispute game). */
export const SETTLEMENT_DEFAULTS = {
  mode: "posting" as const,
  challengePeriod: 20_000_000,
  clock: 8_000_000,
  posterBond: 3_000_000_000,
  challengerBond: 1_000_000_000,
  challengers: [{ behaviour: "honest" as const }],
  wrongRootAt: [] as number[],
};

/** A whole number of seconds (the program's clocks count seconds), given as a duration; microseconds. */
const wholeSeconds = positiveDuration.refine((us) => us % 1_000_000 === 0, { message: "must be a whole number of seconds (the L1 program counts seconds)" });

/** One challenger of optimistic settlement (`settlement/challenger-node.ts`). */
const challengerSection = z
  .strictObject({
    /**
     * honest: challenges every wrong root and plays the game out; lazy: never challenges; silent-after: stops after `moves` moves per game;
     * dishonest: challenges the correct batch at each L2 height of `at` with a fabricated trace (and loses), honest elsewhere.
     */
    behaviour: z.enum(["honest", "lazy", "silent-after", "dishonest"]),
    moves: z.number().int().min(0).max(1000).optional(),
    /** dishonest only: the heights (= batches) it challenges although their roots are correct. */
    at: z.array(z.number().int().min(1)).min(1).max(64).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.behaviour === "silent-after" && c.moves === undefined) ctx.addIssue({ code: "custom", path: ["moves"], message: "silent-after needs moves (the moves it makes per game before going silent)" });
    if (c.behaviour !== "silent-after" && c.moves !== undefined) ctx.addIssue({ code: "custom", path: ["moves"], message: `only silent-after takes moves (behaviour is ${c.behaviour})` });
    if (c.behaviour === "dishonest" && c.at === undefined) ctx.addIssue({ code: "custom", path: ["at"], message: "dishonest needs at (the L2 heights whose correct batches it challenges)" });
    if (c.behaviour !== "dishonest" && c.at !== undefined) ctx.addIssue({ code: "custom", path: ["at"], message: `only dishonest takes at (behaviour is ${c.behaviour})` });
  });

/**
 * The `settlement` section (docs/fraud-proofs.md): `posting` posts roots to the
 * registry (the batch poster); `optimistic` posts bonded batches that become
 * final after `challengePeriod` unless a challenger wins the dispute game.
 * Durations in microseconds after parsing; bonds in lamports.
 */
export const settlementSection = z.strictObject({
  mode: z.enum(["posting", "optimistic"]).default(SETTLEMENT_DEFAULTS.mode),
  /** How long a posted batch stays open to challenges (whole seconds). */
  challengePeriod: wholeSeconds.default(SETTLEMENT_DEFAULTS.challengePeriod),
  /** Each party's chess clock in a game (whole seconds). */
  clock: wholeSeconds.default(SETTLEMENT_DEFAULTS.clock),
  /** Lamports the poster locks per batch. */
  posterBond: z.number().int().min(1).max(1_000_000_000_000).default(SETTLEMENT_DEFAULTS.posterBond),
  /** Lamports a challenger locks per game. */
  challengerBond: z.number().int().min(1).max(1_000_000_000_000).default(SETTLEMENT_DEFAULTS.challengerBond),
  challengers: z.array(challengerSection).max(8).default(SETTLEMENT_DEFAULTS.challengers),
  /** L2 heights (= batches) the poster first posts with a wrong root (the fault). */
  wrongRootAt: z.array(z.number().int().min(1)).default(SETTLEMENT_DEFAULTS.wrongRootAt),
});

/** The rollup-level sections of the posting system (zod shape). */
export const POSTING_SECTIONS = {
  batchPoster: batchPosterSection.default(BATCH_POSTER_DEFAULTS),
  operations: z.array(operation).default([]),
  settlement: settlementSection.default(SETTLEMENT_DEFAULTS),
};
