/**
 * Simulator speed with and without the work simulated validators share
 * (`sequencer/shared-work.ts`: block execution once per (parent root, block
 * hash), transaction decoding once per bytes), on the figures issue 15 names
 * (`npm run bench -- --only sharing`):
 *
 * - quickstart (7 validators, 200 tx/s, the L1 on) with ed25519-native signatures;
 * - quickstart with `sim` signatures; with `sim` signatures and no L1;
 * - quickstart with no workload, `sim` signatures, no L1;
 * - high-load (4 validators, 4,000 tx/s, `sim` signatures), 10 s of its 20.
 *
 * Each row runs sharing off, then on, best of `repeat`, and prints simulated
 * seconds per wall second and per CPU second of this process (the CPU figure
 * moves less when other processes load the machine), the digest of each
 * (they must be equal), and the figure the issue measured before this work.
 */
import { parseScenario } from "../src/scenario/load.js";
import { runScenario, type RunReport } from "../src/scenario/run.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadProgramElf, packageRoot } from "../src/runtime/program-files.js";
import type { SharingOptions } from "../src/sim/run-memo.js";

/** A shipped scenario's JSON, as the file holds it. */
export function rawShipped(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(packageRoot(), "sim-scenarios", `${name}.json`), "utf8")) as Record<string, unknown>;
}

/** One row: a shipped scenario with overrides, and the sim s/wall s the issue measured before sharing. */
interface Row {
  readonly label: string;
  readonly raw: Record<string, unknown>;
  /** sim s/wall s measured for issue 15 before this work (2 cores, whole process, `npx asset-sim run`). */
  readonly issueBefore: number;
}

/** quickstart's validators with `sim` signatures. */
export const SIM_SIGNATURES = { count: 7, blockTime: "250ms", viewTimeout: "1s", signatureScheme: "sim" };

function rows(): Row[] {
  const quickstart = rawShipped("quickstart");
  const highLoad = rawShipped("high-load");
  return [
    { label: "quickstart ed25519-native", raw: quickstart, issueBefore: 7.6 },
    { label: "quickstart sim signatures", raw: { ...quickstart, validators: SIM_SIGNATURES }, issueBefore: 12.4 },
    { label: "sim signatures, no L1", raw: { ...quickstart, validators: SIM_SIGNATURES, l1: { enabled: false } }, issueBefore: 14.7 },
    { label: "no workload, sim, no L1", raw: { ...quickstart, validators: SIM_SIGNATURES, l1: { enabled: false }, workload: { txPerSecond: 0 } }, issueBefore: 169 },
    { label: "high-load (10 s)", raw: { ...highLoad, duration: "10s" }, issueBefore: 0.4 },
  ];
}

/** A row's best run: wall and CPU seconds of this process, and the run's report. */
export interface Measure {
  readonly wall: number;
  readonly cpu: number;
  readonly report: RunReport;
}

/** Runs `raw` `repeat` times in this process and keeps the fastest (wall) run, with the least CPU seen. */
export function measure(raw: Record<string, unknown>, sharing: SharingOptions, repeat: number): Measure {
  const scenario = parseScenario(raw);
  const environment = { ...(scenario.l1.enabled ? { programElf: loadProgramElf() } : {}), sharing };
  let best: Measure | undefined;
  for (let i = 0; i < repeat; i++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const report = runScenario(scenario, environment);
    const wall = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpuStart);
    const cpu = (used.user + used.system) / 1e6;
    if (best === undefined || wall < best.wall) best = { wall, cpu: Math.min(cpu, best?.cpu ?? cpu), report };
    else best = { ...best, cpu: Math.min(cpu, best.cpu) };
  }
  return best!;
}

/** Prints the table (see the module docstring). */
export function benchSharing(log: (line: string) => void, repeat: number): void {
  log(`\nshared work between simulated validators: sharing off / on (best of ${repeat}; sim s per wall s and per CPU s of this process)`);
  log("row                          issue before   off wall   on wall    off cpu    on cpu   digest off = on");
  for (const row of rows()) {
    const off = measure(row.raw, { off: true }, repeat);
    const on = measure(row.raw, {}, repeat);
    const simSeconds = on.report.virtualDurationUs / 1e6;
    const f = (x: number): string => (simSeconds / x).toFixed(1).padStart(9);
    const same = off.report.traceDigest === on.report.traceDigest ? `yes ${on.report.traceDigest.slice(0, 12)}` : `NO ${off.report.traceDigest.slice(0, 12)} ${on.report.traceDigest.slice(0, 12)}`;
    log(`${row.label.padEnd(28)} ${row.issueBefore.toFixed(1).padStart(12)} ${f(off.wall)}  ${f(on.wall)}  ${f(off.cpu)}  ${f(on.cpu)}   ${same}`);
  }
}
