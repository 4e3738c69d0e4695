/**
 * `asset-sim report SEEDFILE|SCENARIO -o FILE`: reruns a seed file (or runs a
 * scenario file or shipped scenario) with message events on, and writes one
 * self-contained HTML page: the space-time diagram around the violation, each
 * node's views and committed heights, the SLO plots, the summary and the
 * invariants (`report/`, docs/debugging.md "Report"). A seed file's rerun is
 * compared with what it recorded, as `replay` does.
 *
 * It also takes RUN.json, the JSON report of a run (`run --json > run.json`):
 * the run it names is rerun (its seed file when the run wrote one, else the
 * shipped scenario of that name at the report's seed and duration) and its
 * trace digest must equal the report's (exit 5 otherwise).
 */
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import { InputError } from "../config/errors.js";
import { parseScenario } from "../scenario/load.js";
import { applyOverrides, type ScenarioOverrides } from "../scenario/overrides.js";
import { compareReplay, parseSeedFile, SEED_FILE_FORMAT } from "../scenario/seed-file.js";
import { checkOutFile, durationOptionUs } from "./options.js";
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
    .argument("<input>", "seed file, scenario JSON file, a shipped scenario name, or a run's JSON report (run --json > run.json)")
    .option("-o, --output <file>", "the HTML file to write (required)")
    .option("--seed <n>", "with a scenario: override its seed")
    .option("--duration <d>", "with a scenario: override its duration (e.g. 10s)")
    .action((input: string, options: ReportCommandOptions) => {
      setExit(commandReport(input, options, io, readScenario));
    });
}

function commandReport(input: string, options: ReportCommandOptions, io: Io, readScenario: (pathOrName: string) => Record<string, unknown>): number {
  if (options.output === undefined) throw new InputError("-o", "the report's output file is required (-o report.html)");
  checkOutFile("-o", options.output);
  const text = existsSync(input) ? readFileSync(input, "utf8") : undefined;
  const runReport = text !== undefined ? runReportOf(text) : undefined;
  if (runReport !== undefined) {
    if (options.seed !== undefined || options.duration !== undefined) throw new InputError("--seed", "a run report's run cannot be changed (--seed and --duration are for scenarios)");
    if (runReport.seedFile !== undefined && existsSync(runReport.seedFile)) return commandReport(runReport.seedFile, options, io, readScenario);
    const overrides: ScenarioOverrides = { seed: runReport.seed, ...(runReport.stoppedBy === "duration" ? { durationUs: runReport.virtualDurationUs } : {}) };
    let scenarioRaw: Record<string, unknown>;
    try {
      scenarioRaw = readScenario(runReport.scenario);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      throw new InputError("input", `${input} is the JSON report of a run of scenario ${JSON.stringify(runReport.scenario)}, which is not a shipped scenario and wrote no seed file: give the scenario file (with --seed ${runReport.seed}) or a seed file`);
    }
    const report = runRecorded(parseScenario(applyOverrides(scenarioRaw, overrides).raw), { reportPath: options.output, reportTitle: `asset-sim report: ${basename(input)}` });
    io.err(`report written: ${options.output}`);
    const same = report.traceDigest === runReport.traceDigest;
    io.err(same ? "rerun: trace digest matches the run report" : `rerun: trace digest differs (report ${runReport.traceDigest}, rerun ${report.traceDigest}): the run was made with other settings or another version`);
    return same ? 0 : 5;
  }
  const seedFile = text !== undefined && isSeedFile(text) ? parseSeedFile(text) : undefined;
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
  if (options.duration !== undefined) overrides.durationUs = durationOptionUs("--duration", options.duration);
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

/** What `report` needs of a run's JSON report (`run --json`): the run's name, seed, length, digest and seed file. */
interface RunReportInput {
  readonly scenario: string;
  readonly seed: number;
  readonly virtualDurationUs: number;
  readonly stoppedBy: string;
  readonly traceDigest: string;
  readonly seedFile?: string;
}

/** The run report in `text` (a JSON object with the fields of {@link RunReportInput}), or undefined when it is not one. */
function runReportOf(text: string): RunReportInput | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== "object" || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const ok =
    typeof r.scenario === "string" &&
    Number.isSafeInteger(r.seed) &&
    Number.isSafeInteger(r.virtualDurationUs) &&
    typeof r.stoppedBy === "string" &&
    typeof r.traceDigest === "string" &&
    Array.isArray(r.invariants) &&
    (r.seedFile === undefined || typeof r.seedFile === "string");
  if (!ok) return undefined;
  return {
    scenario: r.scenario as string,
    seed: r.seed as number,
    virtualDurationUs: r.virtualDurationUs as number,
    stoppedBy: r.stoppedBy as string,
    traceDigest: r.traceDigest as string,
    ...(typeof r.seedFile === "string" ? { seedFile: r.seedFile } : {}),
  };
}
