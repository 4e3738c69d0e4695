/**
 * How far V8 lets the old generation grow past the live heap before its next
 * major collection, set by the CLI for every command (`--heap-growth`).
 *
 * A simulation is one synchronous job that allocates fast and never idles, so
 * V8 sets each next old-generation limit at up to 4 times the live heap
 * (its growing factor for a small heap collected quickly), and its
 * idle-time memory reducer, which would shrink the heap, never runs: over
 * 10 simulated minutes of quickstart the committed heap grew to about 250 MB
 * around 50-80 MB of live data. A fixed factor of 1 + p/100
 * (`--heap-growing-percent`, read by V8 at every collection, so it can be set
 * after start-up) keeps the resident set flat for a few percent of CPU
 * (docs/performance.md, "Memory over ten simulated minutes").
 */
import { setFlagsFromString } from "node:v8";
import { InputError } from "../config/errors.js";

/** The default growth past the live heap, percent (the old generation may reach 1.3 times the live heap). */
export const HEAP_GROWTH_PERCENT_DEFAULT = 30;
/** The largest accepted value, percent (V8's own factor is at most 300). */
export const HEAP_GROWTH_PERCENT_MAX = 1_000;

/**
 * The `--heap-growth` option's value: an integer percent, 0 for V8's own adaptive factor.
 * @throws InputError when the text is not an integer from 0 to {@link HEAP_GROWTH_PERCENT_MAX}
 */
export function parseHeapGrowth(text: string): number {
  const value = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value > HEAP_GROWTH_PERCENT_MAX) {
    throw new InputError("--heap-growth", `must be an integer percent from 0 (V8's own factor) to ${HEAP_GROWTH_PERCENT_MAX}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** Whether {@link applyHeapGrowth} has set the factor in this process (until {@link endHeapGrowth}). */
let applied = false;

/**
 * Sets V8's heap growing factor for this process (its worker threads share it): 1 + `percent`/100,
 * or V8's adaptive factor for 0. Process-wide; a later call replaces an earlier one.
 * @param percent an integer from 0 to {@link HEAP_GROWTH_PERCENT_MAX}
 */
export function applyHeapGrowth(percent: number): void {
  if (!Number.isSafeInteger(percent) || percent < 0 || percent > HEAP_GROWTH_PERCENT_MAX) throw new RangeError(`heap growth ${percent} is not an integer percent from 0 to ${HEAP_GROWTH_PERCENT_MAX}`);
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  applied = true;
}

/**
 * Called when a CLI command ends (`main`'s `finally`): gives V8 its own adaptive factor back (0, the
 * value node starts with) if {@link applyHeapGrowth} set one, so that a program calling the CLI's `main`
 * in-process keeps no setting of the command's. A factor node was started with
 * (`node --heap-growing-percent=P`) cannot be read back, and is replaced by V8's own too.
 */
export function endHeapGrowth(): void {
  if (applied) setFlagsFromString("--heap-growing-percent=0");
  applied = false;
}
