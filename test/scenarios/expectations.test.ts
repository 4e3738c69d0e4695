/**
 * The scenario's own expectations (`invariants.minCommits`, `maxFailedViews`,
 * `noHonestCommit`), each kept by one scenario and broken by another; the
 * liveness verdict of a plan that ends with at most f validators cut off; and
 * `phases.continueAfterViolation` on the must-fail Twins scenario.
 */
import { afterEach, describe, expect, it } from "vitest";
import { HotStuffReplica } from "../../src/consensus/replica.js";
import { parseScenario } from "../../src/scenario/load.js";
import { EXIT } from "../../src/scenario/run.js";
import { invariant, runScenario, scenario } from "../helpers/scenario.js";

const S = 1_000_000;

/** Four validators on sim signatures, no L1, a light workload, `seconds` long. */
function small(seconds: number, fields: Record<string, unknown> = {}) {
  return parseScenario({
    name: "expectations",
    seed: 3,
    duration: `${seconds}s`,
    validators: { count: 4, signatureScheme: "sim" },
    workload: { txPerSecond: 20 },
    l1: { enabled: false },
    ...fields,
  });
}

describe("expectations in the invariants section", () => {
  it("no expectation set: no expectation checker in the report", () => {
    // Goal: existing scenarios report exactly the checkers they did before.
    const report = runScenario(small(3));
    const names = report.invariants.map((r) => r.name);
    expect(names).not.toContain("min-commits");
    expect(names).not.toContain("max-failed-views");
    expect(names).not.toContain("no-honest-commit");
  });

  it("min-commits: kept by a healthy cluster, broken when two of four validators crash (exit 3)", () => {
    // Goal: a cluster that loses its quorum cannot reach the committed height the scenario asks for.
    const kept = runScenario(small(10, { invariants: { minCommits: 20 } }));
    expect(invariant(kept, "min-commits")).toMatchObject({ ok: true, figures: { minCommits: 20 } });
    expect(invariant(kept, "min-commits").figures.committedHeight).toBeGreaterThanOrEqual(20);
    expect(kept.exitCode).toBe(EXIT.ok);

    const faults = [
      { at: "2s", action: "crash", node: "v2" },
      { at: "2s", action: "crash", node: "v3" },
    ];
    const broken = runScenario(small(10, { invariants: { minCommits: 20 }, faults }));
    const verdict = invariant(broken, "min-commits");
    expect(verdict.ok).toBe(false);
    expect(verdict.figures.committedHeight).toBeLessThan(20);
    expect(verdict.violation?.message).toMatch(/below minCommits 20/);
    expect(broken.violation?.invariant).toBe("min-commits");
    expect(broken.exitCode).toBe(EXIT.livenessMissed);
  });

  it("max-failed-views: no view fails in a healthy cluster; an isolated validator at n = 4 fails views (exit 3)", () => {
    // Goal: every view led by a validator nobody hears ends by timeout, and the checker counts each such view once.
    const kept = runScenario(small(10, { invariants: { maxFailedViews: 0 } }));
    expect(invariant(kept, "max-failed-views")).toMatchObject({ ok: true, figures: { failedViews: 0 } });

    const faults = [{ at: "2s", action: "isolate", node: "v3", direction: "both" }];
    const broken = runScenario(small(10, { invariants: { maxFailedViews: 2 }, faults }));
    const verdict = invariant(broken, "max-failed-views");
    expect(verdict.ok).toBe(false);
    expect(verdict.figures.failedViews).toBeGreaterThan(2);
    // A view is counted once, whether a certificate or a quorum of timeouts showed it failed.
    expect(verdict.figures.failedViews).toBe(Number(verdict.figures.failedByCertificate) + Number(verdict.figures.failedByQuorumOfTimeouts));
    expect(verdict.figures.failedViews).toBeLessThanOrEqual(broken.metrics.timeoutCertificates + Number(verdict.figures.failedByQuorumOfTimeouts));
    expect(verdict.violation!.atUs).toBeGreaterThan(2 * S);
    expect(broken.exitCode).toBe(EXIT.livenessMissed);
  });

  it("no-honest-commit: kept when a 2/2 split leaves no quorum, broken at the first commit of a healthy cluster (exit 1)", () => {
    // Goal: a scenario can state that no quorum may form; a commit by an honest validator then breaks it at once.
    const faults = [{ at: "0s", action: "partition", groups: [["v0", "v1"], ["v2", "v3"]] }];
    const kept = runScenario(small(10, { invariants: { noHonestCommit: true }, faults }));
    expect(invariant(kept, "no-honest-commit")).toMatchObject({ ok: true, figures: { honestCommits: 0 } });
    expect(invariant(kept, "liveness").skipped).toMatch(/never healed: 2 validators .* more than f = 1/);
    expect(kept.exitCode).toBe(EXIT.ok);

    const broken = runScenario(small(10, { invariants: { noHonestCommit: true } }));
    expect(broken.violation).toMatchObject({ invariant: "no-honest-commit" });
    expect(broken.violation!.message).toMatch(/committed height 1/);
    expect(broken.stoppedBy).toBe("violation");
    expect(broken.exitCode).toBe(EXIT.safetyViolated);
  });

  it("the fields are checked: minCommits >= 1, maxFailedViews >= 0", () => {
    expect(() => small(1, { invariants: { minCommits: 0 } })).toThrow(/minCommits/);
    expect(() => small(1, { invariants: { maxFailedViews: -1 } })).toThrow(/maxFailedViews/);
  });
});

describe("liveness while a quorum stays connected", () => {
  it("one validator isolated for good at n = 4: liveness is judged (not skipped) and holds; the cost in blocks is round-robin's", () => {
    // Goal: a cut never healed that leaves 2f + 1 validators connected no longer skips liveness. The figures are
    // the finding that led to leader reputation: with round-robin leaders the three connected validators commit
    // about 7x fewer blocks than four healthy ones, because two views in every four fail: the one v3 leads, and
    // the one before it (its votes go to v3, the next leader). With reputation (the default) v3 stops leading once
    // the chain has committed its failures, and the chain keeps more than half the healthy rate.
    const healthy = runScenario(small(30, { workload: { txPerSecond: 50 } }));
    const cut = { workload: { txPerSecond: 50 }, invariants: { maxFailedViews: 1000 }, faults: [{ at: "5s", action: "isolate", node: "v3", direction: "both" }] };
    const roundRobin = runScenario(small(30, { ...cut, validators: { count: 4, signatureScheme: "sim", leaderElection: "round-robin" } }));
    const reputation = runScenario(small(30, cut));
    for (const isolated of [roundRobin, reputation]) {
      const liveness = invariant(isolated, "liveness");
      expect(liveness.skipped).toBeUndefined();
      expect(liveness.ok).toBe(true);
      expect(isolated.exitCode).toBe(EXIT.ok);
    }
    const failedViews = Number(invariant(roundRobin, "max-failed-views").figures.failedViews);
    expect(failedViews).toBeGreaterThan(0.4 * roundRobin.metrics.views - 20);
    expect(roundRobin.metrics.commits).toBeLessThan(healthy.metrics.commits / 3);
    expect(roundRobin.metrics.timeoutCertificates).toBeGreaterThan(10);
    expect(reputation.metrics.commits).toBeGreaterThan(healthy.metrics.commits / 2);
    expect(Number(invariant(reputation, "max-failed-views").figures.failedViews)).toBeLessThan(failedViews / 3);
  });
});

describe("phases.continueAfterViolation", () => {
  it("twins-must-fail goes on to its duration after the agreement violation, with the same violation and exit code", () => {
    // Goal: a user sees what the run does after the first violation; nothing else about the verdict changes.
    const stopped = runScenario(scenario("twins-must-fail"));
    const continued = runScenario(scenario("twins-must-fail", { phases: { continueAfterViolation: true } }));
    expect(stopped.stoppedBy).toBe("violation");
    expect(stopped.afterViolation).toBeUndefined();
    expect(continued.violation).toEqual(stopped.violation);
    expect(continued.violation!.invariant).toBe("agreement");
    expect(continued.exitCode).toBe(stopped.exitCode);
    expect(continued.exitCode).toBe(EXIT.safetyViolated);
    expect(continued.stoppedBy).toBe("duration");
    expect(continued.virtualDurationUs).toBe(10 * S);
    expect(continued.events).toBeGreaterThan(stopped.events);
    expect(continued.afterViolation!.events).toBe(continued.events - stopped.events);
    expect(continued.afterViolation!.virtualDurationUs).toBe(10 * S - continued.violation!.atUs);
    // Every checker gives its verdict at the end; agreement is still the broken one.
    expect(continued.invariants.map((r) => r.name)).toEqual(stopped.invariants.map((r) => r.name));
    expect(invariant(continued, "agreement").ok).toBe(false);
    expect(continued.metrics.commits).toBeGreaterThan(stopped.metrics.commits);
  });

  const onTimer = HotStuffReplica.prototype.onTimer;
  afterEach(() => {
    HotStuffReplica.prototype.onTimer = onTimer;
  });

  it("a node error after the violation still stops the run; the violation and exit code stay the first one's", () => {
    // Goal: going on after a violation never runs a node that threw; the run ends there, as it would have.
    HotStuffReplica.prototype.onTimer = function (this: HotStuffReplica, ctx, timer, tag) {
      if (ctx.id === "v0" && ctx.now() > 4 * S) throw new Error("injected bug");
      return onTimer.call(this, ctx, timer, tag);
    };
    const report = runScenario(scenario("twins-must-fail", { phases: { continueAfterViolation: true } }));
    expect(report.violation!.invariant).toBe("agreement");
    expect(report.stoppedBy).toBe("violation");
    expect(report.virtualDurationUs).toBeGreaterThan(4 * S);
    expect(report.virtualDurationUs).toBeLessThan(10 * S);
    expect(report.exitCode).toBe(EXIT.safetyViolated);
  });
});
