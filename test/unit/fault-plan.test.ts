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

  it("a partition or isolation never healed: not expected", () => {
    expect(livenessExpectation(scenario([{ at: "1s", action: "isolate", node: "leader", direction: "outbound" }])).notExpectedBecause).toMatch(/never healed/);
    expect(livenessExpectation(scenario([{ at: "1s", action: "partition-oneway", from: ["v0"], to: ["v1"] }])).notExpectedBecause).toMatch(/never healed/);
  });
});
