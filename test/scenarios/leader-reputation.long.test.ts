/**
 * Long tier (`npm run test:long`): the shipped expectation of f-down-for-good
 * and isolated-validator (`invariants.minCommits`) is at least half the
 * commits of the same scenario without its faults, and leader reputation
 * meets that half (three 40 s runs per scenario). In the default suite,
 * test/scenarios/leader-reputation.test.ts proves that reputation meets the
 * expectation and round-robin misses it.
 */
import { describe, expect, it } from "vitest";
import type { RunReport } from "../../src/scenario/run.js";
import { invariant, runScenario, scenario } from "../helpers/scenario.js";

const SECONDS = 40;

function run(name: string, patch: { faultFree?: boolean }): RunReport {
  return runScenario(scenario(name, patch.faultFree === true ? { faults: [] } : {}));
}

const rate = (report: RunReport): string => `${report.metrics.commits} blocks, ${(report.metrics.commits / SECONDS).toFixed(2)} blocks/s`;

describe.each(["f-down-for-good", "isolated-validator"])("%s: at least half the fault-free block rate with reputation", (name) => {
  // One run per test, so the worker reports between the long runs.
  let faultFree: RunReport;

  it("fault-free: the expectation is at least half its commits", () => {
    faultFree = run(name, { faultFree: true });
    const minCommits = scenario(name).rollups[0]!.invariants.minCommits!;
    expect(faultFree.exitCode).toBe(0);
    expect(2 * minCommits).toBeGreaterThanOrEqual(faultFree.metrics.commits);
  });

  it("reputation (the default) commits at least half the fault-free run's blocks", () => {
    const reputation = run(name, {});
    expect(reputation.exitCode).toBe(0);
    expect(invariant(reputation, "min-commits")).toMatchObject({ ok: true });
    expect(2 * reputation.metrics.commits).toBeGreaterThanOrEqual(faultFree.metrics.commits);
    console.log(`${name}: fault-free ${rate(faultFree)}; reputation ${rate(reputation)}`);
  });
});
