/** Test helpers: load shipped scenarios and fixtures, run them, and record what nodes log. */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { InvariantResult, Observation } from "../../src/check/checker.js";
import { ScenarioRun } from "../../src/scenario/scenario-run.js";
import { parseScenario } from "../../src/scenario/load.js";
import { applyOverrides } from "../../src/scenario/overrides.js";
import { runAndJudge, runScenario as runScenarioWith, type RunOptions, type RunReport } from "../../src/scenario/run.js";
import { loadProgramElf } from "../../src/runtime/program-files.js";
import type { Scenario } from "../../src/scenario/schema.js";
import type { SystemRegistry } from "../../src/harness/registry.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** The raw JSON of `sim-scenarios/<name>.json` or `test/fixtures/<name>.json`. */
export function rawScenario(name: string, where: "sim-scenarios" | "fixtures" = "sim-scenarios"): Record<string, unknown> {
  const path = where === "sim-scenarios" ? join(ROOT, "sim-scenarios", `${name}.json`) : join(ROOT, "test/fixtures", `${name}.json`);
  return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
}

/**
 * A parsed shipped scenario with optional top-level field replacements; a
 * `durationUs` cuts the run short the way `--duration` does (later faults dropped).
 */
export function scenario(name: string, fields: Record<string, unknown> = {}, durationUs?: number, where: "sim-scenarios" | "fixtures" = "sim-scenarios"): Scenario {
  const raw = { ...rawScenario(name, where), ...fields };
  return parseScenario(durationUs === undefined ? raw : applyOverrides(raw, { durationUs }).raw);
}

/** Runs a scenario and keeps every node event (payloads included). */
export function runRecorded(s: Scenario): { report: RunReport; events: Observation[]; cluster: ScenarioRun } {
  const cluster = new ScenarioRun(s, { programElf: loadProgramElf(), checkInvariants: checksAffordable(s) });
  const events: Observation[] = [];
  cluster.addObserver((o) => events.push(o));
  return { report: runAndJudge(cluster), events, cluster };
}

/** Times (us) at which the chain reached a new committed height. */
export function newHeightTimes(events: readonly Observation[]): number[] {
  let highest = 0;
  const times: number[] = [];
  for (const e of events) {
    if (e.event !== "commit") continue;
    const h = e.fields.height as number;
    if (h > highest) {
      highest = h;
      times.push(e.timeUs);
    }
  }
  return times;
}

/** Runs a scenario with the shipped program binary (see `runScenario` in src/scenario/run.ts). */
export function runScenario(s: Scenario, options: RunOptions = {}): RunReport {
  // Tests run every node's own invariant checks after each change (the mempool's), where affordable.
  return runScenarioWith(s, { programElf: loadProgramElf(), checkInvariants: checksAffordable(s), ...options });
}

/** The verdict of the invariant `name` in a report. @throws Error when the report has no such invariant */
export function invariant(report: RunReport, name: string): InvariantResult {
  const result = report.invariants.find((r) => r.name === name);
  if (result === undefined) throw new Error(`no invariant ${name}`);
  return result;
}

/**
 * Whether a test runs the nodes' own invariant checks after each change: the
 * mempool's check is O(pool) per change, about 1.25x on the quickstart (200
 * tx/s) but 9x on high-load (4,000 tx/s, thousands pending), so above 1,000
 * tx/s offered it is left off.
 */
export function checksAffordable(s: Scenario): boolean {
  return s.rollups.every((r) => r.workload.txPerSecond <= 1_000);
}

/** Parses and runs a raw scenario with a registry, keeping every event; `watch` sees each event with the run (to inspect nodes). */
export function runWatched(raw: Record<string, unknown>, registry?: SystemRegistry<Scenario>, watch?: (run: ScenarioRun, o: Observation) => void): { report: RunReport; events: Observation[] } {
  const options = registry === undefined ? {} : { registry };
  const run = new ScenarioRun(parseScenario(raw, options), options);
  const events: Observation[] = [];
  run.addObserver((o) => {
    events.push(o);
    watch?.(run, o);
  });
  return { report: runAndJudge(run), events };
}
