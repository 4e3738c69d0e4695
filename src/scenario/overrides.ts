/**
 * Command-line overrides of a raw scenario (`--seed`, `--duration`). A shorter
 * duration drops the fault actions that would fire after the new end, so a
 * user can cut any scenario short; the caller reports how many were dropped.
 */
import { parseDurationUs } from "../config/duration.js";

/** Overrides to apply; absent fields leave the scenario as it is. */
export interface ScenarioOverrides {
  seed?: number;
  /** New duration, microseconds. */
  durationUs?: number;
  /** `--safety-only`: sets `phases.safetyOnly` (any fault load, liveness skipped). */
  safetyOnly?: boolean;
}

/**
 * Returns a copy of `raw` with the overrides applied.
 * @returns the new raw scenario and the number of fault actions dropped
 */
export function applyOverrides(raw: Readonly<Record<string, unknown>>, overrides: ScenarioOverrides): { raw: Record<string, unknown>; droppedFaults: number } {
  const out: Record<string, unknown> = { ...raw };
  let droppedFaults = 0;
  if (overrides.seed !== undefined) out.seed = overrides.seed;
  if (overrides.safetyOnly === true) {
    const phases = typeof raw.phases === "object" && raw.phases !== null ? (raw.phases as Record<string, unknown>) : {};
    out.phases = { ...phases, safetyOnly: true };
  }
  if (overrides.durationUs !== undefined) {
    const end = overrides.durationUs;
    out.duration = end;
    if (Array.isArray(raw.faults)) {
      const kept = raw.faults.filter((fault: unknown) => {
        const at = typeof fault === "object" && fault !== null ? parseDurationUs((fault as Record<string, unknown>).at) : undefined;
        return typeof at !== "number" || at <= end;
      });
      droppedFaults = raw.faults.length - kept.length;
      out.faults = kept;
    }
  }
  return { raw: out, droppedFaults };
}
