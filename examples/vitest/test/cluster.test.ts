/**
 * A user's own tests of the simulated cluster, with asset-sim as a library
 * (docs/api.md): run a shipped scenario and watch its events, then a small
 * fast-check property over generated scenarios, and the replay of a property
 * failure from the `{ seed, path }` fast-check prints.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadProgramElf, loadShippedScenario, parseScenario, POSTING_EVENTS, runScenario, shippedScenarioNames, UnknownScenarioError, VALIDATOR_EVENTS, type Observation } from "asset-sim";
import { replayPropertyFailure, scenarioArb } from "asset-sim/arbitraries";

describe("a shipped scenario", () => {
  it("token-mint-and-transfer, cut to 6 s: no violation, blocks commit, roots land on the L1", () => {
    const events: Observation[] = [];
    const scenario = loadShippedScenario("token-mint-and-transfer", { duration: "6s" });
    const report = runScenario(scenario, { programElf: loadProgramElf(), observer: (o) => events.push(o) });

    expect(report.violation).toBeUndefined();
    expect(report.exitCode).toBe(0);
    expect(report.invariants.find((r) => r.name === "agreement")?.ok).toBe(true);

    // Typed events: the commits of validator v0 have increasing heights.
    const heights = events.filter((o) => o.node === "v0").flatMap((o) => (VALIDATOR_EVENTS.is(o, "commit") ? [o.fields.height] : []));
    expect(heights.length).toBeGreaterThan(5);
    expect(heights).toEqual([...heights].sort((a, b) => a - b));
    // The batch poster's transactions landed on the simulated L1 (the AssetRollup program ran).
    expect(events.some((o) => POSTING_EVENTS.is(o, "l1-tx-landed"))).toBe(true);
  });

  it("an unknown name lists the shipped ones", () => {
    expect(shippedScenarioNames()).toContain("quickstart");
    expect(() => loadShippedScenario("quikstart")).toThrow(UnknownScenarioError);
  });
});

/** Short scenarios without the L1: 4 validators, faults for 1 to 2 s, then 2 s more. */
const shortScenarios = scenarioArb({ validators: { min: 4, max: 4 }, faultWindowUs: { min: 1_000_000, max: 2_000_000 }, afterHealUs: 2_000_000, txPerSecond: { min: 0, max: 5 } });

describe("a fast-check property", () => {
  it("safety holds under any fault plan with at most f faulty validators", () => {
    fc.assert(
      fc.property(shortScenarios, (raw) => {
        const report = runScenario(parseScenario(raw));
        return report.invariants.filter((r) => r.kind === "safety").every((r) => r.ok);
      }),
      { numRuns: 3, seed: 1 },
    );
  });

  it("a failure replays from fast-check's { seed, path }", () => {
    // False on purpose: the chain commits more than 3 blocks in 3 s.
    const fewCommits = fc.property(shortScenarios, (raw) => runScenario(parseScenario(raw)).metrics.commits <= 3);
    const failure = fc.check(fewCommits, { numRuns: 3, seed: 2, endOnFailure: true });
    expect(failure.failed).toBe(true);

    const replayed = replayPropertyFailure({ seed: failure.seed, path: failure.counterexamplePath! }, shortScenarios);
    expect(replayed.raw).toEqual(failure.counterexample![0]);
    expect(replayed.report.metrics.commits).toBeGreaterThan(3);
  });
});
