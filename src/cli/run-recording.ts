/**
 * One run with what the CLI records of it on the side: the event log
 * (`--events FILE`, with `--events-messages` the message events too) and the
 * HTML report (`--report FILE`). Neither changes the run: the same trace
 * digest and report as a run without them.
 */
import { closeSync, openSync, writeFileSync, writeSync } from "node:fs";
import type { Observation } from "../check/checker.js";
import { InputError } from "../config/errors.js";
import { WORLD_NODE } from "../harness/world.js";
import { reportHtml } from "../report/html.js";
import { ReportRecorder } from "../report/report-data.js";
import { runAndJudge, type RunReport } from "../scenario/run.js";
import { ScenarioRun } from "../scenario/scenario-run.js";
import type { Scenario } from "../scenario/schema.js";
import type { SharingOptions } from "../sim/run-memo.js";
import { loadProgramElf } from "../runtime/program-files.js";
import { loadReportAssets } from "./report-assets.js";
import { formatSummary } from "./summary.js";
import { optimizeForSizeBeforeRun } from "./optimize-for-size.js";

/** What to record of a run. */
export interface RecordingOptions {
  /** Write every node event to this file as JSON lines. */
  readonly eventsPath?: string;
  /**
   * With `eventsPath`: only the events inside this window (microseconds, both ends included; `--from`, `--to`),
   * and every `violation` (a safety violation when it is found, a liveness one at the end of the run).
   */
  readonly eventsWindow?: { readonly fromUs: number; readonly toUs: number };
  /** With `eventsPath`: the message events too. */
  readonly eventsMessages?: boolean;
  /** Write the HTML report to this file. */
  readonly reportPath?: string;
  /** The report's title (default: the scenario's name and seed). */
  readonly reportTitle?: string;
  readonly checkInvariants?: boolean;
  /** How the run shares pure work between its simulated nodes, and the `--check-sharing` sample (`sim/run-memo.ts`). */
  readonly sharing?: SharingOptions;
  /** Where a note on the run's heap settings goes (the CLI's stderr; see `optimize-for-size.ts`). */
  readonly note?: (line: string) => void;
  /** Also hands every node event to this listener (the startup trace); it must not change the run. */
  readonly observer?: (o: Observation) => void;
}

/**
 * Runs `scenario` once, recording what `options` ask for.
 * @throws InputError when a file cannot be written, or `eventsMessages` comes without `eventsPath`
 */
export function runRecorded(scenario: Scenario, options: RecordingOptions = {}): RunReport {
  if (options.eventsMessages === true && options.eventsPath === undefined) throw new InputError("--events-messages", "needs --events FILE");
  optimizeForSizeBeforeRun(scenario.duration, options.note);
  const programElf = scenario.l1.enabled ? loadProgramElf() : undefined;
  const run = new ScenarioRun(scenario, {
    ...(programElf !== undefined ? { programElf } : {}),
    ...(options.checkInvariants === true ? { checkInvariants: true } : {}),
    ...(options.sharing !== undefined ? { sharing: options.sharing } : {}),
  });
  if (options.observer !== undefined) run.addObserver(options.observer);
  let recorder: ReportRecorder | undefined;
  if (options.reportPath !== undefined) {
    recorder = new ReportRecorder(scenario, run.world.nodeIds().map((id) => ({ id, role: run.world.spec(id).role, honest: run.world.spec(id).honest })));
    const r = recorder;
    run.addObserver((o) => r.observe(o));
  }
  let fd: number | undefined;
  let buffer: string[] = [];
  const flush = (): void => {
    if (buffer.length > 0 && fd !== undefined) writeSync(fd, buffer.join(""));
    buffer = [];
  };
  if (options.eventsPath !== undefined) {
    try {
      fd = openSync(options.eventsPath, "w");
    } catch (error) {
      throw new InputError("--events", `cannot write ${options.eventsPath}: ${(error as Error).message}`);
    }
    const withMessages = options.eventsMessages === true;
    const window = options.eventsWindow ?? { fromUs: 0, toUs: Number.POSITIVE_INFINITY };
    run.addObserver((o: Observation) => {
      if (!withMessages && o.event.startsWith("message-") && o.node === WORLD_NODE) return;
      if ((o.timeUs < window.fromUs || o.timeUs > window.toUs) && !(o.node === WORLD_NODE && o.event === "violation")) return;
      buffer.push(`${JSON.stringify({ timeUs: o.timeUs, node: o.node, event: o.event, ...o.fields }, bytesAsLength)}\n`);
      if (buffer.length >= 1000) flush();
    });
  }
  if (recorder !== undefined || options.eventsMessages === true) run.world.watchMessages();
  let report: RunReport;
  try {
    report = runAndJudge(run);
  } finally {
    flush();
    if (fd !== undefined) closeSync(fd);
  }
  if (recorder !== undefined && options.reportPath !== undefined) {
    const title = options.reportTitle ?? `asset-sim report: ${report.scenario}, seed ${report.seed}`;
    writeReport(options.reportPath, reportHtml(recorder.finish(title, report, formatSummary(report)), loadReportAssets()));
  }
  return report;
}

function writeReport(path: string, html: string): void {
  try {
    writeFileSync(path, html);
  } catch (error) {
    throw new InputError("--report", `cannot write ${path}: ${(error as Error).message}`);
  }
}

function bytesAsLength(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? { bytes: value.length } : value;
}
