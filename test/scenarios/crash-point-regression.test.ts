/**
 * Regression found by the CI safety property once crash points existed: a
 * leader crashed right after syncing its proposal and before voting for it
 * (`crash-point` after `sync`) resumed, after its restart, in a view below
 * the one it had proposed in; its invariant check ("never proposed beyond the
 * view") stopped it as a node error. A replica now resumes at or above the
 * view it last proposed in.
 */
import { describe, expect, it } from "vitest";
import { runScenario, scenario } from "../helpers/scenario.js";

describe("crash between a proposal's sync and its vote", () => {
  it("proposal-before-vote-crash: the restarted leader resumes at or above its proposed view; every invariant holds", () => {
    const report = runScenario(scenario("proposal-before-vote-crash", {}, undefined, "fixtures"));
    expect(report.violation).toBeUndefined();
    expect(report.exitCode).toBe(0);
    expect(report.metrics.faultsApplied).toBe(7);
  });
});
