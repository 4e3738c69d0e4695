/**
 * The `sbcp` scenario section: several rollups, each with a sequencer, and
 * one shared publisher running the Superblock Construction Protocol
 * (`docs/sbcp.md`), plus clients submitting cross-rollup transactions (xTs)
 * and local transactions. A scenario without it runs no SBCP node.
 *
 * ```json
 * "sbcp": {
 *   "rollups": 3,
 *   "slotDuration": "12s", "sealCutover": 0.6667, "scpTimeout": "3s",
 *   "workload": { "clients": 2, "txPerSecond": 2, "xtShare": 0.5, "failingXtShare": 0.2 }
 * }
 * ```
 *
 * Defaults: `slotDuration` 12 s (one Ethereum slot), `sealCutover` 2/3, `scpTimeout` 3 s
 * (SBCP v1 and SCP v1), `genesisTime` 0, `xtExpiry` 60 s, `liveness` (the bounds of
 * `sbcp-liveness`): `{ "superblockWithin": 3 slots, "xtDecidedWithin": xtExpiry + 2 slots, "spHalts": false }`. `rollups` is a count
 * (chains 1..n, named `seq1`..) or a list of `{ name?, chainId?, genesis? }`. `l1` (optional):
 * `{ "pollInterval", "requestTimeout", "resendInterval", "retryBase", "publishWindow" }` turns on
 * publishing superblocks to the L1 registry (needs `l1.enabled`).
 */
import { z } from "zod";
import { duration, positiveDuration, probability } from "../../config/fields.js";
import { DEFAULT_SEAL_CUTOVER, DEFAULT_SLOT_DURATION_US } from "../../sbcp/slot-clock.js";
import { DEFAULT_SCP_TIMEOUT_US } from "../../sbcp/shared-publisher.js";

/** Most rollups one SBCP section holds. */
export const SBCP_ROLLUPS_MAX = 32;

/** Node ids a sequencer may not take: the SP, the clients, and the other systems' nodes. */
const RESERVED_NAME = /^(sp|l1|poster|operator|(v|c|sc)\d+t?)$/;

/** The default genesis of a rollup: `accounts` accounts, each holding `balance` of `asset`. */
export const SBCP_GENESIS_DEFAULTS = { asset: "USD", accounts: 8, balance: 1_000_000 } as const;

const amount = z.number().int("must be an integer").min(1, "must be at least 1").max(1_000_000_000_000);

/** A rollup's genesis: accounts 1..`accounts` (AssetVM keys, see `systems/sbcp/accounts.ts`) each holding `balance` of `asset`. */
const genesis = z.strictObject({
  asset: z.string().regex(/^[A-Z][A-Z0-9]{0,11}$/, "must be 1-12 characters A-Z, 0-9, starting with a letter").default(SBCP_GENESIS_DEFAULTS.asset),
  accounts: z.number().int().min(1, "must be at least 1").max(10_000).default(SBCP_GENESIS_DEFAULTS.accounts),
  balance: amount.default(SBCP_GENESIS_DEFAULTS.balance),
});

/** One rollup: its sequencer's node id (`name`, default `seq<chainId>`), chain id (default its position + 1) and genesis. */
const rollup = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,23}$/, "must be 1-24 characters a-z, 0-9, -, starting with a letter")
    .optional(),
  chainId: z.number().int().min(1, "must be at least 1").max(0xffff_ffff).optional(),
  genesis: genesis.default(SBCP_GENESIS_DEFAULTS),
});

/** The clients of the SBCP network: what they submit and how often. */
const workload = z.strictObject({
  clients: z.number().int().min(1).max(1000).default(2),
  /** Submissions per second over all clients (xTs and local transactions); 0: none. */
  txPerSecond: z.number().min(0, "must be >= 0").max(100_000).default(2),
  /** Share of submissions that are xTs (a transfer from one rollup to another); the rest are local transfers. */
  xtShare: probability.default(0.5),
  /** Share of xTs that must fail: the source account sends more than any account holds (insufficient balance). */
  failingXtShare: probability.default(0.2),
  /** Largest amount of a transfer (each draws 1..amountMax). */
  amountMax: amount.default(100),
  /** No submissions at or after this time (default: the end of the run). */
  stopAt: duration.optional(),
});

/**
 * The bounds of the `sbcp-liveness` checker (`check/sbcp/liveness.ts`), judged after the last fault:
 * `superblockWithin` (default 3 slots) between the heal and a superblock and between superblocks;
 * `xtDecidedWithin` (default `xtExpiry` + 2 slots) from an xT's queueing (or the heal) to its decision
 * or expiry; `spHalts` (default false): the scenario expects the SP to halt on a damaged log.
 */
const liveness = z.strictObject({
  superblockWithin: positiveDuration.optional(),
  xtDecidedWithin: positiveDuration.optional(),
  spHalts: z.boolean().default(false),
});

/**
 * The SP's L1 path (`sbcp/l1/superblock-poster.ts`): with this object the SP publishes every
 * superblock to the superblock registry of the AssetRollup program on the simulated L1 (which
 * must run: `l1.enabled`), watches finality, resubmits after reorgs and drops, and rolls back a
 * superblock not landed within `publishWindow` (default 60 s). Without it the SP publishes nothing.
 */
const l1Path = z.strictObject({
  /** The poster's loop period (default 400 ms, one L1 slot). */
  pollInterval: positiveDuration.default(400_000),
  /** An L1 request with no answer after this long failed (default 2 s). */
  requestTimeout: positiveDuration.default(2_000_000),
  /** A post not seen on chain is sent again after this long (default 2 s). */
  resendInterval: positiveDuration.default(2_000_000),
  /** First retry delay after a failure, doubling up to 8x (default 500 ms). */
  retryBase: positiveDuration.default(500_000),
  /** A superblock not landed on the L1 this long after it was built is invalid: the SP rolls back (default 60 s). */
  publishWindow: positiveDuration.default(60_000_000),
});

/** Defaults of the workload. */
const WORKLOAD_DEFAULTS = { clients: 2, txPerSecond: 2, xtShare: 0.5, failingXtShare: 0.2, amountMax: 100 } as const;

/** The `sbcp` section (see the file comment). */
export const sbcpSection = z
  .strictObject({
    rollups: z.union([z.number().int("must be an integer").min(1, "must be at least 1").max(SBCP_ROLLUPS_MAX, `must be at most ${SBCP_ROLLUPS_MAX}`), z.array(rollup).min(1, "needs at least one rollup").max(SBCP_ROLLUPS_MAX)]),
    /** Slot length (SBCP "Block Time"): default 12 s. */
    slotDuration: positiveDuration.default(DEFAULT_SLOT_DURATION_US),
    /** Fraction of a slot after which the SP requests the seal, in (0, 1): default 2/3. */
    sealCutover: z.number().gt(0, "must be greater than 0").lt(1, "must be less than 1").default(DEFAULT_SEAL_CUTOVER),
    /** SCP timer of the SP and the sequencers: default 3 s. */
    scpTimeout: positiveDuration.default(DEFAULT_SCP_TIMEOUT_US),
    /** Start of slot 0 (virtual time); slot 1 is the first built. Default 0. */
    genesisTime: duration.default(0),
    /** How long a queued xT may wait at the SP: default 60 s. */
    xtExpiry: positiveDuration.default(60_000_000),
    workload: workload.default(WORKLOAD_DEFAULTS),
    liveness: liveness.default({ spHalts: false }),
    /** Publishing superblocks to the L1 (see `l1Path`); absent: the SP publishes nothing. */
    l1: l1Path.optional(),
  })
  .transform((s, ctx) => {
    const list = typeof s.rollups === "number" ? Array.from({ length: s.rollups }, () => ({ genesis: { ...SBCP_GENESIS_DEFAULTS } })) : s.rollups;
    const rollups = list.map((r, i) => {
      const chainId = "chainId" in r && r.chainId !== undefined ? r.chainId : i + 1;
      const name = "name" in r && r.name !== undefined ? r.name : `seq${chainId}`;
      return { name, chainId, genesis: r.genesis };
    });
    const names = new Set<string>();
    const chains = new Set<number>();
    rollups.forEach((r, i) => {
      if (RESERVED_NAME.test(r.name)) ctx.addIssue({ code: "custom", message: `${JSON.stringify(r.name)} is the id of another node (sp, l1, poster, operator, v0.., c0.., sc0..)`, path: ["rollups", i, "name"] });
      if (names.has(r.name)) ctx.addIssue({ code: "custom", message: `sequencer name ${JSON.stringify(r.name)} is used twice`, path: ["rollups", i, "name"] });
      if (chains.has(r.chainId)) ctx.addIssue({ code: "custom", message: `chain id ${r.chainId} is used twice`, path: ["rollups", i, "chainId"] });
      names.add(r.name);
      chains.add(r.chainId);
    });
    if (Math.floor(s.slotDuration * s.sealCutover) < 1) ctx.addIssue({ code: "custom", message: "the seal cut-over falls at the slot's start (slotDuration x sealCutover < 1 us)", path: ["sealCutover"] });
    const bounds = {
      superblockWithin: s.liveness.superblockWithin ?? 3 * s.slotDuration,
      xtDecidedWithin: s.liveness.xtDecidedWithin ?? s.xtExpiry + 2 * s.slotDuration,
      spHalts: s.liveness.spHalts,
    };
    return { ...s, rollups, liveness: bounds };
  });

/** The parsed `sbcp` section. */
export type SbcpSection = z.output<typeof sbcpSection>;
/** One rollup of a parsed section. */
export type SbcpRollup = SbcpSection["rollups"][number];
