/**
 * Running many seeds: in this thread (`jobs` = 1) or on a pool of worker
 * threads (workerpool; `jobs` > 1), reporting each seed's outcome as it
 * arrives (completion order, not seed order).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import workerpool from "workerpool";
import { runSeed, type SeedOutcome, type SeedRunOptions } from "../explore/explore.js";
import { runCandidate, type CandidateOutcome, type CandidateRunOptions } from "../explore/guided.js";
import { parseScenario } from "../scenario/load.js";
import { runScenario } from "../scenario/run.js";
import type { Scenario } from "../scenario/schema.js";
import { loadProgramElf, packageRoot } from "./program-files.js";

let parsed: { text: string; scenario: Scenario } | undefined;

/**
 * Runs one seed of a base scenario here, with the shipped program binary when
 * the scenario runs the L1 (the task of a worker; also the `jobs` = 1 path).
 * @param raw the base scenario in file format (parsed once per thread and kept)
 * @throws InputError when `raw` does not validate
 */
export function runSeedInThisThread(raw: Record<string, unknown>, seed: number, options: SeedRunOptions): SeedOutcome {
  const text = JSON.stringify(raw);
  if (parsed?.text !== text) parsed = { text, scenario: parseScenario(raw) };
  const sharing = options.sharing !== undefined ? { sharing: options.sharing } : {};
  return runSeed(parsed.scenario, seed, options, (scenario) => runScenario(scenario, { ...sharing, ...(scenario.l1.enabled ? { programElf: loadProgramElf() } : {}) }));
}

/** Options of {@link runSeeds}. */
export interface RunSeedsOptions extends SeedRunOptions {
  /** Worker threads; 1 runs every seed in this thread (no workers). */
  jobs: number;
  /** Called once per seed as it finishes. */
  onOutcome: (outcome: SeedOutcome) => void;
  /** Asked before each seed is started: true stops starting seeds (those running finish and are reported). */
  shouldStop?: () => boolean;
}

/**
 * Runs `seeds` of the base scenario `raw`.
 * @throws Error when a run throws (a bug outside node code), or when the
 *   compiled worker is missing (`npm run build`)
 */
export async function runSeeds(raw: Record<string, unknown>, seeds: readonly number[], options: RunSeedsOptions): Promise<void> {
  const seedOptions: SeedRunOptions = {
    swarm: options.swarm,
    checkDeterminism: options.checkDeterminism,
    ...(options.twins !== undefined ? { twins: options.twins } : {}),
    ...(options.sharing !== undefined ? { sharing: options.sharing } : {}),
  };
  if (options.jobs <= 1 || seeds.length <= 1) {
    for (const seed of seeds) {
      if (options.shouldStop?.() === true) return;
      options.onOutcome(runSeedInThisThread(raw, seed, seedOptions));
      // Let stderr drain between seeds.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return;
  }
  const workers = Math.min(options.jobs, seeds.length);
  const pool = workerpool.pool(workerScript(), { workerType: "thread", maxWorkers: workers });
  // At most two tasks per worker are queued at a time, so a million seeds never become a million pending tasks.
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < seeds.length && options.shouldStop?.() !== true) {
      const seed = seeds[next++]!;
      const outcome = (await pool.exec("runSeed", [raw, seed, seedOptions])) as SeedOutcome;
      options.onOutcome(outcome);
    }
  };
  try {
    await Promise.all(Array.from({ length: 2 * workers }, lane));
  } finally {
    await pool.terminate();
  }
}

/**
 * Runs one guided candidate here (the task of a worker; also the `jobs` = 1
 * path), with the shipped program binary when the scenario runs the L1.
 * @throws InputError when `raw` does not validate
 */
export function runCandidateInThisThread(raw: Record<string, unknown>, run: number, options: CandidateRunOptions): CandidateOutcome {
  const sharing = options.sharing !== undefined ? { sharing: options.sharing } : {};
  return runCandidate(raw, run, options, (scenario, observer) => runScenario(scenario, { observer, ...sharing, ...(scenario.l1.enabled ? { programElf: loadProgramElf() } : {}) }));
}

/** Runs batches of guided candidates (a generation at a time) on worker threads kept between batches. */
export interface CandidatePool {
  /**
   * Runs the candidates, starting them in order; `onOutcome` sees each as it
   * finishes (any order). Once `shouldStop` says true no further candidate is
   * started (those running finish), so the candidates run are always a prefix.
   * @returns the outcomes of the candidates run, in the order of `candidates`
   */
  run(candidates: readonly { readonly raw: Record<string, unknown>; readonly run: number }[], onOutcome: (outcome: CandidateOutcome) => void, shouldStop?: () => boolean): Promise<CandidateOutcome[]>;
  /** Stops the worker threads. */
  close(): Promise<void>;
}

/**
 * A pool of `jobs` worker threads for guided candidates (`jobs` = 1: this thread).
 * @throws Error when the compiled worker is missing (`npm run build`)
 */
export function candidatePool(jobs: number, options: CandidateRunOptions): CandidatePool {
  const pool = jobs <= 1 ? undefined : workerpool.pool(workerScript(), { workerType: "thread", maxWorkers: jobs });
  const runOne = async (c: { readonly raw: Record<string, unknown>; readonly run: number }): Promise<CandidateOutcome> => {
    if (pool !== undefined) return (await pool.exec("runCandidate", [c.raw, c.run, options])) as CandidateOutcome;
    const outcome = runCandidateInThisThread(c.raw, c.run, options);
    // Let stderr drain between runs.
    await new Promise((resolve) => setImmediate(resolve));
    return outcome;
  };
  return {
    async run(candidates, onOutcome, shouldStop) {
      const outcomes: (CandidateOutcome | undefined)[] = candidates.map(() => undefined);
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < candidates.length && shouldStop?.() !== true) {
          const index = next++;
          const outcome = await runOne(candidates[index]!);
          outcomes[index] = outcome;
          onOutcome(outcome);
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, candidates.length)) }, lane));
      return outcomes.filter((o): o is CandidateOutcome => o !== undefined);
    },
    close: async () => {
      await pool?.terminate();
    },
  };
}

/** The compiled worker: next to this file when running from `dist/`, else the package's `dist/`. */
function workerScript(): string {
  const beside = fileURLToPath(new URL("./explore-worker.js", import.meta.url));
  if (existsSync(beside)) return beside;
  const built = join(packageRoot(), "dist", "src", "runtime", "explore-worker.js");
  if (existsSync(built)) return built;
  throw new Error(`the explore worker ${built} is missing: run npm run build`);
}
