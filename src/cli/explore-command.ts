/**
 * `asset-sim explore` and `asset-sim shrink` (wired in `main.ts`):
 *
 *   asset-sim explore SCENARIO --seeds N [--from S] [--jobs J] [--shard i/n] [--swarm]
 *                              [--duration D] [--out DIR] [--check-determinism]
 *   asset-sim explore SCENARIO --twins [--twin-count t] [--rounds R] [--partitions k] [--budget N]
 *                              [--enumerate | --sample] [--twin-leaders any|twins] [--all-partitions]
 *                              [--from S] [--jobs J] [--shard i/n] [--duration D] [--out DIR]
 *   asset-sim shrink SEEDFILE [--out FILE] [--max-runs N]
 *
 * explore exits 0 when every seed passed, 6 when any seed was nondeterministic,
 * else 1 when any safety invariant failed, else 4 when a node threw, else 3
 * (only liveness misses); 2 on bad input. shrink exits 0 when it wrote the
 * minimal seed file, 5 when the seed file no longer fails its invariant, 2 on bad input.
 */
import { availableParallelism } from "node:os";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseDurationUs } from "../config/duration.js";
import { InputError } from "../config/errors.js";
import { ExploreTally, exploreSeeds, parseShard, twinsCaseList, type SeedOutcome, type TwinsPlan } from "../explore/explore.js";
import { checkTwinsBase } from "../explore/twins/twins-scenario.js";
import { parseScenario } from "../scenario/load.js";
import { EXIT, runScenario } from "../scenario/run.js";
import { buildSeedFile, parseSeedFile, seedFileName } from "../scenario/seed-file.js";
import { shrinkScenario } from "../explore/shrink.js";
import { scenarioToJson } from "../scenario/to-json.js";
import { runSeeds } from "../runtime/explore-pool.js";
import { loadProgramElf } from "../runtime/program-files.js";

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
  out: string;
  checkDeterminism?: boolean;
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
}

/** Defaults of a Twins search: one twin, three rounds, two groups, 200 cases (the paper's small settings). */
export const TWINS_DEFAULTS = { twinCount: 1, rounds: 3, partitions: 2, budget: 200 } as const;

/** Options of `shrink`, as commander gives them. */
export interface ShrinkCommandOptions {
  out?: string;
  maxRuns?: string;
}

/**
 * Runs `explore` over the base scenario `raw` (file format, overrides such as `--duration` already applied).
 * @returns the exit code (see the file comment)
 * @throws InputError on a bad option or scenario
 */
export async function commandExplore(raw: Record<string, unknown>, options: ExploreCommandOptions, io: CommandIo): Promise<number> {
  const base = parseScenario(raw);
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
  const shard = options.shard === undefined ? undefined : parseShard(options.shard);
  if (!Number.isSafeInteger(from + count)) throw new InputError("--from", "the seed range leaves the safe integers");
  const seeds = exploreSeeds(from, count, shard);
  const outDir = resolve(options.out);
  const tally = new ExploreTally(seeds.length);
  const started = performance.now();
  let lastProgress = started;
  const shardNote = shard === undefined ? "" : `, shard ${shard.index}/${shard.count}`;
  const mode = twins !== undefined ? ", twins" : options.swarm === true ? ", swarm" : "";
  io.err(`explore: ${base.name}, seeds ${from}..${from + count - 1}${shardNote} (${seeds.length} to run), ${jobs} job(s)${mode}${options.checkDeterminism === true ? ", determinism checked" : ""}`);
  const seedFiles = new Map<number, string>();

  const onOutcome = (outcome: SeedOutcome): void => {
    tally.add(outcome);
    if (outcome.verdict !== "ok") {
      let where = "";
      if (outcome.seedFile !== undefined) {
        mkdirSync(outDir, { recursive: true });
        const path = join(outDir, seedFileName({ scenario: String(outcome.seedFile.scenario.name), seed: outcome.seed, traceDigest: outcome.traceDigest }));
        writeFileSync(path, `${JSON.stringify(outcome.seedFile, null, 2)}\n`);
        seedFiles.set(outcome.seed, path);
        where = ` (seed file ${path})`;
      }
      io.err(`seed ${outcome.seed} ${outcome.verdict} ${outcome.invariant ?? ""}: ${outcome.message ?? ""}${where}`);
    }
    const now = performance.now();
    if (now - lastProgress >= 1000 || tally.done === tally.total) {
      lastProgress = now;
      io.err(tally.progressLine(now - started));
    }
  };
  await runSeeds(raw, seeds, { jobs, swarm: options.swarm === true, checkDeterminism: options.checkDeterminism === true, ...(twins !== undefined ? { twins } : {}), onOutcome });
  const wallMs = performance.now() - started;

  for (const failure of tally.failures) {
    const path = seedFiles.get(failure.seed);
    io.out(`FAIL seed ${failure.seed} ${failure.verdict} ${failure.invariant ?? ""}: ${failure.message ?? ""}`);
    if (failure.swarm !== undefined) io.out(`  ${failure.swarm}`);
    if (failure.twins !== undefined) io.out(`  twins: ${failure.twins}`);
    if (failure.verdict === "nondeterministic") io.out(`  digests: ${failure.traceDigest} ${failure.secondDigest ?? ""}`);
    if (path !== undefined) io.out(`  reproduce with: npx asset-sim replay ${path}`);
  }
  io.out(tally.table(wallMs));
  return tally.exitCode();
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
    const us = parseDurationUs(/^\d+$/.test(options.healAt) ? Number(options.healAt) : options.healAt);
    if (typeof us === "string") throw new InputError("--heal-at", us);
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
  const result = shrinkScenario(raw, invariant, (scenario) => runScenario(scenario, scenario.l1.enabled ? { programElf: loadProgramElf() } : {}), { maxRuns });
  const wallMs = performance.now() - started;
  if (!result.reproduced) {
    io.err(`error: the seed file's scenario does not fail ${invariant} any more (${result.report.violation === undefined ? "no violation" : `it fails ${result.report.violation.invariant}`}); nothing to shrink`);
    return EXIT.notReproduced;
  }
  const out = resolve(options.out ?? file.replace(/(\.json)?$/, ".min.json"));
  const minimal = buildSeedFile(scenarioToJson(parseScenario(result.raw)), result.report);
  writeFileSync(out, `${JSON.stringify(minimal, null, 2)}\n`);
  io.out(`shrink: ${result.runs} runs in ${(wallMs / 1000).toFixed(1)} s${result.budgetExhausted ? " (run budget exhausted: the result may shrink further with a larger --max-runs)" : ""}`);
  if (result.removed.length === 0) io.out("removed: nothing (already minimal for these passes)");
  for (const line of result.removed) io.out(`removed: ${line}`);
  io.out(`still fails: ${minimal.violation.invariant} at ${minimal.violation.atUs}us: ${minimal.violation.message}`);
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
