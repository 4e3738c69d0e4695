/**
 * A property failure printed in CI can be replayed: fast-check's `{ seed, path }`
 * (read from ASSET_SIM_PROPERTY_SEED and ASSET_SIM_PROPERTY_PATH) brings back
 * the same shrunk counterexample as the first value tried, the way
 * fast-check's own e2e test `test/e2e/ReplayFailures.spec.ts` checks it.
 * The properties here fail on purpose (they claim something false of the
 * simulator, or of the generated plans); no source bug is involved.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { faultPlanArb, scenarioArb, type GeneratedScenario } from "../../src/explore/arbitraries.js";
import { parseScenario } from "../../src/scenario/load.js";
import type { FaultAction } from "../../src/scenario/schema.js";
import { assertProperty, assertYieldingProperty, propertyParameters, replayCommand } from "../helpers/property.js";
import { runScenario } from "../helpers/scenario.js";

describe("replaying a property failure from its seed and path", () => {
  it("a shrunk fault-plan counterexample comes back first from { seed, path }", () => {
    // False on purpose: "no plan isolates the leader while some validator is crashed".
    const claim = (plan: FaultAction[]): boolean => {
      const crashed = new Set<string>();
      for (const a of plan) {
        if (a.action === "crash") crashed.add(a.node);
        if (a.action === "restart") crashed.delete(a.node);
        if (a.action === "isolate" && a.node === "leader" && crashed.size > 0) return false;
      }
      return true;
    };
    const arb = faultPlanArb({ validators: 7, healAtUs: 6_000_000 });
    const first = fc.check(fc.property(arb, claim), { seed: 2024, numRuns: 1000 });
    expect(first.failed).toBe(true);
    expect(first.numShrinks).toBeGreaterThan(0);
    const tried: FaultAction[][] = [];
    const again = fc.check(
      fc.property(arb, (plan) => {
        tried.push(plan);
        return claim(plan);
      }),
      { seed: first.seed, path: first.counterexamplePath!, numRuns: 1000 },
    );
    expect(tried[0]).toEqual(first.counterexample![0]);
    expect(again.counterexample).toEqual(first.counterexample);
  });

  it("a simulated-run counterexample (\"commits stay below height 5\") replays to the same scenario and trace digest", () => {
    // No shrinking (endOnFailure): one simulation finds it, one replays it.
    const arb = scenarioArb({ validators: { min: 4, max: 4 }, faultWindowUs: { min: 1_000_000, max: 2_000_000 }, afterHealUs: 3_000_000, txPerSecond: { min: 0, max: 5 } });
    const digests: string[] = [];
    const runs: GeneratedScenario[] = [];
    const below5 = fc.property(arb, (raw) => {
      runs.push(raw);
      const report = runScenario(parseScenario(raw));
      digests.push(report.traceDigest);
      return report.metrics.commits < 5;
    });
    const first = fc.check(below5, { seed: 77, numRuns: 5, endOnFailure: true });
    expect(first.failed).toBe(true);
    const found = { scenario: runs.at(-1), digest: digests.at(-1) };
    runs.length = 0;
    digests.length = 0;
    const again = fc.check(below5, { seed: first.seed, path: first.counterexamplePath!, endOnFailure: true });
    expect(again.failed).toBe(true);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toEqual(found.scenario);
    expect(digests[0]).toBe(found.digest);
  });

  it("the replay environment variables are honoured, and the failure message names them", () => {
    expect(propertyParameters(12, {})).toEqual({ numRuns: 12 });
    expect(propertyParameters(12, { ASSET_SIM_PROPERTY_RUNS: "500" })).toEqual({ numRuns: 500 });
    expect(propertyParameters(12, { ASSET_SIM_PROPERTY_SEED: "-42", ASSET_SIM_PROPERTY_PATH: "3:1:0" })).toEqual({ numRuns: 12, seed: -42, path: "3:1:0" });
    expect(() => propertyParameters(12, { ASSET_SIM_PROPERTY_PATH: "3" })).toThrow(/ASSET_SIM_PROPERTY_SEED/);
    expect(() => propertyParameters(12, { ASSET_SIM_PROPERTY_RUNS: "many" })).toThrow(/ASSET_SIM_PROPERTY_RUNS/);

    const claim = fc.property(fc.integer({ min: 0, max: 1000 }), (x) => x < 300);
    let message = "";
    try {
      assertProperty(claim, { defaultRuns: 100, testFile: "test/x.test.ts", env: { ASSET_SIM_PROPERTY_SEED: "5" } });
    } catch (error) {
      message = (error as Error).message;
    }
    const printed = /ASSET_SIM_PROPERTY_SEED=(-?\d+) ASSET_SIM_PROPERTY_PATH=(\S+) npx vitest run test\/x\.test\.ts/.exec(message);
    expect(printed, message).not.toBeNull();
    expect(message).toMatch(/Counterexample: \[300\]/);
    // Feeding the printed seed and path back through the environment tries the counterexample first.
    const tried: number[] = [];
    expect(() =>
      assertProperty(
        fc.property(fc.integer({ min: 0, max: 1000 }), (x) => {
          tried.push(x);
          return x < 300;
        }),
        { defaultRuns: 100, testFile: "test/x.test.ts", env: { ASSET_SIM_PROPERTY_SEED: printed![1], ASSET_SIM_PROPERTY_PATH: printed![2] } },
      ),
    ).toThrow(/Counterexample: \[300\]/);
    expect(tried[0]).toBe(300);
    expect(replayCommand({ seed: 1, counterexamplePath: null }, "t.ts")).toBe("ASSET_SIM_PROPERTY_SEED=1 npx vitest run t.ts");
  });
});

describe("a property that yields to the event loop between runs (assertYieldingProperty)", () => {
  // A macrotask queued at the end of each run has run before the next one starts only if the runs yield: what
  // lets the worker read the vitest runner's replies during a long exploration (vitest-dev/vitest#6479).
  const arb = fc.integer({ min: 0, max: 1000 });

  it("runs the same values as the synchronous property, with a macrotask's turn before every run", async () => {
    const sync: number[] = [];
    assertProperty(fc.property(arb, (x) => void sync.push(x)), { defaultRuns: 30, testFile: "t.ts", env: { ASSET_SIM_PROPERTY_SEED: "11" } });
    const yielding: number[] = [];
    let turns = 0;
    const turnsAtStart: number[] = [];
    await assertYieldingProperty(
      arb,
      (x) => {
        turnsAtStart.push(turns);
        yielding.push(x);
        setImmediate(() => turns++);
      },
      { defaultRuns: 30, testFile: "t.ts", env: { ASSET_SIM_PROPERTY_SEED: "11" } },
    );
    expect(yielding).toEqual(sync);
    expect(turnsAtStart).toEqual(turnsAtStart.map((_, i) => i));
  });

  it("the broken variant, the synchronous property, gives the event loop no turn between its runs", () => {
    let turns = 0;
    const turnsAtStart: number[] = [];
    assertProperty(
      fc.property(arb, () => {
        turnsAtStart.push(turns);
        setImmediate(() => turns++);
      }),
      { defaultRuns: 30, testFile: "t.ts" },
    );
    expect(turnsAtStart).toHaveLength(30);
    expect(new Set(turnsAtStart)).toEqual(new Set([0]));
  });

  it("a failure shrinks and is reported with the replay command, and the printed seed and path replay it first", async () => {
    const failure = async (env: Record<string, string>, tried: number[] = []): Promise<string> => {
      try {
        await assertYieldingProperty(arb, (x) => (tried.push(x), x < 300), { defaultRuns: 100, testFile: "test/x.test.ts", env });
      } catch (error) {
        return (error as Error).message;
      }
      return "passed";
    };
    const message = await failure({ ASSET_SIM_PROPERTY_SEED: "5" });
    expect(message).toMatch(/Counterexample: \[300\]/);
    const printed = /ASSET_SIM_PROPERTY_SEED=(-?\d+) ASSET_SIM_PROPERTY_PATH=(\S+) npx vitest run test\/x\.test\.ts/.exec(message);
    expect(printed, message).not.toBeNull();
    const tried: number[] = [];
    expect(await failure({ ASSET_SIM_PROPERTY_SEED: printed![1]!, ASSET_SIM_PROPERTY_PATH: printed![2]! }, tried)).toMatch(/Counterexample: \[300\]/);
    expect(tried[0]).toBe(300);
  });
});
