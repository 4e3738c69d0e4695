/**
 * `asset-sim report SEEDFILE|SCENARIO -o FILE`: reruns a seed file (or runs a
 * scenario file or shipped scenario) with message events on, and writes one
 * self-contained HTML page: the space-time diagram around the violation, each
 * node's views and committed heights, the SLO plots, the summary and the
 * invariants (`report/`, docs/debugging.md "Report"). A seed file's rerun is
 * compared with what it recorded, as `replay` does.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import { parseDurationUs } from "../config/duration.js";
import { InputError } from "../config/errors.js";
import { parseScenario } from "../scenario/load.js";
import { applyOverrides, type ScenarioOverrides } from "../scenario/overrides.js";
import { compareReplay, parseSeedFile, SEED_FILE_FORMAT } from "../scenario/seed-file.js";
import { runRecorded } from "./run-recording.js";

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Options of `asset-sim report`. */
export interface ReportCommandOptions {
  output?: string;
  seed?: string;
  duration?: string;
}

/**
 * Adds `report` to `program`.
 * @param readScenario reads a scenario file or a shipped scenario's name (as `run` does)
 * @param setExit receives the exit code: 0 when the page is written (whatever the run found), 5 when a seed file's rerun does not reproduce it
 */
export function registerReportCommand(program: Command, io: Io, readScenario: (pathOrName: string) => Record<string, unknown>, setExit: (code: number) => void): void {
  program
    .command("report")
    .description("rerun a seed file (or run a scenario) and write an HTML report: space-time diagram, per-node timelines, SLO plots, invariants")
    .argument("<input>", "seed file, scenario JSON file, or a shipped scenario name")
    .option("-o, --output <file>", "the HTML file to write (required)")
    .option("--seed <n>", "with a scenario: override its seed")
    .option("--duration <d>", "with a scenario: override its duration (e.g. 10s)")
    .action((input: string, options: ReportCommandOptions) => {
      setExit(commandReport(input, options, io, readScenario));
    });
}

function commandReport(input: string, options: ReportCommandOptions, io: Io, readScenario: (pathOrName: string) => Record<string, unknown>): number {
  if (options.output === undefined) throw new InputError("-o", "the report's output file is required (-o report.html)");
  const seedFileText = existsSync(input) ? readFileSync(input, "utf8") : undefined;
  const seedFile = seedFileText !== undefined && isSeedFile(seedFileText) ? parseSeedFile(seedFileText) : undefined;
  if (seedFile !== undefined) {
    if (options.seed !== undefined || options.duration !== undefined) throw new InputError("--seed", "a seed file's run cannot be changed (--seed and --duration are for scenarios)");
    const scenario = parseScenario({ ...seedFile.scenario, seed: seedFile.seed });
    const report = runRecorded(scenario, { reportPath: options.output, reportTitle: `asset-sim report: ${basename(input)}` });
    const verdict = compareReplay(seedFile, report);
    io.err(`report written: ${options.output}`);
    io.err(verdict.reproduced ? "replay: reproduced" : `replay: NOT reproduced (digest ${verdict.digestMatches ? "matches" : "differs"}, violation ${verdict.violationMatches ? "matches" : "differs"})`);
    return verdict.reproduced ? 0 : 5;
  }
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
  const { raw } = applyOverrides(readScenario(input), overrides);
  const report = runRecorded(parseScenario(raw), { reportPath: options.output });
  io.err(`report written: ${options.output} (${report.violation === undefined ? "no violation" : `${report.violation.invariant} at ${report.violation.atUs}us`})`);
  return 0;
}

/** True when `text` is JSON whose `format` is the seed file's. */
function isSeedFile(text: string): boolean {
  try {
    const raw: unknown = JSON.parse(text);
    return typeof raw === "object" && raw !== null && (raw as Record<string, unknown>).format === SEED_FILE_FORMAT;
  } catch {
    return false;
  }
}
