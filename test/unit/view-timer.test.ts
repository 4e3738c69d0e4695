import { describe, expect, it } from "vitest";
import { ViewTimer } from "../../src/consensus/view-timer.js";

describe("ViewTimer", () => {
  it("starts at the base duration", () => {
    const t = new ViewTimer(1_000, 60_000);
    expect(t.durationUs).toBe(1_000);
    expect(t.expiries).toBe(0);
  });

  it("doubles on each expiry, capped at max", () => {
    const t = new ViewTimer(1_000, 10_000);
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      t.onExpired();
      seen.push(t.durationUs);
    }
    expect(seen).toEqual([2_000, 4_000, 8_000, 10_000, 10_000, 10_000]);
    expect(t.expiries).toBe(6);
  });

  it("stays at the cap (and finite) after very many expiries", () => {
    const t = new ViewTimer(3, 1e15);
    for (let i = 0; i < 2000; i++) t.onExpired();
    expect(t.durationUs).toBe(Math.min(1e15, 3 * 2 ** 30));
    expect(Number.isFinite(t.durationUs)).toBe(true);
  });

  it("resets to the base on progress", () => {
    const t = new ViewTimer(500, 100_000);
    t.onExpired();
    t.onExpired();
    expect(t.durationUs).toBe(2_000);
    t.onProgress();
    expect(t.durationUs).toBe(500);
    expect(t.expiries).toBe(0);
    t.onExpired();
    expect(t.durationUs).toBe(1_000);
  });

  it("base equal to max is allowed and never grows", () => {
    const t = new ViewTimer(7, 7);
    t.onExpired();
    expect(t.durationUs).toBe(7);
  });

  it("throws RangeError on bad config", () => {
    expect(() => new ViewTimer(0, 10)).toThrow(RangeError);
    expect(() => new ViewTimer(-1, 10)).toThrow(RangeError);
    expect(() => new ViewTimer(10, 9)).toThrow(RangeError);
    expect(() => new ViewTimer(Number.NaN, 10)).toThrow(RangeError);
    expect(() => new ViewTimer(10, Number.NaN)).toThrow(RangeError);
  });
});
