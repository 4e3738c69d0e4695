/**
 * `asset-sim explore` and `asset-sim shrink` (wired in `main.ts`):
 *
 *   asset-sim explore SCENARIO --seeds N [--from S] [--jobs J] [--shard i/n] [--swarm | --guided [--generation G]]
 *                              [--max-failures N] [--duration D] [--out DIR] [--check-determinism]
 *   asset-sim explore SCENARIO --twins [--twin-count t] [--rounds R] [--partitions k] [--budget N]
 *                              [--enumerate | --sample] [--twin-leaders any|twins] [--all-partitions]
 *                              [--from S] [--jobs J] [--shard i/n] [--max-failures N] [--duration D] [--out DIR]
 *   asset-sim shrink SEEDFILE [--out FILE] [--max-runs N]
 *
 * explore exits 0 when every seed passed, 6 when any seed was nondeterministic,
 * else 1 when any safety invariant failed, else 4 when a node threw, else 3
 * (only liveness misses); 2 on bad input. shrink exits 0 when it wrote the
 * minimal seed file, 5 when the seed file no longer fails its invariant, 2 on bad input.
 */
import { availableParallelism } from "node:os";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { formatDurationUs } from "../config/duration.js";
import { InputError } from "../config/errors.js";
import { ExploreTally, cutAtFailures, explorationOrder, exploreSeeds, parseShard, twinsCaseList, type SeedOutcome, type Shard, type TwinsPlan } from "../explore/explore.js";
import { GENERATION_SIZE_DEFAULT, GuidedExplorer, type CandidateOutcome } from "../explore/guided.js";
import { planSpace } from "../explore/guided-plan.js";
import { checkTwinsBase } from "../explore/twins/twins-scenario.js";
import type { Scenario } from "../scenario/schema.js";
import { parseScenario } from "../scenario/load.js";
import { optimizeForSizeBeforeRun } from "./optimize-for-size.js";
import { EXIT, runScenario } from "../scenario/run.js";
import { buildSeedFile, parseSeedFile, seedFileName } from "../scenario/seed-file.js";
import { shrinkScenario } from "../explore/shrink.js";
import { shardFromEnvironment } from "../explore/shard-env.js";
import { buildShardResult, scenarioDigest, shardResultFileName, type SweepPlan } from "../explore/sweep-result.js";
import { PACKAGE_VERSION } from "../version.js";
import { scenarioToJson } from "../scenario/to-json.js";
import { candidatePool, runSeeds } from "../runtime/explore-pool.js";
import { sharingOption } from "./sharing-option.js";
import { loadProgramElf } from "../runtime/program-files.js";
import { plural } from "./summary.js";
import { checkOutDir, checkOutFile, durationOptionUs, writeOutputFile } from "./options.js";
import { runRecorded } from "./run-recording.js";

/** Most seeds one `explore` invocation takes (the seed list is held in memory). */
const SEEDS_MAX = 10_000_000;

/** Where commands print: results on `out` (stdout), progress and notes on `err` (stderr). */
export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Options of `explore`, as commander gives them. */
export interface ExploreCommandOptions {
  seeds?: string;
  from?: string;
  jobs?: string;
  shard?: string;
  swarm?: boolean;
  guided?: boolean;
  generation?: string;
  maxFailures?: string;
  out: string;
  checkDeterminism?: boolean;
  checkSharing?: string | boolean;
  /** A Twins search (see `explore/twins/`) instead of the scenario's own plan. */
  twins?: boolean;
  twinCount?: string;
  rounds?: string;
  partitions?: string;
  budget?: string;
  enumerate?: boolean;
  sample?: boolean;
  twinLeaders?: string;
  allPartitions?: boolean;
  healAt?: string;
  /** Print one JSON result (`explore/sweep-result.ts`) on stdout and write it to `--out DIR/shard-I-of-N.json`. */
  json?: boolean;
  /** A directory: one HTML report per failure (its seed file rerun), named like its seed file with `.html`. */
  report?: string;
}

/** Defaults of a Twins search: one twin, three rounds, two groups, 200 cases (the paper's small settings). */
export const TWINS_DEFAULTS = { twinCount: 1, rounds: 3, partitions: 2, budget: 200 } as const;

/** Options of `shrink`, as commander gives them. */
export interface ShrinkCommandOptions {
  out?: string;
  maxRuns?: string;
}

/** How the outcomes of an exploration are reported, shared by the seed loop and the guided loop. */
interface Reporting {
  readonly tally: ExploreTally;
  readonly outDir: string;
  readonly maxFailures: number | undefined;
  readonly started: number;
  /** Exploration order -> wall ms since `started` when its outcome arrived. */
  readonly arrivals: Map<number, number>;
  readonly seedFiles: Map<number, string>;
  failuresSeen: number;
  lastProgress: number;
  /** The first seed file that could not be written, if any (the exploration then exits 2). */
  writeError?: InputError;
}

/**
 * Runs `explore` over the base scenario `raw` (file format, overrides such as `--duration` already applied).
 * @returns the exit code (see the file comment)
 * @throws InputError on a bad option or scenario
 */
export async function commandExplore(raw: Record<string, unknown>, options: ExploreCommandOptions, io: CommandIo): Promise<number> {
  const base = parseScenario(raw);
  optimizeForSizeBeforeRun(base.duration, io.err);
  const from = options.from === undefined ? base.seed : nonNegativeInteger("--from", options.from);
  const twins = options.twins === true ? twinsPlanOf(raw, base.validators.count, base.phases.livenessAt ?? base.duration, from, options) : undefined;
  if (twins === undefined) {
    for (const flag of ["twinCount", "rounds", "partitions", "budget", "enumerate", "sample", "twinLeaders", "allPartitions", "healAt"] as const) {
      if (options[flag] !== undefined) throw new InputError(`--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, "belongs to a Twins search: add --twins");
    }
  }
  let count: number;
  if (twins !== undefined) {
    const list = twinsCaseList(twins);
    count = list.cases.length;
    const space = twins.space;
    io.err(
      `twins: n=${space.validators} t=${space.twins} R=${space.rounds} k=${space.partitionsMax}, leaders ${space.leaders}: ${list.partitions} partitions x ${list.roundCases / list.partitions} leaders = ${list.roundCases} round cases, ${list.rawCases} raw cases` +
        `${list.distinctCases !== undefined ? `, ${list.distinctCases} distinct` : ""}; ${list.how} ${count}${list.complete ? " (every distinct case)" : ""}, budget ${twins.budget}`,
    );
  } else {
    if (options.seeds === undefined) throw new InputError("--seeds", "required: how many seeds to run (a positive integer)");
    count = positiveInteger("--seeds", options.seeds);
    if (count > SEEDS_MAX) throw new InputError("--seeds", `at most ${SEEDS_MAX} per invocation (split a larger range with --from or --shard), got ${count}`);
  }
  const jobs = options.jobs === undefined ? availableParallelism() : positiveInteger("--jobs", options.jobs);
  const shard = options.shard === undefined ? undefined : options.shard === "auto" ? autoShard(io) : parseShard(options.shard);
  const maxFailures = options.maxFailures === undefined ? undefined : positiveInteger("--max-failures", options.maxFailures);
  if (!Number.isSafeInteger(from + count)) throw new InputError("--from", "the seed range leaves the safe integers");
  if (options.guided !== true && options.generation !== undefined) throw new InputError("--generation", "only with --guided");
  if (options.guided === true) {
    if (twins !== undefined) throw new InputError("--guided", "a Twins search enumerates its own cases: leave out --guided");
    if (options.swarm === true) throw new InputError("--guided", "draws swarm plans itself: leave out --swarm");
    if (shard !== undefined) throw new InputError("--shard", "a guided exploration keeps one corpus: it cannot be split into shards (run several with different --from instead)");
  }
  const reporting: Reporting = {
    tally: new ExploreTally(options.guided === true ? count : exploreSeeds(from, count, shard).length, options.guided === true ? "run" : "seed"),
    outDir: checkOutDir("--out", options.out),
    maxFailures,
    started: performance.now(),
    arrivals: new Map(),
    seedFiles: new Map(),
    failuresSeen: 0,
    lastProgress: performance.now(),
  };
  const guidedTable = options.guided === true ? await exploreGuided(base, from, count, jobs, options, reporting, io) : await exploreSeedRange(raw, base, from, count, jobs, shard, twins, options, reporting, io);
  const wallMs = performance.now() - reporting.started;

  const tally = reporting.tally;
  for (const failure of tally.failures) {
    // One HTML report per failure: its seed file rerun with the recorder on (`--report DIR`).
    const path = reporting.seedFiles.get(explorationOrder(failure));
    if (path !== undefined && options.report !== undefined) io.err(`report of seed ${failure.seed}: ${writeFailureReport(path, options.report)}`);
  }
  if (options.json === true) {
    const mode = options.guided === true ? "guided" : twins !== undefined ? "twins" : options.swarm === true ? "swarm" : "seeds";
    const settings = options.guided === true
      ? { generation: options.generation === undefined ? GENERATION_SIZE_DEFAULT : Number(options.generation) }
      : twins !== undefined
        ? { space: twins.space, budget: twins.budget, mode: twins.mode, healAtUs: twins.healAtUs }
        : null;
    const plan: SweepPlan = {
      scenario: base.name,
      scenarioDigest: scenarioDigest(scenarioToJson(base)),
      packageVersion: PACKAGE_VERSION,
      mode,
      from,
      count,
      checkDeterminism: options.checkDeterminism === true,
      maxFailures: maxFailures ?? null,
      settings: settings as Record<string, unknown> | null,
    };
    const result = buildShardResult({
      plan,
      shard: shard ?? { index: 1, count: 1 },
      seedsPlanned: reporting.tally.total,
      outcomes: tally.outcomes,
      seedFiles: new Map([...reporting.seedFiles].map(([order, path]) => [order, basename(path)])),
      exitCode: tally.exitCode(),
      stoppedAtMaxFailures: tally.outcomes.length < reporting.tally.total && maxFailures !== undefined && tally.failures.length >= maxFailures,
      wallMs,
    });
    mkdirSync(reporting.outDir, { recursive: true });
    const path = join(reporting.outDir, shardResultFileName(result.shard));
    writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
    io.out(JSON.stringify(result));
    io.err(`result written: ${path}`);
    for (const line of failureLines(tally.failures, reporting)) io.err(line);
    if (guidedTable !== undefined) io.err(guidedTable);
    io.err(tally.table(wallMs));
    return tally.exitCode();
  }
  for (const line of failureLines(tally.failures, reporting)) io.out(line);
  if (guidedTable !== undefined) io.out(guidedTable);
  io.out(tally.table(wallMs));
  const first = tally.failures[0];
  if (first !== undefined) {
    // How far the exploration went before its first failure (in exploration order), and the wall time when it was
    // known: every run before it had finished then too.
    const ordered = [...tally.outcomes].sort((a, b) => explorationOrder(a) - explorationOrder(b));
    const position = ordered.indexOf(first) + 1;
    const knownMs = Math.max(...ordered.slice(0, position).map((o) => reporting.arrivals.get(explorationOrder(o)) ?? 0));
    const what = first.run === undefined ? `seed ${first.seed}` : `run ${first.run}, seed ${first.seed}`;
    io.out(`first failure after ${position} ${tally.unit}${position === 1 ? "" : "s"} (${what}), ${(knownMs / 1000).toFixed(2)} s wall`);
  }
  if (maxFailures !== undefined && tally.failures.length >= maxFailures) io.out(`stopped at --max-failures ${maxFailures}`);
  if (shard !== undefined && tally.total === 0) {
    io.out(`shard ${shard.index}/${shard.count} selects no seed: the range has ${plural(count, "seed")} for ${shard.count} shards, so nothing ran (give more --seeds or fewer shards)`);
  }
  if (options.checkDeterminism === true) {
    const differing = tally.failures.filter((f) => f.verdict === "nondeterministic").length;
    io.out(
      differing === 0
        ? `determinism held: ${plural(tally.done, tally.unit)} run twice each, the same trace digest both times`
        : `determinism FAILED: ${plural(differing, tally.unit)} of ${tally.done} gave two different trace digests`,
    );
  }
  if (reporting.writeError !== undefined) {
    io.err(`error: ${reporting.writeError.message} (the table above is complete; the seed files listed without a path were not written)`);
    return EXIT.badInput;
  }
  return tally.exitCode();
}

/**
 * `--shard auto`: the shard from the environment (see `explore/shard-env.ts`), with a note on stderr.
 * @throws InputError when the variables are missing or malformed
 */
function autoShard(io: CommandIo): Shard {
  const { shard, source } = shardFromEnvironment(process.env);
  io.err(`shard ${shard.index}/${shard.count} from ${source}`);
  return shard;
}

/** The `FAIL` lines of the failures, each with its swarm choice or Twins case and its replay command. */
function failureLines(failures: readonly SeedOutcome[], reporting: Reporting): string[] {
  const lines: string[] = [];
  for (const failure of failures) {
    const path = reporting.seedFiles.get(explorationOrder(failure));
    const where = failure.run === undefined ? `seed ${failure.seed}` : `run ${failure.run} (seed ${failure.seed})`;
    lines.push(`FAIL ${where} ${failure.verdict} ${failure.invariant ?? ""}: ${failure.message ?? ""}`);
    if (failure.swarm !== undefined) lines.push(`  ${failure.swarm}`);
    if (failure.twins !== undefined) lines.push(`  twins: ${failure.twins}`);
    if (failure.verdict === "nondeterministic") lines.push(`  digests: ${failure.traceDigest} ${failure.secondDigest ?? ""}`);
    if (path !== undefined) lines.push(`  reproduce with: npx asset-sim replay ${path}`);
  }
  return lines;
}

/** Records an arriving outcome: its arrival time, a seed file for a failure (unless kept for after the cut), progress on stderr. */
function arrive(outcome: SeedOutcome, reporting: Reporting, io: CommandIo): void {
  const now = performance.now();
  reporting.arrivals.set(explorationOrder(outcome), now - reporting.started);
  if (outcome.verdict !== "ok") {
    reporting.failuresSeen++;
    const where = reporting.maxFailures === undefined ? writeSeedFile(outcome, reporting, io) : undefined;
    const label = outcome.run === undefined ? `seed ${outcome.seed}` : `run ${outcome.run} (seed ${outcome.seed})`;
    io.err(`${label} ${outcome.verdict} ${outcome.invariant ?? ""}: ${outcome.message ?? ""}${where === undefined ? "" : ` (seed file ${where})`}`);
  }
  if (now - reporting.lastProgress >= 1000) {
    reporting.lastProgress = now;
    io.err(reporting.tally.progressLine(now - reporting.started, { done: reporting.arrivals.size, failures: reporting.failuresSeen }));
  }
}

/** Writes the seed file of a failed outcome (when it has one) and returns its path. */
function writeSeedFile(outcome: SeedOutcome, reporting: Reporting, io: CommandIo): string | undefined {
  if (outcome.seedFile === undefined) return undefined;
  const phases = outcome.seedFile.scenario.phases as { safetyOnly?: unknown } | undefined;
  const path = join(reporting.outDir, seedFileName({ scenario: String(outcome.seedFile.scenario.name), seed: outcome.seed, traceDigest: outcome.traceDigest }, phases?.safetyOnly === true));
  try {
    writeOutputFile("--out", path, `${JSON.stringify(outcome.seedFile, null, 2)}\n`);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    // The exploration goes on; it ends with exit 2 (an IO error, never a safety verdict).
    if (reporting.writeError === undefined) io.err(`error: ${error.message}`);
    reporting.writeError = error;
    return undefined;
  }
  reporting.seedFiles.set(explorationOrder(outcome), path);
  return path;
}

/** Keeps the outcomes up to the `--max-failures`-th failure in exploration order, tallies them, and writes their seed files. */
function settle(outcomes: readonly SeedOutcome[], reporting: Reporting, io: CommandIo): void {
  const ordered = [...outcomes].sort((a, b) => explorationOrder(a) - explorationOrder(b));
  const kept = reporting.maxFailures === undefined ? ordered : cutAtFailures(ordered, reporting.maxFailures);
  for (const outcome of kept) {
    reporting.tally.add(outcome);
    if (reporting.maxFailures !== undefined && outcome.verdict !== "ok") writeSeedFile(outcome, reporting, io);
  }
}

/** The seed loop: seeds `from .. from + count - 1` (this shard's), plain, swarmed, or one Twins case per seed. */
async function exploreSeedRange(
  raw: Record<string, unknown>,
  base: Scenario,
  from: number,
  count: number,
  jobs: number,
  shard: Shard | undefined,
  twins: TwinsPlan | undefined,
  options: ExploreCommandOptions,
  reporting: Reporting,
  io: CommandIo,
): Promise<undefined> {
  const seeds = exploreSeeds(from, count, shard);
  const shardNote = shard === undefined ? "" : `, shard ${shard.index}/${shard.count}`;
  const maxNote = reporting.maxFailures === undefined ? "" : `, stop after ${plural(reporting.maxFailures, "failure")}`;
  io.err(`explore: ${base.name}, seeds ${from}..${from + count - 1}${shardNote} (${seeds.length} to run), ${plural(jobs, "job")}${twins !== undefined ? ", twins" : options.swarm === true ? ", swarm" : ""}${options.checkDeterminism === true ? ", determinism checked" : ""}${maxNote}`);
  const outcomes: SeedOutcome[] = [];
  const maxFailures = reporting.maxFailures;
  await runSeeds(raw, seeds, {
    jobs,
    swarm: options.swarm === true,
    checkDeterminism: options.checkDeterminism === true,
    sharing: sharingOption(options.checkSharing),
    ...(twins !== undefined ? { twins } : {}),
    onOutcome: (outcome) => {
      outcomes.push(outcome);
      arrive(outcome, reporting, io);
    },
    ...(maxFailures === undefined ? {} : { shouldStop: () => reporting.failuresSeen >= maxFailures }),
  });
  settle(outcomes, reporting, io);
  io.err(reporting.tally.progressLine(performance.now() - reporting.started));
  return undefined;
}

/** The guided loop: generations of candidates from the corpus, run on the pool, absorbed in order. */
async function exploreGuided(base: Scenario, from: number, count: number, jobs: number, options: ExploreCommandOptions, reporting: Reporting, io: CommandIo): Promise<string> {
  const generationSize = options.generation === undefined ? GENERATION_SIZE_DEFAULT : positiveInteger("--generation", options.generation);
  const explorer = new GuidedExplorer(planSpace(base), { from, runs: count, generationSize });
  const maxNote = reporting.maxFailures === undefined ? "" : `, stop after ${plural(reporting.maxFailures, "failure")}`;
  io.err(`explore: ${base.name}, guided from seed ${from}, ${plural(count, "run")} in generations of ${generationSize}, ${plural(jobs, "job")}${options.checkDeterminism === true ? ", determinism checked" : ""}${maxNote}`);
  const pool = candidatePool(jobs, { checkDeterminism: options.checkDeterminism === true, sharing: sharingOption(options.checkSharing) });
  const outcomes: CandidateOutcome[] = [];
  try {
    const maxFailures = reporting.maxFailures;
    const enough = (): boolean => maxFailures !== undefined && reporting.failuresSeen >= maxFailures;
    while (!explorer.done) {
      const candidates = explorer.nextGeneration();
      const generationOutcomes = await pool.run(candidates, (outcome) => arrive(outcome, reporting, io), enough);
      outcomes.push(...generationOutcomes);
      // With --max-failures reached in a generation the rest of it is not started and the generation is not
      // absorbed (whether it happened to finish depends on the threads), so the report does not depend on --jobs.
      if (enough()) break;
      const report = explorer.absorb(generationOutcomes);
      io.err(`guided: generation ${report.generation}: ${report.runs} runs (${report.mutants} mutants), coverage ${report.features} features (+${report.newFeatures}), corpus ${report.corpus}, failures ${report.failures}`);
    }
  } finally {
    await pool.close();
  }
  settle(outcomes, reporting, io);
  return guidedTable(explorer);
}

/** Coverage growth per generation, for stdout (deterministic: no wall time). */
function guidedTable(explorer: GuidedExplorer): string {
  const lines = [`guided: ${plural(explorer.history.length, "generation")}, corpus ${plural(explorer.corpus.length, "entry", "entries")}, ${explorer.coverage.size} coverage features`, "generation  runs  fresh  mutants  features    new  corpus  failures"];
  for (const g of explorer.history) {
    lines.push(`${String(g.generation).padStart(10)} ${String(g.runs).padStart(5)} ${String(g.fresh).padStart(6)} ${String(g.mutants).padStart(8)} ${String(g.features).padStart(9)} ${String(g.newFeatures).padStart(6)} ${String(g.corpus).padStart(7)} ${String(g.failures).padStart(9)}`);
  }
  return lines.join("\n");
}

/**
 * The Twins plan of `explore --twins` (defaults in {@link TWINS_DEFAULTS}).
 * @throws InputError on a bad flag, a flag that does not go with --twins, or a base scenario that cannot take Twins cases
 */
function twinsPlanOf(raw: Record<string, unknown>, validators: number, faultsEndUs: number, from: number, options: ExploreCommandOptions): TwinsPlan {
  if (options.seeds !== undefined) throw new InputError("--seeds", "a Twins search runs one seed per case: give --budget instead");
  if (options.swarm === true) throw new InputError("--swarm", "a Twins search runs the base scenario's own faults plus its cases: not with --swarm");
  if (options.enumerate === true && options.sample === true) throw new InputError("--enumerate", "--enumerate and --sample exclude each other");
  const leaders = options.twinLeaders ?? "any";
  if (leaders !== "any" && leaders !== "twins") throw new InputError("--twin-leaders", `expected any or twins, got ${JSON.stringify(leaders)}`);
  checkTwinsBase(raw);
  // The last heal comes halfway through the time faults may take (the run, or the time before phases.livenessAt).
  let healAtUs = Math.floor(faultsEndUs / 2000) * 1000;
  if (options.healAt !== undefined) {
    const us = durationOptionUs("--heal-at", options.healAt, 0);
    if (us >= faultsEndUs) throw new InputError("--heal-at", `must be before the end of the run or phases.livenessAt (${faultsEndUs}us), got ${us}us`);
    healAtUs = us;
  }
  return {
    space: {
      validators,
      twins: options.twinCount === undefined ? TWINS_DEFAULTS.twinCount : nonNegativeInteger("--twin-count", options.twinCount),
      rounds: options.rounds === undefined ? TWINS_DEFAULTS.rounds : positiveInteger("--rounds", options.rounds),
      partitionsMax: options.partitions === undefined ? TWINS_DEFAULTS.partitions : positiveInteger("--partitions", options.partitions),
      leaders,
      allPartitions: options.allPartitions === true,
    },
    budget: options.budget === undefined ? TWINS_DEFAULTS.budget : positiveInteger("--budget", options.budget),
    mode: options.enumerate === true ? "enumerate" : options.sample === true ? "sample" : "auto",
    firstSeed: from,
    healAtUs,
  };
}

/**
 * Runs `shrink` on a seed file and writes the minimal one.
 * @returns 0 when written, 5 when the seed file does not fail its invariant any more
 * @throws InputError when the file cannot be read or is not a seed file, or on a bad option
 */
export function commandShrink(file: string, options: ShrinkCommandOptions, io: CommandIo): number {
  const maxRuns = options.maxRuns === undefined ? 200 : positiveInteger("--max-runs", options.maxRuns);
  const out = checkOutFile("--out", options.out ?? file.replace(/(\.json)?$/, ".min.json"));
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new InputError("", `cannot read seed file ${file}: ${(error as Error).message}`);
  }
  const seedFile = parseSeedFile(text);
  const raw = { ...seedFile.scenario, seed: seedFile.seed };
  const invariant = seedFile.violation.invariant;
  io.err(`shrink: ${file}: keeping the failure of ${invariant}, at most ${maxRuns} runs`);
  const started = performance.now();
  const result = shrinkScenario(
    raw,
    invariant,
    (scenario) => {
      optimizeForSizeBeforeRun(scenario.duration);
      return runScenario(scenario, scenario.l1.enabled ? { programElf: loadProgramElf() } : {});
    },
    { maxRuns },
  );
  const wallMs = performance.now() - started;
  if (!result.reproduced) {
    io.err(`error: the seed file's scenario does not fail ${invariant} any more (${result.report.violation === undefined ? "no violation" : `it fails ${result.report.violation.invariant}`}); nothing to shrink`);
    return EXIT.notReproduced;
  }
  const minimal = buildSeedFile(scenarioToJson(parseScenario(result.raw)), result.report);
  writeOutputFile("--out", out, `${JSON.stringify(minimal, null, 2)}\n`);
  io.out(`shrink: ${result.runs} runs in ${(wallMs / 1000).toFixed(1)} s${result.budgetExhausted ? " (run budget exhausted: the result may shrink further with a larger --max-runs)" : ""}`);
  if (result.removed.length === 0) io.out("removed: nothing (already minimal for these passes)");
  for (const line of result.removed) io.out(`removed: ${line}`);
  io.out(`still fails: ${minimal.violation.invariant} at ${formatDurationUs(minimal.violation.atUs)}: ${minimal.violation.message}`);
  io.out(`minimal seed file written: ${out}`);
  io.out(`reproduce with: npx asset-sim replay ${out}`);
  return EXIT.ok;
}

function positiveInteger(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < 1) throw new InputError(flag, `expected a positive integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

function nonNegativeInteger(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new InputError(flag, `expected a non-negative integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

/**
 * Reruns the seed file at `seedPath` with the HTML report on, into `dir` (made if missing).
 * @returns the report's path: the seed file's name with `.html`
 */
function writeFailureReport(seedPath: string, dir: string): string {
  const seedFile = parseSeedFile(readFileSync(seedPath, "utf8"));
  const out = checkOutDir("--report", dir);
  mkdirSync(out, { recursive: true });
  const path = join(out, `${basename(seedPath, ".json")}.html`);
  runRecorded(parseScenario({ ...seedFile.scenario, seed: seedFile.seed }), { reportPath: path, reportTitle: `asset-sim report: ${basename(seedPath)}` });
  return path;
}
