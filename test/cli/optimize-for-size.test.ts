/** `--optimize-for-size`: its values (else exit 2), the `auto` policy, and V8 really holds a smaller heap once it is on. */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { OPTIMIZE_FOR_SIZE_AUTO_FROM_US, optimizeForSizeWanted, parseOptimizeForSize } from "../../src/cli/optimize-for-size.js";
import { runCli } from "../helpers/cli.js";
import { peakHeapMbAfter } from "../helpers/peak-heap.js";

const compiled = fileURLToPath(new URL("../../dist/src/cli/optimize-for-size.js", import.meta.url));

/** The peak committed heap (MB) of a child process that chooses `mode` and then announces a run of `durationUs`. */
function peakHeapMb(mode: string, durationUs: number): number {
  const setup = `
    const { chooseOptimizeForSize, optimizeForSizeBeforeRun } = await import(${JSON.stringify(compiled)});
    chooseOptimizeForSize(process.argv[1]);
    optimizeForSizeBeforeRun(Number(process.argv[2]));`;
  return peakHeapMbAfter(setup, [mode, String(durationUs)]);
}

describe("--optimize-for-size", () => {
  it("accepts auto, always and never and refuses anything else", () => {
    expect(parseOptimizeForSize("auto")).toBe("auto");
    expect(parseOptimizeForSize(" never ")).toBe("never");
    expect(parseOptimizeForSize("always")).toBe("always");
    for (const bad of ["", "on", "AUTO", "1"]) expect(() => parseOptimizeForSize(bad)).toThrow(/--optimize-for-size: must be one of auto, always, never/);
  });

  it("auto turns the mode on for runs of four simulated minutes or more only", () => {
    expect(OPTIMIZE_FOR_SIZE_AUTO_FROM_US).toBe(240_000_000);
    expect(optimizeForSizeWanted("auto", 30_000_000)).toBe(false);
    expect(optimizeForSizeWanted("auto", OPTIMIZE_FOR_SIZE_AUTO_FROM_US - 1)).toBe(false);
    expect(optimizeForSizeWanted("auto", OPTIMIZE_FOR_SIZE_AUTO_FROM_US)).toBe(true);
    expect(optimizeForSizeWanted("never", 600_000_000)).toBe(false);
    expect(optimizeForSizeWanted("always", 1)).toBe(true);
  });

  it("exits 2 naming the option on a bad value", async () => {
    const bad = await runCli(["--optimize-for-size", "on", "list"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--optimize-for-size: must be one of/);
    const fine = await runCli(["list", "--optimize-for-size", "never"]);
    expect(fine.code).toBe(0);
    expect(fine.out).toMatch(/quickstart/);
  });

  it("auto says so on stderr once, the first time it turns the mode on, and not for short runs", () => {
    const script = `
      const { chooseOptimizeForSize, optimizeForSizeBeforeRun } = await import(${JSON.stringify(compiled)});
      const notes = [];
      chooseOptimizeForSize("auto");
      const short = optimizeForSizeBeforeRun(30000000, (line) => notes.push(line));
      const long = optimizeForSizeBeforeRun(600000000, (line) => notes.push(line));
      const again = optimizeForSizeBeforeRun(600000000, (line) => notes.push(line));
      process.stdout.write(JSON.stringify({ short, long, again, notes }));`;
    const out = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" })) as { short: boolean; long: boolean; again: boolean; notes: string[] };
    expect(out).toMatchObject({ short: false, long: true, again: true });
    expect(out.notes).toHaveLength(1);
    expect(out.notes[0]).toMatch(/^note: V8's optimize-for-size mode is on for runs of 4 simulated minutes or more .*--optimize-for-size never/);
  });

  it("takes effect after start-up: on, V8 commits a much smaller heap than off", () => {
    const off = peakHeapMb("never", 600_000_000);
    const shortAuto = peakHeapMb("auto", 30_000_000);
    const longAuto = peakHeapMb("auto", 600_000_000);
    expect(longAuto).toBeLessThan(0.6 * off);
    expect(shortAuto).toBeGreaterThan(0.8 * off);
  });
});
