/** `--heap-growth`: a percent from 0 to 1000 (else exit 2), and V8 really holds a smaller heap with a small one. */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { HEAP_GROWTH_PERCENT_MAX, parseHeapGrowth } from "../../src/cli/heap-growth.js";
import { runCli } from "../helpers/cli.js";
import { peakHeapMbAfter } from "../helpers/peak-heap.js";

const compiled = fileURLToPath(new URL("../../dist/src/cli/heap-growth.js", import.meta.url));

/** The peak committed heap (MB) of a child process after `applyHeapGrowth(percent)` (or nothing, for "none"). */
function peakHeapMb(percent: number | "none"): number {
  const setup = `
    const { applyHeapGrowth } = await import(${JSON.stringify(compiled)});
    if (process.argv[1] !== "none") applyHeapGrowth(Number(process.argv[1]));`;
  return peakHeapMbAfter(setup, [String(percent)]);
}

describe("--heap-growth", () => {
  it("accepts integer percents from 0 to the maximum and refuses anything else", () => {
    expect(parseHeapGrowth("0")).toBe(0);
    expect(parseHeapGrowth(" 30 ")).toBe(30);
    expect(parseHeapGrowth(String(HEAP_GROWTH_PERCENT_MAX))).toBe(HEAP_GROWTH_PERCENT_MAX);
    for (const bad of ["-1", "1.5", "", "abc", "1e2", String(HEAP_GROWTH_PERCENT_MAX + 1)]) expect(() => parseHeapGrowth(bad)).toThrow(/--heap-growth/);
  });

  it("exits 2 naming the option on a bad value, before or after the command", async () => {
    const before = await runCli(["--heap-growth", "lots", "list"]);
    expect(before.code).toBe(2);
    expect(before.err).toMatch(/--heap-growth: must be an integer percent/);
    const after = await runCli(["list", "--heap-growth", "2000"]);
    expect(after.code).toBe(2);
    const fine = await runCli(["list", "--heap-growth", "0"]);
    expect(fine.code).toBe(0);
    expect(fine.out).toMatch(/quickstart/);
  });

  it("takes effect after start-up: a 10% growth commits a much smaller heap than V8's own factor", () => {
    const own = peakHeapMb("none");
    const small = peakHeapMb(10);
    expect(small).toBeLessThan(0.75 * own);
  });
});
