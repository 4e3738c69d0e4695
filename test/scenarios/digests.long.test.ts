/**
 * Long tier (`npm run test:long`): the digest runs of
 * test/scenarios/digests.test.ts again with round-robin leaders pinned. They
 * give the same digests as the default suite's runs with leader reputation
 * (no validator fails a turn in these runs' first 10 s), so in the default
 * suite digests.test.ts proves every digest, and round-robin's own digest
 * with f-down-for-good.
 */
import { describe, expect, it } from "vitest";
import { cut, WITH_L1, WITHOUT_L1 } from "../helpers/digest-cases.js";
import { runScenario } from "../helpers/scenario.js";

describe("trace digests across the framework rewrite, with round-robin leaders pinned", () => {
  it.each(WITHOUT_L1)("%s without the L1 keeps its digest from before the rewrite", (name, digest, where) => {
    expect(runScenario(cut(name, false, where, "round-robin")).traceDigest).toBe(digest);
  });

  it.each(WITH_L1)("%s with the L1 has its recorded digest (L1 RPC in its own codec)", (name, digest) => {
    expect(runScenario(cut(name, true, "sim-scenarios", "round-robin")).traceDigest).toBe(digest);
  });
});
