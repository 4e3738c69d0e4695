/** A node that throws ends the run with a `node-error` violation and exit code 4, and the run stays deterministic. */
import { afterEach, describe, expect, it } from "vitest";
import { HotStuffReplica } from "../../src/consensus/replica.js";
import { runScenario, scenario } from "../helpers/scenario.js";

const original = HotStuffReplica.prototype.onTimer;

afterEach(() => {
  HotStuffReplica.prototype.onTimer = original;
});

describe("node errors", () => {
  it("a replica that throws from a handler stops the run with exit code 4", () => {
    // Break v3's replica code after its first few timers: a bug in node code, which the simulator must surface.
    let calls = 0;
    HotStuffReplica.prototype.onTimer = function (this: HotStuffReplica, ctx, timer, tag) {
      if (ctx.id === "v3" && ++calls > 5) throw new Error("injected bug");
      return original.call(this, ctx, timer, tag);
    };
    const report = runScenario(scenario("quickstart", {}, 10_000_000));
    expect(report.exitCode).toBe(4);
    expect(report.stoppedBy).toBe("violation");
    expect(report.violation).toMatchObject({ invariant: "node-error", message: "v3 threw: injected bug" });
    expect(report.violation!.atUs).toBeLessThan(10_000_000);
  });
});
