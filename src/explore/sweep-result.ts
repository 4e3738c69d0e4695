/**
 * The machine-readable result of one `explore` invocation (one shard of a
 * sweep), printed by `explore --json` and written to
 * `--out DIR/shard-I-of-N.json`, and read back by `asset-sim merge`. Format
 * `asset-sim/explore-result`, version {@link SHARD_RESULT_VERSION}; the zod
 * schema below is the definition (docs/exploring.md, "Sweeps on many
 * machines", shows an example).
 *
 * The `plan` says what the sweep is (scenario, seed range, mode, checks): every
 * shard of one sweep has the same plan, which is how `merge` refuses to mix
 * sweeps. Seed files are named relative to the folder of the result file (they
 * are written beside it), so a shard's folder can be copied or downloaded as
 * an artifact anywhere and still be merged. Pure: no IO.
 */
import { z } from "zod";
import { InputError } from "../config/errors.js";
import { sha256, toHex, utf8 } from "../crypto/hash.js";
import type { Shard } from "./explore.js";
import { explorationOrder, type SeedOutcome, type SeedVerdict } from "./explore.js";

/** The `format` field of a shard result. */
export const SHARD_RESULT_FORMAT = "asset-sim/explore-result";
/** The `formatVersion` this version writes and reads. */
export const SHARD_RESULT_VERSION = 1;

const count = z.number().int().min(0);
const verdict = z.enum(["ok", "safety", "liveness", "node-error", "nondeterministic"]);
const digest = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex characters");

/** What a sweep is: every shard of one sweep carries the same plan. */
export const sweepPlanSchema = z.strictObject({
  /** The base scenario's `name`. */
  scenario: z.string(),
  /** sha256 (hex) of the base scenario in file form with every default written out, after `--duration`. */
  scenarioDigest: digest,
  /** The asset-sim version that ran it (another version may give other digests). */
  packageVersion: z.string(),
  /** `seeds`: the scenario's own plan per seed; `swarm`; `twins`: a Twins case per seed; `guided`: runs. */
  mode: z.enum(["seeds", "swarm", "twins", "guided"]),
  /** First seed (`--from`). */
  from: count,
  /** Seeds (cases, runs) of the whole sweep, all shards together. */
  count: z.number().int().min(1),
  checkDeterminism: z.boolean(),
  /** `--max-failures`, or null. */
  maxFailures: z.number().int().min(1).nullable(),
  /** Mode settings that change what runs (`--generation`; the Twins space, budget, sampling and heal time), or null. */
  settings: z.record(z.string(), z.unknown()).nullable(),
});

/** One failed seed (run) of a shard. */
export const sweepFailureSchema = z.strictObject({
  seed: count,
  /** With `--guided`: the run's 0-based position. */
  run: count.optional(),
  verdict: verdict.exclude(["ok"]),
  exitCode: z.number().int(),
  invariant: z.string().nullable(),
  message: z.string().nullable(),
  traceDigest: digest,
  /** The second run's digest with `--check-determinism`. */
  secondDigest: digest.optional(),
  /** The swarm choice or the Twins case in one line. */
  swarm: z.string().optional(),
  twins: z.string().optional(),
  /** The seed file, relative to the result file's folder (its name: it is written beside it), or null when none was written. */
  seedFile: z.string().nullable(),
});

/** The result of one `explore` invocation (one shard; `1/1` when not sharded). */
export const shardResultSchema = z.strictObject({
  format: z.literal(SHARD_RESULT_FORMAT),
  formatVersion: z.literal(SHARD_RESULT_VERSION),
  plan: sweepPlanSchema,
  /** 1-based, as `--shard i/n`; `{ index: 1, count: 1 }` when not sharded. */
  shard: z.strictObject({ index: z.number().int().min(1), count: z.number().int().min(1) }).refine((s) => s.index <= s.count, { message: "index must be at most count" }),
  /** The seeds (runs) this shard was to run. */
  seedsPlanned: count,
  /** The seeds (runs) it reported: fewer when `--max-failures` stopped it. */
  seedsRun: count,
  /** Outcomes by verdict (`ok` included). */
  verdicts: z.strictObject({ ok: count, safety: count, liveness: count, "node-error": count, nondeterministic: count }),
  /** Failures in exploration order (seed, or run with `--guided`). */
  failures: z.array(sweepFailureSchema),
  /** Whether every seed ran twice with its digests compared. */
  determinismChecked: z.boolean(),
  /** Whether `--max-failures` stopped the shard before its last seed. */
  stoppedAtMaxFailures: z.boolean(),
  /** The shard's exit code (explore's precedence: 6, 1, 4, 3, 0). */
  exitCode: z.number().int(),
  /** Wall time, for throughput only (never part of a verdict). */
  timing: z.strictObject({ wallMs: z.number().min(0), seedsPerMinute: z.number().min(0) }),
});

/** A sweep plan. */
export type SweepPlan = z.output<typeof sweepPlanSchema>;
/** One failure of a shard. */
export type SweepFailure = z.output<typeof sweepFailureSchema>;
/** A shard result (format version {@link SHARD_RESULT_VERSION}). */
export type ShardResult = z.output<typeof shardResultSchema>;

/** The digest of a base scenario in file form (`scenarioToJson`), hex sha256 of its JSON text. */
export function scenarioDigest(scenarioJson: Record<string, unknown>): string {
  return toHex(sha256(utf8(JSON.stringify(scenarioJson))));
}

/** The name of a shard's result file: `shard-2-of-4.json`. */
export function shardResultFileName(shard: Shard): string {
  return `shard-${shard.index}-of-${shard.count}.json`;
}

/**
 * Builds a shard result from the outcomes an exploration tallied.
 * @param outcomes every outcome kept (after a `--max-failures` cut), any order
 * @param seedFiles exploration order -> seed file name (relative to the result's folder)
 * @param wallMs wall time of the exploration (timing only)
 */
export function buildShardResult(input: {
  plan: SweepPlan;
  shard: Shard;
  seedsPlanned: number;
  outcomes: readonly SeedOutcome[];
  seedFiles: ReadonlyMap<number, string>;
  exitCode: number;
  stoppedAtMaxFailures: boolean;
  wallMs: number;
}): ShardResult {
  const verdicts: Record<SeedVerdict, number> = { ok: 0, safety: 0, liveness: 0, "node-error": 0, nondeterministic: 0 };
  for (const o of input.outcomes) verdicts[o.verdict]++;
  const failures = input.outcomes
    .filter((o) => o.verdict !== "ok")
    .sort((a, b) => explorationOrder(a) - explorationOrder(b))
    .map((o): SweepFailure => ({
      seed: o.seed,
      ...(o.run !== undefined ? { run: o.run } : {}),
      verdict: o.verdict as SweepFailure["verdict"],
      exitCode: o.exitCode,
      invariant: o.invariant ?? null,
      message: o.message ?? null,
      traceDigest: o.traceDigest,
      ...(o.secondDigest !== undefined ? { secondDigest: o.secondDigest } : {}),
      ...(o.swarm !== undefined ? { swarm: o.swarm } : {}),
      ...(o.twins !== undefined ? { twins: o.twins } : {}),
      seedFile: input.seedFiles.get(explorationOrder(o)) ?? null,
    }));
  const wallMs = Math.max(0, input.wallMs);
  return {
    format: SHARD_RESULT_FORMAT,
    formatVersion: SHARD_RESULT_VERSION,
    plan: input.plan,
    shard: { index: input.shard.index, count: input.shard.count },
    seedsPlanned: input.seedsPlanned,
    seedsRun: input.outcomes.length,
    verdicts,
    failures,
    determinismChecked: input.plan.checkDeterminism,
    stoppedAtMaxFailures: input.stoppedAtMaxFailures,
    exitCode: input.exitCode,
    timing: { wallMs: Math.round(wallMs), seedsPerMinute: wallMs === 0 ? 0 : Math.round((input.outcomes.length * 60_000 * 100) / wallMs) / 100 },
  };
}

/**
 * Parses a shard result's text.
 * @param where the file it came from, for the error
 * @throws InputError naming the file and the bad field (a newer `formatVersion` gets its own message)
 */
export function parseShardResult(text: string, where: string): ShardResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InputError(where, `not valid JSON: ${(error as Error).message}`);
  }
  if (typeof raw === "object" && raw !== null && (raw as Record<string, unknown>).format === SHARD_RESULT_FORMAT) {
    const version = (raw as Record<string, unknown>).formatVersion;
    if (version !== SHARD_RESULT_VERSION) throw new InputError(where, `formatVersion ${JSON.stringify(version)}: this asset-sim reads version ${SHARD_RESULT_VERSION}`);
  }
  const result = shardResultSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.map(String).join(".");
    const problem = issue.code === "unrecognized_keys" ? `unknown field(s) ${issue.keys.join(", ")}` : issue.message;
    throw new InputError(path === "" ? where : `${where} ${path}`, problem);
  }
  return result.data;
}
