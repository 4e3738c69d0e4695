/**
 * The rough edges a new user hits first (issue 14): a bad `--out` refused
 * before any work, an IO error after the work that is not a safety verdict,
 * `config-gen` into a used folder, durations without a unit, `replay` of a
 * scenario file, what `explore` says about determinism and empty shards, seed
 * file names under `--safety-only`, and the summary's units, plurals and legend.
 * The CLI runs in this process, as in bad-input.test.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { InvariantResult } from "../../src/check/checker.js";
import { formatInvariant, plural } from "../../src/cli/summary.js";
import { seedFileName } from "../../src/scenario/seed-file.js";
import { rawScenario } from "../helpers/scenario.js";
import { runCli, writeJsonIn } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "asset-sim-edges-"));

const writeJson = (name: string, value: unknown): string => writeJsonIn(dir, name, value);

/** A plain file, to stand where a folder should be. */
const aFile = join(dir, "a-file");
writeFileSync(aFile, "not a folder\n");
/** 4 validators, 2 s, no L1: a fast passing scenario. */
const tinyPath = writeJson("tiny.json", { name: "tiny", seed: 100, duration: "2s", validators: { count: 4 }, workload: { txPerSecond: 20 }, l1: { enabled: false } });
/** liveness-too-tight without the L1, cut to 5 s: fails liveness (exit 3) in a second of wall time. */
const failingPath = writeJson("failing.json", { ...rawScenario("liveness-too-tight"), duration: "5s", l1: { enabled: false } });

describe("a bad --out is refused before any work (exit 2)", () => {
  it("run: a file in the path", async () => {
    const r = await runCli(["run", failingPath, "--out", join(aFile, "failures")]);
    expect(r.code).toBe(2);
    expect(r.out).toBe(""); // no summary: nothing ran
    expect(r.err.trim()).toBe(`error: --out: cannot create the folder ${join(aFile, "failures")}: ${aFile} is a file`);
  });

  it("run: the --out folder is itself a file", async () => {
    const r = await runCli(["run", tinyPath, "--out", aFile]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toContain("--out");
  });

  it("explore: a file in the path", async () => {
    const r = await runCli(["explore", tinyPath, "--seeds", "2", "--jobs", "1", "--out", join(aFile, "x")]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toContain("--out: cannot create the folder");
  });

  it("shrink: a file in the path, and missing folders are created as run --out creates them", async () => {
    const failures = join(dir, "shrink-failures");
    const run = await runCli(["run", failingPath, "--out", failures, "--json"]);
    expect(run.code).toBe(3);
    const seedFile = JSON.parse(run.out).seedFile as string;

    const bad = await runCli(["shrink", seedFile, "--out", join(aFile, "min.json"), "--max-runs", "2"]);
    expect(bad.code).toBe(2);
    expect(bad.out).toBe("");
    expect(bad.err).toContain("--out: cannot create the folder");

    const nested = join(dir, "new", "deeper", "min.json");
    const good = await runCli(["shrink", seedFile, "--out", nested, "--max-runs", "2"]);
    expect(good.code).toBe(0);
    expect(existsSync(nested)).toBe(true);
  });

  it("an IO error after the run exits 2, not 1 or the run's code, and still prints the run's summary", async () => {
    // Goal: a seed file that cannot be written after the work is an IO error, never a verdict. A folder stands
    // where the seed file must go (its name is deterministic), so the write fails after the run.
    const out = join(dir, "blocked");
    const first = await runCli(["run", failingPath, "--out", out, "--json"]);
    expect(first.code).toBe(3);
    const report = JSON.parse(first.out);
    const blocked = join(dir, "blocked-2");
    mkdirSync(join(blocked, seedFileName(report)), { recursive: true });
    const second = await runCli(["run", failingPath, "--out", blocked]);
    expect(second.code).toBe(2);
    expect(second.out).toContain("VIOLATION liveness");
    expect(second.err).toContain(`error: --out: cannot write ${join(blocked, seedFileName(report))}`);
  });
});

describe("durations on the command line need a unit", () => {
  const cases: [string, string[]][] = [
    ["run --duration", ["run", tinyPath, "--duration", "100"]],
    ["explore --duration", ["explore", tinyPath, "--seeds", "1", "--duration", "5"]],
    ["explore --heal-at", ["explore", writeJson("twins-base.json", { name: "twins-base", seed: 1, duration: "4s", validators: { count: 4 }, workload: { txPerSecond: 0 }, l1: { enabled: false } }), "--twins", "--heal-at", "2"]],
    ["config-gen --block-time", ["config-gen", "--validators", "4", "--out", join(dir, "cg-unit"), "--block-time", "250"]],
    ["testnet --duration", ["testnet", "--duration", "30"]],
  ];
  for (const [name, args] of cases) {
    it(`${name} 100 (no unit) is refused, exit 2`, async () => {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/has no unit: write it with one, e\.g\. \d+s or \d+ms/);
    });
  }

  it("a duration with a unit is taken", async () => {
    const r = await runCli(["run", tinyPath, "--duration", "1500ms", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).virtualDurationUs).toBe(1_500_000);
  });
});

describe("config-gen refuses a folder that is not empty unless --force", () => {
  it("refuses, names --force, and writes with it", async () => {
    const out = join(dir, "cg");
    mkdirSync(out);
    writeFileSync(join(out, "notes.txt"), "mine\n");
    const refused = await runCli(["config-gen", "--validators", "4", "--out", out]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain("--out");
    expect(refused.err).toContain("not empty (notes.txt)");
    expect(refused.err).toContain("--force");
    expect(existsSync(join(out, "v0.json"))).toBe(false);

    const forced = await runCli(["config-gen", "--validators", "4", "--out", out, "--force"]);
    expect(forced.code).toBe(0);
    expect(readdirSync(out)).toContain("v0.json");
  });

  it("an empty existing folder and a new folder are fine", async () => {
    const empty = join(dir, "cg-empty");
    mkdirSync(empty);
    expect((await runCli(["config-gen", "--validators", "4", "--out", empty])).code).toBe(0);
    expect((await runCli(["config-gen", "--validators", "4", "--out", join(dir, "cg-new")])).code).toBe(0);
  });
});

describe("replay of a scenario file", () => {
  it("says it is a scenario file and to use run", async () => {
    const r = await runCli(["replay", tinyPath]);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe(`error: ${tinyPath} is a scenario file, not a seed file: run it with \`asset-sim run ${tinyPath}\` (a failed run writes the seed file that replay reruns)`);
  });
});

describe("explore's summary", () => {
  it("--check-determinism says that determinism held", async () => {
    const r = await runCli(["explore", tinyPath, "--seeds", "2", "--jobs", "1", "--check-determinism", "--out", join(dir, "none")]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("determinism held: 2 seeds run twice each, the same trace digest both times");
  });

  it("without --check-determinism it says nothing about determinism", async () => {
    const r = await runCli(["explore", tinyPath, "--seeds", "1", "--jobs", "1", "--out", join(dir, "none")]);
    expect(r.out).not.toContain("determinism");
  });

  it("a shard that selects no seed says so", async () => {
    const r = await runCli(["explore", tinyPath, "--seeds", "2", "--shard", "3/3", "--jobs", "1", "--out", join(dir, "none")]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("shard 3/3 selects no seed: the range has 2 seeds for 3 shards, so nothing ran");
  });

  it("one job is one job", async () => {
    const r = await runCli(["explore", tinyPath, "--seeds", "1", "--jobs", "1", "--out", join(dir, "none")]);
    expect(r.err).toContain("(1 to run), 1 job");
    expect(r.err).not.toContain("job(s)");
  });
});

describe("seed file names", () => {
  it("--safety-only changes the name: the two seed files of one seed do not overwrite each other", async () => {
    const out = join(dir, "safety-only");
    const plain = await runCli(["run", "twins-must-fail", "--out", out, "--json"]);
    const safetyOnly = await runCli(["run", "twins-must-fail", "--safety-only", "--out", out, "--json"]);
    expect(plain.code).toBe(1);
    expect(safetyOnly.code).toBe(1);
    const a = JSON.parse(plain.out).seedFile as string;
    const b = JSON.parse(safetyOnly.out).seedFile as string;
    expect(b).not.toBe(a);
    expect(b).toContain("-safety-only-");
    expect(readdirSync(out)).toHaveLength(2);
  });
});

describe("the human summary", () => {
  const result = (figures: Record<string, number | string | null>): InvariantResult => ({ name: "liveness", kind: "liveness", ok: true, figures }) as unknown as InvariantResult;

  it("prints figures named ...Us with a unit on the value and not in the name, '-' for none", () => {
    const line = formatInvariant(result({ healAtUs: 3_000_000, livenessBoundUs: 600_000, firstCommitAfterHealUs: null, commits: 7 }));
    expect(line).toContain("healAt=3s livenessBound=600ms firstCommitAfterHeal=- commits=7");
    expect(line).not.toMatch(/Us=/);
  });

  it("singular and plural", () => {
    expect(plural(1, "seed")).toBe("1 seed");
    expect(plural(2, "seed")).toBe("2 seeds");
    expect(plural(0, "failure")).toBe("0 failures");
    expect(plural(1, "entry", "entries")).toBe("1 entry");
  });

  it("explains rollbacks when a run has some, and points to the docs", async () => {
    // liveness-too-tight without the L1: the crashed validator's views fork, and abandoned blocks are rolled back.
    const r = await runCli(["run", writeJson("forks.json", { ...rawScenario("liveness-too-tight"), l1: { enabled: false } }), "--out", join(dir, "legend")]);
    expect(r.out).toMatch(/rollbacks [1-9]/);
    expect(r.out).toMatch(/^legend: rollbacks = speculatively executed blocks of abandoned forks.*\(docs\/invariants-and-byzantine\.md\)$/m);
    const quiet = await runCli(["run", tinyPath]);
    expect(quiet.out).toMatch(/rollbacks 0/);
    expect(quiet.out).not.toContain("legend:");
  });
});

describe("overlapping partition groups (Twins group semantics, scenarios only)", () => {
  const partitioned = (name: string, groups: string[][]): string =>
    writeJson(`${name}.json`, { name, seed: 5, duration: "10s", validators: { count: 4 }, workload: { txPerSecond: 20 }, l1: { enabled: false }, faults: [{ at: "0s", action: "partition", groups }] });

  it("are accepted, and the node in both groups joins them: a quorum stays connected and liveness is checked and holds", async () => {
    // Goal: with [v0 v1 v2] and [v2 v3], v2 is in both groups, so v0, v1 and v2 still form a quorum of 3: the run
    // commits and the liveness checker expects it to. The same split without the overlap leaves no quorum.
    const overlap = await runCli(["run", partitioned("overlap", [["v0", "v1", "v2"], ["v2", "v3"]]), "--json"]);
    expect(overlap.code).toBe(0);
    const report = JSON.parse(overlap.out);
    expect(report.metrics.commits).toBeGreaterThan(3);
    expect(report.invariants.find((r: { name: string }) => r.name === "liveness")).toMatchObject({ ok: true });
    expect(report.invariants.find((r: { name: string }) => r.name === "liveness").skipped).toBeUndefined();

    const disjoint = await runCli(["run", partitioned("disjoint", [["v0", "v1"], ["v2", "v3"]]), "--json"]);
    expect(disjoint.code).toBe(0);
    const split = JSON.parse(disjoint.out);
    expect(split.metrics.commits).toBe(0);
    expect(split.invariants.find((r: { name: string }) => r.name === "liveness").skipped).toBeDefined();
  });

  it("a group naming an unknown node is refused with the node's name, its place and the known names", async () => {
    const r = await runCli(["run", partitioned("stranger", [["v0", "v1", "v2"], ["v2", "x9"]])]);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toMatch(/^error: faults\[0\]\.groups\[1\]\[1\]: unknown node "x9" \(nodes are v0\.\.v3/);
  });
});

describe("asset-sim node", () => {
  it("a node that cannot start says why on stderr and never exits 1", async () => {
    // Goal: a data directory that cannot be created (a file stands in its path) is reported with its reason.
    const out = join(dir, "node-start");
    expect((await runCli(["config-gen", "--validators", "4", "--base-port", "ephemeral", "--out", out])).code).toBe(0);
    rmSync(join(out, "data"), { recursive: true, force: true }); // config-gen formatted the stores there
    writeFileSync(join(out, "data"), "a file where the data folder goes\n");
    const r = await runCli(["node", "--config", join(out, "v0.json")]);
    expect([2, 4], r.err).toContain(r.code);
    expect(r.err).toMatch(/v0|data/);
    expect(r.err).toMatch(/ENOTDIR|EEXIST|not a directory|file/i);
  });
});

describe("explore: a seed file that cannot be written after the work", () => {
  it("exits 2 (not 3, the seeds' verdict), with the table printed and the error on stderr", async () => {
    const first = join(dir, "explore-first");
    expect((await runCli(["explore", failingPath, "--seeds", "1", "--jobs", "1", "--out", first])).code).toBe(3);
    const [name] = readdirSync(first);
    const blocked = join(dir, "explore-blocked");
    mkdirSync(join(blocked, name!), { recursive: true }); // a folder where the seed file must go
    const r = await runCli(["explore", failingPath, "--seeds", "1", "--jobs", "1", "--out", blocked]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/seeds run\s+1/);
    expect(r.err).toContain(`error: --out: cannot write ${join(blocked, name!)}`);
  });
});
