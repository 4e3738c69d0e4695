/**
 * Field types shared by every scenario section and the real-mode node config:
 * durations (integers of microseconds, or strings with a unit, see
 * `duration.ts`), probabilities, node names and latency models, as zod
 * schemas. A section of a system builds its schema from these, so every
 * duration in every file reads the same way and every error names its field.
 */
import { z } from "zod";
import type { LatencyModel } from "../net/latency.js";
import { parseDurationUs } from "./duration.js";

/** A duration field, parsed to integer microseconds. */
export const duration = z.unknown().transform((value, ctx): number => {
  const parsed = parseDurationUs(value);
  if (typeof parsed === "string") {
    ctx.addIssue({ code: "custom", message: parsed });
    return z.NEVER;
  }
  return parsed;
});

/** A duration that may be negative (a clock skew): a duration, or one with a leading "-". */
export const signedDuration = z.unknown().transform((value, ctx): number => {
  const negative = (typeof value === "string" && value.trim().startsWith("-")) || (typeof value === "number" && value < 0);
  const magnitude = typeof value === "string" && negative ? value.trim().slice(1) : typeof value === "number" ? Math.abs(value) : value;
  const parsed = parseDurationUs(magnitude);
  if (typeof parsed === "string") {
    ctx.addIssue({ code: "custom", message: parsed });
    return z.NEVER;
  }
  return negative ? -parsed : parsed;
});

/** A duration greater than zero, microseconds. */
export const positiveDuration = duration.refine((us) => us > 0, { message: "must be greater than zero" });
/** A probability in [0, 1]. */
export const probability = z.number().min(0, "must be between 0 and 1").max(1, "must be between 0 and 1");
/** A node name as the scenario writes it (`v0`, `c1`, `poster`, `r1/v2`). */
export const nodeName = z.string().min(1, "must be a node name such as v0");
/** Clock drift: the node's clock runs at 1 + drift times virtual time. */
export const drift = z.number().gt(-0.5, "must be greater than -0.5").lt(0.5, "must be less than 0.5");

/** Latency: `{ min, max }` (uniform), or `{ distribution: "normal", mean, stddev, min? }`, or `{ distribution: "exponential", min, mean }`. */
export const latency = z
  .strictObject({
    distribution: z.enum(["uniform", "normal", "exponential"]).optional(),
    min: duration.optional(),
    max: duration.optional(),
    mean: duration.optional(),
    stddev: duration.optional(),
  })
  .transform((l, ctx): LatencyModel => {
    const need = (field: "min" | "max" | "mean" | "stddev"): number => {
      const value = l[field];
      if (value === undefined) {
        ctx.addIssue({ code: "custom", message: `required for the ${l.distribution ?? "uniform"} distribution`, path: [field] });
        return 0;
      }
      return value;
    };
    const refuse = (field: "max" | "mean" | "stddev"): void => {
      if (l[field] !== undefined) ctx.addIssue({ code: "custom", message: `not used by the ${l.distribution ?? "uniform"} distribution`, path: [field] });
    };
    switch (l.distribution ?? "uniform") {
      case "uniform": {
        const minUs = need("min");
        const maxUs = need("max");
        refuse("mean");
        refuse("stddev");
        if (maxUs < minUs) ctx.addIssue({ code: "custom", message: "must be at least min", path: ["max"] });
        return { kind: "uniform", minUs, maxUs };
      }
      case "normal":
        refuse("max");
        return { kind: "normal", meanUs: need("mean"), stddevUs: need("stddev"), minUs: l.min ?? 0 };
      case "exponential":
        refuse("max");
        refuse("stddev");
        return { kind: "exponential", minUs: need("min"), meanUs: need("mean") };
    }
  });
