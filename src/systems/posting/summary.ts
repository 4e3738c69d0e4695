/** The posting system's summary lines (L1 posting figures; none when nothing was posted). */
import type { L1Metrics } from "./metrics.js";
import { counts, ms } from "../validators/summary.js";

/** Lines for people from one rollup's metrics. */
export function formatPostingSummary(metrics: Readonly<Record<string, unknown>>): string[] {
  const l = metrics.l1 as L1Metrics | undefined;
  if (l === undefined || (l.transactionsSent === 0 && l.batchesFinalized === 0)) return [];
  return [
    `L1: batches finalized ${l.batchesFinalized} (L2 height ${l.finalizedL2Height}), batch latency p50 ${ms(l.batchLatencyUs.p50)} p95 ${ms(l.batchLatencyUs.p95)}; posting txs sent ${l.transactionsSent} (retried ${l.retried}, resent ${l.resent}), landed ${l.landed}, failed: ${counts(l.failed)}`,
    `L1: reorgs ${l.reorgs}  rpc errors ${l.rpcErrors}  read failures: ${counts(l.readFailures)}  operations: ${counts(l.operations)}`,
  ];
}
