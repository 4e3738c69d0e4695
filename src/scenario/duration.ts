/**
 * Durations in scenario files: an integer of microseconds, or a string with a
 * unit: `us` (or `µs`), `ms`, `s`, `m`, `h`, e.g. `"250ms"`, `"1.5s"`, `"2m"`.
 */

const UNIT_US: Record<string, number> = { us: 1, µs: 1, ms: 1_000, s: 1_000_000, m: 60_000_000, h: 3_600_000_000 };
const PATTERN = /^(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|h)$/;

/**
 * Parses a duration to integer microseconds.
 * @returns the duration, or a string saying what is wrong
 */
export function parseDurationUs(value: unknown): number | string {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) return `expected a non-negative integer of microseconds, got ${value}`;
    return value;
  }
  if (typeof value !== "string") return `expected a duration such as "250ms" or an integer of microseconds`;
  const match = PATTERN.exec(value.trim());
  if (match === null) return `invalid duration ${JSON.stringify(value)} (use an integer of microseconds or a number with a unit: us, ms, s, m, h, e.g. "250ms")`;
  const us = Number(match[1]) * UNIT_US[match[2]!]!;
  const rounded = Math.round(us);
  if (Math.abs(us - rounded) > 1e-6 || !Number.isSafeInteger(rounded)) return `duration ${JSON.stringify(value)} is not a whole number of microseconds`;
  return rounded;
}

/** Formats microseconds for people: `"250ms"`, `"1.5s"`, `"800us"`. */
export function formatDurationUs(us: number): string {
  if (us >= 1_000_000 && us % 1000 === 0) return `${us / 1_000_000}s`;
  if (us >= 1_000 && us % 1 === 0) return `${us / 1_000}ms`;
  return `${us}us`;
}
