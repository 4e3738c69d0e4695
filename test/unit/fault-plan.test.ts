/** The fault plan: action order, and what liveness may expect once the plan is over (the fault model). */
import { describe, expect, it } from "vitest";
import { firingOrder } from "../../src/harness/catalog.js";
import { livenessExpectation, parseScenario } from "../../src/scenario/load.js";

const scenario = (faults: unknown[], count = 7) => parseScenario({ name: "f", seed: 1, duration: "60s", validators: { count }, faults });

describe("firingOrder", () => {
  it("sorts by time and keeps file order for ties", () => {
    const s = scenario([
      { at: "5s", action: "heal" },
      { at: "1s", action: "crash", node: "v1" },
      { at: "1s", action: "crash", node: "v2" },
    ]);
    expect(firingOrder(s.faults).map((f) => f.index)).toEqual([1, 2, 0]);
  });
});

describe("livenessExpectation", () => {
  it("no faults: expected from time 0", () => {
    expect(livenessExpectation(scenario([]))).toEqual({ healAtUs: 0 });
  });

  it("the heal time is the last action's time", () => {
    const s = scenario([
      { at: "10s", action: "partition", groups: [["v0"], ["v1", "v2", "v3", "v4", "v5", "v6"]] },
      { at: "20s", action: "heal" },
      { at: "25s", action: "crash", node: "v3" },
    ]);
    expect(livenessExpectation(s)).toEqual({ healAtUs: 25_000_000 });
  });

  it("more than f validators left crashed or clogged: not expected", () => {
    const crashed = scenario([
      { at: "1s", action: "crash", node: "v0" },
      { at: "1s", action: "crash", node: "v1" },
      { at: "1s", action: "clog", node: "v2" },
    ]);
    expect(livenessExpectation(crashed).notExpectedBecause).toMatch(/3 validators stay crashed or clogged, more than f = 2/);
    const restarted = scenario([
      { at: "1s", action: "crash", node: "v0" },
      { at: "1s", action: "crash", node: "v1" },
      { at: "1s", action: "crash", node: "v2" },
      { at: "2s", action: "restart", node: "v2" },
    ]);
    expect(livenessExpectation(restarted).notExpectedBecause).toBeUndefined();
  });

  it("a clogged client does not count against the quorum", () => {
    const s = scenario([{ at: "1s", action: "clog", node: "c0" }], 4);
    expect(livenessExpectation(s).notExpectedBecause).toBeUndefined();
  });

  it("a cut never healed that leaves a connected quorum (at most f faulty): expected", () => {
    expect(livenessExpectation(scenario([{ at: "1s", action: "isolate", node: "leader", direction: "outbound" }]))).toEqual({ healAtUs: 1_000_000 });
    expect(livenessExpectation(scenario([{ at: "1s", action: "partition-oneway", from: ["v0"], to: ["v1"] }])).notExpectedBecause).toBeUndefined();
    expect(livenessExpectation(scenario([{ at: "1s", action: "isolate", node: "v3", direction: "both" }], 4)).notExpectedBecause).toBeUndefined();
    // One cut off and one crashed at n = 7: 2 = f faulty.
    const mixed = scenario([
      { at: "1s", action: "isolate", node: "v0", direction: "both" },
      { at: "1s", action: "crash", node: "v1" },
    ]);
    expect(livenessExpectation(mixed).notExpectedBecause).toBeUndefined();
  });

  it("a cut never healed that leaves more than f faulty: not expected, with the count", () => {
    const split = scenario([{ at: "1s", action: "partition", groups: [["v0", "v1", "v2"], ["v3", "v4", "v5", "v6"]] }]);
    expect(livenessExpectation(split).notExpectedBecause).toBe("a partition is never healed: 3 validators stay cut off, crashed or clogged, more than f = 2: no connected quorum");
    const cutAndCrashed = scenario([
      { at: "1s", action: "isolate", node: "v0", direction: "both" },
      { at: "1s", action: "crash", node: "v1" },
    ], 4);
    expect(livenessExpectation(cutAndCrashed).notExpectedBecause).toMatch(/never healed: 2 validators .* more than f = 1/);
    const twoIsolated = scenario([
      { at: "1s", action: "isolate", node: "leader", direction: "outbound" },
      { at: "2s", action: "isolate", node: "v2", direction: "both" },
    ], 4);
    expect(livenessExpectation(twoIsolated).notExpectedBecause).toMatch(/never healed: 2 validators/);
  });
});
