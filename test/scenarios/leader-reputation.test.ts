/**
 * The requirement: with f validators down for good, and with one
 * validator isolated, the chain keeps committing at no less than half its
 * fault-free block rate. Each shipped scenario states it as an expectation
 * (`invariants.minCommits`, at least half of the fault-free run's commits):
 * it holds with leader reputation (the default) and fails with
 * `leaderElection: "round-robin"`, the broken variant, which gives the
 * faulty validators their turn in every n views. The fault-free run is the
 * same scenario without its faults. The three block rates are printed.
 */
import { describe, expect, it } from "vitest";
import type { RunReport } from "../../src/scenario/run.js";
import { invariant, rawScenario, runScenario, scenario } from "../helpers/scenario.js";

const SECONDS = 40;

function run(name: string, patch: { leaderElection?: "round-robin"; faultFree?: boolean }): RunReport {
  const raw = rawScenario(name) as { validators: Record<string, unknown> };
  const fields: Record<string, unknown> = {};
  if (patch.leaderElection !== undefined) fields.validators = { ...raw.validators, leaderElection: patch.leaderElection };
  if (patch.faultFree === true) fields.faults = [];
  return runScenario(scenario(name, fields));
}

const rate = (report: RunReport): string => `${report.metrics.commits} blocks, ${(report.metrics.commits / SECONDS).toFixed(2)} blocks/s`;

describe.each(["f-down-for-good", "isolated-validator"])("%s: at least half the fault-free block rate with reputation, not with round-robin", (name) => {
  // One run per test, so the worker reports between the long runs.
  let faultFree: RunReport;
  let reputation: RunReport;
  let roundRobin: RunReport;

  it("fault-free: the expectation is at least half its commits", () => {
    faultFree = run(name, { faultFree: true });
    const minCommits = scenario(name).rollups[0]!.invariants.minCommits!;
    expect(faultFree.exitCode).toBe(0);
    expect(2 * minCommits).toBeGreaterThanOrEqual(faultFree.metrics.commits);
  });

  it("reputation (the default) meets the expectation", () => {
    reputation = run(name, {});
    expect(reputation.exitCode).toBe(0);
    expect(invariant(reputation, "min-commits")).toMatchObject({ ok: true });
    expect(2 * reputation.metrics.commits).toBeGreaterThanOrEqual(faultFree.metrics.commits);
  });

  it("round-robin misses it", () => {
    roundRobin = run(name, { leaderElection: "round-robin" });
    expect(invariant(roundRobin, "min-commits")).toMatchObject({ ok: false });
    expect(roundRobin.violation?.invariant).toMatch(/min-commits|liveness/);
    expect(roundRobin.exitCode).toBe(3);
    console.log(`${name}: fault-free ${rate(faultFree)}; reputation ${rate(reputation)}; round-robin ${rate(roundRobin)}`);
  });
});

describe("replicas agree on leaders when one committed block reaches them with two QCs", () => {
  it("twin-block-two-qcs: the twin pair's block with two signer sets does not split the replicas' elections; commits resume after the heal", () => {
    const report = runScenario(scenario("twin-block-two-qcs", {}, undefined, "fixtures"));
    expect(report.violation).toBeUndefined();
    expect(invariant(report, "liveness")).toMatchObject({ ok: true });
    expect(report.exitCode).toBe(0);
  });
});
