/** scenarioToJson is the inverse of parseScenario: seed files keep every setting of the run. */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/config/errors.js";
import { parseScenario } from "../../src/scenario/load.js";
import { scenarioToJson } from "../../src/scenario/to-json.js";
import { ROOT, rawScenario } from "../helpers/scenario.js";

describe("scenarioToJson", () => {
  const shipped = readdirSync(join(ROOT, "sim-scenarios")).filter((f) => f.endsWith(".json")).map((f) => f.replace(/\.json$/, ""));

  it.each(shipped)("round-trips the shipped scenario %s", (name) => {
    const parsed = parseScenario(rawScenario(name));
    const again = parseScenario(JSON.parse(JSON.stringify(scenarioToJson(parsed))));
    expect(again).toEqual(parsed);
  });

  it("writes defaults out, so a later change of a default cannot change a replay", () => {
    const json = scenarioToJson(parseScenario({ name: "x", seed: 1, duration: "1s", validators: { count: 4 } }));
    expect(json).toMatchObject({
      maxEvents: 50_000_000,
      validators: { count: 4, blockTime: 250_000, viewTimeout: 1_000_000, viewTimeoutMax: 8_000_000, signatureScheme: "ed25519-native" },
      network: { latency: { min: 5_000, max: 40_000 }, dropRate: 0, duplicateRate: 0, links: [] },
      invariants: { maxReorgDepth: 2, livenessBound: 5_000_000 },
    });
  });

  it("round-trips every latency model and link override (property)", () => {
    const us = fc.integer({ min: 0, max: 1_000_000 });
    const latency = fc.oneof(
      fc.tuple(us, us).map(([a, b]) => ({ min: Math.min(a, b), max: Math.max(a, b) })),
      fc.record({ distribution: fc.constant("normal"), mean: us, stddev: us, min: us }),
      fc.record({ distribution: fc.constant("exponential"), min: us, mean: us }),
    );
    fc.assert(
      fc.property(latency, latency, fc.double({ min: 0, max: 1, noNaN: true }), (l1, l2, dropRate) => {
        const parsed = parseScenario({
          name: "p",
          seed: 3,
          duration: "2s",
          validators: { count: 4 },
          network: { latency: l1, dropRate, links: [{ from: "v0", to: "v1", latency: l2, symmetric: true }] },
        });
        expect(parseScenario(JSON.parse(JSON.stringify(scenarioToJson(parsed))))).toEqual(parsed);
      }),
      { numRuns: 60 },
    );
  });

  it("refuses a viewTimeoutMax below viewTimeout, naming the field", () => {
    expect(() => parseScenario({ name: "x", seed: 1, duration: "1s", validators: { count: 4, viewTimeout: "2s", viewTimeoutMax: "1s" } })).toThrow(
      new InputError("validators.viewTimeoutMax", `must be at least viewTimeout, got "1s"`),
    );
  });
});
