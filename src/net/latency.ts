/**
 * Link latency models. A latency is drawn per message, so messages on one link
 * overtake each other whenever the spread allows: that is the network's jitter
 * and reordering.
 */
import type { Rng } from "../sim/rng.js";

/**
 * How long a message spends on a link, in microseconds.
 * - `uniform`: uniform in [minUs, maxUs];
 * - `normal`: mean and standard deviation, clamped to at least `minUs`;
 * - `exponential`: `minUs` plus an exponential tail with mean `meanUs`.
 */
export type LatencyModel =
  | { kind: "uniform"; minUs: number; maxUs: number }
  | { kind: "normal"; meanUs: number; stddevUs: number; minUs: number }
  | { kind: "exponential"; minUs: number; meanUs: number };

/** Draws one latency in integer microseconds (>= 0). */
export function sampleLatencyUs(model: LatencyModel, rng: Rng): number {
  switch (model.kind) {
    case "uniform":
      return rng.intBetween(model.minUs, model.maxUs);
    case "normal":
      return Math.max(model.minUs, Math.round(rng.normal(model.meanUs, model.stddevUs)));
    case "exponential":
      return model.minUs + Math.round(rng.exponential(model.meanUs));
  }
}
