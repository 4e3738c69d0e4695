/**
 * Background network kinds swarm testing turns on per seed: a drop rate, a
 * duplicate rate and a latency tail, written into the scenario's `network`
 * section (the larger of the scenario's own and the drawn rate).
 */
import type { BackgroundKind } from "../fault-kind.js";
import { round4, roundMs } from "./plan-checks.js";

type Network = { dropRate?: number; duplicateRate?: number; latency?: { min?: number } };

function network(raw: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...(raw.network as Record<string, unknown>) };
  raw.network = copy;
  return copy;
}

/** A background drop rate between 0.1% and 5%. */
export const dropKind: BackgroundKind = {
  name: "drop",
  summary: "raise the network's background drop rate",
  swarm: (ctx, rng) => {
    const own = (ctx.base.network as Network).dropRate ?? 0;
    const dropRate = Math.max(own, round4(0.001 + rng.next() * 0.049));
    return { patch: (raw) => void (network(raw).dropRate = dropRate), note: `drop ${dropRate}` };
  },
};

/** A background duplicate rate between 0.1% and 5%. */
export const duplicateKind: BackgroundKind = {
  name: "duplicate",
  summary: "raise the network's background duplicate rate",
  swarm: (ctx, rng) => {
    const own = (ctx.base.network as Network).duplicateRate ?? 0;
    const duplicateRate = Math.max(own, round4(0.001 + rng.next() * 0.049));
    return { patch: (raw) => void (network(raw).duplicateRate = duplicateRate), note: `duplicate ${duplicateRate}` };
  },
};

/** An exponential latency tail with a mean 10 to 100 ms above the scenario's minimum latency. */
export const latencyTailKind: BackgroundKind = {
  name: "latency-tail",
  summary: "give the network an exponential latency tail",
  swarm: (ctx, rng) => {
    const minUs = (ctx.base.network as Network).latency?.min ?? 0;
    const meanUs = roundMs(minUs + 10_000 + rng.next() * 90_000);
    return { patch: (raw) => void (network(raw).latency = { distribution: "exponential", min: minUs, mean: meanUs }), note: `latency-tail mean ${meanUs}us` };
  },
};

/** The background network kinds, in catalog order. */
export const NETWORK_BACKGROUND_KINDS: readonly BackgroundKind[] = [dropKind, duplicateKind, latencyTailKind];
