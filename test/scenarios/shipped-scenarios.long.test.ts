/**
 * Long tier (`npm run test:long`): lossy-network at its full 60 s. In the
 * default suite, test/scenarios/shipped-scenarios.test.ts runs its first
 * 30 s (the scenario has no faults: one lossy network all along) with the
 * same safety checks and the same commit rate.
 */
import { describe, expect, it } from "vitest";
import { invariant, runRecorded, scenario } from "../helpers/scenario.js";

describe("shipped scenarios", () => {
  it("lossy-network: 5% drops, duplicates and reordering cost timeouts but never safety", () => {
    // Goal: a bad network slows the chain but it keeps committing within the bound.
    const { report } = runRecorded(scenario("lossy-network"));
    for (const name of ["agreement", "root-agreement", "conservation", "validity", "reference-ledger", "reorg-bound", "equivocation"]) {
      expect(invariant(report, name), name).toMatchObject({ ok: true });
    }
    expect(report.violation).toBeUndefined();
    expect(report.exitCode).toBe(0);
    expect(report.metrics.messages.dropped).toBeGreaterThan(1000);
    expect(report.metrics.messages.duplicated).toBeGreaterThan(100);
    expect(report.metrics.commits).toBeGreaterThan(150);
    expect(invariant(report, "root-agreement").figures.heightsChecked).toBeGreaterThan(10);
    expect(invariant(report, "conservation").figures.validatorsAudited).toBe(7);
    expect(report.metrics.execution.rootDivergences).toBe(0);
  });
});
