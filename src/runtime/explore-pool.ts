/**
 * Running many seeds: in this thread (`jobs` = 1), or in this thread and
 * `jobs` - 1 worker threads taking seeds from one shared counter (`jobs` > 1);
 * guided candidates on a pool of worker threads (workerpool). Each seed's
 * outcome is reported as it arrives (completion order, not seed order).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
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
  /** Lanes: this thread and `jobs` - 1 worker threads; 1 runs every seed in this thread (no workers). */
  jobs: number;
  /** Called once per seed as it finishes. */
  onOutcome: (outcome: SeedOutcome) => void;
  /** Asked before each seed is started: true stops starting seeds (those running finish and are reported). */
  shouldStop?: () => boolean;
}

/**
 * Runs `seeds` of the base scenario `raw`.
 *
 * With `jobs` > 1 this thread is one of the `jobs` lanes and `jobs` - 1
 * worker threads are the others: every lane takes the next seed from one
 * counter in shared memory (`Atomics.add`), so a worker never waits for this
 * thread between seeds, and the seeds started are always a prefix of `seeds`
 * (what `--max-failures` needs). This thread already holds the code and the
 * parsed scenario, so running seeds here saves a worker's start-up (module
 * loading, about 0.5 s of CPU) and its first, unoptimised seed (about 1.5 s
 * more than the later ones), and its heap. A worker's outcome reaches
 * `onOutcome` when this thread is between two of its own seeds.
 * @throws Error when a run throws (a bug outside node code; a worker's error
 *   arrives as an Error with the same name and message), or when the compiled
 *   worker is missing (`npm run build`)
 */
export async function runSeeds(raw: Record<string, unknown>, seeds: readonly number[], options: RunSeedsOptions): Promise<void> {
  const seedOptions: SeedRunOptions = {
    swarm: options.swarm,
    checkDeterminism: options.checkDeterminism,
    ...(options.twins !== undefined ? { twins: options.twins } : {}),
    ...(options.sharing !== undefined ? { sharing: options.sharing } : {}),
  };
  const claims = new SeedClaims(seeds.length);
  const workerCount = Math.min(options.jobs, seeds.length) - 1;
  const workers = Array.from({ length: Math.max(0, workerCount) }, () => startSeedWorker({ raw, seeds, options: seedOptions, claims: claims.buffer }));
  let failure: Error | undefined;
  const stopAll = (): void => {
    claims.stop();
  };
  const finished = workers.map(
    (worker) =>
      new Promise<void>((resolve) => {
        worker.on("message", (message: SeedWorkerMessage) => {
          if (message.kind === "outcome") {
            if (failure !== undefined) return;
            options.onOutcome(message.outcome);
            if (options.shouldStop?.() === true) stopAll();
          } else {
            failure ??= Object.assign(new Error(message.message), { name: message.name, stack: message.stack });
            stopAll();
          }
        });
        worker.on("error", (error) => {
          failure ??= error;
          stopAll();
        });
        worker.on("exit", () => resolve());
      }),
  );
  try {
    for (;;) {
      if (failure !== undefined) break;
      if (options.shouldStop?.() === true) {
        stopAll();
        break;
      }
      const index = claims.next();
      if (index === undefined) break;
      options.onOutcome(runSeedInThisThread(raw, seeds[index]!, seedOptions));
      // Let stderr drain and the workers' outcomes in between seeds.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } catch (error) {
    stopAll();
    await Promise.all(workers.map((w) => w.terminate()));
    throw error;
  }
  await Promise.all(finished);
  if (failure !== undefined) throw failure;
}

/**
 * The lanes' shared seed counter: `Int32Array` [next index, stopped flag] in a
 * `SharedArrayBuffer`, so this thread and the workers claim seeds in order
 * without messages.
 */
export class SeedClaims {
  readonly buffer: SharedArrayBuffer;
  private readonly cells: Int32Array;

  /**
   * @param count how many seeds there are (indexes 0 .. count - 1)
   * @param buffer an existing counter (a worker's view of the lead thread's); a new one when absent
   */
  constructor(
    private readonly count: number,
    buffer?: SharedArrayBuffer,
  ) {
    this.buffer = buffer ?? new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
    this.cells = new Int32Array(this.buffer);
  }

  /** The next unclaimed index, or undefined once all are claimed or the lanes were stopped. */
  next(): number | undefined {
    if (Atomics.load(this.cells, 1) !== 0) return undefined;
    const index = Atomics.add(this.cells, 0, 1);
    return index < this.count ? index : undefined;
  }

  /** No lane claims another seed (those running finish). */
  stop(): void {
    Atomics.store(this.cells, 1, 1);
  }
}

/** What a seed worker is given (`workerData`). */
export interface SeedWorkerData {
  readonly kind: "seeds";
  readonly raw: Record<string, unknown>;
  readonly seeds: readonly number[];
  readonly options: SeedRunOptions;
  readonly claims: SharedArrayBuffer;
}

/** What a seed worker posts: one message per seed it ran, or the error that stopped it. */
export type SeedWorkerMessage = { readonly kind: "outcome"; readonly outcome: SeedOutcome } | { readonly kind: "error"; readonly name: string; readonly message: string; readonly stack?: string };

function startSeedWorker(data: Omit<SeedWorkerData, "kind">): Worker {
  const workerData: SeedWorkerData = { kind: "seeds", ...data };
  return new Worker(workerScript(), { workerData });
}

/**
 * The loop of a seed worker (`explore-worker.ts`): claims seeds until none
 * is left, posting each outcome; a throw is posted as an error and ends it.
 */
export function runClaimedSeeds(data: SeedWorkerData, post: (message: SeedWorkerMessage) => void): void {
  const claims = new SeedClaims(data.seeds.length, data.claims);
  try {
    for (let index = claims.next(); index !== undefined; index = claims.next()) {
      post({ kind: "outcome", outcome: runSeedInThisThread(data.raw, data.seeds[index]!, data.options) });
    }
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    post({ kind: "error", name: e.name, message: e.message, ...(e.stack !== undefined ? { stack: e.stack } : {}) });
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
