/** The posting system's summary lines (L1 posting figures; none when nothing was posted). */
import type { SettlementMetrics } from "../../settlement/metrics.js";
import type { L1Metrics } from "./metrics.js";
import { counts, ms } from "../validators/summary.js";

/** Lamports as SOL, 3 decimals. */
function sol(lamports: number): string {
  return `${(lamports / 1e9).toFixed(3)} SOL`;
}

/** The optimistic-settlement line (present in optimistic mode only). */
function settlementLines(st: SettlementMetrics | undefined): string[] {
  if (st === undefined) return [];
  const t = st.timeToFinalitySeconds;
  const finality = t === null ? "none final" : `time to finality min ${t.min} s, median ${t.median} s, max ${t.max} s`;
  const bonds = st.bonds === null ? "no bond ledger yet" : `bonds posted ${sol(st.bonds.posted)}, paid ${sol(st.bonds.paid)}, locked ${sol(st.bonds.locked)}`;
  return [
    `Settlement (optimistic, finalized L1): batches final ${st.finalBatches}, ${finality}; games ${st.gamesPlayed} (won by challenger ${st.gamesWonByChallenger}, by poster ${st.gamesWonByPoster}), moves per game [${st.movesPerGame.join(", ")}]; ${bonds}`,
  ];
}

/** Lines for people from one rollup's metrics. */
export function formatPostingSummary(metrics: Readonly<Record<string, unknown>>): string[] {
  const settlement = settlementLines(metrics.settlement as SettlementMetrics | undefined);
  const l = metrics.l1 as L1Metrics | undefined;
  if (l === undefined || (l.transactionsSent === 0 && l.batchesFinalized === 0)) return settlement;
  return [
    ...settlement,
    `L1: batches finalized ${l.batchesFinalized} (L2 height ${l.finalizedL2Height}), batch latency p50 ${ms(l.batchLatencyUs.p50)} p95 ${ms(l.batchLatencyUs.p95)}; posting txs sent ${l.transactionsSent} (retried ${l.retried}, resent ${l.resent}), landed ${l.landed}, failed: ${counts(l.failed)}`,
    `L1: reorgs ${l.reorgs}  rpc errors ${l.rpcErrors}  read failures: ${counts(l.readFailures)}  operations: ${counts(l.operations)}`,
  ];
}
