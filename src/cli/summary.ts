/** The human summary of a run (stdout) and the speed line (stderr). */
import type { InvariantResult } from "../check/checker.js";
import type { RunReport } from "../scenario/run.js";
import { formatDurationUs } from "../config/duration.js";
import type { SystemRegistry } from "../harness/registry.js";
import type { Scenario } from "../scenario/schema.js";
import { BUILTIN_SYSTEMS } from "../systems/index.js";

/**
 * Several lines summarising a run for people: the run, each system's lines
 * (per rollup when there are several), the network, the faults, the
 * invariants and the digest.
 * @param registry the systems of the run, whose summary lines are printed (default the built-in ones)
 */
export function formatSummary(report: RunReport, registry: SystemRegistry<Scenario> = BUILTIN_SYSTEMS): string {
  const m = report.metrics;
  const systemLines = (metrics: Readonly<Record<string, unknown>>, invariants: readonly InvariantResult[]): string[] => registry.systems.flatMap((s) => s.summary(metrics, invariants));
  const perRollup =
    m.rollups === undefined
      ? systemLines(m as unknown as Record<string, unknown>, report.invariants)
      : Object.entries(m.rollups).flatMap(([name, figures]) => [
          `rollup ${name}:`,
          ...systemLines(figures, report.invariants.filter((r) => r.name.startsWith(`${name}/`)).map((r) => ({ ...r, name: r.name.slice(name.length + 1) }))).map((line) => `  ${line}`),
        ]);
  const lines = [
    `scenario ${report.scenario}  seed ${report.seed}  ${report.validators} validators  ${report.signatureScheme} signatures`,
    `simulated ${seconds(report.virtualDurationUs)} (stopped by ${report.stoppedBy}), ${report.events} events`,
    ...perRollup,
    `messages sent ${m.messages.sent}, delivered ${m.messages.delivered}, dropped ${m.messages.dropped}, duplicated ${m.messages.duplicated}, held ${m.messages.held}, rejected ${m.rejectedMessages}`,
    `faults applied ${m.faultsApplied}`,
    "invariants:",
    ...report.invariants.map(formatInvariant),
  ];
  if (report.violation) {
    lines.push(`VIOLATION ${report.violation.invariant} at ${seconds(report.violation.atUs)}: ${report.violation.message}`);
    if (report.afterViolation !== undefined) {
      lines.push(`continued after the violation (phases.continueAfterViolation): ${report.afterViolation.events} more events, ${seconds(report.afterViolation.virtualDurationUs)} more`);
    }
  }
  lines.push(`trace digest ${report.traceDigest}`);
  return lines.join("\n");
}

/** One checker's verdict line (also the testnet summary's). */
export function formatInvariant(r: InvariantResult): string {
  const status = r.skipped !== undefined ? "skip" : r.ok ? "ok" : "FAIL";
  const figures = Object.entries(r.figures)
    .map(([k, v]) => `${k}=${typeof v === "number" && k.endsWith("Us") ? formatDurationUs(v) : v}`)
    .join(" ");
  return `  ${status.padEnd(4)} ${r.name.padEnd(16)} ${figures}${r.skipped !== undefined ? `  (${r.skipped})` : ""}`;
}

function seconds(us: number): string {
  return `${(us / 1e6).toFixed(3)}s`;
}

/** The speed line: simulated seconds per wall second and events per second. */
export function formatSpeed(report: RunReport, wallMs: number): string {
  const wallSeconds = Math.max(wallMs, 1) / 1000;
  const simSeconds = report.virtualDurationUs / 1e6;
  return `speed: ${simSeconds.toFixed(1)} simulated s in ${wallSeconds.toFixed(2)} wall s = ${(simSeconds / wallSeconds).toFixed(1)} sim s/wall s, ${Math.round(report.events / wallSeconds)} events/s`;
}
