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
    // A scenario without validators (the "none" layout) has no validator count or signature scheme to show.
    report.validators === 0 ? `scenario ${report.scenario}  seed ${report.seed}  no validators` : `scenario ${report.scenario}  seed ${report.seed}  ${report.validators} validators  ${report.signatureScheme} signatures`,
    `simulated ${seconds(report.virtualDurationUs)} (stopped by ${report.stoppedBy}), ${report.events} events`,
    ...perRollup,
    `messages sent ${m.messages.sent}, delivered ${m.messages.delivered}, dropped ${m.messages.dropped}, duplicated ${m.messages.duplicated}, held ${m.messages.held}${m.rejectedMessages === undefined ? "" : `, rejected ${m.rejectedMessages}`}`,
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
  const legend = legendLine(report, registry === BUILTIN_SYSTEMS);
  if (legend !== undefined) lines.push(legend);
  lines.push(`trace digest ${report.traceDigest}`);
  return lines.join("\n");
}

/**
 * What the words `rollbacks` and `reorgs` in the summary mean, printed when one of them counts something:
 * a rollback is one speculatively executed block of an abandoned fork whose state layer was dropped after a
 * commit (not a safety problem); reorg-bound's reorgs are switches of a validator's head to another fork (the
 * deepest is held to maxReorgDepth); the L1's reorgs are L1 slots rolled back by an l1-reorg fault.
 */
function legendLine(report: RunReport, builtin: boolean): string | undefined {
  if (!builtin) return undefined;
  const m = report.metrics as unknown as { execution?: { rollbacks?: number }; l1?: { reorgs?: number }; rollups?: Record<string, { execution?: { rollbacks?: number }; l1?: { reorgs?: number } }> };
  const sections = m.rollups === undefined ? [m] : Object.values(m.rollups);
  const rollbacks = sections.some((x) => (x.execution?.rollbacks ?? 0) > 0);
  const l1Reorgs = sections.some((x) => (x.l1?.reorgs ?? 0) > 0);
  const headReorgs = report.invariants.some((r) => r.name.endsWith("reorg-bound") && typeof r.figures.reorgs === "number" && r.figures.reorgs > 0);
  if (!rollbacks && !l1Reorgs && !headReorgs) return undefined;
  const parts = [
    ...(rollbacks ? ["rollbacks = speculatively executed blocks of abandoned forks, dropped after a commit (normal under forks)"] : []),
    ...(headReorgs ? ["reorg-bound reorgs = a validator's head switched to another fork (deepestReorg blocks at most, bounded by maxReorgDepth)"] : []),
    ...(l1Reorgs ? ["L1 reorgs = L1 slots rolled back by l1-reorg faults"] : []),
  ];
  return `legend: ${parts.join("; ")} (docs/invariants-and-byzantine.md)`;
}

/** One checker's verdict line (also the testnet summary's). */
export function formatInvariant(r: InvariantResult): string {
  const status = r.skipped !== undefined ? "skip" : r.ok ? "ok" : "FAIL";
  // A figure named ...Us prints under its name without the unit suffix, with a unit on its value ("-" when none).
  const figures = Object.entries(r.figures)
    .map(([k, v]) => (k.endsWith("Us") && (typeof v === "number" || v === null) ? `${k.slice(0, -2)}=${v === null ? "-" : formatDurationUs(v)}` : `${k}=${v}`))
    .join(" ");
  return `  ${status.padEnd(4)} ${r.name.padEnd(16)} ${figures}${r.skipped !== undefined ? `  (${r.skipped})` : ""}`;
}

/** `count` and `word`, in the plural unless count is 1: `1 seed`, `2 seeds`, `0 failures`. */
export function plural(count: number, word: string, pluralWord = `${word}s`): string {
  return `${count} ${count === 1 ? word : pluralWord}`;
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
