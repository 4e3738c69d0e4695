/**
 * Long tier (`npm run test:long`): the shipped `sbcp/l1-rollback` (90 s): a
 * superblock not published within the window is invalid; the SP rolls back
 * and every sequencer reverts on RollBackAndStartSlot. In the default suite,
 * test/sbcp/l1-publishing.test.ts runs the same rollback (superblock 2 never
 * lands, the SP rolls back to 1, the L1 finalizes the rebuilt 2) in the
 * fault-table rows 7 and 8 (`sbcp/sp-crash-during-rollback`,
 * `sbcp/sequencer-crash-during-rollback`), where the sequencers the crash
 * leaves alone revert on RollBackAndStartSlot.
 */
import { describe, expect, it } from "vitest";
import { expectRollBackToOne, l1Metrics, runGreen as run } from "../helpers/sbcp-l1-run.js";

describe("the SP publishes superblocks to the L1 registry", () => {
  it("validity from the L1: a superblock not published within the window is invalid; the SP rolls back and every sequencer reverts", () => {
    const r = run("l1-rollback");
    expectRollBackToOne(r);
    for (const seq of ["seq1", "seq2", "seq3"]) {
      expect(r.of("sbcp-reverted", seq).map((e) => [r.f(e).kind, r.f(e).to, r.f(e).reverted])).toEqual([["RollBackAndStartSlot", 1, [2, 3]]]);
    }
    expect(r.of("sbcp-slot-started", "sp").filter((e) => r.f(e).rollBack === true).map((e) => r.f(e).slot)).toEqual([5]);
    expect(l1Metrics(r).invalid).toBe(1);
  });
});
