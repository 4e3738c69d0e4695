/**
 * `asset-sim timeline SEEDFILE|SCENARIO [--from T] [--to T] [--node v0,v1] [--seed N] [--duration D] [--json]`:
 * runs a scenario (a seed file: its scenario and seed) and prints one line
 * per view: its time, its leader and where the leader was, how it ended,
 * the commits inside it, and the fault windows drawn over it
 * (`observe/format-timeline.ts`). Without `--from`/`--to` it shows the views
 * around the violation (10 before, 3 after) when the run has one, else the
 * whole run (at most 200 lines, the middle elided). `--json` prints the
 * model (`observe/types.ts`) instead.
 *
 * Exit code 0 once the timeline is printed, whatever the run's verdict
 * (the violation is in the output); 2 for bad input.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { Observation } from "../check/checker.js";
import { InputError } from "../config/errors.js";
import { buildRunTimeline, isTimelineEvent, type RunTimeline } from "../observe/run-timeline.js";
import { formatTimeline } from "../observe/format-timeline.js";
import { loadProgramElf } from "../runtime/program-files.js";
import { durationOptionUs } from "./options.js";
import { parseScenario } from "../scenario/load.js";
import { optimizeForSizeBeforeRun } from "./optimize-for-size.js";
import { applyOverrides, type ScenarioOverrides } from "../scenario/overrides.js";
import { EXIT, runScenario } from "../scenario/run.js";
import { parseSeedFile, SEED_FILE_FORMAT, type SeedFile } from "../scenario/seed-file.js";
import { PACKAGE_VERSION } from "../version.js";

/** Where the command writes. */
export interface TimelineIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** What the command needs from `main.ts`: reading a scenario file or a shipped scenario by name. */
export interface TimelineDeps {
  /** @throws InputError when the file is missing or not a JSON object */
  readScenarioJson: (pathOrName: string) => Record<string, unknown>;
}

/** The command's options as commander hands them. */
export interface TimelineCommandOptions {
  from?: string;
  to?: string;
  node?: string;
  seed?: string;
  duration?: string;
  json?: boolean;
}

/** Registers `timeline` on `program`. */
export function registerTimelineCommand(program: Command, io: TimelineIo, setExit: (code: number) => void, deps: TimelineDeps): void {
  program
    .command("timeline")
    .description("run a seed file or scenario and print one line per view: leader and where it was, outcome, commits, fault windows")
    .argument("<file>", "seed file written by a failed run, scenario JSON file, or a shipped scenario name")
    .option("--from <t>", "show the views from this time on (e.g. 12s, 1500ms, or microseconds)")
    .option("--to <t>", "show the views up to this time")
    .option("--node <ids>", "follow these validators (comma-separated, e.g. v0,v2): a column each, and only their commits")
    .option("--seed <n>", "override the seed (a non-negative integer)")
    .option("--duration <d>", "override the duration (e.g. 30s)")
    .option("--json", "print the timeline model as JSON (views limited by --from/--to when given)")
    .action((file: string, options: TimelineCommandOptions) => {
      setExit(commandTimeline(file, options, io, deps));
    });
}

/**
 * Runs the timeline command.
 * @returns the exit code (0)
 * @throws InputError on a bad file or option
 */
export function commandTimeline(file: string, options: TimelineCommandOptions, io: TimelineIo, deps: TimelineDeps): number {
  const fromUs = options.from === undefined ? undefined : timeOption("--from", options.from);
  const toUs = options.to === undefined ? undefined : timeOption("--to", options.to);
  if (fromUs !== undefined && toUs !== undefined && fromUs > toUs) throw new InputError("--to", `must not be before --from (${options.from} > ${options.to})`);
  const overrides: ScenarioOverrides = {};
  if (options.seed !== undefined) {
    if (!/^\d+$/.test(options.seed) || !Number.isSafeInteger(Number(options.seed))) throw new InputError("--seed", `expected a non-negative integer, got ${JSON.stringify(options.seed)}`);
    overrides.seed = Number(options.seed);
  }
  if (options.duration !== undefined) {
    const us = timeOption("--duration", options.duration);
    if (us === 0) throw new InputError("--duration", "must be greater than zero");
    overrides.durationUs = us;
  }
  const input = readInput(file, deps);
  if (input.seedFile !== undefined && input.seedFile.packageVersion !== PACKAGE_VERSION) {
    io.err(`warning: the seed file was written by asset-sim ${input.seedFile.packageVersion}, this is ${PACKAGE_VERSION}; the run may differ`);
  }
  const { raw, droppedFaults } = applyOverrides(input.raw, overrides);
  if (droppedFaults > 0) io.err(`note: --duration drops ${droppedFaults} fault action(s) scheduled after the new end`);
  const scenario = parseScenario(raw);
  const nodes = options.node === undefined ? [] : options.node.split(",").map((n) => n.trim()).filter((n) => n !== "");

  const observations: Observation[] = [];
  optimizeForSizeBeforeRun(scenario.duration);
  const report = runScenario(scenario, {
    ...(scenario.l1.enabled ? { programElf: loadProgramElf() } : {}),
    observer: (o) => {
      if (isTimelineEvent(o)) observations.push(o);
    },
  });
  const timeline = buildRunTimeline(scenario, observations, { endUs: report.virtualDurationUs });
  if (input.seedFile !== undefined && options.seed === undefined && options.duration === undefined && report.traceDigest !== input.seedFile.traceDigest) {
    io.err(`warning: this run's trace digest ${report.traceDigest} differs from the seed file's ${input.seedFile.traceDigest}: the timeline is not of the recorded run`);
  }
  const instances = new Set(timeline.nodes.map((t) => t.node));
  for (const n of nodes) if (!instances.has(n)) throw new InputError("--node", `unknown validator ${JSON.stringify(n)} (validators: ${[...instances].join(", ")})`);

  if (options.json === true) {
    io.out(JSON.stringify(fromUs === undefined && toUs === undefined ? timeline : withinWindow(timeline, fromUs ?? 0, toUs ?? Number.POSITIVE_INFINITY)));
  } else {
    for (const line of formatTimeline(timeline, { ...(fromUs !== undefined ? { fromUs } : {}), ...(toUs !== undefined ? { toUs } : {}), nodes })) io.out(line);
  }
  return EXIT.ok;
}

/** The timeline with only the views overlapping [fromUs, toUs]. */
function withinWindow(timeline: RunTimeline, fromUs: number, toUs: number): RunTimeline {
  return { ...timeline, views: timeline.views.filter((v) => v.startUs <= toUs && (v.endUs ?? timeline.endUs) >= fromUs) };
}

/** A seed file (its scenario with its seed, and the file) or a scenario, as raw JSON. */
function readInput(file: string, deps: TimelineDeps): { raw: Record<string, unknown>; seedFile?: SeedFile } {
  const raw = deps.readScenarioJson(file);
  if (raw.format !== SEED_FILE_FORMAT) return { raw };
  const seedFile = parseSeedFile(readFileSync(file, "utf8"));
  return { raw: { ...seedFile.scenario, seed: seedFile.seed }, seedFile };
}

/**
 * A time or duration option: a number with a unit (`12s`, `1500ms`); bare digits are refused (`options.ts`).
 * @throws InputError naming the option
 */
export function timeOption(name: string, text: string): number {
  return durationOptionUs(name, text, 0);
}
