/**
 * The sections of one rollup that the validators system owns: the validator
 * set and its chain settings, the workload, the ledger genesis, byzantine
 * validators, checkpoints and the invariants' bounds. A scenario with one
 * rollup writes them at the top level; a scenario with several writes them
 * in each entry of `rollups`.
 */
import { z } from "zod";
import { SIGNATURE_SCHEMES } from "../../crypto/signature.js";
import { duration, nodeName, positiveDuration, probability } from "../../config/fields.js";
import { LEADER_ELECTIONS } from "../../consensus/leader-election/elections.js";
import { REPUTATION_DEFAULTS, REPUTATION_WEIGHT_MAX, REPUTATION_WINDOW_MAX } from "../../consensus/leader-election/reputation.js";

/** Mempool limits of every validator (see `mempool/fee-mempool.ts`). */
const MEMPOOL_DEFAULTS = { capacity: 200_000, minFee: 1, replaceBumpPercent: 10, ttl: 30_000_000, maxNonceGap: 64, perSenderMax: 256 };
const mempool = z.strictObject({
  capacity: z.number().int().positive().default(MEMPOOL_DEFAULTS.capacity),
  minFee: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(MEMPOOL_DEFAULTS.minFee),
  replaceBumpPercent: z.number().int().min(0).max(1000).default(MEMPOOL_DEFAULTS.replaceBumpPercent),
  ttl: positiveDuration.default(MEMPOOL_DEFAULTS.ttl),
  maxNonceGap: z.number().int().min(0).max(1_000_000).default(MEMPOOL_DEFAULTS.maxNonceGap),
  perSenderMax: z.number().int().positive().default(MEMPOOL_DEFAULTS.perSenderMax),
});

/** Weights of the kinds of client submissions (relative; at least one positive). */
const MIX_DEFAULTS = { transfer: 0.85, script: 0.1, badNonce: 0.02, badSignature: 0.02, overspend: 0.01 };
const weight = z.number().min(0, "must be >= 0").max(1_000_000);
const mix = z
  .strictObject({
    transfer: weight.default(0),
    script: weight.default(0),
    badNonce: weight.default(0),
    badSignature: weight.default(0),
    overspend: weight.default(0),
  })
  .refine((m) => m.transfer + m.script + m.badNonce + m.badSignature + m.overspend > 0, { message: "needs at least one positive weight" });

/** Genesis of the ledger the workload uses: the native fee asset, one token, and their pool. */
const LEDGER_DEFAULTS = {
  nativeBalance: 1_000_000_000_000,
  token: "USDC",
  tokenDecimals: 6,
  tokenBalance: 1_000_000_000,
  poolNative: 1_000_000_000_000,
  poolToken: 1_000_000_000_000,
  poolFeeBps: 30,
};
const amount = z.number().int("must be an integer").min(0, "must be >= 0").max(Number.MAX_SAFE_INTEGER);
const ledger = z.strictObject({
  nativeBalance: amount.default(LEDGER_DEFAULTS.nativeBalance),
  token: z.string().regex(/^[A-Z][A-Z0-9]{0,11}$/, "must be 1-12 characters A-Z, 0-9, starting with a letter").refine((t) => t !== "ASSET", "ASSET is the native asset").default(LEDGER_DEFAULTS.token),
  tokenDecimals: z.number().int().min(0).max(18).default(LEDGER_DEFAULTS.tokenDecimals),
  tokenBalance: amount.default(LEDGER_DEFAULTS.tokenBalance),
  poolNative: amount.default(LEDGER_DEFAULTS.poolNative),
  poolToken: amount.default(LEDGER_DEFAULTS.poolToken),
  poolFeeBps: z.number().int().min(0).max(1000).default(LEDGER_DEFAULTS.poolFeeBps),
});

/**
 * Byzantine behaviours (see `consensus/byzantine/`). Each is a real
 * misbehaviour on the wire; `twin` runs a second instance of the validator
 * under the same key (the Twins method).
 */
export const BYZANTINE_BEHAVIORS = [
  "equivocate",
  "double-vote",
  "withhold-votes",
  "bad-signatures",
  "replay",
  "twin",
  "stale-qc",
  "fork-older",
  "conflicting-justify",
  "forged-qc",
  "lying-tc",
  "lying-sync",
  "mutate",
] as const;

/** The behaviours swarm testing drew before the rule adversaries joined (its first draw keeps to these, so old seeds draw the same). */
export const SWARM_FIRST_BYZANTINE_BEHAVIORS = ["equivocate", "double-vote", "withhold-votes", "bad-signatures", "replay", "twin"] as const;
/** The rule adversaries (see `consensus/byzantine/byzantine-replica.ts`). */
export const RULE_ADVERSARY_BEHAVIORS = ["stale-qc", "fork-older", "conflicting-justify", "forged-qc", "lying-tc", "lying-sync", "mutate"] as const;

/**
 * One byzantine validator behaviour: `node` misbehaves as `behavior` while
 * `from <= now < until`, at each opportunity with probability `rate`
 * (default 1). A `twin` takes neither `rate` nor `until` (its instance boots at
 * `from`, default 0, and runs to the end).
 */
const byzantineEntry = z
  .strictObject({
    node: nodeName,
    behavior: z.enum(BYZANTINE_BEHAVIORS),
    rate: probability.optional(),
    from: duration.optional(),
    until: duration.optional(),
  })
  .superRefine((b, ctx) => {
    if (b.behavior === "twin" && b.rate !== undefined) ctx.addIssue({ code: "custom", message: "a twin has no rate (it runs the honest replica)", path: ["rate"] });
    if (b.behavior === "twin" && b.until !== undefined) ctx.addIssue({ code: "custom", message: "a twin runs to the end of the run (partition it to silence it)", path: ["until"] });
    if (b.from !== undefined && b.until !== undefined && b.until <= b.from) ctx.addIssue({ code: "custom", message: "must be after from", path: ["until"] });
  });
/** State checkpoints and snapshot catch-up (see `consensus/hotstuff/checkpoints.ts`). */
const CHECKPOINTS_DEFAULTS = { every: 0, snapshotBehind: 64 };
const checkpoints = z.strictObject({
  /** K: a checkpoint of the committed state every K committed heights; 0: none (restarts replay from genesis). */
  every: z.number().int().min(0).max(1_000_000).default(0),
  /** A validator more than this many blocks behind a QC it learns fetches a peer's checkpoint. */
  snapshotBehind: z.number().int().min(1).max(1_000_000).default(CHECKPOINTS_DEFAULTS.snapshotBehind),
  /**
   * Committed blocks a validator holds in memory (default 128, `COMMITTED_BLOCKS_KEPT_DEFAULT`);
   * older ones are read from its disk when a peer asks for them (`consensus/block-tree.ts`).
   */
  blocksInMemory: z.number().int("must be an integer").min(1, "must be at least 1").max(1_000_000, "must be at most 1000000").optional(),
});

/**
 * Leader reputation's parameters (see `consensus/leader-election/reputation.ts`,
 * after Aptos's `ProposerAndVoterV2`): the window in committed blocks,
 * `exclude` and `staleViews` in views, weights relative. The window defaults
 * to 30 x count (filled in by {@link withReputationDefaults}).
 */
const REPUTATION_SECTION_DEFAULTS = {
  exclude: REPUTATION_DEFAULTS.exclude,
  activeWeight: REPUTATION_DEFAULTS.activeWeight,
  failedWeight: REPUTATION_DEFAULTS.failedWeight,
  failureThresholdPercent: REPUTATION_DEFAULTS.failureThresholdPercent,
  staleViews: REPUTATION_DEFAULTS.staleViews,
};
const reputationWindow = z.number().int("must be an integer").min(1, "must be at least 1").max(REPUTATION_WINDOW_MAX, `must be at most ${REPUTATION_WINDOW_MAX}`);
const reputationWeight = z.number().int("must be an integer").min(1, "must be at least 1 (every validator keeps a chance to lead)").max(REPUTATION_WEIGHT_MAX, `must be at most ${REPUTATION_WEIGHT_MAX}`);
const reputation = z.strictObject({
  /** Committed blocks in which proposals and failed proposals count; default 30 x count. */
  proposerWindow: reputationWindow.optional(),
  /** The history of view v ends at view v - exclude. */
  exclude: z.number().int("must be an integer").min(0, "must be >= 0").max(REPUTATION_WINDOW_MAX, `must be at most ${REPUTATION_WINDOW_MAX}`).default(REPUTATION_SECTION_DEFAULTS.exclude),
  activeWeight: reputationWeight.default(REPUTATION_SECTION_DEFAULTS.activeWeight),
  failedWeight: reputationWeight.default(REPUTATION_SECTION_DEFAULTS.failedWeight),
  failureThresholdPercent: z.number().int("must be an integer").min(0, "must be >= 0").max(100, "must be at most 100").default(REPUTATION_SECTION_DEFAULTS.failureThresholdPercent),
  /** A view whose history has no committed block in its last staleViews views falls back to round-robin. */
  staleViews: reputationWindow.default(REPUTATION_SECTION_DEFAULTS.staleViews),
});
/** Parsed reputation parameters (window possibly unset). */
export type ReputationSection = z.output<typeof reputation>;

/** The reputation parameters with the window filled in for `count` validators (30 x count). */
export function withReputationDefaults(section: ReputationSection, count: number): ReputationSection & { proposerWindow: number } {
  return { ...section, proposerWindow: section.proposerWindow ?? REPUTATION_DEFAULTS.proposerWindowPerValidator * count };
}

/** The validator set and its chain settings. */
export const validatorsSection = z
  .strictObject({
    count: z.number().int("must be an integer").min(1, "must be at least 1").max(1024, "must be at most 1024"),
    blockTime: positiveDuration.default(250_000),
    viewTimeout: positiveDuration.default(1_000_000),
    /** Cap of the exponentially backed-off view timeout; default 8 x viewTimeout. */
    viewTimeoutMax: positiveDuration.optional(),
    /** Wait for a block response before asking the next peer. */
    syncRetry: positiveDuration.default(200_000),
    signatureScheme: z.enum(SIGNATURE_SCHEMES).default("ed25519-native"),
    maxBlockTransactions: z.number().int().positive().default(5_000),
    mempool: mempool.default(MEMPOOL_DEFAULTS),
    /**
     * The leader of chosen views, `{ "<view>": "<validator>" }` (a Twins leader schedule): a view listed is led
     * by the validator named (both instances of a twin); the others follow `leaderElection`. Unset: none.
     */
    leaders: z
      .record(z.string(), nodeName)
      .superRefine((table, ctx) => {
        for (const view of Object.keys(table)) {
          if (!/^[1-9]\d{0,14}$/.test(view)) ctx.addIssue({ code: "custom", message: `${JSON.stringify(view)} must be a view number (1, 2, ...; view 0 is the genesis)`, path: [view] });
        }
      })
      .optional(),
    /** Who leads each view: `reputation` (leader reputation, DiemBFT v4 / Aptos) or `round-robin` (view mod n). */
    leaderElection: z.enum(LEADER_ELECTIONS).default("reputation"),
    /** Leader reputation's parameters (read with `leaderElection: "reputation"`). */
    reputation: reputation.default(REPUTATION_SECTION_DEFAULTS),
  })
  .transform((v, ctx) => {
    const viewTimeoutMax = v.viewTimeoutMax ?? 8 * v.viewTimeout;
    if (viewTimeoutMax < v.viewTimeout) ctx.addIssue({ code: "custom", message: "must be at least viewTimeout", path: ["viewTimeoutMax"] });
    return { ...v, viewTimeoutMax, reputation: withReputationDefaults(v.reputation, v.count) };
  });

/** The workload: clients submitting transactions. */
export const workloadSection = z
  .strictObject({
    txPerSecond: z.number().min(0, "must be >= 0").max(1_000_000),
    clients: z.number().int().min(1).max(1000).default(4),
    /** Accounts (key pairs) each client owns. */
    accountsPerClient: z.number().int().min(1).max(1000).default(8),
    /** Base fee of client transactions (native units); each adds a random tip up to the same amount. */
    fee: z.number().int().min(0).max(1_000_000_000).default(10),
    mix: mix.default(MIX_DEFAULTS),
    /** No submissions at or after this time (default: the end of the run). */
    stopAt: duration.optional(),
  })
  .default({ txPerSecond: 0, clients: 4, accountsPerClient: 8, fee: 10, mix: MIX_DEFAULTS });

/** Bounds the invariants judge against. */
export const invariantsSection = z
  .strictObject({
    maxReorgDepth: z.number().int().min(0).default(2),
    livenessBound: positiveDuration.default(5_000_000),
    /** After the last fault, the finalized posted height must reach the committed height within this. */
    postingLivenessBound: positiveDuration.default(30_000_000),
    /**
     * Expectation (checker `min-commits`): by the end of the run the chain
     * reached at least this committed height (the highest height an honest
     * validator committed). Unset: not checked.
     */
    minCommits: z.number().int("must be an integer").min(1, "must be at least 1").max(Number.MAX_SAFE_INTEGER).optional(),
    /**
     * Expectation (checker `max-failed-views`): at most this many views ended
     * by timeout. A view failed when a validator formed a timeout certificate
     * of it (`tc` event) or when a quorum (n - f) of distinct validator identities timed it
     * out (`timeout` events); each view counts once. Unset: not checked.
     */
    maxFailedViews: z.number().int("must be an integer").min(0, "must be >= 0").max(Number.MAX_SAFE_INTEGER).optional(),
    /**
     * Expectation (checker `no-honest-commit`): true when the scenario expects
     * that no honest validator commits anything (a quorum never forms); the
     * first honest commit is then a violation (exit 1). Unset or false: not checked.
     */
    noHonestCommit: z.boolean().optional(),
  })
  .default({ maxReorgDepth: 2, livenessBound: 5_000_000, postingLivenessBound: 30_000_000 });

/** The rollup-level sections of the validators system (zod shape). */
export const VALIDATOR_SECTIONS = {
  validators: validatorsSection,
  workload: workloadSection,
  ledger: ledger.default(LEDGER_DEFAULTS),
  /** Byzantine validators and their behaviours (at most f distinct validators unless `allowMoreThanF`). */
  byzantine: z.array(byzantineEntry).default([]),
  /** Allow more than f byzantine validators (a scenario that must break safety). */
  allowMoreThanF: z.boolean().default(false),
  checkpoints: checkpoints.default(CHECKPOINTS_DEFAULTS),
  invariants: invariantsSection,
};

/** Building blocks shared with the real-mode node config (`runtime/node-config.ts`): the same fields, units and defaults. */
export {
  positiveDuration as positiveDurationSchema,
  mempool as mempoolSchema,
  MEMPOOL_DEFAULTS,
  mix as mixSchema,
  MIX_DEFAULTS,
  ledger as ledgerSchema,
  LEDGER_DEFAULTS,
  checkpoints as checkpointsSchema,
  CHECKPOINTS_DEFAULTS,
  reputation as reputationSchema,
  REPUTATION_SECTION_DEFAULTS,
};

/** A byzantine behaviour's name. */
export type ByzantineBehavior = (typeof BYZANTINE_BEHAVIORS)[number];
