/**
 * `asset-sim merge`: the shard results of one sweep (`explore --json --out`,
 * see `sweep-result.ts`) combined into one result and one table, failures
 * first. Refuses results of different sweeps (another scenario, seed range,
 * mode, check or version), and reports the shards that are missing, given
 * twice, or stopped early by `--max-failures`. Pure: the CLI reads the files.
 */
import { z } from "zod";
import { InputError } from "../config/errors.js";
import { EXIT } from "../scenario/run.js";
import type { SeedVerdict } from "./explore.js";
import { sweepFailureSchema, sweepPlanSchema, type ShardResult, type SweepPlan } from "./sweep-result.js";

/** The `format` field of a merged result. */
export const MERGED_RESULT_FORMAT = "asset-sim/explore-merged";
/** The `formatVersion` this version writes. */
export const MERGED_RESULT_VERSION = 1;

const count = z.number().int().min(0);

/** The merged result of a sweep's shards (`merge --json`, `merge -o FILE`). */
export const mergedResultSchema = z.strictObject({
  format: z.literal(MERGED_RESULT_FORMAT),
  formatVersion: z.literal(MERGED_RESULT_VERSION),
  plan: sweepPlanSchema,
  shardCount: z.number().int().min(1),
  /** 1-based shard indices found, missing, and found more than once (with identical results). */
  shardsPresent: z.array(z.number().int().min(1)),
  shardsMissing: z.array(z.number().int().min(1)),
  shardsDuplicate: z.array(z.number().int().min(1)),
  /** Shards that `--max-failures` stopped before their last seed. */
  shardsStoppedEarly: z.array(z.number().int().min(1)),
  /** Every shard present once, none stopped early: every seed of the plan ran. */
  complete: z.boolean(),
  /** Seeds (runs) of the whole plan, and those reported by the shards present. */
  seedsPlanned: count,
  seedsRun: count,
  verdicts: z.strictObject({ ok: count, safety: count, liveness: count, "node-error": count, nondeterministic: count }),
  /** Every failure, by seed (run); `seedFile` is the path as found (the shard's folder joined with its name). */
  failures: z.array(sweepFailureSchema.extend({ shard: z.number().int().min(1) })),
  /** One row per shard present. */
  shards: z.array(
    z.strictObject({
      index: z.number().int().min(1),
      source: z.string(),
      seedsPlanned: count,
      seedsRun: count,
      failures: count,
      exitCode: z.number().int(),
      stoppedAtMaxFailures: z.boolean(),
      wallMs: z.number().min(0),
    }),
  ),
  /** Exit code: the failures' (6, 1, 4, 3 as `explore`), else 2 when incomplete, else 0. */
  exitCode: z.number().int(),
  /** Wall time summed over shards and the longest shard, and seeds per minute per shard (seeds run / summed wall). */
  timing: z.strictObject({ wallMsSum: z.number().min(0), wallMsMax: z.number().min(0), seedsPerMinutePerShard: z.number().min(0) }),
});

/** A merged result. */
export type MergedResult = z.output<typeof mergedResultSchema>;

/** One shard result as found on disk. */
export interface FoundShardResult {
  /** Where it was read from (for messages and the `shards` rows). */
  readonly source: string;
  /** The folder its seed file names are relative to. */
  readonly folder: string;
  readonly result: ShardResult;
}

/** How many seeds shard `index` (1-based) of `shards` gets out of `total`: the k < total with k % shards === index - 1. */
export function seedsOfShard(total: number, index: number, shards: number): number {
  return index - 1 < total ? Math.floor((total - index) / shards) + 1 : 0;
}

/**
 * Merges the shard results of one sweep.
 * @param found at least one result; `join` builds a seed file's path from a folder and a name
 * @throws InputError when `found` is empty, two results have different plans or shard counts, a shard's
 *   planned seeds do not match its plan, or one shard is given twice with different results
 */
export function mergeShardResults(found: readonly FoundShardResult[], join: (folder: string, name: string) => string): MergedResult {
  const first = found[0];
  if (first === undefined) throw new InputError("merge", "no shard results found (explore --json --out DIR writes DIR/shard-I-of-N.json)");
  const plan = first.result.plan;
  const shardCount = first.result.shard.count;
  const byIndex = new Map<number, FoundShardResult>();
  const duplicates = new Set<number>();
  for (const f of found) {
    const difference = planDifference(plan, f.result.plan);
    if (difference !== undefined) {
      throw new InputError("merge", `${f.source} is another sweep than ${first.source}: ${difference}`);
    }
    if (f.result.shard.count !== shardCount) {
      throw new InputError("merge", `${f.source} is shard ${f.result.shard.index}/${f.result.shard.count}, ${first.source} is of ${shardCount} shards: one sweep has one shard count`);
    }
    const expected = plan.mode === "guided" ? plan.count : seedsOfShard(plan.count, f.result.shard.index, shardCount);
    if (f.result.seedsPlanned !== expected) {
      throw new InputError("merge", `${f.source}: shard ${f.result.shard.index}/${shardCount} of ${plan.count} seeds should plan ${expected} seeds, it says ${f.result.seedsPlanned}`);
    }
    const earlier = byIndex.get(f.result.shard.index);
    if (earlier !== undefined) {
      if (!sameOutcomes(earlier.result, f.result)) {
        throw new InputError("merge", `shard ${f.result.shard.index}/${shardCount} is given twice with different results: ${earlier.source} and ${f.source}`);
      }
      duplicates.add(f.result.shard.index);
      continue;
    }
    byIndex.set(f.result.shard.index, f);
  }
  const present = [...byIndex.keys()].sort((a, b) => a - b);
  const missing: number[] = [];
  for (let i = 1; i <= shardCount; i++) if (!byIndex.has(i)) missing.push(i);
  const stoppedEarly = present.filter((i) => byIndex.get(i)!.result.stoppedAtMaxFailures);
  const verdicts: Record<SeedVerdict, number> = { ok: 0, safety: 0, liveness: 0, "node-error": 0, nondeterministic: 0 };
  const failures: MergedResult["failures"] = [];
  let seedsRun = 0;
  let wallMsSum = 0;
  let wallMsMax = 0;
  for (const index of present) {
    const { result, folder } = byIndex.get(index)!;
    for (const v of Object.keys(verdicts) as SeedVerdict[]) verdicts[v] += result.verdicts[v];
    for (const failure of result.failures) failures.push({ ...failure, shard: index, seedFile: failure.seedFile === null ? null : join(folder, failure.seedFile) });
    seedsRun += result.seedsRun;
    wallMsSum += result.timing.wallMs;
    wallMsMax = Math.max(wallMsMax, result.timing.wallMs);
  }
  failures.sort((a, b) => (a.run ?? a.seed) - (b.run ?? b.seed));
  const complete = missing.length === 0 && stoppedEarly.length === 0;
  return {
    format: MERGED_RESULT_FORMAT,
    formatVersion: MERGED_RESULT_VERSION,
    plan,
    shardCount,
    shardsPresent: present,
    shardsMissing: missing,
    shardsDuplicate: [...duplicates].sort((a, b) => a - b),
    shardsStoppedEarly: stoppedEarly,
    complete,
    seedsPlanned: plan.count,
    seedsRun,
    verdicts,
    failures,
    shards: present.map((index) => {
      const { result, source } = byIndex.get(index)!;
      return {
        index,
        source,
        seedsPlanned: result.seedsPlanned,
        seedsRun: result.seedsRun,
        failures: result.failures.length,
        exitCode: result.exitCode,
        stoppedAtMaxFailures: result.stoppedAtMaxFailures,
        wallMs: result.timing.wallMs,
      };
    }),
    exitCode: failureExitCode(verdicts) ?? (complete ? EXIT.ok : EXIT.badInput),
    timing: { wallMsSum, wallMsMax, seedsPerMinutePerShard: wallMsSum === 0 ? 0 : Math.round((seedsRun * 60_000 * 100) / wallMsSum) / 100 },
  };
}

/** The first field where two plans differ, in words, or undefined when they are the same plan. */
export function planDifference(a: SweepPlan, b: SweepPlan): string | undefined {
  for (const key of Object.keys(a) as (keyof SweepPlan)[]) {
    const x = JSON.stringify(a[key]);
    const y = JSON.stringify(b[key]);
    if (x !== y) return `plan.${key} ${x} != ${y}`;
  }
  return undefined;
}

/** Whether two results of one shard report the same outcomes (a rerun of a deterministic shard does). */
function sameOutcomes(a: ShardResult, b: ShardResult): boolean {
  const key = (r: ShardResult): string => JSON.stringify({ seedsRun: r.seedsRun, verdicts: r.verdicts, failures: r.failures.map((f) => [f.seed, f.run, f.verdict, f.traceDigest]) });
  return key(a) === key(b);
}

/** Explore's exit code precedence over verdicts: 6, 1, 4, 3; undefined when nothing failed. */
function failureExitCode(verdicts: Record<SeedVerdict, number>): number | undefined {
  if (verdicts.nondeterministic > 0) return EXIT.nondeterministic;
  if (verdicts.safety > 0) return EXIT.safetyViolated;
  if (verdicts["node-error"] > 0) return EXIT.nodeThrew;
  if (verdicts.liveness > 0) return EXIT.livenessMissed;
  return undefined;
}

/**
 * The merged result as a table for stdout: the failures first (each with its
 * shard, seed file and replay command), then one row per shard, the missing,
 * duplicate and stopped shards, and the totals by invariant.
 */
export function formatMerged(merged: MergedResult): string {
  const { plan } = merged;
  const unit = plan.mode === "guided" ? "run" : "seed";
  const lines: string[] = [];
  lines.push(
    `merge: ${plan.scenario} (scenario ${plan.scenarioDigest.slice(0, 12)}, asset-sim ${plan.packageVersion}), ${plan.mode}, ${unit}s ${plan.from}..${plan.from + plan.count - 1}` +
      `${plan.checkDeterminism ? ", determinism checked" : ""}, ${merged.shardCount} shard${merged.shardCount === 1 ? "" : "s"}`,
  );
  for (const f of merged.failures) {
    const where = f.run === undefined ? `seed ${f.seed}` : `run ${f.run} (seed ${f.seed})`;
    lines.push(`FAIL ${where} ${f.verdict} ${f.invariant ?? ""}: ${f.message ?? ""} (shard ${f.shard}/${merged.shardCount})`);
    if (f.swarm !== undefined) lines.push(`  ${f.swarm}`);
    if (f.twins !== undefined) lines.push(`  twins: ${f.twins}`);
    if (f.seedFile !== null) lines.push(`  seed file: ${f.seedFile}`, `  reproduce with: npx asset-sim replay ${f.seedFile}`);
  }
  lines.push(`shard   ${unit}s run  planned  failures  exit   wall s  source`);
  for (const s of merged.shards) {
    lines.push(
      `${`${s.index}/${merged.shardCount}`.padEnd(7)} ${String(s.seedsRun).padStart(9)} ${String(s.seedsPlanned).padStart(8)} ${String(s.failures).padStart(9)} ${String(s.exitCode).padStart(5)} ${(s.wallMs / 1000).toFixed(1).padStart(8)}  ${s.source}${s.stoppedAtMaxFailures ? " (stopped at --max-failures)" : ""}`,
    );
  }
  if (merged.shardsMissing.length > 0) lines.push(`missing shards   ${merged.shardsMissing.map((i) => `${i}/${merged.shardCount}`).join(" ")}`);
  if (merged.shardsDuplicate.length > 0) lines.push(`duplicate shards ${merged.shardsDuplicate.map((i) => `${i}/${merged.shardCount}`).join(" ")} (identical results, counted once)`);
  lines.push(`${unit}s run ${" ".repeat(unit === "run" ? 8 : 7)}${merged.seedsRun} of ${merged.seedsPlanned}${merged.complete ? "" : " (incomplete)"}`);
  lines.push(`failures         ${merged.failures.length}`);
  const byInvariant = new Map<string, { kind: string; seeds: number[] }>();
  for (const f of merged.failures) {
    const key = f.invariant ?? f.verdict;
    const row = byInvariant.get(key) ?? { kind: f.verdict, seeds: [] };
    row.seeds.push(f.run ?? f.seed);
    byInvariant.set(key, row);
  }
  if (byInvariant.size > 0) {
    lines.push(`invariant              kind              ${unit}s  first ${unit}s`);
    for (const [invariant, row] of [...byInvariant.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
      const firstSeeds = row.seeds.slice(0, 8).join(" ") + (row.seeds.length > 8 ? " ..." : "");
      lines.push(`${invariant.padEnd(22)} ${row.kind.padEnd(17)} ${String(row.seeds.length).padStart(5)}  ${firstSeeds}`);
    }
  }
  lines.push(`${unit}s per minute ${merged.timing.seedsPerMinutePerShard} per shard (wall: ${(merged.timing.wallMsSum / 1000).toFixed(1)} s summed, ${(merged.timing.wallMsMax / 1000).toFixed(1)} s longest shard)`);
  return lines.join("\n");
}
