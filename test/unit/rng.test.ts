import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRng } from "../../src/sim/rng.js";

const take = (seed: number, name: string, n = 16): number[] => {
  const rng = createRng(seed, name);
  return Array.from({ length: n }, () => rng.next());
};

describe("createRng", () => {
  it("gives the same stream for the same (seed, name)", () => {
    expect(take(42, "net")).toEqual(take(42, "net"));
    const a = createRng(7, "node/v0/0");
    const b = createRng(7, "node/v0/0");
    expect([a.int(1000), a.intBetween(-5, 5), [...a.bytes(8)], a.chance(0.5), a.exponential(3), a.normal(0, 1)]).toEqual([
      b.int(1000),
      b.intBetween(-5, 5),
      [...b.bytes(8)],
      b.chance(0.5),
      b.exponential(3),
      b.normal(0, 1),
    ]);
  });

  it("gives different streams for different names or seeds", () => {
    const base = take(42, "net");
    expect(take(42, "net2")).not.toEqual(base);
    expect(take(43, "net")).not.toEqual(base);
    expect(take(4, "2/net")).not.toEqual(take(42, "/net"));
  });

  it("property: distinct (seed, name) pairs give distinct streams", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.string({ maxLength: 8 }), fc.integer({ min: 1, max: 1000 }), (seed, name, delta) => {
        expect(take(seed + delta, name, 4)).not.toEqual(take(seed, name, 4));
        expect(take(seed, `${name}x`, 4)).not.toEqual(take(seed, name, 4));
      }),
      { numRuns: 50 },
    );
  });

  it("next is in [0, 1)", () => {
    const rng = createRng(1, "floats");
    for (let i = 0; i < 2000; i++) {
      const x = rng.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });

  it("property: int(max) is an integer in [0, max)", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 2 ** 40 }), (seed, max) => {
        const rng = createRng(seed, "int");
        for (let i = 0; i < 20; i++) {
          const v = rng.int(max);
          expect(Number.isInteger(v)).toBe(true);
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThan(max);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("property: intBetween(min, max) is an integer in [min, max]", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: 0, max: 1_000_000 }), (seed, min, span) => {
        const rng = createRng(seed, "between");
        const max = min + span;
        for (let i = 0; i < 20; i++) {
          const v = rng.intBetween(min, max);
          expect(Number.isInteger(v)).toBe(true);
          expect(v).toBeGreaterThanOrEqual(min);
          expect(v).toBeLessThanOrEqual(max);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("intBetween reaches both ends of a small range", () => {
    const rng = createRng(3, "ends");
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(rng.intBetween(2, 4));
    expect([...seen].sort()).toEqual([2, 3, 4]);
    expect(rng.intBetween(9, 9)).toBe(9);
    expect(rng.int(1)).toBe(0);
  });

  it("throws RangeError on bad arguments", () => {
    const rng = createRng(1, "bad");
    expect(() => rng.int(0)).toThrow(RangeError);
    expect(() => rng.int(-3)).toThrow(RangeError);
    expect(() => rng.int(Number.NaN)).toThrow(RangeError);
    expect(() => rng.intBetween(5, 4)).toThrow(RangeError);
  });

  it("bytes returns the requested length of byte values", () => {
    const rng = createRng(5, "bytes");
    for (const n of [0, 1, 31, 32, 100]) {
      const b = rng.bytes(n);
      expect(b).toBeInstanceOf(Uint8Array);
      expect(b.length).toBe(n);
    }
    const many = rng.bytes(4096);
    expect(new Set(many).size).toBeGreaterThan(200);
  });

  it("chance(0) is never true and chance(1) is always true", () => {
    const rng = createRng(9, "chance");
    for (let i = 0; i < 500; i++) {
      expect(rng.chance(0)).toBe(false);
      expect(rng.chance(1)).toBe(true);
    }
  });

  it("exponential is non-negative with roughly the requested mean", () => {
    const rng = createRng(11, "exp");
    let sum = 0;
    const n = 5000;
    for (let i = 0; i < n; i++) {
      const x = rng.exponential(10);
      expect(x).toBeGreaterThanOrEqual(0);
      sum += x;
    }
    expect(sum / n).toBeGreaterThan(9);
    expect(sum / n).toBeLessThan(11);
  });

  it("normal has roughly the requested mean and spread", () => {
    const rng = createRng(12, "normal");
    const n = 5000;
    const xs = Array.from({ length: n }, () => rng.normal(100, 5));
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    expect(Math.abs(mean - 100)).toBeLessThan(0.5);
    expect(Math.abs(sd - 5)).toBeLessThan(0.5);
    for (const x of xs) expect(Number.isFinite(x)).toBe(true);
  });
});
