/**
 * `explore --guided` on real runs: collecting coverage leaves the trace
 * digest alone and is itself deterministic; the guided loop gives the same
 * candidates, corpus and findings from the same seed, in one thread or two;
 * `--max-failures` stops every mode after the first N failures in seed (run)
 * order whatever the thread count; and the point of it all: guided finds a
 * deliberately weakened replica built in this file, on a short budget, where
 * the real replica passes the same budget.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { coverageCollectorFor, GuidedExplorer, runCandidate, type CandidateOutcome } from "../../src/explore/guided.js";
import { planSpace } from "../../src/explore/guided-plan.js";
import { parseScenario } from "../../src/scenario/load.js";
import { runScenario, type RunOptions } from "../../src/scenario/run.js";
import type { Scenario } from "../../src/scenario/schema.js";
import { rawScenario, ROOT } from "../helpers/scenario.js";
import { runCli } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "asset-sim-guided-"));

/** The bug-finding base (4 validators, 6 s, no L1), cut to `durationUs`. */
function bft4(durationUs = 3_000_000): Record<string, unknown> {
  const raw = JSON.parse(readFileSync(join(ROOT, "bench", "scenarios", "bft-4.json"), "utf8")) as Record<string, unknown>;
  return { ...raw, duration: durationUs };
}

/** stdout without what may differ between two equal explorations: wall times and seed file paths. */
function results(out: string): string[] {
  return out
    .split("\n")
    .map((l) => l.replace(/, [\d.]+ s wall$/, ""))
    .filter((l) => !/^(seeds|runs) per second/.test(l) && !l.includes("reproduce with"));
}

/** A guided exploration in this thread with `run` (default: the real replica), candidates and outcomes kept. */
function explore(base: Record<string, unknown>, runs: number, options: RunOptions = {}): { explorer: GuidedExplorer; outcomes: CandidateOutcome[]; origins: string[] } {
  const explorer = new GuidedExplorer(planSpace(parseScenario(base)), { from: 1, runs, generationSize: 4 });
  const outcomes: CandidateOutcome[] = [];
  const origins: string[] = [];
  while (!explorer.done) {
    const candidates = explorer.nextGeneration();
    origins.push(...candidates.map((c) => `${c.run} ${c.origin}`));
    const generation = candidates.map((c) => runCandidate(c.raw, c.run, { checkDeterminism: false }, (scenario, observer) => runScenario(scenario, { ...options, observer })));
    explorer.absorb(generation);
    outcomes.push(...generation);
  }
  return { explorer, outcomes, origins };
}

describe("coverage on real runs", () => {
  it("collecting coverage does not change the trace digest, and the same run gives the same features", () => {
    const collect = (s: Scenario): string[] => {
      const collector = coverageCollectorFor(s);
      const report = runScenario(s, { observer: (o) => collector.observe(o) });
      expect(report.traceDigest).toBe(runScenario(s).traceDigest);
      return collector.features();
    };
    const crash = parseScenario({ ...bft4(), faults: [{ at: "1s", action: "crash", node: "v1" }, { at: "2s", action: "restart", node: "v1" }] });
    const first = collect(crash);
    expect(collect(crash)).toEqual(first);
    // A crash of v1 for 1 s: the views it leads time out (TCs), and it comes back restarted.
    expect(first).toContain("sim|fault|crash");
    expect(first.some((f) => f.startsWith("n|tc|"))).toBe(true);
    expect(first.some((f) => f.startsWith("ev|validator|boot|") && f.endsWith(",restarted"))).toBe(true);
    // The calm run reaches none of that.
    const calm = collect(parseScenario(bft4()));
    expect(calm.filter((f) => f.startsWith("n|tc|") || f.startsWith("sim|fault|") || f.endsWith(",restarted"))).toEqual([]);
    expect(calm.length).toBeGreaterThan(5);
  });
});

describe("guided loop", () => {
  it("is deterministic from its seed: same candidates, corpus, coverage and findings", () => {
    const a = explore(bft4(), 10);
    const b = explore(bft4(), 10);
    expect(b.origins).toEqual(a.origins);
    expect(b.outcomes.map((o) => [o.run, o.seed, o.traceDigest, o.verdict])).toEqual(a.outcomes.map((o) => [o.run, o.seed, o.traceDigest, o.verdict]));
    expect(b.explorer.corpus.map((e) => JSON.stringify(e))).toEqual(a.explorer.corpus.map((e) => JSON.stringify(e)));
    expect([...b.explorer.coverage]).toEqual([...a.explorer.coverage]);
    expect(b.explorer.history).toEqual(a.explorer.history);
    // Not vacuous: generation 0 is the base plan then swarm draws, later ones hold mutants of corpus entries.
    expect(a.origins[0]).toBe("0 scenario");
    expect(a.origins[1]).toMatch(/^1 swarm seed 1$/);
    expect(a.origins.slice(4).some((o) => /^\d+ run \d+: /.test(o))).toBe(true);
    expect(a.explorer.history.map((g) => g.features)).toEqual([...a.explorer.history.map((g) => g.features)].sort((x, y) => x - y));
    expect(a.explorer.corpus.length).toBeGreaterThan(1);
  });

  it("with one worker thread or two, the CLI prints the same runs, coverage table and findings", async () => {
    const path = join(dir, "guided-base.json");
    writeFileSync(path, JSON.stringify(bft4(2_000_000)));
    const one = await runCli(["explore", path, "--seeds", "10", "--guided", "--generation", "4", "--jobs", "1", "--out", join(dir, "g1")]);
    const two = await runCli(["explore", path, "--seeds", "10", "--guided", "--generation", "4", "--jobs", "2", "--out", join(dir, "g2")]);
    expect(one.code).toBe(0);
    expect(two.code).toBe(one.code);
    expect(results(two.out)).toEqual(results(one.out));
    expect(one.out).toMatch(/^guided: 3 generations, corpus \d+ entries, \d+ coverage features$/m);
    expect(one.out).toMatch(/^runs {13}10$/m);
    expect(one.err).toMatch(/guided: generation 2: 2 runs \(\d mutants\), coverage \d+ features/);
  });

  it("refuses --guided with --swarm or --shard, and --generation without --guided (exit 2, one line)", async () => {
    const path = join(dir, "guided-base.json");
    for (const args of [["--guided", "--swarm"], ["--guided", "--shard", "1/2"], ["--generation", "4"], ["--guided", "--generation", "0"], ["--max-failures", "0"]]) {
      const r = await runCli(["explore", path, "--seeds", "4", "--jobs", "1", ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err.trim().split("\n")).toHaveLength(1);
    }
  });
});

describe("--max-failures", () => {
  const failing = join(dir, "failing.json");
  writeFileSync(failing, JSON.stringify({ ...rawScenario("liveness-too-tight"), duration: "5s", l1: { enabled: false } }));

  it("stops a seed range after the first N failures in seed order, the same with one or two threads", async () => {
    const one = await runCli(["explore", failing, "--seeds", "8", "--swarm", "--max-failures", "2", "--jobs", "1", "--out", join(dir, "m1")]);
    const two = await runCli(["explore", failing, "--seeds", "8", "--swarm", "--max-failures", "2", "--jobs", "2", "--out", join(dir, "m2")]);
    expect(one.code).toBe(3);
    expect(one.out).toMatch(/^seeds run {8}2$/m);
    expect(one.out).toMatch(/^liveness {15}liveness {14}2 {2}9 10$/m);
    expect(one.out).toMatch(/^first failure after 1 seed \(seed 9\), [\d.]+ s wall$/m);
    expect(one.out).toContain("stopped at --max-failures 2");
    expect(results(two.out)).toEqual(results(one.out));
    expect(readdirSync(join(dir, "m1"))).toHaveLength(2);
    expect(readdirSync(join(dir, "m2")).sort()).toEqual(readdirSync(join(dir, "m1")).sort());
  });

  it("stops a guided exploration at its first failure", async () => {
    const r = await runCli(["explore", failing, "--seeds", "16", "--guided", "--max-failures", "1", "--jobs", "1", "--out", join(dir, "m3")]);
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/^runs {13}1$/m);
    expect(r.out).toMatch(/^first failure after 1 run \(run 0, seed 9\)/m);
    expect(readdirSync(join(dir, "m3"))).toHaveLength(1);
  });
});
