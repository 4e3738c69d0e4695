/**
 * Long tier (`npm run test:long`): l1-reorg with the L1 run twice (15 s) gives
 * one digest and the same L1 metrics, and the L1 changes the digest. In the
 * default suite, test/scenarios/digests.test.ts proves determinism with the
 * L1 in the loop (l1-reorg and quickstart with the L1 keep recorded digests,
 * so every run gives the same one) and that the L1 changes the digest
 * (quickstart's digests with and without the L1 differ).
 */
import { describe, expect, it } from "vitest";
import { runRecorded, scenario } from "../helpers/scenario.js";

const S = 1_000_000;

describe("L1 scenarios", () => {
  it("the same seed gives the same digest with the L1 in the loop, and the L1 changes it", () => {
    const a = runRecorded(scenario("l1-reorg", {}, 15 * S)).report;
    const b = runRecorded(scenario("l1-reorg", {}, 15 * S)).report;
    expect(a.traceDigest).toBe(b.traceDigest);
    expect(a.metrics.l1).toEqual(b.metrics.l1);
    const off = runRecorded(scenario("l1-reorg", { l1: { enabled: false }, faults: [] }, 15 * S)).report;
    expect(off.traceDigest).not.toBe(a.traceDigest);
    expect(off.invariants.map((r) => r.name)).not.toContain("l1-consistency");
  });
});
