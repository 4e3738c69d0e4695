/**
 * One test per shipped scenario, named for the situation. Each asserts that the
 * invariants held and the figures that show the situation really happened.
 * lossy-network runs its first 30 s here, its full 60 s in the long tier
 * (shipped-scenarios.long.test.ts). partition-heal (60 s) runs to 46 s and
 * crash-restart (45 s) to 40 s: past their last fault (the unclog at 40 s,
 * the restart at 32 s) and the 5 s liveness bound, with the same checks; the
 * long tier runs both at full length.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { invariant, newHeightTimes, ROOT, rawScenario, runRecorded, runScenario, scenario } from "../helpers/scenario.js";
import { checkCrashRestart, checkLossyNetwork, checkPartitionHeal, commitsBetween, expectExecutionChecked, expectSafetyHeld } from "../helpers/shipped-checks.js";

const S = 1_000_000;

describe("shipped scenarios", () => {
  it("quickstart: 7 validators commit steadily through a crash and restart", () => {
    // Goal: the first thing a user runs passes, commits at close to the 250 ms block time, and the restarted node catches up.
    const { report, cluster } = runRecorded(scenario("quickstart"));
    expectSafetyHeld(report);
    expect(report.exitCode).toBe(0);
    expect(invariant(report, "liveness")).toMatchObject({ ok: true });
    expect(report.metrics.commits).toBeGreaterThan(90); // 30 s at 250 ms is at most 120
    expect(report.metrics.restarts).toBe(1);
    expectExecutionChecked(report, 7);
    expect(report.metrics.transactionsCommitted).toBeGreaterThan(4000);
    const heights = [...Array(7).keys()].map((i) => cluster.replica(`v${i}`)!.committedTip.height);
    expect(Math.min(...heights)).toBeGreaterThanOrEqual(Math.max(...heights) - 2);
  });

  it("partition-heal (first 46 s): a 3/4 split stops commits (no quorum on either side) and progress resumes after heal", () => {
    // Goal: with n = 7 a quorum is 5, so neither side of the split can commit; after the heal views re-synchronize.
    checkPartitionHeal(46 * S);
  });

  it("leader-isolation: the current leader cut off one-way times out its own views while the rest keep committing", () => {
    // Goal: an outbound-isolated leader still hears everyone but nobody hears it; the views it leads (and the one
    // before, whose QC only it holds) end by TC, the other views commit.
    const { report, events } = runRecorded(scenario("leader-isolation"));
    expectSafetyHeld(report);
    expect(report.exitCode).toBe(0);
    const times = newHeightTimes(events);
    expect(commitsBetween(times, 10 * S, 25 * S)).toBeGreaterThan(10);
    expect(commitsBetween(times, 25 * S, 40 * S)).toBeGreaterThan(45); // healthy again: about one block per 250 ms
    const timeoutsDuring = events.filter((e) => e.event === "timeout" && e.timeUs > 10 * S && e.timeUs < 25 * S).length;
    expect(timeoutsDuring).toBeGreaterThan(0);
    const isolation = events.find((e) => e.event === "fault")!;
    expect(String(isolation.fields.description)).toMatch(/^isolate v\d \(leader\) outbound$/);
    expect(invariant(report, "reorg-bound").figures.deepestReorg).toBeLessThanOrEqual(2);
    expectExecutionChecked(report, 7);
  });

  it("crash-restart (first 40 s): f validators crash and come back, catch up, and never vote twice in a view", () => {
    // Goal: with f = 2 down the other 5 still form quorums; restarted nodes recover from storage and sync from peers.
    checkCrashRestart(40 * S);
  });

  it("lossy-network (first 30 s): 5% drops, duplicates and reordering cost timeouts but never safety", () => {
    // Goal: a bad network slows the chain but it keeps committing within the bound. The scenario has no faults, one
    // network all along: its first half shows the same (at least 2.5 blocks/s, as the full 60 s in the long tier:
    // shipped-scenarios.long.test.ts). Measured at 30 s: 105 commits, 2,383 dropped, 895 duplicated.
    checkLossyNetwork(30 * S, 75);
  });

  it("quorum-loss: f + 1 crashes stop commits but keep agreement", () => {
    // Goal: 3 of 7 down leaves 4 < quorum 5: no new height may commit after the crash, safety still holds, liveness is not expected.
    const { report, events } = runRecorded(scenario("quorum-loss"));
    expectSafetyHeld(report);
    expect(report.exitCode).toBe(0);
    const times = newHeightTimes(events);
    expect(times.length).toBeGreaterThan(20);
    expect(commitsBetween(times, 10.2 * S, 30 * S)).toBe(0);
    const liveness = invariant(report, "liveness");
    expect(liveness.skipped).toMatch(/more than f = 2/);
    expect(events.filter((e) => e.event === "timeout" && e.timeUs > 10 * S).length).toBeGreaterThan(0);
    expectExecutionChecked(report, 4);
  });

  it("token-mint-and-transfer: scripts mint, transfer, swap and burn; invalid transactions are refused or fail with their fee charged", () => {
    // Goal: every instruction family runs inside consensus, every validator reaches the same roots, and supply is conserved.
    const { report, events } = runRecorded(scenario("token-mint-and-transfer"));
    expectSafetyHeld(report);
    expect(report.exitCode).toBe(0);
    expectExecutionChecked(report, 4);
    const x = report.metrics.execution;
    expect(x.rejected["bad-signature"]).toBeGreaterThan(5);
    expect((x.rejected["nonce-too-low"] ?? 0) + (x.rejected["nonce-too-far"] ?? 0)).toBeGreaterThan(5);
    expect(x.failed["insufficient-balance"]).toBeGreaterThan(5);
    expect(invariant(report, "conservation").figures.swapsChecked).toBeGreaterThan(50);
    expect(invariant(report, "conservation").figures.assets).toBeGreaterThanOrEqual(3); // ASSET, USDC and client tokens
    const scriptsCommitted = events.filter((e) => e.event === "submit" && e.fields.kind === "script").length;
    expect(scriptsCommitted).toBeGreaterThan(500);
    expect(x.latencyUs.p50).not.toBeNull();
    expect(x.latencyUs.p50!).toBeLessThan(2 * S);
  });
});

describe("high load", () => {
  it("high-load (first 4 s): thousands of transactions per second commit with agreed roots", () => {
    // Goal: the pipeline keeps up with 4,000 tx/s offered: nearly all of it commits, within a second, with no divergence.
    const { report } = runRecorded(scenario("high-load", {}, 4 * S));
    expectSafetyHeld(report);
    expect(report.exitCode).toBe(0);
    expectExecutionChecked(report, 4);
    const x = report.metrics.execution;
    expect(x.committedTps).toBeGreaterThan(3000);
    expect(x.latencyUs.p99!).toBeLessThan(1 * S);
    expect(x.mempoolDepthMax).toBeGreaterThan(500);
  });
});

describe("regressions found by the fault-plan property", () => {
  it("all-holders-restart: certified blocks survive when every validator that held them restarts", () => {
    // Goal: a QC whose block lived only in memory left every leader unable to extend the highest QC after all
    // holders restarted (a permanent stall); kept blocks on disk and the persisted last proposed view fix it.
    const { report, events } = runRecorded(scenario("all-holders-restart", {}, undefined, "fixtures"));
    expectSafetyHeld(report);
    expect(report.exitCode).toBe(0);
    expect(report.metrics.restarts).toBe(4);
    expect(commitsBetween(newHeightTimes(events), 12 * S, 25 * S)).toBeGreaterThan(20);
  });
});

/** The expected outcome a must-fail scenario states at the start of its description: the invariant's words and the exit code. */
function statedOutcome(name: string): { words: string; exitCode: number } | undefined {
  const match = /MUST FAIL \(expected outcome: (an? [^,;]*?)(?: violation)?[,;][^)]*?exit code (\d)/.exec(String(rawScenario(name).description ?? ""));
  return match === null ? undefined : { words: match[1]!, exitCode: Number(match[2]) };
}

describe("must-fail scenarios", () => {
  const shipped = readdirSync(join(ROOT, "sim-scenarios"))
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -5));

  it("each one states its expected outcome (the failure and the exit code) in its description", () => {
    const mustFail = shipped.filter((name) => String(rawScenario(name).description ?? "").includes("MUST FAIL"));
    expect(mustFail).toEqual(expect.arrayContaining(["twins-must-fail", "liveness-too-tight", "reorg-depth-zero"]));
    for (const name of mustFail) expect(statedOutcome(name), name).toBeDefined();
  });

  it("liveness-too-tight: a crashed validator's 1 s view timeouts miss the 600 ms liveness bound, as stated (exit 3)", () => {
    // Goal: the shipped check of the liveness checker fails at its own seed the way its description says, safety intact.
    const stated = statedOutcome("liveness-too-tight")!;
    expect(stated.words).toBe("a liveness");
    const report = runScenario(scenario("liveness-too-tight"));
    expect(report.violation?.invariant).toBe("liveness");
    expect(report.exitCode).toBe(stated.exitCode);
    for (const name of ["agreement", "root-agreement", "conservation", "reorg-bound", "equivocation"]) expect(invariant(report, name), name).toMatchObject({ ok: true });
  });

  it("reorg-depth-zero: an outbound-isolated leader makes a head roll back, beyond maxReorgDepth 0, as stated (exit 1)", () => {
    // Goal: the shipped check of the reorg-bound checker fails at its own seed the way its description says, agreement intact.
    const stated = statedOutcome("reorg-depth-zero")!;
    expect(stated.words).toBe("a reorg-bound");
    const report = runScenario(scenario("reorg-depth-zero"));
    expect(report.violation?.invariant).toBe("reorg-bound");
    expect(report.exitCode).toBe(stated.exitCode);
    expect(invariant(report, "agreement")).toMatchObject({ ok: true });
  });
});
