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
import { describe, it } from "vitest";
import { checkCrashRestart, checkLossyNetwork, checkPartitionHeal } from "../helpers/shipped-checks.js";

const S = 1_000_000;

describe("shipped scenarios", () => {
  it("lossy-network: 5% drops, duplicates and reordering cost timeouts but never safety", () => {
    // Goal: a bad network slows the chain but it keeps committing within the bound.
    checkLossyNetwork(60 * S, 150);
  });

  it("partition-heal: a 3/4 split stops commits (no quorum on either side) and progress resumes after heal", () => {
    checkPartitionHeal(60 * S);
  });

  it("crash-restart: f validators crash and come back, catch up, and never vote twice in a view", () => {
    checkCrashRestart(45 * S);
  });
});
