/**
 * Shrinking (src/explore/shrink.ts): a seeded failing run loses the fault
 * actions, time and load it does not need, and what is left still fails with
 * the same invariant when replayed.
 */
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/scenario/load.js";
import type { RunReport } from "../../src/scenario/run.js";
import type { Scenario } from "../../src/scenario/schema.js";
import { deltaDebug, shrinkScenario } from "../../src/explore/shrink.js";
import { scenarioToJson } from "../../src/scenario/to-json.js";
import { runScenario } from "../helpers/scenario.js";

/** A crashed validator's views need a 1 s timeout but the bound is 600 ms (as sim-scenarios/liveness-too-tight.json), plus faults that do not matter. */
const noisyFailure = () =>
  scenarioToJson(
    parseScenario({
      name: "noisy-liveness-too-tight",
      seed: 9,
      duration: "8s",
      validators: { count: 4, blockTime: "250ms", viewTimeout: "1s" },
      workload: { txPerSecond: 40 },
      l1: { enabled: false },
      faults: [
        { at: "500ms", action: "partition", groups: [["v0", "v1"], ["v2", "v3"]] },
        { at: "900ms", action: "heal" },
        { at: "1s", action: "clog", node: "v1" },
        { at: "1200ms", action: "unclog", node: "v1" },
        { at: "1500ms", action: "isolate", node: "v3", direction: "outbound" },
        { at: "1700ms", action: "heal" },
        { at: "3s", action: "crash", node: "v2" },
      ],
      invariants: { livenessBound: "600ms" },
    }),
  );

describe("shrink", () => {
  it("delta debugging finds a small failing subset", () => {
    let tests = 0;
    const kept = deltaDebug([1, 2, 3, 4, 5, 6, 7, 8], (subset) => {
      tests++;
      return subset.includes(3) && subset.includes(7);
    });
    expect(kept).toEqual([3, 7]);
    expect(tests).toBeLessThan(30);
    expect(deltaDebug([1, 2, 3], () => true)).toEqual([]);
  });

  it("a noisy liveness failure shrinks to fewer faults and a shorter run that still fails liveness on replay", () => {
    const raw = noisyFailure();
    const runs: Scenario[] = [];
    const run = (s: Scenario): RunReport => {
      runs.push(s);
      return runScenario(s);
    };
    const original = run(parseScenario(raw));
    expect(original.violation?.invariant).toBe("liveness");
    const result = shrinkScenario(raw, "liveness", run, { maxRuns: 80 });
    expect(result.reproduced).toBe(true);
    expect(result.runs).toBeLessThanOrEqual(80);
    const minimal = parseScenario(result.raw);
    expect(minimal.faults.length).toBeLessThan(7);
    expect(minimal.faults).toContainEqual({ at: 3_000_000, action: "crash", node: "v2" });
    expect(minimal.duration).toBeLessThan(8_000_000);
    expect(minimal.workload.txPerSecond).toBeLessThanOrEqual(40);
    expect(result.removed.some((line) => line.startsWith("fault actions: 7 -> "))).toBe(true);
    expect(result.removed.some((line) => line.startsWith("duration: 8000000us -> "))).toBe(true);
    // Replaying the minimal scenario fails the same way, with the digest the shrinker saw.
    const replay = runScenario(minimal);
    expect(replay.violation?.invariant).toBe("liveness");
    expect(replay.traceDigest).toBe(result.report.traceDigest);
  });

  it("keeps to its run budget, and says when the scenario does not fail at all", () => {
    let runs = 0;
    const counted = (s: Scenario): RunReport => {
      runs++;
      return runScenario(s);
    };
    const budgeted = shrinkScenario(noisyFailure(), "liveness", counted, { maxRuns: 3 });
    expect(budgeted.runs).toBeLessThanOrEqual(3);
    expect(runs).toBeLessThanOrEqual(3);
    expect(budgeted.budgetExhausted).toBe(true);
    const passing = { ...noisyFailure(), invariants: { maxReorgDepth: 2, livenessBound: 10_000_000, postingLivenessBound: 30_000_000 } };
    const none = shrinkScenario(passing, "liveness", (s) => runScenario(s), { maxRuns: 5 });
    expect(none.reproduced).toBe(false);
  });
});
