/**
 * Long tier (`npm run test:long`): quickstart (12 s, the crash of v2 at 10 s
 * included) run twice in one process gives the same digest and an equal
 * report. In the default suite, determinism.test.ts shows an in-process run
 * equal to two CLI processes' runs (8 s) and each signature scheme
 * deterministic, and digests.test.ts pins recorded digests of quickstart and
 * other scenarios, with and without the L1.
 */
import { describe, expect, it } from "vitest";
import { runScenario, scenario } from "../helpers/scenario.js";

describe("determinism", () => {
  it("the same scenario and seed give the same digest twice in one process", () => {
    const a = runScenario(scenario("quickstart", {}, 12_000_000));
    const b = runScenario(scenario("quickstart", {}, 12_000_000));
    expect(a.traceDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(b.traceDigest).toBe(a.traceDigest);
    expect(b).toEqual(a);
  });
});
