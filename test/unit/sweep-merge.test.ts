/**
 * The shard result of `explore --json` (its zod schema, a JSON round trip,
 * refusals) and `merge` over shard results: failures first and in seed
 * order across shards, missing and duplicate shards reported, results of
 * another sweep refused.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exploreSeeds, type SeedOutcome, type Shard } from "../../src/explore/explore.js";
import { formatMerged, mergedResultSchema, mergeShardResults, type FoundShardResult } from "../../src/explore/merge.js";
import { buildShardResult, parseShardResult, shardResultFileName, shardResultSchema, type ShardResult, type SweepPlan } from "../../src/explore/sweep-result.js";
import { inputError } from "../helpers/errors.js";

const DIGEST = "ab".repeat(32);

const plan: SweepPlan = {
  scenario: "tiny",
  scenarioDigest: "cd".repeat(32),
  packageVersion: "0.1.0",
  mode: "swarm",
  from: 100,
  count: 10,
  checkDeterminism: false,
  maxFailures: null,
  settings: null,
};

/** Seeds 103 and 108 fail (safety, liveness); the others pass. */
function outcomeOf(seed: number): SeedOutcome {
  const base = { seed, traceDigest: DIGEST, virtualDurationUs: 2_000_000, events: 1234, swarm: `swarm seed ${seed}: crash` };
  if (seed === 103) return { ...base, verdict: "safety", exitCode: 1, invariant: "agreement", message: "v1 and v2 committed different blocks at height 4" };
  if (seed === 108) return { ...base, verdict: "liveness", exitCode: 3, invariant: "liveness", message: "no new commit for 3s" };
  return { ...base, verdict: "ok", exitCode: 0 };
}

function shardResult(shard: Shard, overrides: Partial<SweepPlan> = {}): ShardResult {
  const seeds = exploreSeeds(plan.from, plan.count, shard);
  const outcomes = seeds.map(outcomeOf).reverse(); // arrival order is any order
  const failures = outcomes.filter((o) => o.verdict !== "ok");
  return buildShardResult({
    plan: { ...plan, ...overrides },
    shard,
    seedsPlanned: seeds.length,
    outcomes,
    seedFiles: new Map(failures.map((o) => [o.seed, `tiny-seed${o.seed}-${DIGEST.slice(0, 12)}.json`])),
    exitCode: failures.some((o) => o.verdict === "safety") ? 1 : failures.length > 0 ? 3 : 0,
    stoppedAtMaxFailures: false,
    wallMs: 1500,
  });
}

function found(shard: Shard, overrides: Partial<SweepPlan> = {}, folder = `/results/shard-${shard.index}`): FoundShardResult {
  return { source: join(folder, shardResultFileName(shard)), folder, result: shardResult(shard, overrides) };
}


describe("the shard result (explore --json)", () => {
  it("round-trips through JSON and its schema, failures in seed order with their seed file names", () => {
    const result = shardResult({ index: 2, count: 3 });
    expect(result.seedsPlanned).toBe(3); // seeds 101, 104, 107
    expect(result.failures).toEqual([]);
    const withFailures = shardResult({ index: 1, count: 1 });
    expect(withFailures.failures.map((f) => [f.seed, f.verdict, f.invariant, f.seedFile])).toEqual([
      [103, "safety", "agreement", `tiny-seed103-${DIGEST.slice(0, 12)}.json`],
      [108, "liveness", "liveness", `tiny-seed108-${DIGEST.slice(0, 12)}.json`],
    ]);
    expect(withFailures.verdicts).toEqual({ ok: 8, safety: 1, liveness: 1, "node-error": 0, nondeterministic: 0 });
    expect(withFailures.timing).toEqual({ wallMs: 1500, seedsPerMinute: 400 });
    for (const r of [result, withFailures]) {
      expect(shardResultSchema.parse(r)).toEqual(r);
      expect(parseShardResult(JSON.stringify(r, null, 2), "shard.json")).toEqual(r);
    }
  });

  it("refuses another format version, an unknown field and a bad digest, naming the file and field", () => {
    const r = shardResult({ index: 1, count: 2 });
    expect(inputError(() => parseShardResult(JSON.stringify({ ...r, formatVersion: 2 }), "a.json")).message).toBe("a.json: formatVersion 2: this asset-sim reads version 1");
    expect(inputError(() => parseShardResult(JSON.stringify({ ...r, extra: 1 }), "a.json")).message).toBe("a.json: unknown field(s) extra");
    expect(inputError(() => parseShardResult(JSON.stringify({ ...r, plan: { ...r.plan, scenarioDigest: "xyz" } }), "a.json")).message).toBe("a.json plan.scenarioDigest: must be 64 lowercase hex characters");
    expect(inputError(() => parseShardResult(JSON.stringify({ ...r, shard: { index: 3, count: 2 } }), "a.json")).message).toBe("a.json shard: index must be at most count");
    expect(inputError(() => parseShardResult("{", "a.json")).message).toMatch(/^a.json: not valid JSON/);
  });
});

describe("merge", () => {
  it("merges every shard: failures first in seed order across shards, seed files joined to their shard's folder", () => {
    const merged = mergeShardResults([found({ index: 3, count: 3 }), found({ index: 1, count: 3 }), found({ index: 2, count: 3 })], join);
    expect(mergedResultSchema.parse(merged)).toEqual(merged);
    expect(merged.complete).toBe(true);
    expect(merged.shardsPresent).toEqual([1, 2, 3]);
    expect(merged.shardsMissing).toEqual([]);
    expect(merged.seedsRun).toBe(10);
    // 103 is in shard 1 (k = 3), 108 in shard 3 (k = 8).
    expect(merged.failures.map((f) => [f.seed, f.shard, f.seedFile])).toEqual([
      [103, 1, `/results/shard-1/tiny-seed103-${DIGEST.slice(0, 12)}.json`],
      [108, 3, `/results/shard-3/tiny-seed108-${DIGEST.slice(0, 12)}.json`],
    ]);
    expect(merged.exitCode).toBe(1); // safety outranks liveness
    const table = formatMerged(merged).split("\n");
    const firstFail = table.findIndex((l) => l.startsWith("FAIL"));
    const header = table.findIndex((l) => l.startsWith("shard "));
    expect(firstFail).toBeGreaterThan(0);
    expect(firstFail).toBeLessThan(header);
    expect(table[firstFail]).toBe("FAIL seed 103 safety agreement: v1 and v2 committed different blocks at height 4 (shard 1/3)");
    expect(table).toContain("seeds run        10 of 10");
    expect(table).toContain("agreement              safety                1  103");
  });

  it("reports a missing shard: incomplete, exit 2 when nothing failed, the failures' exit code otherwise", () => {
    const passing = mergeShardResults([found({ index: 2, count: 3 })], join);
    expect(passing.shardsMissing).toEqual([1, 3]);
    expect(passing.complete).toBe(false);
    expect(passing.exitCode).toBe(2);
    expect(formatMerged(passing)).toContain("missing shards   1/3 3/3");
    expect(formatMerged(passing)).toContain("seeds run        3 of 10 (incomplete)");
    const failing = mergeShardResults([found({ index: 1, count: 3 }), found({ index: 2, count: 3 })], join);
    expect(failing.shardsMissing).toEqual([3]);
    expect(failing.exitCode).toBe(1);
  });

  it("counts a shard given twice with identical results once and reports it; refuses one with different results", () => {
    const twice = mergeShardResults([found({ index: 1, count: 2 }), found({ index: 2, count: 2 }), found({ index: 2, count: 2 }, {}, "/elsewhere")], join);
    expect(twice.shardsDuplicate).toEqual([2]);
    expect(twice.seedsRun).toBe(10);
    expect(twice.complete).toBe(true);
    const other = found({ index: 2, count: 2 }, {}, "/elsewhere");
    const changed: FoundShardResult = { ...other, result: { ...other.result, failures: [{ ...other.result.failures[0]!, traceDigest: "ef".repeat(32) }] } };
    expect(inputError(() => mergeShardResults([found({ index: 2, count: 2 }), changed], join)).message).toContain("shard 2/2 is given twice with different results");
  });

  it("refuses results of another sweep: scenario, seed range, mode, version, shard count, or planned seeds that do not fit the plan", () => {
    const one = found({ index: 1, count: 2 });
    expect(inputError(() => mergeShardResults([one, found({ index: 2, count: 2 }, { scenarioDigest: "ee".repeat(32) })], join)).message).toContain("is another sweep than /results/shard-1/shard-1-of-2.json: plan.scenarioDigest");
    expect(inputError(() => mergeShardResults([one, found({ index: 2, count: 2 }, { from: 101 })], join)).message).toContain("plan.from 100 != 101");
    expect(inputError(() => mergeShardResults([one, found({ index: 2, count: 2 }, { mode: "seeds" })], join)).message).toContain('plan.mode "swarm" != "seeds"');
    expect(inputError(() => mergeShardResults([one, found({ index: 2, count: 2 }, { packageVersion: "0.2.0" })], join)).message).toContain("plan.packageVersion");
    expect(inputError(() => mergeShardResults([one, found({ index: 2, count: 3 })], join)).message).toContain("one sweep has one shard count");
    const lying: FoundShardResult = { ...one, result: { ...one.result, seedsPlanned: 7 } };
    expect(inputError(() => mergeShardResults([lying], join)).message).toContain("should plan 5 seeds, it says 7");
    expect(inputError(() => mergeShardResults([], join)).message).toContain("no shard results found");
  });
});
