import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sampleLatencyUs, type LatencyModel } from "../../src/net/latency.js";
import { createRng } from "../../src/sim/rng.js";

const samples = (model: LatencyModel, seed = 1, n = 2000): number[] => {
  const rng = createRng(seed, "latency");
  return Array.from({ length: n }, () => sampleLatencyUs(model, rng));
};

describe("sampleLatencyUs", () => {
  it("uniform: integers within [min, max], both ends reachable", () => {
    const xs = samples({ kind: "uniform", minUs: 10, maxUs: 13 });
    for (const x of xs) {
      expect(Number.isInteger(x)).toBe(true);
      expect(x).toBeGreaterThanOrEqual(10);
      expect(x).toBeLessThanOrEqual(13);
    }
    expect(new Set(xs)).toEqual(new Set([10, 11, 12, 13]));
  });

  it("uniform with min = max is constant", () => {
    expect(new Set(samples({ kind: "uniform", minUs: 500, maxUs: 500 }, 1, 100))).toEqual(new Set([500]));
  });

  it("property: uniform samples stay within bounds", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000_000 }), (seed, min, span) => {
        for (const x of samples({ kind: "uniform", minUs: min, maxUs: min + span }, seed, 50)) {
          expect(Number.isInteger(x)).toBe(true);
          expect(x).toBeGreaterThanOrEqual(min);
          expect(x).toBeLessThanOrEqual(min + span);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("normal: integers, never below min (clamped), centred on the mean", () => {
    const model: LatencyModel = { kind: "normal", meanUs: 1_000, stddevUs: 800, minUs: 200 };
    const xs = samples(model, 2, 5000);
    for (const x of xs) {
      expect(Number.isInteger(x)).toBe(true);
      expect(x).toBeGreaterThanOrEqual(200);
    }
    expect(xs.filter((x) => x === 200).length).toBeGreaterThan(0); // the clamp is hit
    const median = [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    expect(Math.abs(median - 1_000)).toBeLessThan(100);
  });

  it("exponential: integers, at least min, with mean about min + meanUs", () => {
    const xs = samples({ kind: "exponential", minUs: 300, meanUs: 2_000 }, 3, 5000);
    for (const x of xs) {
      expect(Number.isInteger(x)).toBe(true);
      expect(x).toBeGreaterThanOrEqual(300);
    }
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean).toBeGreaterThan(2_100);
    expect(mean).toBeLessThan(2_500);
  });

  it("property: every model's samples are >= its min", () => {
    const model: fc.Arbitrary<LatencyModel> = fc.oneof(
      fc.record({ kind: fc.constant("uniform" as const), minUs: fc.integer({ min: 0, max: 100_000 }), maxUs: fc.integer({ min: 0, max: 100_000 }) }).map((m) => ({
        ...m,
        maxUs: m.minUs + m.maxUs,
      })),
      fc.record({
        kind: fc.constant("normal" as const),
        meanUs: fc.integer({ min: 0, max: 100_000 }),
        stddevUs: fc.integer({ min: 0, max: 100_000 }),
        minUs: fc.integer({ min: 0, max: 100_000 }),
      }),
      fc.record({ kind: fc.constant("exponential" as const), minUs: fc.integer({ min: 0, max: 100_000 }), meanUs: fc.integer({ min: 0, max: 100_000 }) }),
    );
    fc.assert(
      fc.property(model, fc.integer(), (m, seed) => {
        for (const x of samples(m, seed, 50)) {
          expect(Number.isInteger(x)).toBe(true);
          expect(x).toBeGreaterThanOrEqual(m.minUs);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("is deterministic for a given stream", () => {
    const m: LatencyModel = { kind: "exponential", minUs: 0, meanUs: 1000 };
    expect(samples(m, 9, 50)).toEqual(samples(m, 9, 50));
    expect(samples(m, 9, 50)).not.toEqual(samples(m, 10, 50));
  });
});
