/**
 * The world's own scenario sections: the network, background storage faults,
 * clocks and the phases of a run. Every system shares them.
 */
import { z } from "zod";
import { drift, latency, nodeName, positiveDuration, probability, signedDuration, duration } from "../config/fields.js";

const link = z.strictObject({
  from: nodeName,
  to: nodeName,
  latency: latency.optional(),
  dropRate: probability.optional(),
  duplicateRate: probability.optional(),
  /** Also apply the override to `to -> from`. */
  symmetric: z.boolean().default(false),
});

/** Background storage faults of every validator's disk (see `storage/sim-disk.ts`). */
const STORAGE_DEFAULTS = { corruptRate: 0, tornWriteRate: 0 };
const storage = z.strictObject({
  /** Probability that a value written by a sync is stored with one flipped bit. */
  corruptRate: probability.default(0),
  /** Probability that a validator's crash tears one write. */
  tornWriteRate: probability.default(0),
});

/** Validators' clocks (see `sim/host.ts`): per-node skew and drift, and background pauses. */
const CLOCKS_DEFAULTS = { nodes: {}, pauseRate: 0, pauseDurationMax: 500_000 };
const clocks = z.strictObject({
  /** Per validator: `{ skew, drift }` from time 0. */
  nodes: z.record(nodeName, z.strictObject({ skew: signedDuration.default(0), drift: drift.default(0) })).default({}),
  /** Pauses per validator per second of virtual time (Poisson); 0: none. */
  pauseRate: z.number().min(0, "must be >= 0").max(100, "must be at most 100").default(0),
  /** Each background pause lasts a uniform time in (0, pauseDurationMax]. */
  pauseDurationMax: positiveDuration.default(CLOCKS_DEFAULTS.pauseDurationMax),
});

/** A safety phase (faults) and then a liveness phase (every fault stopped). */
const PHASES_DEFAULTS = { safetyOnly: false, continueAfterViolation: false };
const phases = z.strictObject({
  /** From this time on every fault stops and progress must resume within livenessBound. */
  livenessAt: duration.optional(),
  /** Any fault load, no liveness verdict (liveness reported as skipped). Also `run --safety-only`. */
  safetyOnly: z.boolean().default(false),
  /**
   * A safety violation is recorded (the first one is the run's violation, with
   * its time; the exit code is the same) but the run goes on to its end, and
   * every checker gives its verdict then. A node error still stops the run.
   */
  continueAfterViolation: z.boolean().default(false),
});

/** The network: default link behaviour and per-link overrides. */
export const networkSection = z
  .strictObject({
    latency: latency.default({ kind: "uniform", minUs: 5_000, maxUs: 40_000 }),
    dropRate: probability.default(0),
    duplicateRate: probability.default(0),
    links: z.array(link).default([]),
  })
  .default({ latency: { kind: "uniform", minUs: 5_000, maxUs: 40_000 }, dropRate: 0, duplicateRate: 0, links: [] });

/** The world's sections (zod shape). */
export const WORLD_SECTIONS = {
  network: networkSection,
  storage: storage.default(STORAGE_DEFAULTS),
  clocks: clocks.default(CLOCKS_DEFAULTS),
  phases: phases.default(PHASES_DEFAULTS),
};
