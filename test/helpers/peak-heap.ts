/** The committed V8 heap of a child process under some heap setting: how the CLI's heap options are shown to take effect. */
import { execFileSync } from "node:child_process";

/**
 * The largest committed V8 heap (MB, `heapTotal`) of a fresh node process that first runs `setup`
 * (module code; `process.argv[1]`, `[2]`... are `args`), then holds a live set of 200,000 objects while
 * it allocates 3 million short-lived ones.
 * @param setup ES module code run before the allocations (it may `await import(...)`)
 * @param args strings handed to the child as `process.argv[1]` onwards
 */
export function peakHeapMbAfter(setup: string, args: readonly string[]): number {
  const script = `
    ${setup}
    const live = [];
    for (let i = 0; i < 200000; i++) live.push({ i, s: "x".repeat(i % 50) });
    let max = 0, young = [];
    for (let r = 0; r < 3000000; r++) {
      young.push({ r, a: [r, r + 1] });
      if (young.length > 50000) young = [];
      if ((r & 4095) === 0) max = Math.max(max, process.memoryUsage().heapTotal);
    }
    process.stdout.write(String(max / 1e6 + live.length * 0));`;
  return Number(execFileSync(process.execPath, ["--input-type=module", "-e", script, ...args], { encoding: "utf8" }));
}
