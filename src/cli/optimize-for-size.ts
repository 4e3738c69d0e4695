/**
 * V8's "optimize for size" mode for the CLI's long runs (`--optimize-for-size
 * auto|always|never`, a program-level option of every command).
 *
 * In this mode V8 shrinks its young generation and returns free heap pages
 * after its collections instead of keeping them for later, which a
 * simulation (one synchronous job that never idles, so V8's idle-time memory
 * reducer never runs) otherwise never does. It costs time: the young
 * generation is collected more often and more objects are promoted (setting
 * it after warm-up cost about the same in one comparison, which points at the
 * collector rather than the compiler). Measured on `run quickstart` (2 cores, Node 20), 3 alternating
 * pairs of 240 simulated s: 230-232 MB peak resident set against 289-299 MB,
 * for 12 to 37% more wall time (27% on average); over 600 s, 251-278 MB
 * against 320-338 MB. So by default (`auto`) it is on only for runs of at
 * least {@link OPTIMIZE_FOR_SIZE_AUTO_FROM_US} simulated microseconds, those
 * that would pass 300 MB without it. V8 reads the flag at every collection
 * and compilation, so it can be set after start-up, when the
 * scenario's duration is known.
 * docs/performance.md, "Memory under 300 MB (session 25)", has the figures.
 */
import { setFlagsFromString } from "node:v8";
import { InputError } from "../config/errors.js";

/** When the CLI turns V8's optimize-for-size mode on. */
export type OptimizeForSize = "auto" | "always" | "never";

/** The values of `--optimize-for-size`. */
export const OPTIMIZE_FOR_SIZE_VALUES: readonly OptimizeForSize[] = ["auto", "always", "never"];

/**
 * With `auto`, runs of at least this many simulated microseconds (4 minutes) turn the mode on.
 * Below it quickstart stays under 300 MB without the mode (about 250 MB at 2 minutes, 300 MB at 5).
 */
export const OPTIMIZE_FOR_SIZE_AUTO_FROM_US = 240_000_000;

/**
 * The `--optimize-for-size` option's value.
 * @throws InputError when the text is not one of {@link OPTIMIZE_FOR_SIZE_VALUES}
 */
export function parseOptimizeForSize(text: string): OptimizeForSize {
  const value = text.trim();
  if (!(OPTIMIZE_FOR_SIZE_VALUES as readonly string[]).includes(value)) {
    throw new InputError("--optimize-for-size", `must be one of ${OPTIMIZE_FOR_SIZE_VALUES.join(", ")}, got ${JSON.stringify(text)}`);
  }
  return value as OptimizeForSize;
}

/**
 * Whether the mode belongs on for a run of `durationUs` simulated microseconds under `mode`.
 * @param durationUs the run's simulated duration, microseconds (for explore: one seed's)
 */
export function optimizeForSizeWanted(mode: OptimizeForSize, durationUs: number): boolean {
  if (mode === "always") return true;
  if (mode === "never") return false;
  return durationUs >= OPTIMIZE_FOR_SIZE_AUTO_FROM_US;
}

/** The mode the program-level option chose (`never` until the CLI's hook sets it: library callers are left alone). */
let chosen: OptimizeForSize = "never";
/** Whether this module has turned the mode on in this process (until {@link endOptimizeForSize}). */
let turnedOn = false;

/**
 * Records the program-level choice; `always` turns the mode on at once (for commands that run no scenario too).
 * `never` leaves V8's setting as the process started with it (off unless node was given `--optimize-for-size`).
 * Process-wide: V8's flags are shared by the process's worker threads.
 */
export function chooseOptimizeForSize(mode: OptimizeForSize): void {
  chosen = mode;
  if (mode === "always" && !turnedOn) {
    setFlagsFromString("--optimize-for-size");
    turnedOn = true;
  }
}

/**
 * Called by a command before it runs scenarios of `durationUs` simulated microseconds each:
 * turns the mode on when the chosen policy wants it for such runs (it stays on until the command ends: {@link endOptimizeForSize}).
 * @param note where to say so (the CLI's stderr), the first time this process turns it on (only `auto` gets here: `always` turned it on when chosen)
 * @returns whether the mode is on for this run
 */
export function optimizeForSizeBeforeRun(durationUs: number, note?: (line: string) => void): boolean {
  const on = optimizeForSizeWanted(chosen, durationUs);
  if (on && !turnedOn) {
    setFlagsFromString("--optimize-for-size");
    turnedOn = true;
    note?.(`note: V8's optimize-for-size mode is on for runs of ${OPTIMIZE_FOR_SIZE_AUTO_FROM_US / 60e6} simulated minutes or more (less memory, about a quarter slower; --optimize-for-size never turns it off)`);
  }
  return on;
}

/**
 * Called when a CLI command ends (`main`'s `finally`): turns the mode off again if this module turned it on,
 * and forgets the choice, so that a program calling the CLI's `main` in-process (a test, a bench, a library
 * user) is not left in a mode that makes everything after it about a quarter slower. A mode node was
 * started with (`node --optimize-for-size`) is left alone: this module never turned it on. V8 reads the
 * flag at each collection, but a heap shrunk under the mode regrows only over later collections: a child
 * process allocating after `main` returned peaked at 117-175 MB of committed heap, against 159-217 MB with
 * the mode never on and 69-90 MB with it on (`test/helpers/peak-heap.ts`'s load, 8 runs each).
 */
export function endOptimizeForSize(): void {
  if (turnedOn) setFlagsFromString("--no-optimize-for-size");
  turnedOn = false;
  chosen = "never";
}

/** Whether this module has the mode on now (for tests). */
export function optimizeForSizeTurnedOn(): boolean {
  return turnedOn;
}
