/**
 * The scenario file format, version 1, as a zod schema. Unknown fields are
 * refused (a typo is never silently ignored); durations are integers of
 * microseconds or strings with a unit (see `duration.ts`); every default is
 * listed here and in the README.
 */
import { z } from "zod";
import { SIGNATURE_SCHEMES } from "../crypto/signature.js";
import type { LatencyModel } from "../net/latency.js";
import { parseDurationUs } from "../config/duration.js";

/** A duration field, parsed to integer microseconds. */
const duration = z.unknown().transform((value, ctx): number => {
  const parsed = parseDurationUs(value);
  if (typeof parsed === "string") {
    ctx.addIssue({ code: "custom", message: parsed });
    return z.NEVER;
  }
  return parsed;
});

/** A duration that may be negative (a clock skew): a duration, or one with a leading "-". */
const signedDuration = z.unknown().transform((value, ctx): number => {
  const negative = (typeof value === "string" && value.trim().startsWith("-")) || (typeof value === "number" && value < 0);
  const magnitude = typeof value === "string" && negative ? value.trim().slice(1) : typeof value === "number" ? Math.abs(value) : value;
  const parsed = parseDurationUs(magnitude);
  if (typeof parsed === "string") {
    ctx.addIssue({ code: "custom", message: parsed });
    return z.NEVER;
  }
  return negative ? -parsed : parsed;
});

const positiveDuration = duration.refine((us) => us > 0, { message: "must be greater than zero" });
const probability = z.number().min(0, "must be between 0 and 1").max(1, "must be between 0 and 1");
const nodeName = z.string().min(1, "must be a node name such as v0");

/** Latency: `{ min, max }` (uniform), or `{ distribution: "normal", mean, stddev, min? }`, or `{ distribution: "exponential", min, mean }`. */
const latency = z
  .strictObject({
    distribution: z.enum(["uniform", "normal", "exponential"]).optional(),
    min: duration.optional(),
    max: duration.optional(),
    mean: duration.optional(),
    stddev: duration.optional(),
  })
  .transform((l, ctx): LatencyModel => {
    const need = (field: "min" | "max" | "mean" | "stddev"): number => {
      const value = l[field];
      if (value === undefined) {
        ctx.addIssue({ code: "custom", message: `required for the ${l.distribution ?? "uniform"} distribution`, path: [field] });
        return 0;
      }
      return value;
    };
    const refuse = (field: "max" | "mean" | "stddev"): void => {
      if (l[field] !== undefined) ctx.addIssue({ code: "custom", message: `not used by the ${l.distribution ?? "uniform"} distribution`, path: [field] });
    };
    switch (l.distribution ?? "uniform") {
      case "uniform": {
        const minUs = need("min");
        const maxUs = need("max");
        refuse("mean");
        refuse("stddev");
        if (maxUs < minUs) ctx.addIssue({ code: "custom", message: "must be at least min", path: ["max"] });
        return { kind: "uniform", minUs, maxUs };
      }
      case "normal":
        refuse("max");
        return { kind: "normal", meanUs: need("mean"), stddevUs: need("stddev"), minUs: l.min ?? 0 };
      case "exponential":
        refuse("max");
        refuse("stddev");
        return { kind: "exponential", minUs: need("min"), meanUs: need("mean") };
    }
  });

const link = z.strictObject({
  from: nodeName,
  to: nodeName,
  latency: latency.optional(),
  dropRate: probability.optional(),
  duplicateRate: probability.optional(),
  /** Also apply the override to `to -> from`. */
  symmetric: z.boolean().default(false),
});

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

/** Background L1 faults (see `l1/l1-node.ts`): rates per transaction or per request. */
const L1_FAULT_DEFAULTS = { dropRate: 0, delayRate: 0, delaySlotsMax: 3, rpcErrorRate: 0 };
const l1Faults = z.strictObject({
  dropRate: probability.default(0),
  delayRate: probability.default(0),
  delaySlotsMax: z.number().int().min(1).max(64).default(L1_FAULT_DEFAULTS.delaySlotsMax),
  rpcErrorRate: probability.default(0),
});

/** The simulated L1: the AssetRollup program in litesvm on virtual time. */
const L1_DEFAULTS = { enabled: true, slotDuration: 400_000, confirmationDepthSlots: 1, finalizationDepthSlots: 32, faults: L1_FAULT_DEFAULTS };
const l1 = z
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

/** The batch poster (see `sequencer/batch-poster.ts`). */
const BATCH_POSTER_DEFAULTS = { batchEveryBlocks: 1, maxRootsPerTransaction: 8, keys: 2, pollInterval: 200_000, retryBase: 200_000, retryMax: 5_000_000, requestTimeout: 2_000_000, resendInterval: 1_600_000 };
const batchPoster = z.strictObject({
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

/** Operations of the upgrade authority at scenario times (carried out by the operator node). */
const operation = z.discriminatedUnion("action", [
  z.strictObject({ at: duration, action: z.enum(["pause-posting", "resume-posting", "unauthorized-pause"]) }),
  z.strictObject({ at: duration, action: z.literal("rotate-poster"), keyIndex: z.number().int().min(0).max(15) }),
  z.strictObject({ at: duration, action: z.literal("set-version"), version: z.number().int().min(0).max(0xffff_ffff) }),
]);

/**
 * Byzantine behaviours (see `consensus/byzantine/`). Each is a real
 * misbehaviour on the wire; `twin` runs a second instance of the validator
 * under the same key (the Twins method).
 */
export const BYZANTINE_BEHAVIORS = ["equivocate", "double-vote", "withhold-votes", "bad-signatures", "replay", "twin"] as const;

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
/** Background storage faults of every validator's disk (see `storage/sim-disk.ts`). */
const STORAGE_DEFAULTS = { corruptRate: 0, tornWriteRate: 0 };
const storage = z.strictObject({
  /** Probability that a value written by a sync is stored with one flipped bit. */
  corruptRate: probability.default(0),
  /** Probability that a validator's crash tears one write. */
  tornWriteRate: probability.default(0),
});

/** Clock drift: the node's clock runs at 1 + drift times virtual time. */
const drift = z.number().gt(-0.5, "must be greater than -0.5").lt(0.5, "must be less than 0.5");

/** Validators' clocks (see `sim/host.ts`): per-node skew and drift, and background pauses. */
const CLOCKS_DEFAULTS = { nodes: {}, pauseRate: 0, pauseDurationMax: 500_000 };
const clocks = z.strictObject({
  /** Per validator: `{ skew, drift }` from time 0. */
  nodes: z.record(nodeName, z.strictObject({ skew: signedDuration.default(0), drift: drift.default(0) })).default({}),
  /** Pauses per validator per second of virtual time (Poisson); 0: none. */
  pauseRate: z.number().min(0, "must be >= 0").max(100, "must be at most 100").default(0),
  /** Each background pause lasts a uniform time in (0, pauseDurationMax]. */
  pauseDurationMax: positiveDuration.default(CLOCKS_DEFAULTS.pauseDurationMax),
});

/** State checkpoints and snapshot catch-up (see `consensus/replica.ts`). */
const CHECKPOINTS_DEFAULTS = { every: 0, snapshotBehind: 64 };
const checkpoints = z.strictObject({
  /** K: a checkpoint of the committed state every K committed heights; 0: none (restarts replay from genesis). */
  every: z.number().int().min(0).max(1_000_000).default(0),
  /** A validator more than this many blocks behind a QC it learns fetches a peer's checkpoint. */
  snapshotBehind: z.number().int().min(1).max(1_000_000).default(CHECKPOINTS_DEFAULTS.snapshotBehind),
});

/** A safety phase (faults) and then a liveness phase (every fault stopped). */
const PHASES_DEFAULTS = { safetyOnly: false };
const phases = z.strictObject({
  /** From this time on every fault stops and progress must resume within livenessBound. */
  livenessAt: duration.optional(),
  /** Any fault load, no liveness verdict (liveness reported as skipped). Also `run --safety-only`. */
  safetyOnly: z.boolean().default(false),
});

const at = duration;
const faultAction = z.discriminatedUnion("action", [
  z.strictObject({ at, action: z.literal("corrupt"), node: nodeName, key: z.string().default(""), bits: z.number().int().min(1).max(64).default(1) }),
  z.strictObject({ at, action: z.literal("torn-write"), node: nodeName }),
  z.strictObject({ at, action: z.literal("wipe"), node: nodeName }),
  z.strictObject({ at, action: z.literal("storage-faults"), corruptRate: probability.optional(), tornWriteRate: probability.optional() }),
  z.strictObject({ at, action: z.literal("clock"), node: nodeName, skew: signedDuration.optional(), drift: drift.optional() }),
  z.strictObject({ at, action: z.literal("pause"), node: nodeName, duration: positiveDuration }),
  z.strictObject({ at, action: z.literal("partition"), groups: z.array(z.array(nodeName).min(1)).min(2, "needs at least two groups") }),
  z.strictObject({ at, action: z.literal("partition-oneway"), from: z.array(nodeName).min(1), to: z.array(nodeName).min(1) }),
  z.strictObject({ at, action: z.literal("isolate"), node: nodeName, direction: z.enum(["both", "inbound", "outbound"]).default("both") }),
  z.strictObject({ at, action: z.literal("heal") }),
  z.strictObject({ at, action: z.literal("crash"), node: nodeName }),
  z.strictObject({ at, action: z.literal("restart"), node: nodeName }),
  z.strictObject({ at, action: z.literal("clog"), node: nodeName }),
  z.strictObject({ at, action: z.literal("unclog"), node: nodeName }),
  z.strictObject({
    at,
    action: z.literal("l1-faults"),
    dropRate: probability.optional(),
    delayRate: probability.optional(),
    delaySlotsMax: z.number().int().min(1).max(64).optional(),
    rpcErrorRate: probability.optional(),
  }),
  z.strictObject({ at, action: z.literal("l1-reorg"), depth: z.number().int().min(1).max(511) }),
]);

/** Scenario file, version 1. */
export const scenarioSchema = z.strictObject({
  version: z.literal(1).default(1),
  name: z.string().min(1, "must not be empty").max(200),
  description: z.string().optional(),
  seed: z.number().int("must be an integer").min(0, "must be >= 0").max(Number.MAX_SAFE_INTEGER),
  duration: positiveDuration,
  /** Event budget: the run stops after this many events even before `duration`. */
  maxEvents: z.number().int().positive().default(50_000_000),
  validators: z.strictObject({
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
  })
    .transform((v, ctx) => {
      const viewTimeoutMax = v.viewTimeoutMax ?? 8 * v.viewTimeout;
      if (viewTimeoutMax < v.viewTimeout) ctx.addIssue({ code: "custom", message: "must be at least viewTimeout", path: ["viewTimeoutMax"] });
      return { ...v, viewTimeoutMax };
    }),
  network: z
    .strictObject({
      latency: latency.default({ kind: "uniform", minUs: 5_000, maxUs: 40_000 }),
      dropRate: probability.default(0),
      duplicateRate: probability.default(0),
      links: z.array(link).default([]),
    })
    .default({ latency: { kind: "uniform", minUs: 5_000, maxUs: 40_000 }, dropRate: 0, duplicateRate: 0, links: [] }),
  workload: z
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
    .default({ txPerSecond: 0, clients: 4, accountsPerClient: 8, fee: 10, mix: MIX_DEFAULTS }),
  ledger: ledger.default(LEDGER_DEFAULTS),
  l1: l1.default(L1_DEFAULTS),
  batchPoster: batchPoster.default(BATCH_POSTER_DEFAULTS),
  faults: z.array(faultAction).default([]),
  /** Byzantine validators and their behaviours (at most f distinct validators unless `allowMoreThanF`). */
  byzantine: z.array(byzantineEntry).default([]),
  /** Allow more than f byzantine validators (a scenario that must break safety). */
  allowMoreThanF: z.boolean().default(false),
  storage: storage.default(STORAGE_DEFAULTS),
  clocks: clocks.default(CLOCKS_DEFAULTS),
  checkpoints: checkpoints.default(CHECKPOINTS_DEFAULTS),
  phases: phases.default(PHASES_DEFAULTS),
  operations: z.array(operation).default([]),
  invariants: z
    .strictObject({
      maxReorgDepth: z.number().int().min(0).default(2),
      livenessBound: positiveDuration.default(5_000_000),
      /** After the last fault, the finalized posted height must reach the committed height within this. */
      postingLivenessBound: positiveDuration.default(30_000_000),
    })
    .default({ maxReorgDepth: 2, livenessBound: 5_000_000, postingLivenessBound: 30_000_000 }),
});

/** A parsed scenario: every duration in microseconds, every default filled in. */
export type Scenario = z.output<typeof scenarioSchema>;
/** One fault action of a parsed scenario. */
export type FaultAction = Scenario["faults"][number];
/** One byzantine behaviour of a parsed scenario. */
export type ByzantineEntry = Scenario["byzantine"][number];
/** A byzantine behaviour's name. */
export type ByzantineBehavior = (typeof BYZANTINE_BEHAVIORS)[number];
/** One operator operation of a parsed scenario. */
export type Operation = Scenario["operations"][number];

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
};
