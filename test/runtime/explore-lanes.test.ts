/**
 * `runSeeds` with several lanes (this thread and worker threads taking seeds
 * from one shared counter): every seed runs once with the outcome a fresh
 * process gives, seeds started are a prefix when stopped early, and an error
 * in a lane ends the whole run. Also: a thread that ran other seeds before
 * (the per-process caches of parsed scenarios, key objects, the program
 * binary) gives the same digests as a fresh process.
 * The workers run the compiled code (`dist/`: npm run build first).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SeedOutcome } from "../../src/explore/explore.js";
import { runSeedInThisThread, runSeeds, SeedClaims } from "../../src/runtime/explore-pool.js";
import { applyOverrides } from "../../src/scenario/overrides.js";
import { rawScenario, ROOT } from "../helpers/scenario.js";

const WORKER = join(ROOT, "dist/src/runtime/explore-worker.js");
const DIST_POOL = join(ROOT, "dist/src/runtime/explore-pool.js");

/** 4 validators, 2 s, no L1: a fast passing scenario. */
const tiny = { name: "tiny", seed: 100, duration: "2s", validators: { count: 4 }, workload: { txPerSecond: 20 }, l1: { enabled: false } };

/** Digest per seed, each seed in a fresh node process (the compiled code). */
function freshDigests(raw: Record<string, unknown>, seeds: readonly number[]): Map<number, string> {
  const script = `
    const { runSeedInThisThread } = await import(${JSON.stringify(DIST_POOL)});
    const o = runSeedInThisThread(JSON.parse(process.argv[1]), Number(process.argv[2]), { swarm: false, checkDeterminism: false });
    console.log(o.traceDigest);
  `;
  return new Map(seeds.map((seed) => [seed, execFileSync(process.execPath, ["--input-type=module", "-e", script, JSON.stringify(raw), String(seed)], { cwd: ROOT, encoding: "utf8" }).trim()]));
}

describe("SeedClaims", () => {
  it("hands out each index once, in order, and none after stop", () => {
    const claims = new SeedClaims(3);
    const view = new SeedClaims(3, claims.buffer);
    expect([claims.next(), view.next(), claims.next(), view.next()]).toEqual([0, 1, 2, undefined]);
    const stopped = new SeedClaims(5);
    expect(stopped.next()).toBe(0);
    new SeedClaims(5, stopped.buffer).stop();
    expect(stopped.next()).toBeUndefined();
  });
});

describe.skipIf(!existsSync(WORKER))("runSeeds with lanes (built worker)", () => {
  it("3 jobs run every seed once with the digests of fresh processes; so does one thread that ran other seeds first", async () => {
    const seeds = [101, 102, 103, 104, 105];
    const outcomes: SeedOutcome[] = [];
    await runSeeds(tiny, seeds, { jobs: 3, swarm: false, checkDeterminism: false, onOutcome: (o) => outcomes.push(o) });
    expect(outcomes.map((o) => o.seed).sort()).toEqual(seeds);
    const fresh = freshDigests(tiny, seeds);
    for (const o of outcomes) {
      expect(o.verdict).toBe("ok");
      expect(o.traceDigest).toBe(fresh.get(o.seed));
    }
    // This thread has run seeds of this scenario above (and whatever the lanes left here); again, reversed.
    for (const seed of [...seeds].reverse()) expect(runSeedInThisThread(tiny, seed, { swarm: false, checkDeterminism: false }).traceDigest).toBe(fresh.get(seed));
  }, 240_000);

  it("with the L1 (program binary, keys, litesvm per run): two seeds in one thread, twice, give a fresh process's digests", () => {
    const { raw } = applyOverrides(rawScenario("quickstart"), { durationUs: 2_000_000 });
    const fresh = freshDigests(raw, [7, 8]);
    const again = [7, 8, 7, 8].map((seed) => runSeedInThisThread(raw, seed, { swarm: false, checkDeterminism: false }).traceDigest);
    expect(again).toEqual([fresh.get(7), fresh.get(8), fresh.get(7), fresh.get(8)]);
    // The comparison can fail: the two seeds differ.
    expect(fresh.get(7)).not.toBe(fresh.get(8));
  }, 240_000);

  it("shouldStop stops the lanes from starting seeds: those run are a prefix of the list", async () => {
    const seeds = Array.from({ length: 12 }, (_, i) => 200 + i);
    const outcomes: SeedOutcome[] = [];
    await runSeeds(tiny, seeds, { jobs: 2, swarm: false, checkDeterminism: false, onOutcome: (o) => outcomes.push(o), shouldStop: () => outcomes.length >= 2 });
    const run = outcomes.map((o) => o.seed).sort((a, b) => a - b);
    expect(run.length).toBeGreaterThanOrEqual(2);
    expect(run.length).toBeLessThan(seeds.length);
    expect(run).toEqual(seeds.slice(0, run.length));
  }, 240_000);

  it("a seed that throws ends the run with its error (here a scenario that does not validate)", async () => {
    const bad = { ...tiny, validators: { count: 0 } };
    await expect(runSeeds(bad, [1, 2, 3], { jobs: 2, swarm: false, checkDeterminism: false, onOutcome: () => {} })).rejects.toMatchObject({ name: "InputError" });
  }, 240_000);
});
