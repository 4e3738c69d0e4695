import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ceilDiv, depositQuote, isqrt, swapOutput, withdrawQuote } from "../../src/vm/pool-math.js";
import { U64_MAX, type PoolState } from "../../src/vm/types.js";

const pool = (reserveA: bigint, reserveB: bigint, totalShares: bigint, feeBps = 30): PoolState => ({
  assetA: "A",
  assetB: "B",
  reserveA,
  reserveB,
  totalShares,
  feeBps,
});

describe("isqrt", () => {
  it("matches the floor of the square root for 0..2000", () => {
    for (let n = 0; n <= 2000; n++) expect(isqrt(BigInt(n))).toBe(BigInt(Math.floor(Math.sqrt(n))));
  });

  it("is exact at perfect squares and one below them, up to 2^128", () => {
    for (const r of [1n, 2n, 3n, 255n, 256n, 65_535n, 1n << 32n, U64_MAX - 1n, U64_MAX]) {
      expect(isqrt(r * r)).toBe(r);
      expect(isqrt(r * r - 1n)).toBe(r - 1n);
      expect(isqrt(r * r + 2n * r)).toBe(r); // (r + 1)^2 - 1
    }
    expect(isqrt(U64_MAX * U64_MAX)).toBe(U64_MAX);
  });

  it("throws on a negative argument", () => {
    expect(() => isqrt(-1n)).toThrow(RangeError);
  });

  it("property: r * r <= n < (r + 1)^2", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 130n) - 1n }), (n) => {
        const r = isqrt(n);
        expect(r * r <= n).toBe(true);
        expect((r + 1n) * (r + 1n) > n).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe("ceilDiv", () => {
  it("rounds up, and is exact on multiples", () => {
    expect(ceilDiv(0n, 3n)).toBe(0n);
    expect(ceilDiv(1n, 3n)).toBe(1n);
    expect(ceilDiv(3n, 3n)).toBe(1n);
    expect(ceilDiv(4n, 3n)).toBe(2n);
  });

  it("refuses a non-positive denominator or a negative numerator", () => {
    expect(() => ceilDiv(1n, 0n)).toThrow(RangeError);
    expect(() => ceilDiv(-1n, 2n)).toThrow(RangeError);
  });
});

describe("swapOutput", () => {
  it("follows the fee-adjusted constant-product formula", () => {
    // 10 000 in at 0.3 % against 2 000 000 / 1 000 000: floor(99 700 000 * 1e6 / (2e10 + 99 700 000)).
    expect(swapOutput(10_000n, 2_000_000n, 1_000_000n, 30)).toBe(4960n);
    // No fee: floor(100 * 1000 / 1100).
    expect(swapOutput(100n, 1000n, 1000n, 0)).toBe(90n);
    expect(swapOutput(0n, 1000n, 1000n, 30)).toBe(0n);
    expect(swapOutput(1n, 1000n, 1000n, 30)).toBe(0n);
  });

  it("refuses empty reserves and out-of-range arguments", () => {
    expect(() => swapOutput(1n, 0n, 10n, 30)).toThrow(RangeError);
    expect(() => swapOutput(1n, 10n, 0n, 30)).toThrow(RangeError);
    expect(() => swapOutput(-1n, 10n, 10n, 30)).toThrow(RangeError);
    expect(() => swapOutput(1n, 10n, 10n, 10_001)).toThrow(RangeError);
  });

  it("property: the output stays below the reserve and k never decreases", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: U64_MAX }),
        fc.bigInt({ min: 1n, max: U64_MAX }),
        fc.bigInt({ min: 1n, max: U64_MAX }),
        fc.integer({ min: 0, max: 1000 }),
        (amountIn, reserveIn, reserveOut, feeBps) => {
          const out = swapOutput(amountIn, reserveIn, reserveOut, feeBps);
          expect(out >= 0n && out < reserveOut).toBe(true);
          expect((reserveIn + amountIn) * (reserveOut - out) >= reserveIn * reserveOut).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("depositQuote", () => {
  it("first deposit: isqrt(a * b) shares, both amounts taken whole", () => {
    expect(depositQuote(pool(0n, 0n, 0n), 4000n, 9000n)).toEqual({ shares: 6000n, takenA: 4000n, takenB: 9000n });
    expect(depositQuote(pool(0n, 0n, 0n), 0n, 9000n)).toEqual({ shares: 0n, takenA: 0n, takenB: 9000n });
  });

  it("later deposit: the smaller proportional share count, amounts rounded up", () => {
    // 1001 * 6000 / 9000 = 667.3 -> 667 shares; 667 * 9000 / 6000 = 1000.5 -> 1001; 667 * 4000 / 6000 = 444.7 -> 445.
    expect(depositQuote(pool(9000n, 4000n, 6000n), 1001n, 1000n)).toEqual({ shares: 667n, takenA: 1001n, takenB: 445n });
    expect(depositQuote(pool(9000n, 4000n, 6000n), 1n, 1000n)).toEqual({ shares: 0n, takenA: 0n, takenB: 0n });
  });

  it("refuses a pool with shares but an empty reserve, and negative amounts", () => {
    expect(() => depositQuote(pool(0n, 10n, 5n), 1n, 1n)).toThrow(RangeError);
    expect(() => depositQuote(pool(0n, 0n, 0n), -1n, 1n)).toThrow(RangeError);
  });

  it("property: never takes more than offered, and a share never loses value", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: U64_MAX }),
        fc.bigInt({ min: 1n, max: U64_MAX }),
        fc.bigInt({ min: 1n, max: U64_MAX }),
        fc.bigInt({ min: 0n, max: U64_MAX }),
        fc.bigInt({ min: 0n, max: U64_MAX }),
        (reserveA, reserveB, totalShares, amountA, amountB) => {
          const q = depositQuote(pool(reserveA, reserveB, totalShares), amountA, amountB);
          expect(q.takenA <= amountA && q.takenB <= amountB).toBe(true);
          // (reserveA + takenA) / (T + shares) >= reserveA / T, and likewise for B.
          expect((reserveA + q.takenA) * totalShares >= reserveA * (totalShares + q.shares)).toBe(true);
          expect((reserveB + q.takenB) * totalShares >= reserveB * (totalShares + q.shares)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("withdrawQuote", () => {
  it("pays each reserve's share, rounded down; all shares empty the pool", () => {
    expect(withdrawQuote(pool(9000n, 4000n, 6000n), 1000n)).toEqual({ outA: 1500n, outB: 666n });
    expect(withdrawQuote(pool(9000n, 4000n, 6000n), 6000n)).toEqual({ outA: 9000n, outB: 4000n });
    expect(withdrawQuote(pool(9000n, 4000n, 6000n), 0n)).toEqual({ outA: 0n, outB: 0n });
  });

  it("refuses more shares than outstanding", () => {
    expect(() => withdrawQuote(pool(9000n, 4000n, 6000n), 6001n)).toThrow(RangeError);
    expect(() => withdrawQuote(pool(9000n, 4000n, 6000n), -1n)).toThrow(RangeError);
  });
});
