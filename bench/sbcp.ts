/**
 * SBCP throughput (`npm run bench -- --only sbcp`): the shipped
 * `sbcp-quickstart` (three rollups, one shared publisher, 12 s slots, xTs of
 * which a fifth must fail, no validators) run for its own 60 s, or `--duration`:
 * simulated seconds per wall second, xTs decided (true or false) per wall
 * second, and the superblocks built. Best of `repeat` runs. The same as
 * `asset-sim run sbcp-quickstart` (its `speed:` line).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../src/runtime/program-files.js";
import { parseScenario } from "../src/scenario/load.js";
import { runScenario, type RunReport } from "../src/scenario/run.js";
import { applyOverrides } from "../src/scenario/overrides.js";
import type { SbcpMetrics } from "../src/systems/sbcp/metrics.js";

/**
 * Prints one row for sbcp-quickstart.
 * @param durationUs virtual duration of the run, microseconds (undefined: the scenario's own 60 s)
 * @param repeat runs; the fastest is reported
 */
export function benchSbcp(log: (line: string) => void, durationUs: number | undefined, repeat: number): void {
  const file = JSON.parse(readFileSync(join(packageRoot(), "sim-scenarios", "sbcp-quickstart.json"), "utf8")) as Record<string, unknown>;
  const scenario = parseScenario(durationUs === undefined ? file : applyOverrides(file, { durationUs }).raw);
  let bestMs = Infinity;
  let report: RunReport | undefined;
  for (let i = 0; i < repeat; i++) {
    const start = performance.now();
    report = runScenario(scenario);
    bestMs = Math.min(bestMs, performance.now() - start);
  }
  const m = (report!.metrics as unknown as { sbcp: SbcpMetrics }).sbcp;
  const wallSeconds = bestMs / 1000;
  const decided = m.xtsDecidedTrue + m.xtsDecidedFalse;
  log(`\nsbcp: sbcp-quickstart (3 rollups, 12 s slots, no validators), ${report!.virtualDurationUs / 1e6} s virtual (best of ${repeat})`);
  log("sim s/wall s   xTs decided/wall s   xTs decided (true/false)   superblocks   events/s   wall s   digest");
  log(
    `${(report!.virtualDurationUs / 1e6 / wallSeconds).toFixed(1).padStart(12)} ${(decided / wallSeconds).toFixed(1).padStart(20)} ${`${decided} (${m.xtsDecidedTrue}/${m.xtsDecidedFalse})`.padStart(26)} ${String(m.superblocks).padStart(13)} ${Math.round(report!.events / wallSeconds).toString().padStart(10)} ${wallSeconds.toFixed(2).padStart(8)}   ${report!.traceDigest.slice(0, 12)}`,
  );
}
