/**
 * A sweep from the command line: `explore --json --shard auto` in two
 * "pods" (the Indexed Job's variables set per run), then `merge` of their
 * folders: the JSON on stdout is the file written, the merged table lists
 * every failure with a seed file that replays, a missing shard makes the
 * sweep incomplete, and shards of another plan are refused (exit 2).
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mergedResultSchema } from "../../src/explore/merge.js";
import { parseShardResult } from "../../src/explore/sweep-result.js";
import { rawScenario } from "../helpers/scenario.js";
import { runCli, writeJsonIn } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "asset-sim-sweep-"));

const writeJson = (name: string, value: unknown): string => writeJsonIn(dir, name, value);

/** 4 validators, 2 s, no L1: a fast passing scenario. */
const tinyPath = writeJson("tiny.json", { name: "tiny", seed: 100, duration: "2s", validators: { count: 4 }, workload: { txPerSecond: 20 }, l1: { enabled: false } });
/** liveness-too-tight without the L1, cut to 5 s: every seed misses the bound. */
const failingPath = writeJson("failing.json", { ...rawScenario("liveness-too-tight"), duration: "5s", l1: { enabled: false } });

describe("a sweep: explore --json --shard auto, then merge", () => {
  it("two pods of an Indexed Job run their shards; merge lists every failure with a seed file that replays", async () => {
    const folders = [join(dir, "pod-0"), join(dir, "pod-1")];
    for (const [k, folder] of folders.entries()) {
      const r = await runCli(["explore", failingPath, "--seeds", "3", "--jobs", "1", "--shard", "auto", "--json", "--out", folder], { JOB_COMPLETION_INDEX: String(k), ASSET_SIM_SHARD_COUNT: "2" });
      expect(r.code).toBe(3);
      expect(r.err).toContain(`shard ${k + 1}/2 from JOB_COMPLETION_INDEX=${k}, ASSET_SIM_SHARD_COUNT=2`);
      // stdout is the JSON result alone; the file written holds the same result.
      const printed = parseShardResult(r.out, "stdout");
      const written = parseShardResult(readFileSync(join(folder, `shard-${k + 1}-of-2.json`), "utf8"), "file");
      expect(written).toEqual(printed);
      expect(printed.shard).toEqual({ index: k + 1, count: 2 });
      expect(printed.plan).toMatchObject({ scenario: "liveness-too-tight", mode: "seeds", from: 9, count: 3, checkDeterminism: false });
      expect(printed.failures.map((f) => f.seed)).toEqual(k === 0 ? [9, 11] : [10]);
      for (const f of printed.failures) expect(existsSync(join(folder, f.seedFile!))).toBe(true);
    }
    const mergedFile = join(dir, "merged.json");
    const merge = await runCli(["merge", ...folders, "-o", mergedFile]);
    expect(merge.code).toBe(3);
    const lines = merge.out.split("\n");
    expect(lines.filter((l) => l.startsWith("FAIL")).map((l) => /^FAIL seed (\d+) .*\(shard (\d)\/2\)$/.exec(l)!.slice(1, 3))).toEqual([["9", "1"], ["10", "2"], ["11", "1"]]);
    expect(merge.out).toContain("seeds run        3 of 3\n");
    const merged = mergedResultSchema.parse(JSON.parse(readFileSync(mergedFile, "utf8")));
    expect(merged.complete).toBe(true);
    const seedFile = merged.failures.find((f) => f.seed === 10)!.seedFile!;
    expect(seedFile.startsWith(folders[1]!)).toBe(true);
    const replay = await runCli(["replay", seedFile]);
    expect(replay.out).toContain("replay: reproduced");
  });

  it("a missing shard: the merged JSON says incomplete and merge exits 2 when the shards present passed", async () => {
    const folder = join(dir, "tiny-only-2");
    const r = await runCli(["explore", tinyPath, "--seeds", "4", "--jobs", "1", "--shard", "2/2", "--json", "--out", folder]);
    expect(r.code).toBe(0);
    const merge = await runCli(["merge", folder, "--json"]);
    expect(merge.code).toBe(2);
    const merged = mergedResultSchema.parse(JSON.parse(merge.out));
    expect(merged.shardsMissing).toEqual([1]);
    expect(merged.seedsRun).toBe(2);
    expect(merge.err).toContain("missing shard(s) 1/2");
  });

  it("refuses to merge shards of two plans, and bad --shard auto variables, with exit 2", async () => {
    const a = join(dir, "plan-a");
    const b = join(dir, "plan-b");
    expect((await runCli(["explore", tinyPath, "--seeds", "2", "--jobs", "1", "--shard", "1/2", "--json", "--out", a])).code).toBe(0);
    expect((await runCli(["explore", tinyPath, "--seeds", "2", "--jobs", "1", "--shard", "2/2", "--duration", "1s", "--json", "--out", b])).code).toBe(0);
    const merge = await runCli(["merge", a, b]);
    expect(merge.code).toBe(2);
    expect(merge.err).toMatch(/error: merge: .*shard-2-of-2.json is another sweep than .*shard-1-of-2.json: plan.scenarioDigest/);
    const empty = await runCli(["merge", mkdtempSync(join(tmpdir(), "asset-sim-sweep-empty-"))]);
    expect(empty.code).toBe(2);
    expect(empty.err).toContain("holds no shard result");
    const noCount = await runCli(["explore", tinyPath, "--seeds", "2", "--shard", "auto"], { JOB_COMPLETION_INDEX: "0" });
    expect(noCount.code).toBe(2);
    expect(noCount.err).toContain("error: --shard: auto: JOB_COMPLETION_INDEX is set but ASSET_SIM_SHARD_COUNT is not");
  });
});
