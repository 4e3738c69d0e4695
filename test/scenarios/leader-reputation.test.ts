/**
 * The requirement: with f validators down for good, and with one
 * validator isolated, the chain keeps committing at no less than half its
 * fault-free block rate. Each shipped scenario states it as an expectation
 * (`invariants.minCommits`, at least half of the fault-free run's commits):
 * it holds with leader reputation (the default) and fails with
 * `leaderElection: "round-robin"`, the broken variant, which gives the
 * faulty validators their turn in every n views. The block rates are printed.
 * That the expectation is at least half the fault-free run's commits (the
 * same scenario without its faults, a third 40 s run per scenario) is checked
 * in the long tier: leader-reputation.long.test.ts.
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

describe.each(["f-down-for-good", "isolated-validator"])("%s: the expectation (at least half the fault-free block rate) holds with reputation, not with round-robin", (name) => {
  // One run per test, so the worker reports between the long runs.
  let reputation: RunReport;

  it("reputation (the default) meets the expectation", () => {
    reputation = run(name, {});
    expect(reputation.exitCode).toBe(0);
    expect(invariant(reputation, "min-commits")).toMatchObject({ ok: true });
    expect(reputation.metrics.commits).toBeGreaterThanOrEqual(scenario(name).rollups[0]!.invariants.minCommits!);
  });

  it("round-robin misses it", () => {
    const roundRobin = run(name, { leaderElection: "round-robin" });
    expect(invariant(roundRobin, "min-commits")).toMatchObject({ ok: false });
    expect(roundRobin.violation?.invariant).toMatch(/min-commits|liveness/);
    expect(roundRobin.exitCode).toBe(3);
    console.log(`${name}: reputation ${rate(reputation)}; round-robin ${rate(roundRobin)}`);
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
