/**
 * Named random streams (DESIGN.md, determinism rule 1).
 *
 * Every stream is derived from `(master seed, stream name)`, so adding a node or
 * a fault creates a new stream instead of shifting every other one.
 */
import seedrandom from "seedrandom";

/** A seeded source of randomness. Never shared between nodes. */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, maxExclusive); throws RangeError if maxExclusive < 1. */
  int(maxExclusive: number): number;
  /** Uniform integer in [min, max] (both inclusive); throws RangeError if max < min. */
  intBetween(min: number, max: number): number;
  /** True with probability `p` (0 <= p <= 1). */
  chance(p: number): boolean;
  /** `length` uniformly random bytes. */
  bytes(length: number): Uint8Array;
  /** Exponentially distributed float with the given mean (for Poisson arrivals). */
  exponential(mean: number): number;
  /** Normally distributed float (Box-Muller). */
  normal(mean: number, stddev: number): number;
}

/**
 * Creates the stream named `name` of the run seeded with `seed`.
 *
 * Uses seedrandom's Alea generator, seeded with the string `"<seed>/<name>"`.
 */
export function createRng(seed: number, name: string): Rng {
  const prng = seedrandom.alea(`${seed}/${name}`);
  const next = (): number => prng();
  const int = (maxExclusive: number): number => {
    if (!(maxExclusive >= 1)) throw new RangeError(`rng.int: maxExclusive must be >= 1, got ${maxExclusive}`);
    return Math.floor(next() * maxExclusive);
  };
  return {
    next,
    int,
    intBetween(min, max) {
      if (max < min) throw new RangeError(`rng.intBetween: max ${max} < min ${min}`);
      return min + int(max - min + 1);
    },
    chance(p) {
      return p > 0 && next() < p;
    },
    bytes(length) {
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i++) out[i] = Math.floor(next() * 256);
      return out;
    },
    exponential(mean) {
      return -mean * Math.log(1 - next());
    },
    normal(mean, stddev) {
      const u1 = 1 - next();
      const u2 = next();
      return mean + stddev * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    },
  };
}
