/** The validators system's summary lines (what `asset-sim run` prints about consensus, execution and the workload). */
import type { InvariantResult } from "../../check/checker.js";
import type { ConsensusMetrics } from "./metrics.js";

/** Lines for people from one rollup's metrics (committed transactions as the validity checker counted them). */
export function formatValidatorsSummary(metrics: Readonly<Record<string, unknown>>, invariants: readonly InvariantResult[]): string[] {
  const m = metrics as unknown as ConsensusMetrics;
  // A scenario without validators (the "none" layout) has no consensus figures.
  if (m.commits === undefined) return [];
  const committed = String(invariants.find((r) => r.name === "validity")?.figures.transactionsCommitted ?? "?");
  return [
    `commits ${m.commits}  views ${m.views}  timeouts ${m.timeouts} (${m.timeoutCertificates} TCs)  proposals ${m.proposals}  restarts ${m.restarts}`,
    `transactions submitted ${m.transactionsSubmitted}, committed ${committed} (${m.execution.committedTps} tx/s), latency p50 ${ms(m.execution.latencyUs.p50)} p95 ${ms(m.execution.latencyUs.p95)} p99 ${ms(m.execution.latencyUs.p99)}`,
    `blocks: interval p50 ${ms(m.execution.blockIntervalUs.p50)} p95 ${ms(m.execution.blockIntervalUs.p95)}  mempool depth max ${m.execution.mempoolDepthMax} mean ${m.execution.mempoolDepthMean}  root divergences ${m.execution.rootDivergences}  rollbacks ${m.execution.rollbacks}`,
    `rejected at mempool: ${counts(m.execution.rejected)}  failed in execution: ${counts(m.execution.failed)}`,
  ];
}

/** Microseconds as whole milliseconds, `-` for none. */
export function ms(us: number | null): string {
  return us === null ? "-" : `${(us / 1000).toFixed(0)}ms`;
}

/** `reason=count` pairs in name order, `none` for none. */
export function counts(byReason: Record<string, number>): string {
  const entries = Object.entries(byReason).sort(([a], [b]) => (a < b ? -1 : 1));
  return entries.length === 0 ? "none" : entries.map(([k, v]) => `${k}=${v}`).join(" ");
}
