/**
 * The `asset-sim` command line (commander):
 *
 *   asset-sim run SCENARIO [--seed N] [--duration D] [--out DIR] [--json] [--events FILE] [--check-determinism] [--check-invariants] [--check-sharing [k]]
 *   asset-sim replay FILE [--json] [--events FILE] [--check-sharing [k]]
 *   asset-sim explore SCENARIO --seeds N [--from S] [--jobs J] [--shard i/n] [--swarm | --guided [--generation G]] [--max-failures N]
 *                              [--duration D] [--out DIR] [--check-determinism]
 *   asset-sim explore SCENARIO --twins [--twin-count t] [--rounds R] [--partitions k] [--budget N] [--enumerate | --sample] [--max-failures N] [...]
 *   asset-sim shrink SEEDFILE [--out FILE] [--max-runs N]
 *   asset-sim list
 *   asset-sim node --config FILE        (real mode, see node-command.ts)
 *   asset-sim config-gen --validators N [...]
 *   asset-sim testnet [--validators N] [--clients M] [--duration D] [--tps R] [--scenario FILE] [--keep-dir]   (testnet-command.ts)
 *
 * Exit codes: 0 all invariants held, 1 safety violated, 2 bad input,
 * 3 liveness bound missed, 4 a node threw, 5 replay did not reproduce,
 * 6 two runs of one seed gave different trace digests (`--check-determinism`),
 * 7 a shared answer of the simulator differed from computing it (`--check-sharing`).
 * This is one of the two places (with `runtime/`) allowed real IO.
 */
import { loadProgramElf } from "../runtime/program-files.js";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import type { Observation } from "../check/checker.js";
import { parseDurationUs } from "../config/duration.js";
import { InputError } from "../config/errors.js";
import { parseScenario } from "../scenario/load.js";
import { applyOverrides, type ScenarioOverrides } from "../scenario/overrides.js";
import type { Scenario } from "../scenario/schema.js";
import { EXIT, runScenario, type RunReport } from "../scenario/run.js";
import { CHECK_SHARING_EVERY_DEFAULT, sharingCheckOf, SharingMismatchError, type SharingCheck, type SharingOptions } from "../sim/run-memo.js";
import { sharingOption } from "./sharing-option.js";
import { buildSeedFile, compareReplay, parseSeedFile, seedFileName } from "../scenario/seed-file.js";
import { scenarioToJson } from "../scenario/to-json.js";
import { PACKAGE_VERSION } from "../version.js";
import { formatSpeed, formatSummary } from "./summary.js";
import { commandExplore, commandShrink, type ExploreCommandOptions, type ShrinkCommandOptions } from "./explore-command.js";
import { registerNodeCommands } from "./node-command.js";
import { registerTestnetCommand } from "./testnet-command.js";

/** Where the shipped scenarios live: the package's `sim-scenarios/` (found from this file, built or not). */
const SHIPPED_SCENARIOS = findShippedScenarios(dirname(fileURLToPath(import.meta.url)));

function findShippedScenarios(start: string): string {
  let dir = start;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "sim-scenarios"))) return join(dir, "sim-scenarios");
    dir = dirname(dir);
  }
  return resolve("sim-scenarios");
}

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/**
 * Runs the CLI with `argv` (as `process.argv`: node, script, args...).
 * @returns the exit code; never throws for bad input (exit 2)
 */
export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command()
    .name("asset-sim")
    .description("Deterministic simulation of HotStuff validators on a virtual clock and a faulty network.")
    .version(PACKAGE_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  program
    .command("run")
    .description("run a scenario file (or the name of a shipped scenario) and check its invariants")
    .argument("<scenario>", "scenario JSON file, or a shipped scenario name such as quickstart")
    .option("--seed <n>", "override the scenario's seed (a non-negative integer)")
    .option("--duration <d>", "override the scenario's duration (e.g. 30s, or microseconds)")
    .option("--out <dir>", "where to write the seed file of a failed run", "./sim-failures")
    .option("--json", "print one JSON report on stdout instead of the summary")
    .option("--events <file>", "write every node event (commits, votes, views, timeouts, faults...) to FILE as JSON lines")
    .option("--safety-only", "allow any fault load and check safety only: liveness is reported as skipped (sets phases.safetyOnly)")
    .option("--check-determinism", "run twice and exit 6 if the trace digests differ")
    .option("--check-invariants", "every node checks its own invariants after each change (each validator's mempool; slower)")
    .option("--check-sharing [k]", `recompute every k-th answer the simulated nodes share (block execution, transaction decoding; default k ${CHECK_SHARING_EVERY_DEFAULT}) and exit 7 on a difference`)
    .action((scenarioPath: string, options: RunCommandOptions) => {
      exitCode = commandRun(scenarioPath, options, io);
    });

  program
    .command("replay")
    .description("rerun a seed file and say whether the trace digest and the violation match")
    .argument("<file>", "seed file written by a failed run")
    .option("--json", "print the JSON report (with a `replay` verdict) instead of the summary")
    .option("--events <file>", "write every node event of the rerun to FILE as JSON lines")
    .option("--check-sharing [k]", `recompute every k-th answer the simulated nodes share (default k ${CHECK_SHARING_EVERY_DEFAULT}) and exit 7 on a difference`)
    .action((file: string, options: ReplayCommandOptions) => {
      exitCode = commandReplay(file, options, io);
    });

  program
    .command("explore")
    .description("run many seeds of a scenario (in parallel), or a Twins search (--twins), write a seed file per failure, and print a table")
    .argument("<scenario>", "scenario JSON file, or a shipped scenario name such as quickstart")
    .option("--seeds <n>", "how many seeds to run (required)")
    .option("--from <s>", "first seed (default: the scenario's seed)")
    .option("--jobs <j>", "worker threads (default: the available cores; 1 runs in this thread)")
    .option("--shard <i/n>", "run only shard i of n (1-based): the seeds with (seed - from) % n == i - 1")
    .option("--swarm", "turn on a random subset of fault kinds at random intensities per seed")
    .option("--guided", "coverage-guided: keep a corpus of fault plans that reached new protocol behaviour and mutate them (--seeds is the number of runs)")
    .option("--generation <g>", "with --guided: candidates per generation (default 8); the result does not depend on --jobs")
    .option("--max-failures <n>", "stop after n failures (the first n in seed or run order, whatever --jobs)")
    .option("--duration <d>", "override the scenario's duration (e.g. 10s, or microseconds)")
    .option("--out <dir>", "where to write the seed files of failed seeds", "./sim-failures")
    .option("--check-determinism", "run each seed twice and fail (exit 6) if the trace digests differ")
    .option("--check-sharing [k]", `recompute every k-th answer the simulated nodes share (default k ${CHECK_SHARING_EVERY_DEFAULT}) and exit 7 on a difference`)
    .option("--twins", "Twins search (Bano et al., OPODIS 2021): per case, t twins and a (partition, leader) per round 1..R; one seed per case")
    .option("--twin-count <t>", "with --twins: twins of v0..v{t-1} (default 1)")
    .option("--rounds <R>", "with --twins: rounds (views 1..R) with a partition and a leader each (default 3)")
    .option("--partitions <k>", "with --twins: at most k groups per round (default 2)")
    .option("--budget <n>", "with --twins: most cases to run (default 200); all of them when the distinct cases fit, else a sample")
    .option("--enumerate", "with --twins: take distinct cases in order up to the budget (never sample)")
    .option("--sample", "with --twins: draw cases at random from --from's seed (never enumerate)")
    .option("--twin-leaders <who>", "with --twins: any (default) or twins (only twinned validators lead the rounds)")
    .option("--all-partitions", "with --twins: keep partitions where no group holds a quorum")
    .option("--heal-at <d>", "with --twins: heal every cut at this time if the views have not passed round R (default: half the duration, or of the time before phases.livenessAt)")
    .action(async (scenarioPath: string, options: ExploreCommandOptions & { duration?: string }) => {
      const overrides: ScenarioOverrides = {};
      if (options.duration !== undefined) overrides.durationUs = durationOption(options.duration);
      const { raw, droppedFaults } = applyOverrides(readScenarioJson(scenarioPath), overrides);
      if (droppedFaults > 0) io.err(`note: --duration drops ${droppedFaults} fault action(s) scheduled after the new end`);
      exitCode = await commandExplore(raw, options, io);
    });

  program
    .command("shrink")
    .description("minimise a failing seed file while it still fails the same invariant, and write the minimal seed file")
    .argument("<seedfile>", "seed file written by a failed run")
    .option("--out <file>", "where to write the minimal seed file (default: SEEDFILE with .min.json)")
    .option("--max-runs <n>", "most runs to spend", "200")
    .action((file: string, options: ShrinkCommandOptions) => {
      exitCode = commandShrink(file, options, io);
    });

  registerNodeCommands(program, io, (code) => {
    exitCode = code;
  });
  registerTestnetCommand(program, io, (code) => {
    exitCode = code;
  });

  program
    .command("list")
    .description("list the shipped scenarios")
    .action(() => {
      for (const name of shippedScenarioNames()) io.out(name);
    });

  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return EXIT.ok;
      return EXIT.badInput;
    }
    if (error instanceof InputError) {
      io.err(`error: ${error.message}`);
      return EXIT.badInput;
    }
    // From a worker thread the error arrives as a plain Error with the same name.
    if (error instanceof SharingMismatchError || (error instanceof Error && error.name === "SharingMismatchError")) {
      io.err(`error: ${error.message}`);
      io.err("error: the simulator's shared work (sim/run-memo.ts) gave a different answer than computing it; rerun with ASSET_SIM_SHARING=off for results without sharing");
      return EXIT.sharingMismatch;
    }
    throw error;
  }
  return exitCode;
}

interface RunCommandOptions {
  seed?: string;
  duration?: string;
  out: string;
  json?: boolean;
  events?: string;
  safetyOnly?: boolean;
  checkDeterminism?: boolean;
  checkInvariants?: boolean;
  checkSharing?: string | boolean;
}

interface ReplayCommandOptions {
  json?: boolean;
  events?: string;
  checkSharing?: string | boolean;
}

/** A line saying how many shared answers the check recomputed (stderr). */
function sharingCheckLine(check: SharingCheck | undefined): string | undefined {
  return check === undefined ? undefined : `sharing check: ${check.checked} shared answers recomputed (one in ${check.every}), all equal`;
}

function commandRun(scenarioPath: string, options: RunCommandOptions, io: Io): number {
  const overrides: ScenarioOverrides = {};
  if (options.seed !== undefined) {
    if (!/^\d+$/.test(options.seed) || !Number.isSafeInteger(Number(options.seed))) throw new InputError("--seed", `expected a non-negative integer, got ${JSON.stringify(options.seed)}`);
    overrides.seed = Number(options.seed);
  }
  if (options.duration !== undefined) {
    const us = parseDurationUs(/^\d+$/.test(options.duration) ? Number(options.duration) : options.duration);
    if (typeof us === "string") throw new InputError("--duration", us);
    if (us === 0) throw new InputError("--duration", "must be greater than zero");
    overrides.durationUs = us;
  }
  if (options.safetyOnly === true) overrides.safetyOnly = true;
  const { raw, droppedFaults } = applyOverrides(readScenarioJson(scenarioPath), overrides);
  if (droppedFaults > 0) io.err(`note: --duration drops ${droppedFaults} fault action(s) scheduled after the new end`);
  const scenario = parseScenario(raw);
  const sharing = sharingOption(options.checkSharing);
  const check = sharingCheckOf(sharing, scenario.seed);
  const started = performance.now();
  const report = runWithEventLog(scenario, options.events, options.checkInvariants === true, check === undefined ? sharing : { ...sharing, check });
  const wallMs = performance.now() - started;
  if (report.violation !== undefined) {
    const dir = resolve(options.out);
    mkdirSync(dir, { recursive: true });
    const path = join(dir, seedFileName(report));
    writeFileSync(path, `${JSON.stringify(buildSeedFile(scenarioToJson(scenario), report), null, 2)}\n`);
    report.seedFile = path;
  }
  printReport(report, options.json === true, io);
  io.err(formatSpeed(report, wallMs));
  const checkLine = sharingCheckLine(check);
  if (checkLine !== undefined) io.err(checkLine);
  if (options.checkDeterminism === true) {
    const second = runWithEventLog(scenario, undefined, options.checkInvariants === true, sharing);
    if (second.traceDigest !== report.traceDigest) {
      io.err(`error: nondeterminism: two runs of seed ${scenario.seed} gave different trace digests: first ${report.traceDigest}, second ${second.traceDigest}`);
      return EXIT.nondeterministic;
    }
    io.err(`determinism: both runs gave trace digest ${report.traceDigest}`);
  }
  if (report.stoppedBy === "eventBudget") {
    io.err(`note: the event budget (maxEvents ${scenario.maxEvents}) ended the run at ${report.virtualDurationUs}us of ${scenario.duration}us`);
  }
  if (report.seedFile !== undefined) {
    if (report.violation?.detail) io.err(report.violation.detail);
    io.err(`seed file written: ${report.seedFile}`);
    io.err(`reproduce with: npx asset-sim replay ${report.seedFile}`);
  }
  return report.exitCode;
}

/**
 * True when a seed file's scenario (every default written out) has a
 * validators section without `leaderElection`: it was written before leader
 * reputation, when every run had round-robin leaders.
 */
function namesNoLeaderElection(scenario: unknown): boolean {
  const validatorsOf = (o: unknown): unknown => (typeof o === "object" && o !== null ? (o as Record<string, unknown>).validators : undefined);
  const rollups = typeof scenario === "object" && scenario !== null ? (scenario as Record<string, unknown>).rollups : undefined;
  const sections = Array.isArray(rollups) ? rollups.map(validatorsOf) : [validatorsOf(scenario)];
  return sections.some((v) => typeof v === "object" && v !== null && !("leaderElection" in v));
}

function commandReplay(file: string, options: ReplayCommandOptions, io: Io): number {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new InputError("", `cannot read seed file ${file}: ${(error as Error).message}`);
  }
  const seedFile = parseSeedFile(text);
  if (seedFile.packageVersion !== PACKAGE_VERSION) {
    io.err(`warning: the seed file was written by asset-sim ${seedFile.packageVersion}, this is ${PACKAGE_VERSION}; the digest may differ`);
  }
  if (namesNoLeaderElection(seedFile.scenario)) {
    io.err(
      'warning: the seed file\'s scenario sets no validators.leaderElection: it was written before leader reputation became the default and ran with round-robin leaders; set "leaderElection": "round-robin" in its validators to replay them',
    );
  }
  const scenario = parseScenario({ ...seedFile.scenario, seed: seedFile.seed });
  const sharing = sharingOption(options.checkSharing);
  const check = sharingCheckOf(sharing, scenario.seed);
  const started = performance.now();
  const report = runWithEventLog(scenario, options.events, false, check === undefined ? sharing : { ...sharing, check });
  const wallMs = performance.now() - started;
  const verdict = compareReplay(seedFile, report);
  if (options.json === true) {
    io.out(JSON.stringify({ ...report, replay: verdict }));
  } else {
    io.out(formatSummary(report));
    io.out(`replay: trace digest ${verdict.digestMatches ? "matches" : `differs (recorded ${seedFile.traceDigest})`}`);
    io.out(
      `replay: violation ${verdict.violationMatches ? "matches" : `differs (recorded ${seedFile.violation.invariant} at ${seedFile.violation.atUs}us: ${seedFile.violation.message})`}`,
    );
    io.out(verdict.reproduced ? "replay: reproduced" : "replay: NOT reproduced");
  }
  io.err(formatSpeed(report, wallMs));
  const checkLine = sharingCheckLine(check);
  if (checkLine !== undefined) io.err(checkLine);
  return verdict.reproduced ? report.exitCode : EXIT.notReproduced;
}

/**
 * Runs the scenario; when `path` is given, appends each node event to it as
 * one JSON line (byte payloads become their length).
 * @throws InputError when the file cannot be opened
 */
function runWithEventLog(scenario: Scenario, path: string | undefined, checkInvariants = false, sharing: SharingOptions = {}): RunReport {
  const programElf = scenario.l1.enabled ? loadProgramElf() : undefined;
  const environment = { ...(programElf !== undefined ? { programElf } : {}), ...(checkInvariants ? { checkInvariants } : {}), sharing };
  if (path === undefined) return runScenario(scenario, environment);
  let fd: number;
  try {
    fd = openSync(path, "w");
  } catch (error) {
    throw new InputError("--events", `cannot write ${path}: ${(error as Error).message}`);
  }
  let buffer: string[] = [];
  const flush = (): void => {
    if (buffer.length > 0) writeSync(fd, buffer.join(""));
    buffer = [];
  };
  try {
    return runScenario(scenario, {
      ...environment,
      observer: (o: Observation) => {
        buffer.push(`${JSON.stringify({ timeUs: o.timeUs, node: o.node, event: o.event, ...o.fields }, bytesAsLength)}\n`);
        if (buffer.length >= 1000) flush();
      },
    });
  } finally {
    flush();
    closeSync(fd);
  }
}

/** A `--duration` option: microseconds as digits, or a duration with a unit. */
function durationOption(text: string): number {
  const us = parseDurationUs(/^\d+$/.test(text) ? Number(text) : text);
  if (typeof us === "string") throw new InputError("--duration", us);
  if (us === 0) throw new InputError("--duration", "must be greater than zero");
  return us;
}

function bytesAsLength(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? { bytes: value.length } : value;
}

function printReport(report: RunReport, json: boolean, io: Io): void {
  io.out(json ? JSON.stringify(report) : formatSummary(report));
}

/** Reads a scenario file, falling back to a shipped scenario of that name. */
function readScenarioJson(pathOrName: string): Record<string, unknown> {
  let path = pathOrName;
  if (!existsSync(path)) {
    const shipped = join(SHIPPED_SCENARIOS, pathOrName.endsWith(".json") ? pathOrName : `${pathOrName}.json`);
    if (existsSync(shipped)) path = shipped;
    else throw new InputError("scenario", `no such file ${JSON.stringify(pathOrName)} (shipped scenarios: ${shippedScenarioNames().join(", ")})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new InputError("scenario", `${path} is not readable JSON: ${(error as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new InputError("scenario", `${path} must hold a JSON object`);
  return raw as Record<string, unknown>;
}

function shippedScenarioNames(): string[] {
  try {
    return readdirSync(SHIPPED_SCENARIOS)
      .filter((f) => f.endsWith(".json"))
      .map((f) => f.slice(0, -5))
      .sort();
  } catch {
    return [];
  }
}
