/** The human summary of a run (stdout) and the speed line (stderr). */
import type { InvariantResult } from "../check/checker.js";
import type { RunReport } from "../scenario/run.js";
import { formatDurationUs } from "../config/duration.js";

/** Several lines summarising a run for people. */
export function formatSummary(report: RunReport): string {
  const m = report.metrics;
  const lines = [
    `scenario ${report.scenario}  seed ${report.seed}  ${report.validators} validators  ${report.signatureScheme} signatures`,
    `simulated ${seconds(report.virtualDurationUs)} (stopped by ${report.stoppedBy}), ${report.events} events`,
    `commits ${m.commits}  views ${m.views}  timeouts ${m.timeouts} (${m.timeoutCertificates} TCs)  proposals ${m.proposals}  restarts ${m.restarts}`,
    `transactions submitted ${m.transactionsSubmitted}, committed ${committed(report)} (${m.execution.committedTps} tx/s), latency p50 ${ms(m.execution.latencyUs.p50)} p95 ${ms(m.execution.latencyUs.p95)} p99 ${ms(m.execution.latencyUs.p99)}`,
    `blocks: interval p50 ${ms(m.execution.blockIntervalUs.p50)} p95 ${ms(m.execution.blockIntervalUs.p95)}  mempool depth max ${m.execution.mempoolDepthMax} mean ${m.execution.mempoolDepthMean}  root divergences ${m.execution.rootDivergences}  rollbacks ${m.execution.rollbacks}`,
    `rejected at mempool: ${counts(m.execution.rejected)}  failed in execution: ${counts(m.execution.failed)}`,
    ...(m.l1.transactionsSent > 0 || m.l1.batchesFinalized > 0
      ? [
          `L1: batches finalized ${m.l1.batchesFinalized} (L2 height ${m.l1.finalizedL2Height}), batch latency p50 ${ms(m.l1.batchLatencyUs.p50)} p95 ${ms(m.l1.batchLatencyUs.p95)}; posting txs sent ${m.l1.transactionsSent} (retried ${m.l1.retried}, resent ${m.l1.resent}), landed ${m.l1.landed}, failed: ${counts(m.l1.failed)}`,
          `L1: reorgs ${m.l1.reorgs}  rpc errors ${m.l1.rpcErrors}  read failures: ${counts(m.l1.readFailures)}  operations: ${counts(m.l1.operations)}`,
        ]
      : []),
    `messages sent ${m.messages.sent}, delivered ${m.messages.delivered}, dropped ${m.messages.dropped}, duplicated ${m.messages.duplicated}, held ${m.messages.held}, rejected ${m.rejectedMessages}`,
    `faults applied ${m.faultsApplied}`,
    "invariants:",
    ...report.invariants.map(formatInvariant),
  ];
  if (report.violation) {
    lines.push(`VIOLATION ${report.violation.invariant} at ${seconds(report.violation.atUs)}: ${report.violation.message}`);
  }
  lines.push(`trace digest ${report.traceDigest}`);
  return lines.join("\n");
}

function formatInvariant(r: InvariantResult): string {
  const status = r.skipped !== undefined ? "skip" : r.ok ? "ok" : "FAIL";
  const figures = Object.entries(r.figures)
    .map(([k, v]) => `${k}=${typeof v === "number" && k.endsWith("Us") ? formatDurationUs(v) : v}`)
    .join(" ");
  return `  ${status.padEnd(4)} ${r.name.padEnd(16)} ${figures}${r.skipped !== undefined ? `  (${r.skipped})` : ""}`;
}

function committed(report: RunReport): string {
  const validity = report.invariants.find((r) => r.name === "validity");
  return String(validity?.figures.transactionsCommitted ?? "?");
}

function ms(us: number | null): string {
  return us === null ? "-" : `${(us / 1000).toFixed(0)}ms`;
}

function counts(byReason: Record<string, number>): string {
  const entries = Object.entries(byReason).sort(([a], [b]) => (a < b ? -1 : 1));
  return entries.length === 0 ? "none" : entries.map(([k, v]) => `${k}=${v}`).join(" ");
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
