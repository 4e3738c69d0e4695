import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDurationUs, parseDurationUs } from "../../src/config/duration.js";

describe("parseDurationUs", () => {
  it("parses strings with units", () => {
    expect(parseDurationUs("250ms")).toBe(250_000);
    expect(parseDurationUs("1.5s")).toBe(1_500_000);
    expect(parseDurationUs("800us")).toBe(800);
    expect(parseDurationUs("800µs")).toBe(800);
    expect(parseDurationUs("2m")).toBe(120_000_000);
    expect(parseDurationUs("1h")).toBe(3_600_000_000);
    expect(parseDurationUs("0s")).toBe(0);
    expect(parseDurationUs("0.1ms")).toBe(100);
    expect(parseDurationUs(" 10 ms ")).toBe(10_000);
  });

  it("passes non-negative integers through", () => {
    expect(parseDurationUs(0)).toBe(0);
    expect(parseDurationUs(250_000)).toBe(250_000);
    expect(parseDurationUs(Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("returns an error string for bad numbers", () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) expect(typeof parseDurationUs(bad)).toBe("string");
  });

  it("returns an error string for bad strings and other types", () => {
    for (const bad of ["", "ms", "250", "250 sec", "-5ms", "1e3ms", "1.ms", ".5s", "5 m s", "abc", "250MS"]) {
      const r = parseDurationUs(bad);
      expect(typeof r, bad).toBe("string");
    }
    for (const bad of [null, undefined, {}, [], true]) expect(typeof parseDurationUs(bad)).toBe("string");
  });

  it("rejects a duration that is not a whole number of microseconds", () => {
    expect(typeof parseDurationUs("0.5us")).toBe("string");
    expect(typeof parseDurationUs("1.0005ms")).toBe("string");
    expect(parseDurationUs("1.001ms")).toBe(1_001);
  });

  it("property: an integer with a unit parses to integer * unit", () => {
    const units: [string, number][] = [
      ["us", 1],
      ["ms", 1_000],
      ["s", 1_000_000],
      ["m", 60_000_000],
      ["h", 3_600_000_000],
    ];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom(...units), (n, [unit, factor]) => {
        expect(parseDurationUs(`${n}${unit}`)).toBe(n * factor);
      }),
      { numRuns: 100 },
    );
  });

  // Bounded to 10^10 us (about 2.8 h): above that the bug below makes it fail.
  it("property: formatDurationUs output parses back to the same value", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (us) => {
        expect(parseDurationUs(formatDurationUs(us))).toBe(us);
      }),
      { numRuns: 100 },
    );
  });
});

// Regression: a float product with an absolute tolerance once rejected exact large durations (4.1 * 3_600_000_000 = 14760000000.000002).
describe("parseDurationUs: exact decimal durations of large magnitude", () => {
  it('"4.1h" is 14 760 000 000 us', () => {
    expect(parseDurationUs("4.1h")).toBe(14_760_000_000);
  });
  it('"256.1m" is 15 366 000 000 us', () => {
    expect(parseDurationUs("256.1m")).toBe(15_366_000_000);
  });
  it("formatDurationUs(68143991231) parses back", () => {
    expect(parseDurationUs(formatDurationUs(68_143_991_231))).toBe(68_143_991_231);
  });
});

describe("formatDurationUs", () => {
  it("picks a readable unit", () => {
    expect(formatDurationUs(250_000)).toBe("250ms");
    expect(formatDurationUs(1_500_000)).toBe("1.5s");
    expect(formatDurationUs(800)).toBe("800us");
  });
});
