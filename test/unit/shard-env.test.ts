/**
 * `explore --shard auto`: the shard read from a Kubernetes Indexed Job
 * (`JOB_COMPLETION_INDEX`), a GitHub Actions matrix (the workflow's
 * `ASSET_SIM_SHARD_INDEX`) and `ASSET_SIM_SHARD_COUNT`, with a clear error
 * for each missing or malformed variable; and the shard mapping: the shards
 * of a plan, read from the environment of each job, cover every seed once.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exploreSeeds, type Shard } from "../../src/explore/explore.js";
import { seedsOfShard } from "../../src/explore/merge.js";
import { SHARD_ENV, shardFromEnvironment } from "../../src/explore/shard-env.js";
import { inputError } from "../helpers/errors.js";

/** Seeds the shards leave out and seeds two shards both run, for a plan of `count` seeds from `from`. */
function coverage(from: number, count: number, shards: readonly Shard[], seedsOf: (from: number, count: number, shard: Shard) => number[]): { missing: number[]; twice: number[] } {
  const runs = new Map<number, number>();
  for (const shard of shards) for (const seed of seedsOf(from, count, shard)) runs.set(seed, (runs.get(seed) ?? 0) + 1);
  const missing: number[] = [];
  const twice: number[] = [];
  for (let k = 0; k < count; k++) {
    const n = runs.get(from + k) ?? 0;
    if (n === 0) missing.push(from + k);
    if (n > 1) twice.push(from + k);
  }
  const outside = [...runs.keys()].filter((s) => s < from || s >= from + count);
  expect(outside).toEqual([]);
  return { missing, twice };
}

/** The shards of an N-pod Indexed Job, each read from its own pod's environment. */
function kubernetesShards(pods: number, read: (env: Record<string, string>) => Shard): Shard[] {
  return Array.from({ length: pods }, (_, k) => read({ [SHARD_ENV.kubernetesIndex]: String(k), [SHARD_ENV.count]: String(pods) }));
}


describe("--shard auto", () => {
  it("reads Kubernetes' JOB_COMPLETION_INDEX (0-based) and ASSET_SIM_SHARD_COUNT as shard index + 1 of count", () => {
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: "0", ASSET_SIM_SHARD_COUNT: "4" })).toEqual({ shard: { index: 1, count: 4 }, source: "JOB_COMPLETION_INDEX=0, ASSET_SIM_SHARD_COUNT=4" });
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: "3", ASSET_SIM_SHARD_COUNT: "4" }).shard).toEqual({ index: 4, count: 4 });
  });

  it("reads ASSET_SIM_SHARD_INDEX (a GitHub matrix's strategy.job-index) and accepts JOB_COMPLETION_INDEX beside it when they agree", () => {
    expect(shardFromEnvironment({ ASSET_SIM_SHARD_INDEX: "2", ASSET_SIM_SHARD_COUNT: "3", GITHUB_ACTIONS: "true" }).shard).toEqual({ index: 3, count: 3 });
    expect(shardFromEnvironment({ ASSET_SIM_SHARD_INDEX: "1", JOB_COMPLETION_INDEX: "1", ASSET_SIM_SHARD_COUNT: "3" }).shard).toEqual({ index: 2, count: 3 });
  });

  it("refuses missing and malformed variables with a message naming them", () => {
    expect(inputError(() => shardFromEnvironment({})).message).toMatch(/--shard: auto needs ASSET_SIM_SHARD_INDEX .* JOB_COMPLETION_INDEX .*ASSET_SIM_SHARD_COUNT; neither index is set$/);
    expect(inputError(() => shardFromEnvironment({ GITHUB_ACTIONS: "true" })).message).toContain("ASSET_SIM_SHARD_INDEX: ${{ strategy.job-index }}");
    expect(inputError(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: "1" })).message).toMatch(/JOB_COMPLETION_INDEX is set but ASSET_SIM_SHARD_COUNT is not \(Kubernetes does not expose the Job's spec.completions/);
    for (const bad of ["", "-1", "1.5", "one", "1e3", "0x2", "99999999999999999999"]) {
      expect(inputError(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: bad, ASSET_SIM_SHARD_COUNT: "4" })).message).toContain(`JOB_COMPLETION_INDEX must be a non-negative decimal integer, got ${JSON.stringify(bad)}`);
      expect(inputError(() => shardFromEnvironment({ ASSET_SIM_SHARD_INDEX: "0", ASSET_SIM_SHARD_COUNT: bad })).message).toContain("ASSET_SIM_SHARD_COUNT must be a non-negative decimal integer");
    }
    expect(inputError(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: "4", ASSET_SIM_SHARD_COUNT: "4" })).message).toContain("JOB_COMPLETION_INDEX=4 must be below ASSET_SIM_SHARD_COUNT=4 (the index is 0-based)");
    expect(inputError(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: "0", ASSET_SIM_SHARD_COUNT: "0" })).message).toContain("ASSET_SIM_SHARD_COUNT must be between 1 and");
    expect(inputError(() => shardFromEnvironment({ ASSET_SIM_SHARD_INDEX: "0", JOB_COMPLETION_INDEX: "1", ASSET_SIM_SHARD_COUNT: "2" })).message).toContain("disagree");
  });
});

describe("the shard mapping", () => {
  it("the shards of every pod of an Indexed Job cover each seed of the plan exactly once, and merge counts their seeds alike", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 40 }), (from, count, pods) => {
        const shards = kubernetesShards(pods, (env) => shardFromEnvironment(env).shard);
        expect(coverage(from, count, shards, exploreSeeds)).toEqual({ missing: [], twice: [] });
        for (const shard of shards) expect(seedsOfShard(count, shard.index, shard.count)).toBe(exploreSeeds(from, count, shard).length);
      }),
      { numRuns: 200 },
    );
  });

  it("the coverage check catches a mapping that takes the 0-based index as the 1-based shard, and one that overlaps", () => {
    // A broken reader built here: JOB_COMPLETION_INDEX used as the shard number itself (0..n-1 instead of 1..n).
    const offByOne = kubernetesShards(4, (env) => ({ index: Number(env[SHARD_ENV.kubernetesIndex]), count: Number(env[SHARD_ENV.count]) }));
    expect(coverage(10, 12, offByOne, exploreSeeds).missing).toEqual([13, 17, 21]);
    // A broken split built here: contiguous blocks of ceil(count / n) + 1 seeds, which overlap.
    const blocks = (from: number, count: number, shard: Shard): number[] => {
      const size = Math.ceil(count / shard.count) + 1;
      return exploreSeeds(from, count).filter((s) => s - from >= (shard.index - 1) * (size - 1) && s - from < (shard.index - 1) * (size - 1) + size);
    };
    expect(coverage(0, 12, kubernetesShards(4, (env) => shardFromEnvironment(env).shard), blocks).twice).toEqual([3, 6, 9]);
  });
});
