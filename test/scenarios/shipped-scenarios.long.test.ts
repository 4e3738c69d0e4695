/**
 * Long tier (`npm run test:long`): shipped scenarios at full length that the
 * default suite (test/scenarios/shipped-scenarios.test.ts) runs shortened,
 * with the same checks there:
 *  - lossy-network, 60 s (30 s there: the scenario has no faults, one lossy
 *    network all along; the same safety checks and commit rate);
 *  - partition-heal, 60 s (46 s there: its last fault, the unclog, is at 40 s
 *    and the liveness bound 5 s);
 *  - crash-restart, 45 s (40 s there: its last restart is at 32 s).
 */
import { describe, expect, it } from "vitest";
import type { RunReport } from "../../src/scenario/run.js";
import { invariant, newHeightTimes, runRecorded, scenario } from "../helpers/scenario.js";

const S = 1_000_000;

function expectSafetyHeld(report: RunReport): void {
  for (const name of ["agreement", "root-agreement", "conservation", "validity", "reference-ledger", "reorg-bound", "equivocation"]) {
    expect(invariant(report, name), name).toMatchObject({ ok: true });
  }
  expect(report.violation).toBeUndefined();
}

function expectExecutionChecked(report: RunReport, validatorsRunning: number): void {
  expect(invariant(report, "root-agreement").figures.heightsChecked).toBeGreaterThan(10);
  expect(invariant(report, "conservation").figures.validatorsAudited).toBe(validatorsRunning);
  expect(report.metrics.execution.rootDivergences).toBe(0);
}

function commitsBetween(times: number[], fromUs: number, toUs: number): number {
  return times.filter((t) => t >= fromUs && t < toUs).length;
}

describe("shipped scenarios", () => {
  it("lossy-network: 5% drops, duplicates and reordering cost timeouts but never safety", () => {
    // Goal: a bad network slows the chain but it keeps committing within the bound.
    const { report } = runRecorded(scenario("lossy-network"));
    expectSafetyHeld(report);
    expect(report.exitCode).toBe(0);
    expect(report.metrics.messages.dropped).toBeGreaterThan(1000);
    expect(report.metrics.messages.duplicated).toBeGreaterThan(100);
    expect(report.metrics.commits).toBeGreaterThan(150);
    expectExecutionChecked(report, 7);
  });

  it("partition-heal: a 3/4 split stops commits (no quorum on either side) and progress resumes after heal", () => {
    const { report, events } = runRecorded(scenario("partition-heal"));
    expectSafetyHeld(report);
    expect(report.exitCode).toBe(0);
    const times = newHeightTimes(events);
    expect(commitsBetween(times, 10.5 * S, 20 * S)).toBe(0);
    expect(commitsBetween(times, 20 * S, 25 * S)).toBeGreaterThan(5);
    const firstAfterHeal = times.find((t) => t >= 20 * S)!;
    expect(firstAfterHeal - 20 * S).toBeLessThan(5 * S);
    expect(invariant(report, "liveness").figures.longestCommitGapUs).toBeGreaterThan(9 * S);
    expect(report.metrics.faultsApplied).toBe(6);
    expectExecutionChecked(report, 7);
  });

  it("crash-restart: f validators crash and come back, catch up, and never vote twice in a view", () => {
    const { report, cluster } = runRecorded(scenario("crash-restart"));
    expectSafetyHeld(report);
    expect(report.exitCode).toBe(0);
    expect(report.metrics.restarts).toBe(4);
    expect(invariant(report, "equivocation").figures.votesObserved).toBeGreaterThan(500);
    expectExecutionChecked(report, 7);
    const heights = [...Array(7).keys()].map((i) => cluster.replica(`v${i}`)!.committedTip.height);
    expect(Math.min(...heights)).toBeGreaterThanOrEqual(Math.max(...heights) - 2);
  });
});
