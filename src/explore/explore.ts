/**
 * Exploring seeds: the sans-IO half of `asset-sim explore`. Which seeds a run
 * (or a CI shard) covers, how one seed is run (optionally swarmed, optionally
 * twice to check determinism), and the tally printed at the end. The worker
 * threads and files live in `runtime/` and `cli/`; everything here is a pure
 * function of its inputs and the `run` function handed in.
 */
import type { SharingOptions } from "../sim/run-memo.js";
import { InputError } from "../config/errors.js";
import { parseScenario } from "../scenario/load.js";
import { EXIT, type RunReport } from "../scenario/run.js";
import type { Scenario } from "../scenario/schema.js";
import { buildSeedFile, type SeedFile } from "../scenario/seed-file.js";
import { describeSwarm, swarmScenario } from "./swarm.js";
import { scenarioToJson } from "../scenario/to-json.js";
import { describeCase, twinsCases, type TwinsCaseList, type TwinsMode, type TwinsSpace } from "./twins/twins-cases.js";
import { twinsScenario } from "./twins/twins-scenario.js";

/** A CI shard: keep the seeds with `(seed - from) % count === index - 1` (`index` is 1-based, as in `--shard 1/3`). */
export interface Shard {
  /** 1-based: 1..count. */
  index: number;
  count: number;
}

/**
 * Parses `--shard i/n` (1-based: `1/3`, `2/3`, `3/3`).
 * @throws InputError when the text is not `i/n` with 1 <= i <= n
 */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  if (match === null) throw new InputError("--shard", `expected i/n with 1 <= i <= n (1-based, e.g. 1/3), got ${JSON.stringify(text)}`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || index < 1 || index > count || !Number.isSafeInteger(count)) {
    throw new InputError("--shard", `expected i/n with 1 <= i <= n (1-based, e.g. 1/3), got ${JSON.stringify(text)}`);
  }
  return { index, count };
}

/**
 * The seeds `from .. from + count - 1`, keeping only this shard's when one is given.
 * @throws RangeError when `count` is not a positive integer or the range leaves the safe integers
 */
export function exploreSeeds(from: number, count: number, shard?: Shard): number[] {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`seed count must be a positive integer, got ${count}`);
  if (!Number.isSafeInteger(from) || from < 0 || !Number.isSafeInteger(from + count - 1)) throw new RangeError(`bad seed range ${from} + ${count}`);
  const seeds: number[] = [];
  for (let k = 0; k < count; k++) {
    if (shard === undefined || k % shard.count === shard.index - 1) seeds.push(from + k);
  }
  return seeds;
}

/**
 * A Twins search (`explore --twins`, see `twins/twins-cases.ts`): seed `firstSeed + i` runs case i of the
 * list the settings give (the same list in every thread: it is a pure function of them).
 */
export interface TwinsPlan {
  readonly space: TwinsSpace;
  /** Most cases to run. */
  readonly budget: number;
  readonly mode: TwinsMode;
  /** The seed of case 0 (case i runs seed `firstSeed + i`); sampling draws from it too. */
  readonly firstSeed: number;
  /** When every cut heals if the views have not passed round R yet, microseconds (see `twins/twins-scenario.ts`). */
  readonly healAtUs: number;
}

/** How to run each seed. */
export interface SeedRunOptions {
  /** Turn on a random subset of fault kinds per seed (see `swarm.ts`). */
  swarm: boolean;
  /** Run the seed twice and fail with exit 6 when the trace digests differ. */
  checkDeterminism: boolean;
  /** Run a Twins case per seed instead of the scenario's own plan (not with `swarm`). */
  twins?: TwinsPlan;
  /** How each run shares work between its simulated nodes (`off`, `checkEvery`: plain data, it crosses to worker threads). */
  sharing?: Pick<SharingOptions, "off" | "checkEvery">;
}

let twinsCache: { readonly key: string; readonly list: TwinsCaseList } | undefined;

/** The cases of a Twins plan (computed once per thread and kept). @throws InputError on bad settings */
export function twinsCaseList(plan: TwinsPlan): TwinsCaseList {
  const { space, budget, mode, firstSeed } = plan;
  const listKey = JSON.stringify({ space, budget, mode, firstSeed });
  if (twinsCache?.key !== listKey) twinsCache = { key: listKey, list: twinsCases(space, { budget, mode, seed: firstSeed }) };
  return twinsCache.list;
}

/** How a seed's run ended, in the terms of `explore`'s table. */
export type SeedVerdict = "ok" | "safety" | "liveness" | "node-error" | "nondeterministic";

/** The outcome of one seed: a plain object (it crosses from a worker thread by structured clone). */
export interface SeedOutcome {
  seed: number;
  /** With `--guided`: the run's 0-based position in the exploration (several runs may share a seed). */
  run?: number;
  verdict: SeedVerdict;
  /** The run's exit code (see `EXIT`); 6 when the determinism check failed. */
  exitCode: number;
  traceDigest: string;
  /** The second run's digest, when `checkDeterminism` was on. */
  secondDigest?: string;
  /** The violated invariant (`nondeterminism` for a determinism failure). */
  invariant?: string;
  /** The violation's message, or both digests for a determinism failure. */
  message?: string;
  /** Virtual time simulated, microseconds. */
  virtualDurationUs: number;
  events: number;
  /** The swarm choice in one line, when swarm was on. */
  swarm?: string;
  /** The Twins case in one line, in a Twins search. */
  twins?: string;
  /** The seed file to write (the derived scenario whole), when the run violated an invariant. */
  seedFile?: SeedFile;
}

/**
 * The scenario a seed runs: the base with the seed set, swarmed when asked, or (in a Twins search) with the
 * Twins case of that seed.
 * @throws RangeError when a Twins search has no case for `seed`
 */
export function seedScenario(base: Scenario, seed: number, swarm: boolean, twins?: TwinsPlan): { scenario: Scenario; raw: Record<string, unknown>; swarm?: string; twins?: string } {
  if (twins !== undefined) {
    const list = twinsCaseList(twins);
    const index = seed - twins.firstSeed;
    const c = list.cases[index];
    if (c === undefined) throw new RangeError(`seed ${seed} has no Twins case (cases are seeds ${twins.firstSeed}..${twins.firstSeed + list.cases.length - 1})`);
    const raw = twinsScenario(scenarioToJson({ ...base, seed }), twins.space, c, `case ${index + 1} of ${list.cases.length}, ${list.how}`, twins.healAtUs);
    return { scenario: parseScenario(raw), raw, twins: describeCase(twins.space, c) };
  }
  if (swarm) {
    const derived = swarmScenario(base, seed);
    return { scenario: derived.scenario, raw: derived.raw, swarm: describeSwarm(derived.choice) };
  }
  const raw = scenarioToJson({ ...base, seed });
  return { scenario: parseScenario(raw), raw };
}

/**
 * Runs one seed of `base` with `run` (once, or twice with `checkDeterminism`).
 * A determinism failure outranks any violation: the verdict is
 * `nondeterministic`, exit 6, and the message holds both digests.
 * @param run runs a validated scenario (`runScenario` with the program binary, or a test's own)
 */
export function runSeed(base: Scenario, seed: number, options: SeedRunOptions, run: (scenario: Scenario) => RunReport): SeedOutcome {
  const { scenario, raw, swarm, twins } = seedScenario(base, seed, options.swarm, options.twins);
  const report = run(scenario);
  const outcome = seedOutcome(seed, report, raw, swarm, twins);
  if (options.checkDeterminism) {
    const second = run(scenario);
    outcome.secondDigest = second.traceDigest;
    if (second.traceDigest !== report.traceDigest) {
      outcome.verdict = "nondeterministic";
      outcome.exitCode = EXIT.nondeterministic;
      outcome.invariant = "nondeterminism";
      outcome.message = `seed ${seed}: the same scenario gave two trace digests: first ${report.traceDigest}, second ${second.traceDigest}`;
    }
  }
  return outcome;
}

/**
 * The outcome of one run of `seed`: verdict, digest, and for a violation its
 * invariant, message and the seed file of `raw` (the scenario that ran, file form).
 * @param swarm the swarm choice in one line, when swarm was on
 * @param twins the Twins case in one line, in a Twins search
 */
export function seedOutcome(seed: number, report: RunReport, raw: Record<string, unknown>, swarm?: string, twins?: string): SeedOutcome {
  const outcome: SeedOutcome = {
    seed,
    verdict: verdictOf(report),
    exitCode: report.exitCode,
    traceDigest: report.traceDigest,
    virtualDurationUs: report.virtualDurationUs,
    events: report.events,
    ...(swarm !== undefined ? { swarm } : {}),
    ...(twins !== undefined ? { twins } : {}),
  };
  if (report.violation !== undefined) {
    outcome.invariant = report.violation.invariant;
    outcome.message = report.violation.message;
    outcome.seedFile = buildSeedFile(raw, report);
  }
  return outcome;
}

/** The verdict of a report: which kind of exit code it carries. */
export function verdictOf(report: RunReport): SeedVerdict {
  switch (report.exitCode) {
    case EXIT.ok:
      return "ok";
    case EXIT.safetyViolated:
      return "safety";
    case EXIT.livenessMissed:
      return "liveness";
    case EXIT.nodeThrew:
      return "node-error";
    default:
      return "safety";
  }
}

/**
 * Counts seed outcomes as they arrive (in any order) and renders the final table.
 * Exit code, by precedence: 6 any determinism failure, 1 any safety
 * violation, 4 any node error, 3 only liveness misses, 0 none.
 */
export class ExploreTally {
  readonly outcomes: SeedOutcome[] = [];
  readonly total: number;
  /** What the outcomes are counted in: seeds (`explore`, `--swarm`) or runs (`--guided`, where runs may share a seed). */
  readonly unit: "seed" | "run";

  /** @param total how many seeds (or runs) this exploration (or shard) will report */
  constructor(total: number, unit: "seed" | "run" = "seed") {
    this.total = total;
    this.unit = unit;
  }

  /** Records one seed's outcome (any order). */
  add(outcome: SeedOutcome): void {
    this.outcomes.push(outcome);
  }

  /** Seeds reported so far. */
  get done(): number {
    return this.outcomes.length;
  }

  /** The outcomes that failed, in exploration order (by seed, or by run with `--guided`). */
  get failures(): SeedOutcome[] {
    return this.outcomes.filter((o) => o.verdict !== "ok").sort((a, b) => explorationOrder(a) - explorationOrder(b));
  }

  /** The exit code of the whole exploration (see the class comment). */
  exitCode(): number {
    const verdicts = new Set(this.outcomes.map((o) => o.verdict));
    if (verdicts.has("nondeterministic")) return EXIT.nondeterministic;
    if (verdicts.has("safety")) return EXIT.safetyViolated;
    if (verdicts.has("node-error")) return EXIT.nodeThrew;
    if (verdicts.has("liveness")) return EXIT.livenessMissed;
    return EXIT.ok;
  }

  /**
   * One progress line for stderr: `explore: 12/100 seeds, 1 failure, 3.4 seeds/s`.
   * @param wallMs wall time since the start (progress only, never in a result)
   * @param seen outcomes arrived so far, when they are tallied only at the end (`--max-failures`, `--guided`)
   */
  progressLine(wallMs: number, seen?: { done: number; failures: number }): string {
    const failures = seen?.failures ?? this.outcomes.filter((o) => o.verdict !== "ok").length;
    const done = seen?.done ?? this.done;
    return `explore: ${done}/${this.total} ${this.unit}s, ${failures} failure${failures === 1 ? "" : "s"}, ${formatRate(done, wallMs)} ${this.unit}s/s`;
  }

  /**
   * The final table: seeds run, failures by invariant (with their seeds), seeds per second of wall time.
   * @param wallMs wall time of the whole exploration
   */
  table(wallMs: number): string {
    const byInvariant = new Map<string, { kind: SeedVerdict; seeds: number[] }>();
    for (const o of this.failures) {
      const key = o.invariant ?? o.verdict;
      const row = byInvariant.get(key) ?? { kind: o.verdict, seeds: [] };
      row.seeds.push(explorationOrder(o));
      byInvariant.set(key, row);
    }
    const lines = [this.unit === "seed" ? `seeds run        ${this.done}` : `runs             ${this.done}`, `failures         ${this.failures.length}`];
    if (byInvariant.size > 0) {
      lines.push(this.unit === "seed" ? "invariant              kind              seeds  first seeds" : "invariant              kind               runs  first runs");
      for (const [invariant, row] of [...byInvariant.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
        const first = row.seeds.slice(0, 8).join(" ") + (row.seeds.length > 8 ? " ..." : "");
        lines.push(`${invariant.padEnd(22)} ${row.kind.padEnd(17)} ${String(row.seeds.length).padStart(5)}  ${first}`);
      }
    }
    lines.push(`${this.unit === "seed" ? "seeds per second" : "runs per second "} ${formatRate(this.done, wallMs)} (wall, ${(wallMs / 1000).toFixed(1)} s; ${formatRate(this.done * 60, wallMs)} ${this.unit}s/min)`);
    return lines.join("\n");
  }
}

/** Where an outcome comes in the exploration: its run number with `--guided`, else its seed. */
export function explorationOrder(o: SeedOutcome): number {
  return o.run ?? o.seed;
}

/**
 * With `--max-failures N`: the outcomes in exploration order up to and
 * including the N-th failure (all of them when fewer failed). Runs that
 * finished after it in parallel are left out, so the result is the one a
 * single thread gives.
 * @param ordered outcomes sorted in exploration order, with no gap before the N-th failure
 */
export function cutAtFailures<T extends SeedOutcome>(ordered: readonly T[], maxFailures: number): T[] {
  let failures = 0;
  for (let i = 0; i < ordered.length; i++) {
    if (ordered[i]!.verdict !== "ok" && ++failures >= maxFailures) return ordered.slice(0, i + 1);
  }
  return [...ordered];
}

function formatRate(count: number, wallMs: number): string {
  return wallMs <= 0 ? "-" : (count / (wallMs / 1000)).toFixed(2);
}
