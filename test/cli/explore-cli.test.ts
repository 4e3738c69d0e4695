/**
 * `asset-sim explore`, `shrink` and `--check-determinism` from the command
 * line: shards split a range, failures become seed files that replay, the
 * worker pool gives the same outcomes as one thread, and bad options exit 2
 * with one line.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rawScenario } from "../helpers/scenario.js";
import { runCli, writeJsonIn } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "asset-sim-explore-"));

const writeJson = (name: string, value: unknown): string => writeJsonIn(dir, name, value);

/** 4 validators, 2 s, no L1: a fast passing scenario. */
const tinyPath = writeJson("tiny.json", { name: "tiny", seed: 100, duration: "2s", validators: { count: 4 }, workload: { txPerSecond: 20 }, l1: { enabled: false } });
/** liveness-too-tight without the L1, cut to 5 s: every seed misses the bound. */
const failingPath = writeJson("failing.json", { ...rawScenario("liveness-too-tight"), duration: "5s", l1: { enabled: false } });

describe("asset-sim explore", () => {
  it("--shard 1/3, 2/3, 3/3 together run each seed of the range once", async () => {
    let total = 0;
    for (const shard of ["1/3", "2/3", "3/3"]) {
      const r = await runCli(["explore", tinyPath, "--seeds", "7", "--from", "20", "--shard", shard, "--jobs", "1", "--out", join(dir, "none")]);
      expect(r.code).toBe(0);
      expect(r.err).toContain(`shard ${shard}`);
      total += Number(/seeds run\s+(\d+)/.exec(r.out)![1]);
    }
    expect(total).toBe(7);
  });

  it("finds the failures of a scenario built to fail, writes seed files that replay, and exits 3 (liveness only)", async () => {
    const out = join(dir, "failures");
    const r = await runCli(["explore", failingPath, "--seeds", "2", "--jobs", "1", "--out", out]);
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/liveness\s+liveness\s+2 {2}9 10/);
    expect(r.err).toContain("explore: 2/2 seeds, 2 failures");
    const files = readdirSync(out).sort();
    expect(files).toHaveLength(2);
    for (const file of files) {
      const replay = await runCli(["replay", join(out, file)]);
      expect(replay.code).toBe(3);
      expect(replay.out).toContain("replay: reproduced");
    }
  });

  it("two worker threads give the same outcomes and table as one thread", async () => {
    const one = await runCli(["explore", failingPath, "--seeds", "3", "--from", "40", "--jobs", "1", "--swarm", "--out", join(dir, "one")]);
    const two = await runCli(["explore", failingPath, "--seeds", "3", "--from", "40", "--jobs", "2", "--swarm", "--out", join(dir, "two")]);
    expect(two.code).toBe(one.code);
    // Wall times (the rate line, the time of the first failure) and seed file paths differ; nothing else may.
    const results = (r: { out: string }) => r.out.split("\n").map((l) => l.replace(/, [\d.]+ s wall$/, "")).filter((l) => !l.startsWith("seeds per second") && !l.includes("reproduce with"));
    expect(results(two)).toEqual(results(one));
    expect(readdirSync(join(dir, "two")).sort()).toEqual(readdirSync(join(dir, "one")).sort());
  });

  it("--check-determinism passes a deterministic scenario (run and explore)", async () => {
    const run = await runCli(["run", tinyPath, "--check-determinism"]);
    expect(run.code).toBe(0);
    expect(run.err).toMatch(/determinism: both runs gave trace digest [0-9a-f]{64}/);
    const explore = await runCli(["explore", tinyPath, "--seeds", "2", "--jobs", "1", "--check-determinism", "--out", join(dir, "none")]);
    expect(explore.code).toBe(0);
  });
});

describe("asset-sim shrink", () => {
  it("writes a smaller seed file that still fails the same invariant", async () => {
    const out = join(dir, "to-shrink");
    await runCli(["explore", failingPath, "--seeds", "1", "--jobs", "1", "--out", out]);
    const [file] = readdirSync(out);
    const min = join(dir, "shrunk.json");
    const r = await runCli(["shrink", join(out, file!), "--out", min, "--max-runs", "30"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("removed: duration: 5000000us -> ");
    expect(r.out).toContain("still fails: liveness");
    expect(existsSync(min)).toBe(true);
    const replay = await runCli(["replay", min]);
    expect(replay.code).toBe(3);
    expect(replay.out).toContain("replay: reproduced");
    const shrunk = JSON.parse(readFileSync(min, "utf8")) as { scenario: { duration: number } };
    expect(shrunk.scenario.duration).toBeLessThan(5_000_000);
  });
});

describe("explore and shrink: bad input exits 2 with one line", () => {
  const cases: { name: string; args: string[]; mention: string }[] = [
    { name: "--seeds 0", args: ["explore", tinyPath, "--seeds", "0"], mention: "--seeds" },
    { name: "--seeds abc", args: ["explore", tinyPath, "--seeds", "abc"], mention: "--seeds" },
    { name: "no --seeds", args: ["explore", tinyPath], mention: "--seeds" },
    { name: "--shard 0/3", args: ["explore", tinyPath, "--seeds", "3", "--shard", "0/3"], mention: "--shard" },
    { name: "--shard 4/3", args: ["explore", tinyPath, "--seeds", "3", "--shard", "4/3"], mention: "--shard" },
    { name: "--shard half", args: ["explore", tinyPath, "--seeds", "3", "--shard", "half"], mention: "--shard" },
    { name: "--jobs 0", args: ["explore", tinyPath, "--seeds", "3", "--jobs", "0"], mention: "--jobs" },
    { name: "--from -1", args: ["explore", tinyPath, "--seeds", "3", "--from", "-1"], mention: "--from" },
    { name: "--duration 5parsecs", args: ["explore", tinyPath, "--seeds", "3", "--duration", "5parsecs"], mention: "--duration" },
    { name: "unknown scenario", args: ["explore", "no-such-scenario", "--seeds", "3"], mention: "no-such-scenario" },
    { name: "unreadable seed file", args: ["shrink", join(dir, "missing.json")], mention: "cannot read seed file" },
    { name: "not a seed file", args: ["shrink", tinyPath], mention: "seed file" },
    { name: "--max-runs 0", args: ["shrink", tinyPath, "--max-runs", "0"], mention: "--max-runs" },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = await runCli(c.args);
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      const lines = r.err.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(c.mention);
    });
  }
});
