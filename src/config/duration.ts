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
  // Exact decimal arithmetic: "4.1h" must be 14 760 000 000 us, not a float a hair off it.
  const [whole, fraction = ""] = match[1]!.split(".");
  const unitUs = BigInt(UNIT_US[match[2]!]!);
  const scale = 10n ** BigInt(fraction.length);
  const scaled = (BigInt(whole!) * scale + BigInt(fraction === "" ? "0" : fraction)) * unitUs;
  if (scaled % scale !== 0n) return `duration ${JSON.stringify(value)} is not a whole number of microseconds`;
  const us = scaled / scale;
  if (us > BigInt(Number.MAX_SAFE_INTEGER)) return `duration ${JSON.stringify(value)} is too long`;
  return Number(us);
}

/** Formats microseconds for people, exactly (it parses back): `"250ms"`, `"1.5s"`, `"800us"`. */
export function formatDurationUs(us: number): string {
  if (us >= 1_000_000) return withUnit(us, 1_000_000, 6, "s");
  if (us >= 1_000) return withUnit(us, 1_000, 3, "ms");
  return `${us}us`;
}

function withUnit(us: number, unitUs: number, digits: number, suffix: string): string {
  let whole = Math.floor(us / unitUs);
  if (whole * unitUs > us) whole--; // the float division rounded up
  const fraction = String(us - whole * unitUs).padStart(digits, "0").replace(/0+$/, "");
  return `${whole}${fraction === "" ? "" : `.${fraction}`}${suffix}`;
}
