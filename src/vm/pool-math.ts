/**
 * Integer arithmetic of the constant-product pools, free of ledger access:
 * the integer square root, the swap output and the liquidity quotes. Every
 * function rounds in the pool's favour, so rounding never moves value from
 * the pool's liquidity providers to the caller.
 *
 * The formulas follow Uniswap v2 (H. Adams, N. Zinsmeister, D. Robinson,
 * "Uniswap v2 Core", 2020): the first deposit mints sqrt(a * b) shares
 * (section 3.4), later deposits mint shares in proportion to the reserves,
 * and a swap keeps (reserveIn + amountIn) * (reserveOut - out) >= k with the
 * fee deducted from the input (section 3.2.1, `getAmountOut` generalised from
 * 997/1000 to a fee in basis points).
 */
import type { PoolState } from "./types.js";

/** Basis points in one whole: fees are `feeBps / BPS_DENOMINATOR`. */
export const BPS_DENOMINATOR = 10_000n;

/**
 * The integer square root: the largest r with r * r <= n, by Newton's
 * iteration from a power of two above the root (the iterates then decrease
 * monotonically to the floor of the root).
 * @throws RangeError when n is negative
 */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError(`isqrt of a negative number: ${n}`);
  if (n < 2n) return n;
  // n < 2^bits, so sqrt(n) < 2^ceil(bits / 2): the start is above the root.
  const bits = BigInt(n.toString(2).length);
  let x = 1n << ((bits + 1n) / 2n);
  let y = (x + n / x) >> 1n;
  while (y < x) {
    x = y;
    y = (x + n / x) >> 1n;
  }
  return x;
}

/**
 * The quotient rounded up.
 * @throws RangeError when `denominator` is not positive or `numerator` is negative
 */
export function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError(`ceilDiv: denominator must be positive, got ${denominator}`);
  if (numerator < 0n) throw new RangeError(`ceilDiv: numerator must not be negative, got ${numerator}`);
  return (numerator + denominator - 1n) / denominator;
}

/**
 * What a swap of `amountIn` pays out: `inWithFee * reserveOut / (reserveIn * 10000 + inWithFee)`
 * rounded down, with `inWithFee = amountIn * (10000 - feeBps)`. The whole `amountIn`
 * (fee included) enters the pool, so k = reserveIn * reserveOut never decreases.
 * @param feeBps the pool's fee, 0..10000 basis points
 * @returns an amount strictly below `reserveOut` (0 when `amountIn` is too small)
 * @throws RangeError when a reserve is zero or an argument is negative
 */
export function swapOutput(amountIn: bigint, reserveIn: bigint, reserveOut: bigint, feeBps: number): bigint {
  if (reserveIn <= 0n || reserveOut <= 0n) throw new RangeError(`swapOutput: reserves must be positive, got ${reserveIn} and ${reserveOut}`);
  if (amountIn < 0n) throw new RangeError(`swapOutput: amountIn must not be negative, got ${amountIn}`);
  const fee = BigInt(feeBps);
  if (fee < 0n || fee > BPS_DENOMINATOR) throw new RangeError(`swapOutput: feeBps out of range: ${feeBps}`);
  const inWithFee = amountIn * (BPS_DENOMINATOR - fee);
  return (inWithFee * reserveOut) / (reserveIn * BPS_DENOMINATOR + inWithFee);
}

/** The shares a deposit mints and the amounts it takes, in the pool's asset order. */
export interface DepositQuote {
  readonly shares: bigint;
  /** Taken of `pool.assetA`: at most the amount offered. */
  readonly takenA: bigint;
  /** Taken of `pool.assetB`: at most the amount offered. */
  readonly takenB: bigint;
}

/**
 * The quote for depositing up to `amountA` of `pool.assetA` and `amountB` of `pool.assetB`.
 *
 * The first deposit (no shares outstanding) mints `isqrt(amountA * amountB)`
 * shares and takes both amounts whole. Unlike Uniswap v2 no minimum liquidity
 * is locked away: that lock defends against share-price inflation by tokens
 * donated straight to the pool contract, and here nothing reaches a pool's
 * reserves except through its own instructions.
 *
 * A later deposit mints `min(amountA * T / reserveA, amountB * T / reserveB)`
 * shares (rounded down) and takes `ceil(shares * reserve / T)` of each asset
 * (rounded up, never more than offered), so a share never loses value.
 * @returns the quote; `shares` may be 0 (the caller refuses it)
 * @throws RangeError when shares are outstanding but a reserve is zero (a corrupt pool), or an amount is negative
 */
export function depositQuote(pool: PoolState, amountA: bigint, amountB: bigint): DepositQuote {
  if (amountA < 0n || amountB < 0n) throw new RangeError(`depositQuote: negative amount ${amountA}, ${amountB}`);
  const total = pool.totalShares;
  if (total === 0n) return { shares: isqrt(amountA * amountB), takenA: amountA, takenB: amountB };
  if (pool.reserveA <= 0n || pool.reserveB <= 0n) {
    throw new RangeError(`depositQuote: pool ${pool.assetA}/${pool.assetB} has ${total} shares but reserves ${pool.reserveA}, ${pool.reserveB}`);
  }
  const sharesByA = (amountA * total) / pool.reserveA;
  const sharesByB = (amountB * total) / pool.reserveB;
  const shares = sharesByA < sharesByB ? sharesByA : sharesByB;
  const takenA = ceilDiv(shares * pool.reserveA, total);
  const takenB = ceilDiv(shares * pool.reserveB, total);
  // shares <= amount * T / reserve, so shares * reserve / T <= amount, and so is its ceiling.
  if (takenA > amountA || takenB > amountB) throw new Error(`depositQuote: takes more than offered (${takenA} > ${amountA} or ${takenB} > ${amountB})`);
  return { shares, takenA, takenB };
}

/** What burning pool shares pays out, in the pool's asset order. */
export interface WithdrawQuote {
  readonly outA: bigint;
  readonly outB: bigint;
}

/**
 * The quote for burning `shares` of `pool`: `shares * reserve / T` of each asset, rounded down.
 * @throws RangeError when `shares` is not in 0..totalShares
 */
export function withdrawQuote(pool: PoolState, shares: bigint): WithdrawQuote {
  if (shares < 0n || shares > pool.totalShares) throw new RangeError(`withdrawQuote: ${shares} shares of ${pool.totalShares}`);
  if (shares === 0n) return { outA: 0n, outB: 0n };
  return { outA: (shares * pool.reserveA) / pool.totalShares, outB: (shares * pool.reserveB) / pool.totalShares };
}
