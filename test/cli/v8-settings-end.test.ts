/**
 * `--optimize-for-size` and `--heap-growth` end with the command: what the CLI tells V8 (node:v8's
 * `setFlagsFromString`, recorded here instead of applied) when `main` runs in-process. V8's flags are
 * process-wide, so a program that calls `main` (a test, a bench, a library user) must get its process
 * back once the command returns: with the mode off (or everything after it runs about a quarter slower)
 * and V8's own heap growing factor.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";

const flagsSet = vi.hoisted(() => [] as string[]);
vi.mock("node:v8", async (importOriginal) => {
  const original = await importOriginal<typeof import("node:v8")>();
  return { ...original, default: { ...original, setFlagsFromString: (f: string) => flagsSet.push(f) }, setFlagsFromString: (f: string) => flagsSet.push(f) };
});

const { runCli, writeJsonIn } = await import("../helpers/cli.js");
const { optimizeForSizeTurnedOn } = await import("../../src/cli/optimize-for-size.js");
const { mkdtempSync } = await import("node:fs");
const { tmpdir } = await import("node:os");
const { join } = await import("node:path");

const dir = mkdtempSync(join(tmpdir(), "asset-sim-ofs-end-"));
/** Four simulated minutes that cost well under a second: no workload, no L1, a block every 5 s. */
const fourMinutes = writeJsonIn(dir, "idle.json", {
  name: "idle",
  seed: 1,
  duration: "240s",
  validators: { count: 4, signatureScheme: "sim", blockTime: "5s", viewTimeout: "20s" },
  workload: { txPerSecond: 0 },
  l1: { enabled: false },
  invariants: { livenessBound: "30s" },
});

/** The optimize-for-size flags set, in order. */
const modeFlags = (): string[] => flagsSet.filter((f) => f.includes("optimize-for-size"));
/** The heap-growth flags set, in order. */
const growthFlags = (): string[] => flagsSet.filter((f) => f.startsWith("--heap-growing-percent"));

describe("V8 settings end with the command", () => {
  beforeEach(() => {
    flagsSet.length = 0;
  });

  it("always: on when chosen, off when main returns", async () => {
    const listed = await runCli(["--optimize-for-size", "always", "list"]);
    expect(listed.code).toBe(0);
    expect(modeFlags()).toEqual(["--optimize-for-size", "--no-optimize-for-size"]);
    expect(optimizeForSizeTurnedOn()).toBe(false);
  });

  it("auto: on for a run of 4 simulated minutes, off when main returns; and off again after a command that fails", async () => {
    const run = await runCli(["run", fourMinutes, "--out", dir]);
    expect(run.code).toBe(0);
    expect(modeFlags()).toEqual(["--optimize-for-size", "--no-optimize-for-size"]);
    expect(optimizeForSizeTurnedOn()).toBe(false);
    flagsSet.length = 0;
    const bad = await runCli(["--optimize-for-size", "always", "run", "no-such-scenario"]);
    expect(bad.code).toBe(2);
    expect(modeFlags()).toEqual(["--optimize-for-size", "--no-optimize-for-size"]);
  });

  it("auto on a short run and never: the flag is not touched at all", async () => {
    expect((await runCli(["run", "twins-search", "--duration", "1s", "--out", dir])).code).toBe(0);
    expect((await runCli(["--optimize-for-size", "never", "list"])).code).toBe(0);
    expect(modeFlags()).toEqual([]);
  });

  it("--heap-growth: set when a command starts, V8's own factor (0) when main returns, also after a failing command", async () => {
    expect((await runCli(["list"])).code).toBe(0);
    expect(growthFlags()).toEqual(["--heap-growing-percent=30", "--heap-growing-percent=0"]);
    flagsSet.length = 0;
    expect((await runCli(["--heap-growth", "50", "run", "no-such-scenario"])).code).toBe(2);
    expect(growthFlags()).toEqual(["--heap-growing-percent=50", "--heap-growing-percent=0"]);
    flagsSet.length = 0;
    // A bad value is refused before anything is set, and nothing is undone.
    expect((await runCli(["--heap-growth", "-1", "list"])).code).toBe(2);
    expect(growthFlags()).toEqual([]);
  });
});
