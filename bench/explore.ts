/**
 * Exploration throughput (`npm run bench -- --only explore`): seeds per
 * minute of `asset-sim explore` on the quickstart scenario (7 validators, L1
 * on, its crash and restart of v2), cut to a short duration, with 1 job (this
 * thread) and 2 worker threads. The same as
 * `asset-sim explore quickstart --seeds 8 --duration 10s --jobs J`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runSeeds } from "../src/runtime/explore-pool.js";
import { packageRoot } from "../src/runtime/program-files.js";
import { ExploreTally, exploreSeeds } from "../src/explore/explore.js";
import { applyOverrides } from "../src/scenario/overrides.js";

/**
 * Prints seeds/min for each job count.
 * @param durationUs virtual duration of each seed, microseconds
 */
export async function benchExplore(log: (line: string) => void, seedCount = 8, durationUs = 10_000_000, jobCounts: readonly number[] = [1, 2]): Promise<void> {
  const quickstart = JSON.parse(readFileSync(join(packageRoot(), "sim-scenarios", "quickstart.json"), "utf8")) as Record<string, unknown>;
  const { raw } = applyOverrides(quickstart, { durationUs });
  const seeds = exploreSeeds(1, seedCount);
  log(`\nexplore: quickstart (7 validators, L1 on), ${seedCount} seeds of ${durationUs / 1e6} s virtual`);
  log("jobs   seeds/min   wall s   cpu s (all threads)   failures");
  for (const jobs of jobCounts) {
    const tally = new ExploreTally(seeds.length);
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    await runSeeds(raw, seeds, { jobs, swarm: false, checkDeterminism: false, onOutcome: (o) => tally.add(o) });
    const wallMs = performance.now() - start;
    const cpu = process.cpuUsage(cpuStart);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const perMinute = (seeds.length * 60_000) / wallMs;
    log(`${String(jobs).padStart(4)} ${perMinute.toFixed(1).padStart(11)} ${(wallMs / 1000).toFixed(1).padStart(8)} ${cpuSeconds.toFixed(1).padStart(21)} ${String(tally.failures.length).padStart(10)}`);
  }
}
