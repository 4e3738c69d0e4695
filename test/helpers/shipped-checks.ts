/**
 * The checks of the shipped scenarios that run in both tiers: shortened in
 * test/scenarios/shipped-scenarios.test.ts, at full length in
 * shipped-scenarios.long.test.ts. One definition, so the two tiers assert the same.
 */
import { expect } from "vitest";
import type { RunReport } from "../../src/scenario/run.js";
import { invariant, newHeightTimes, runRecorded, scenario } from "./scenario.js";

const S = 1_000_000;

/** Every safety invariant held and no violation was recorded. */
export function expectSafetyHeld(report: RunReport): void {
  for (const name of ["agreement", "root-agreement", "conservation", "validity", "reference-ledger", "reorg-bound", "equivocation"]) {
    expect(invariant(report, name), name).toMatchObject({ ok: true });
  }
  expect(report.violation).toBeUndefined();
}

/** Root agreement and conservation were really exercised: roots compared at many heights, every running validator audited. */
export function expectExecutionChecked(report: RunReport, validatorsRunning: number): void {
  expect(invariant(report, "root-agreement").figures.heightsChecked).toBeGreaterThan(10);
  expect(invariant(report, "conservation").figures.validatorsAudited).toBe(validatorsRunning);
  expect(report.metrics.execution.rootDivergences).toBe(0);
}

/** How many of `times` (microseconds) fall in [`fromUs`, `toUs`). */
export function commitsBetween(times: number[], fromUs: number, toUs: number): number {
  return times.filter((t) => t >= fromUs && t < toUs).length;
}

/**
 * partition-heal run for `durationUs` (past 45 s: its last fault is at 40 s, the liveness bound 5 s):
 * no commit during the 3/4 split, commits again within 5 s of the heal at 20 s.
 */
export function checkPartitionHeal(durationUs: number): void {
  const { report, events } = runRecorded(scenario("partition-heal", {}, durationUs));
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
}

/** crash-restart run for `durationUs` (past 32 s, its last restart): 4 restarts, and every validator caught up within 2 heights. */
export function checkCrashRestart(durationUs: number): void {
  const { report, cluster } = runRecorded(scenario("crash-restart", {}, durationUs));
  expectSafetyHeld(report);
  expect(report.exitCode).toBe(0);
  expect(report.metrics.restarts).toBe(4);
  expect(invariant(report, "equivocation").figures.votesObserved).toBeGreaterThan(500);
  expectExecutionChecked(report, 7);
  const heights = [...Array(7).keys()].map((i) => cluster.replica(`v${i}`)!.committedTip.height);
  expect(Math.min(...heights)).toBeGreaterThanOrEqual(Math.max(...heights) - 2);
}

/** lossy-network run for `durationUs`: many drops and duplicates, safety held, more than `minCommits` commits. */
export function checkLossyNetwork(durationUs: number, minCommits: number): void {
  const { report } = runRecorded(scenario("lossy-network", {}, durationUs));
  expectSafetyHeld(report);
  expect(report.exitCode).toBe(0);
  expect(report.metrics.messages.dropped).toBeGreaterThan(1000);
  expect(report.metrics.messages.duplicated).toBeGreaterThan(100);
  expect(report.metrics.commits).toBeGreaterThan(minCommits);
  expectExecutionChecked(report, 7);
}
