/**
 * The `asset-sim` command line (commander):
 *
 *   asset-sim run SCENARIO [--seed N] [--duration D] [--out DIR] [--json] [--events FILE [--from T] [--to T] [--events-messages]] [--report FILE] [--safety-only]
 *                  [--check-determinism] [--check-invariants] [--check-sharing [k]]
 *   asset-sim replay FILE [--json] [--events FILE [--from T] [--to T] [--events-messages]] [--report FILE] [--check-sharing [k]]
 *   asset-sim timeline SEEDFILE|SCENARIO [--from T] [--to T] [--node v0,v1] [--seed N] [--duration D] [--json]   (timeline-command.ts)
 *   asset-sim report SEEDFILE|SCENARIO|RUN.json -o FILE [--seed N] [--duration D]   (report-command.ts)
 *   asset-sim explore SCENARIO --seeds N [--from S] [--jobs J] [--shard i/n|auto] [--swarm | --guided [--generation G]] [--max-failures N]
 *   asset-sim swarm SCENARIO --seeds N [...]   (explore --swarm)
 *                              [--duration D] [--out DIR] [--check-determinism] [--json] [--report DIR] [--check-sharing [k]]
 *   asset-sim merge DIR... [--json] [-o FILE]
 *   asset-sim explore SCENARIO --twins [--twin-count t] [--rounds R] [--partitions k] [--budget N] [--enumerate | --sample] [--max-failures N] [...]
 *   asset-sim shrink SEEDFILE [--out FILE] [--max-runs N]
 *   asset-sim list
 *   asset-sim node --config FILE        (real mode, see node-command.ts)
 *   asset-sim config-gen --validators N [...] [--force]   (or --sbcp [--rollups N] [...]: an SBCP network)
 *   asset-sim l1 [--port P] [--seed S] [--slot-time D] [--upgrade-authority PUBKEY] [--fund PUBKEY]   (l1-command.ts)
 *   asset-sim testnet [--validators N] [--clients M] [--duration D] [--tps R] [--scenario FILE] [--keep-dir]   (testnet-command.ts)
 *   asset-sim testnet --sbcp [--rollups N] [--clients M] [--duration D] [--slot-duration D]   (sbcp-testnet-command.ts)
 *
 * Every command takes `--heap-growth P` (V8's old-generation growth past the live heap, percent;
 * default 30, see `heap-growth.ts`) and `--optimize-for-size auto|always|never` (V8's memory-saving
 * mode; `auto`, the default, turns it on for runs of 4 simulated minutes or more: `optimize-for-size.ts`).
 *
 * Exit codes: 0 all invariants held, 1 safety violated, 2 bad input,
 * 3 liveness bound missed, 4 a node threw, 5 replay did not reproduce,
 * 6 two runs of one seed gave different trace digests (`--check-determinism`),
 * 7 a shared answer of the simulator differed from computing it (`--check-sharing`).
 * Durations on the command line need a unit (`--duration 30s`); `--out` is
 * checked before any work, and a file that cannot be written after the work
 * exits 2 (never 1, which is a safety verdict).
 * This is one of the two places (with `runtime/`) allowed real IO.
 */
import { readScenarioFile, readShippedScenario, shippedScenarioNames } from "../runtime/shipped-scenarios.js";
import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { Command, CommanderError } from "commander";
import type { Observation } from "../check/checker.js";
import { formatDurationUs } from "../config/duration.js";
import { InputError } from "../config/errors.js";
import { parseScenario } from "../scenario/load.js";
import { applyOverrides, type ScenarioOverrides } from "../scenario/overrides.js";
import { EXIT, type RunReport } from "../scenario/run.js";
import { CHECK_SHARING_EVERY_DEFAULT, sharingCheckOf, SharingMismatchError, type SharingCheck } from "../sim/run-memo.js";
import { sharingOption } from "./sharing-option.js";
import { applyHeapGrowth, endHeapGrowth, HEAP_GROWTH_PERCENT_DEFAULT, parseHeapGrowth } from "./heap-growth.js";
import { chooseOptimizeForSize, endOptimizeForSize, parseOptimizeForSize } from "./optimize-for-size.js";
import { buildSeedFile, compareReplay, parseSeedFile, seedFileName } from "../scenario/seed-file.js";
import { scenarioToJson } from "../scenario/to-json.js";
import { PACKAGE_VERSION } from "../version.js";
import { formatSpeed, formatSummary, plural } from "./summary.js";
import type { ExploreCommandOptions, ShrinkCommandOptions } from "./explore-command.js";
import { commandMerge, type MergeCommandOptions } from "./merge-command.js";
import { registerL1Command } from "./l1-command.js";
import { registerNodeCommands } from "./node-command.js";
import { checkOutDir, checkOutFile, durationOptionUs, writeOutputFile } from "./options.js";
import { registerTestnetCommand } from "./testnet-command.js";
import { registerReportCommand } from "./report-command.js";
import { runRecorded } from "./run-recording.js";
import { registerTimelineCommand, timeOption } from "./timeline-command.js";

/** Where the CLI prints: results on `out` (stdout), progress and notes on `err` (stderr). */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/**
 * The `asset-sim` commander program (every command, its options and actions),
 * without parsing anything: `main` parses with it, and a test can parse an
 * invocation in dry form (a `preAction` hook that throws before the action runs)
 * to check that a command line is a valid one.
 * @param setExitCode called by an action with the exit code it ends with
 */
export function cliProgram(io: Io, setExitCode: (code: number) => void): Command {
  const program = new Command()
    .name("asset-sim")
    .description("Deterministic simulation of HotStuff validators on a virtual clock and a faulty network.")
    .version(PACKAGE_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .option("--heap-growth <percent>", "how far the V8 heap may grow past its live data before a major collection, percent (0: V8's own factor, up to 4x); see docs/performance.md", String(HEAP_GROWTH_PERCENT_DEFAULT))
    .option("--optimize-for-size <when>", "V8's memory-saving mode: auto (on for runs of 4 simulated minutes or more), always or never; see docs/performance.md", "auto")
    .hook("preAction", (command) => {
      const options = command.opts();
      applyHeapGrowth(parseHeapGrowth(String(options.heapGrowth)));
      chooseOptimizeForSize(parseOptimizeForSize(String(options.optimizeForSize)));
    });

  program
    .command("run")
    .description("run a scenario file (or the name of a shipped scenario) and check its invariants")
    .argument("<scenario>", "scenario JSON file, or a shipped scenario name such as quickstart")
    .option("--seed <n>", "override the scenario's seed (a non-negative integer)")
    .option("--duration <d>", "override the scenario's duration, with a unit (e.g. 30s, 500ms)")
    .option("--out <dir>", "where to write the seed file of a failed run", "./sim-failures")
    .option("--json", "print one JSON report on stdout instead of the summary")
    .option("--events <file>", "write every node event (commits, votes, views, timeouts, faults, the violation...) to FILE as JSON lines")
    .option("--from <t>", "with --events: only events at or after this time (with a unit: 12s, 1500ms); a violation is always written")
    .option("--to <t>", "with --events: only events at or before this time")
    .option("--events-messages", "with --events: also every message sent, delivered, dropped (and why), duplicated or held")
    .option("--report <file>", "write an HTML report of the run (space-time diagram, timelines, SLO plots) to FILE")
    .option("--safety-only", "allow any fault load and check safety only: liveness is reported as skipped (sets phases.safetyOnly)")
    .option("--check-determinism", "run twice and exit 6 if the trace digests differ")
    .option("--check-invariants", "every node checks its own invariants after each change (each validator's mempool: after every change while it holds at most 64 transactions, amortised above; slower)")
    .option("--check-sharing [k]", `recompute every k-th answer the simulated nodes share (block execution, transaction decoding; default k ${CHECK_SHARING_EVERY_DEFAULT}) and exit 7 on a difference`)
    .action((scenarioPath: string, options: RunCommandOptions) => {
      setExitCode(commandRun(scenarioPath, options, io));
    });

  program
    .command("replay")
    .description("rerun a seed file and say whether the trace digest and the violation match")
    .argument("<file>", "seed file written by a failed run")
    .option("--json", "print the JSON report (with a `replay` verdict) instead of the summary")
    .option("--events <file>", "write every node event of the rerun to FILE as JSON lines")
    .option("--from <t>", "with --events: only events at or after this time (e.g. 12s); a violation is always written")
    .option("--to <t>", "with --events: only events at or before this time")
    .option("--events-messages", "with --events: also every message sent, delivered, dropped (and why), duplicated or held")
    .option("--report <file>", "write an HTML report of the rerun to FILE")
    .option("--check-sharing [k]", `recompute every k-th answer the simulated nodes share (default k ${CHECK_SHARING_EVERY_DEFAULT}) and exit 7 on a difference`)
    .action((file: string, options: ReplayCommandOptions) => {
      setExitCode(commandReplay(file, options, io));
    });

  program
    .command("explore")
    .description("run many seeds of a scenario (in parallel), or a Twins search (--twins), write a seed file per failure, and print a table")
    .argument("<scenario>", "scenario JSON file, or a shipped scenario name such as quickstart")
    .option("--seeds <n>", "how many seeds to run (required)")
    .option("--from <s>", "first seed (default: the scenario's seed)")
    .option("--jobs <j>", "parallel lanes (default: the available cores; 1 runs in this thread only): seeds run in this thread and j - 1 worker threads, --guided candidates on j worker threads")
    .option("--shard <i/n>", "run only shard i of n (1-based): the seeds with (seed - from) % n == i - 1; auto: from ASSET_SIM_SHARD_INDEX or JOB_COMPLETION_INDEX (0-based) and ASSET_SIM_SHARD_COUNT")
    .option("--swarm", "turn on a random subset of fault kinds at random intensities per seed")
    .option("--guided", "coverage-guided: keep a corpus of fault plans that reached new protocol behaviour and mutate them (--seeds is the number of runs)")
    .option("--generation <g>", "with --guided: candidates per generation (default 8); the result does not depend on --jobs")
    .option("--max-failures <n>", "stop after n failures (the first n in seed or run order, whatever --jobs)")
    .option("--duration <d>", "override the scenario's duration, with a unit (e.g. 10s, 500ms)")
    .option("--out <dir>", "where to write the seed files of failed seeds", "./sim-failures")
    .option("--check-determinism", "run each seed twice and fail (exit 6) if the trace digests differ")
    .option("--json", "print one JSON result on stdout (the table goes to stderr) and write it to --out DIR as shard-I-of-N.json, for merge")
    .option("--report <dir>", "write an HTML report per failure into DIR (its seed file rerun; named like the seed file)")
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
    .option("--heal-at <d>", "with --twins: heal every cut at this time (with a unit, e.g. 5s) if the views have not passed round R (default: half the duration, or of the time before phases.livenessAt)")
    .action(async (scenarioPath: string, options: ExploreCommandOptions & { duration?: string }) => {
      const overrides: ScenarioOverrides = {};
      if (options.duration !== undefined) overrides.durationUs = durationOptionUs("--duration", options.duration);
      const { raw, droppedFaults } = applyOverrides(readScenarioJson(scenarioPath), overrides);
      if (droppedFaults > 0) io.err(`note: --duration drops ${plural(droppedFaults, "fault action")} scheduled after the new end`);
      const { commandExplore } = await exploreCommand();
      setExitCode(await commandExplore(raw, options, io));
    });

  program
    .command("swarm")
    .description("swarm testing: explore --swarm (each seed turns on a random subset of fault kinds at random intensities; over an sbcp section, SP and sequencer crashes, lost message types and sequencer disk faults)")
    .argument("<scenario>", "scenario JSON file, or a shipped scenario name such as sbcp-quickstart")
    .option("--seeds <n>", "how many seeds to run (required)")
    .option("--from <s>", "first seed (default: the scenario's seed)")
    .option("--jobs <j>", "parallel lanes (default: the available cores; 1 runs in this thread only): this thread and j - 1 worker threads")
    .option("--shard <i/n>", "run only shard i of n (1-based), as explore --shard")
    .option("--max-failures <n>", "stop after n failures (the first n in seed order, whatever --jobs)")
    .option("--duration <d>", "override the scenario's duration, with a unit (e.g. 10s, 500ms)")
    .option("--out <dir>", "where to write the seed files of failed seeds", "./sim-failures")
    .option("--check-determinism", "run each seed twice and fail (exit 6) if the trace digests differ")
    .option("--json", "print one JSON result on stdout (the table goes to stderr) and write it to --out DIR as shard-I-of-N.json, for merge")
    .option("--report <dir>", "write an HTML report per failure into DIR (its seed file rerun; named like the seed file)")
    .action(async (scenarioPath: string, options: ExploreCommandOptions & { duration?: string }) => {
      const overrides: ScenarioOverrides = {};
      if (options.duration !== undefined) overrides.durationUs = durationOptionUs("--duration", options.duration);
      const { raw, droppedFaults } = applyOverrides(readScenarioJson(scenarioPath), overrides);
      if (droppedFaults > 0) io.err(`note: --duration drops ${plural(droppedFaults, "fault action")} scheduled after the new end`);
      const { commandExplore } = await exploreCommand();
      setExitCode(await commandExplore(raw, { ...options, swarm: true }, io));
    });

  program
    .command("merge")
    .description("combine the shard results of one sweep (explore --json --out DIR) into one table, failures first; report missing or duplicate shards")
    .argument("<dirs...>", "folders holding shard-I-of-N.json (or subfolders of them, one per artifact), or result files")
    .option("--json", "print the merged result as one JSON object")
    .option("-o, --output <file>", "also write the merged result (JSON) to FILE")
    .action((dirs: string[], options: MergeCommandOptions) => {
      setExitCode(commandMerge(dirs, options, io));
    });

  program
    .command("shrink")
    .description("minimise a failing seed file while it still fails the same invariant, and write the minimal seed file")
    .argument("<seedfile>", "seed file written by a failed run")
    .option("--out <file>", "where to write the minimal seed file (default: SEEDFILE with .min.json)")
    .option("--max-runs <n>", "most runs to spend", "200")
    .action(async (file: string, options: ShrinkCommandOptions) => {
      const { commandShrink } = await exploreCommand();
      setExitCode(commandShrink(file, options, io));
    });

  registerNodeCommands(program, io, setExitCode);
  registerL1Command(program, io, setExitCode);
  registerTestnetCommand(program, io, setExitCode);
  registerTimelineCommand(program, io, setExitCode, { readScenarioJson });
  registerReportCommand(program, io, readScenarioJson, setExitCode);

  program
    .command("list")
    .description("list the shipped scenarios")
    .action(() => {
      for (const name of shippedScenarioNames()) io.out(name);
    });

  return program;
}

/**
 * The explore, swarm and shrink commands' module, loaded when one of them runs:
 * `run` does not need it, nor the worker pool, the guided explorer and the
 * Twins search it imports.
 */
function exploreCommand(): Promise<typeof import("./explore-command.js")> {
  return import("./explore-command.js");
}

/**
 * Runs the CLI with `argv` (as `process.argv`: node, script, args...).
 * @returns the exit code; never throws for bad input (exit 2)
 */
export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  if (process.env[STARTUP_TRACE_ENV] === "1") process.stderr.write(`startup: modules loaded at ${performance.now().toFixed(0)} ms wall, ${cpuMs()} ms CPU\n`);
  let exitCode: number = EXIT.ok;
  const program = cliProgram(io, (code) => {
    exitCode = code;
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
  } finally {
    // V8's flags are process-wide: an in-process caller of main gets its process back as it was.
    endOptimizeForSize();
    endHeapGrowth();
  }
  return exitCode;
}

interface RunCommandOptions {
  seed?: string;
  duration?: string;
  out: string;
  json?: boolean;
  events?: string;
  eventsMessages?: boolean;
  report?: string;
  from?: string;
  to?: string;
  safetyOnly?: boolean;
  checkDeterminism?: boolean;
  checkInvariants?: boolean;
  checkSharing?: string | boolean;
}

interface ReplayCommandOptions {
  json?: boolean;
  events?: string;
  eventsMessages?: boolean;
  report?: string;
  from?: string;
  to?: string;
  checkSharing?: string | boolean;
}

/** A line saying how many shared answers the check recomputed (stderr). */
function sharingCheckLine(check: SharingCheck | undefined): string | undefined {
  return check === undefined ? undefined : `sharing check: ${check.checked} shared answers recomputed (one in ${check.every}), all equal`;
}

/** The time window of `--events` (`--from`, `--to`), microseconds. */
interface EventWindow {
  readonly fromUs: number;
  readonly toUs: number;
}

/**
 * The `--from`/`--to` window of an events file.
 * @throws InputError on a bad time, on --to before --from, or on either without --events
 */
function eventWindow(options: { events?: string; from?: string; to?: string }): EventWindow {
  if (options.events === undefined) {
    if (options.from !== undefined) throw new InputError("--from", "filters the events file: give --events FILE too");
    if (options.to !== undefined) throw new InputError("--to", "filters the events file: give --events FILE too");
  }
  const fromUs = options.from === undefined ? 0 : timeOption("--from", options.from);
  const toUs = options.to === undefined ? Number.POSITIVE_INFINITY : timeOption("--to", options.to);
  if (fromUs > toUs) throw new InputError("--to", `must not be before --from (${options.from} > ${options.to})`);
  return { fromUs, toUs };
}

function commandRun(scenarioPath: string, options: RunCommandOptions, io: Io): number {
  const overrides: ScenarioOverrides = {};
  if (options.seed !== undefined) {
    if (!/^\d+$/.test(options.seed) || !Number.isSafeInteger(Number(options.seed))) throw new InputError("--seed", `expected a non-negative integer, got ${JSON.stringify(options.seed)}`);
    overrides.seed = Number(options.seed);
  }
  if (options.duration !== undefined) overrides.durationUs = durationOptionUs("--duration", options.duration);
  const outDir = checkOutDir("--out", options.out);
  if (options.report !== undefined) checkOutFile("--report", options.report);
  if (options.safetyOnly === true) overrides.safetyOnly = true;
  const window = eventWindow(options);
  const { raw, droppedFaults } = applyOverrides(readScenarioJson(scenarioPath), overrides);
  if (droppedFaults > 0) io.err(`note: --duration drops ${plural(droppedFaults, "fault action")} scheduled after the new end`);
  const scenario = parseScenario(raw);
  const sharing = sharingOption(options.checkSharing);
  const check = sharingCheckOf(sharing, scenario.seed);
  const started = performance.now();
  const report = runRecorded(scenario, {
    ...(options.events !== undefined ? { eventsPath: options.events, eventsWindow: window } : {}),
    ...(options.eventsMessages === true ? { eventsMessages: true } : {}),
    ...(options.report !== undefined ? { reportPath: options.report } : {}),
    ...startupTrace(),
    note: io.err,
    sharing: check === undefined ? sharing : { ...sharing, check },
    ...(options.checkInvariants === true ? { checkInvariants: true } : {}),
  });
  const wallMs = performance.now() - started;
  let writeError: InputError | undefined;
  if (report.violation !== undefined) {
    const path = join(outDir, seedFileName(report, scenario.phases.safetyOnly));
    try {
      writeOutputFile("--out", path, `${JSON.stringify(buildSeedFile(scenarioToJson(scenario), report), null, 2)}\n`);
      report.seedFile = path;
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      writeError = error;
    }
  }
  printReport(report, options.json === true, io);
  if (writeError !== undefined) {
    // The run's verdict is printed above; the lost seed file is an IO error (exit 2), never a safety verdict (exit 1).
    io.err(`error: ${writeError.message}`);
    return EXIT.badInput;
  }
  io.err(formatSpeed(report, wallMs));
  const checkLine = sharingCheckLine(check);
  if (checkLine !== undefined) io.err(checkLine);
  if (options.checkDeterminism === true) {
    const second = runRecorded(scenario, { ...(options.checkInvariants === true ? { checkInvariants: true } : {}), sharing });
    if (second.traceDigest !== report.traceDigest) {
      io.err(`error: nondeterminism: two runs of seed ${scenario.seed} gave different trace digests: first ${report.traceDigest}, second ${second.traceDigest}`);
      return EXIT.nondeterministic;
    }
    io.err(`determinism: both runs gave trace digest ${report.traceDigest}`);
  }
  if (report.stoppedBy === "eventBudget") {
    io.err(`note: the event budget (maxEvents ${scenario.maxEvents}) ended the run at ${formatDurationUs(report.virtualDurationUs)} of ${formatDurationUs(scenario.duration)}`);
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
  const window = eventWindow(options);
  if (options.report !== undefined) checkOutFile("--report", options.report);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new InputError("", `cannot read seed file ${file}: ${(error as Error).message}`);
  }
  if (looksLikeScenario(text)) {
    throw new InputError("", `${file} is a scenario file, not a seed file: run it with \`asset-sim run ${file}\` (a failed run writes the seed file that replay reruns)`);
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
  const report = runRecorded(scenario, {
    ...(options.events !== undefined ? { eventsPath: options.events, eventsWindow: window } : {}),
    ...(options.eventsMessages === true ? { eventsMessages: true } : {}),
    ...(options.report !== undefined ? { reportPath: options.report, reportTitle: `asset-sim report: replay of ${basename(file)}` } : {}),
    ...startupTrace(),
    note: io.err,
    sharing: check === undefined ? sharing : { ...sharing, check },
  });
  const wallMs = performance.now() - started;
  const verdict = compareReplay(seedFile, report);
  if (options.json === true) {
    io.out(JSON.stringify({ ...report, replay: verdict }));
  } else {
    io.out(formatSummary(report));
    io.out(`replay: trace digest ${verdict.digestMatches ? "matches" : `differs (recorded ${seedFile.traceDigest})`}`);
    io.out(
      `replay: violation ${verdict.violationMatches ? "matches" : `differs (recorded ${seedFile.violation.invariant} at ${formatDurationUs(seedFile.violation.atUs)}: ${seedFile.violation.message})`}`,
    );
    io.out(verdict.reproduced ? "replay: reproduced" : "replay: NOT reproduced");
  }
  io.err(formatSpeed(report, wallMs));
  const checkLine = sharingCheckLine(check);
  if (checkLine !== undefined) io.err(checkLine);
  return verdict.reproduced ? report.exitCode : EXIT.notReproduced;
}

/** True when `text` is a JSON object that is no seed file (no `format` field) but names a scenario (`name`, as every scenario file does). */
function looksLikeScenario(text: string): boolean {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return false;
  }
  return typeof raw === "object" && raw !== null && !Array.isArray(raw) && !("format" in raw) && typeof (raw as { name?: unknown }).name === "string";
}

/** The environment variable that turns on the startup trace (see {@link startupTrace}). */
export const STARTUP_TRACE_ENV = "ASSET_SIM_STARTUP_TRACE";

/**
 * With `ASSET_SIM_STARTUP_TRACE=1`: run options with an observer that prints once to stderr the
 * wall milliseconds from the process start (`performance.timeOrigin`) to the
 * run's first node event, and the CPU milliseconds spent by then,
 * `startup: first event at 412 ms wall, 380 ms CPU`. A listener only:
 * the trace digest is that of a plain run. Wall time goes to stderr, never into
 * a result.
 * @returns no options when the variable is not set
 */
function startupTrace(): { observer?: (o: Observation) => void } {
  if (process.env[STARTUP_TRACE_ENV] !== "1") return {};
  let seen = false;
  return {
    observer: () => {
      if (seen) return;
      seen = true;
      process.stderr.write(`startup: first event at ${performance.now().toFixed(0)} ms wall, ${cpuMs()} ms CPU (process start to the first node event)\n`);
    },
  };
}

/** CPU time of this process so far (user + system), milliseconds: steadier than wall time on a loaded machine. */
function cpuMs(): string {
  const { user, system } = process.cpuUsage();
  return ((user + system) / 1000).toFixed(0);
}

function printReport(report: RunReport, json: boolean, io: Io): void {
  io.out(json ? JSON.stringify(report) : formatSummary(report));
}

/** Reads a scenario file, falling back to a shipped scenario of that name (`runtime/shipped-scenarios.ts`). */
function readScenarioJson(pathOrName: string): Record<string, unknown> {
  return existsSync(pathOrName) ? readScenarioFile(pathOrName) : readShippedScenario(pathOrName);
}
