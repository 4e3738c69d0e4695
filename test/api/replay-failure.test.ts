/**
 * A user's failed property is replayed from the `{ seed, path }` fast-check
 * printed (`explore/replay-failure.ts`): the rebuilt value is fast-check's
 * shrunk counterexample itself, and `replayPropertyFailure` reruns it as a
 * scenario with a seed file that `replay` reproduces. The properties fail on
 * purpose (they claim something false of generated scenarios); the replay
 * that ignores `path` is built here to show the check tells them apart.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scenarioArb, type GeneratedScenario } from "../../src/explore/arbitraries.js";
import { counterexampleAt, replayPropertyFailure } from "../../src/explore/replay-failure.js";
import { parseScenario } from "../../src/scenario/load.js";
import { runScenario } from "../../src/scenario/run.js";
import { compareReplay, parseSeedFile } from "../../src/scenario/seed-file.js";

/** Small scenarios without the L1: each run is a few simulated seconds. */
const smallArb = (): fc.Arbitrary<GeneratedScenario> =>
  scenarioArb({ validators: { min: 4, max: 5 }, faultWindowUs: { min: 1_000_000, max: 2_000_000 }, afterHealUs: 1_000_000, txPerSecond: { min: 0, max: 5 } });

/** False on purpose, and cheap (no run): "no scenario crashes a validator and runs 5 validators". */
const claim = (raw: GeneratedScenario): boolean => !(raw.validators.count === 5 && raw.faults.some((a) => a.action === "crash"));

describe("replaying a property failure from fast-check's { seed, path }", () => {
  it("counterexampleAt gives fast-check's shrunk counterexample, not the first failing value", () => {
    const details = fc.check(fc.property(smallArb(), claim), { seed: 4242, numRuns: 200 });
    expect(details.failed).toBe(true);
    expect(details.numShrinks).toBeGreaterThan(0);
    const failure = { seed: details.seed, path: details.counterexamplePath!, endOnFailure: true };
    expect(counterexampleAt(failure, smallArb())).toEqual(details.counterexample);

    // A replay that ignores the path (the first value of the seed) is caught: it is another scenario.
    const ignoringPath = counterexampleAt({ seed: details.seed }, smallArb());
    expect(ignoringPath).not.toEqual(details.counterexample);
    // So is one that stops at the failing run before shrinking.
    const unshrunk = counterexampleAt({ seed: details.seed, path: details.counterexamplePath!.split(":")[0]! }, smallArb());
    expect(unshrunk).not.toEqual(details.counterexample);
    expect(claim(unshrunk[0])).toBe(false);
  });

  it("a property of several arbitraries replays as a tuple in their order", () => {
    const property = (a: number, b: number[]): boolean => a + b.length < 40;
    const details = fc.check(fc.property(fc.integer({ min: 0, max: 100 }), fc.array(fc.nat()), property), { seed: 7 });
    expect(details.failed).toBe(true);
    expect(counterexampleAt({ seed: details.seed, path: details.counterexamplePath! }, fc.integer({ min: 0, max: 100 }), fc.array(fc.nat()))).toEqual(details.counterexample);
  });

  it("a path that does not belong to the arbitraries is a RangeError", () => {
    expect(() => counterexampleAt({ seed: 1, path: "0:999999" }, fc.constant(1))).toThrow(RangeError);
  });

  it("replayPropertyFailure reruns the scenario: same report as running it, and a seed file that replays", () => {
    // A liveness bound of 1 ms cannot be met, so every run fails with exit code 3 and a violation.
    const arb = scenarioArb({ validators: { min: 4, max: 4 }, faultWindowUs: { min: 1_000_000, max: 1_500_000 }, afterHealUs: 1_000_000, livenessBoundUs: 1_000, txPerSecond: { min: 0, max: 2 }, twins: false });
    const details = fc.check(
      fc.property(arb, (raw) => runScenario(parseScenario(raw)).exitCode === 0),
      { seed: 11, numRuns: 3, endOnFailure: true },
    );
    expect(details.failed).toBe(true);
    const replayed = replayPropertyFailure({ seed: details.seed, path: details.counterexamplePath! }, arb);
    expect(replayed.raw).toEqual(details.counterexample![0]);
    const again = runScenario(parseScenario(details.counterexample![0]));
    expect(replayed.report).toEqual(again);
    expect(replayed.report.exitCode).toBe(3);
    expect(replayed.seedFileName).toMatch(/^property-seed\d+-[0-9a-f]{12}\.json$/);
    const seedFile = parseSeedFile(JSON.stringify(replayed.seedFile));
    const rerun = runScenario(parseScenario(seedFile.scenario));
    expect(compareReplay(seedFile, rerun).reproduced).toBe(true);
  });

  it("a passing scenario replays with its report and no seed file", () => {
    const arb = smallArb();
    const replayed = replayPropertyFailure({ seed: 3 }, arb);
    expect(replayed.report.exitCode).toBe(0);
    expect(replayed.seedFile).toBeUndefined();
    expect(replayed.raw).toEqual(fc.sample(arb, { seed: 3, numRuns: 1 })[0]);
  });
});
