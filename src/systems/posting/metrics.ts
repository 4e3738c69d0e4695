/**
 * The posting system's figures: batch posting, the L1's reorgs and RPC
 * errors, the operator's operations, and batch latency (a transaction's
 * submission to its block's root finalized on L1). All zero or null when the
 * L1 does not run.
 */
import type { Observation } from "../../check/checker.js";
import { percentiles, type Percentiles } from "../validators/metrics.js";
import { POSTING_EVENTS } from "./events.js";

/** L1 and batch-posting figures of one run (all zero or null when the L1 does not run). */
export interface L1Metrics {
  /** Transaction accepted (first submission) to the root of its block finalized on L1, microseconds. */
  batchLatencyUs: Percentiles;
  /** Registry entries finalized on L1, and the L2 height the last one carries. */
  batchesFinalized: number;
  finalizedL2Height: number;
  /** Posting transactions the batch poster signed and sent; `retried` of them were new attempts after a failure; `resent` counts rebroadcasts of an unconfirmed one. */
  transactionsSent: number;
  retried: number;
  resent: number;
  /** Posting transactions that landed (processed), and the ones that failed, by reason (program error name, RPC error code, expired). */
  landed: number;
  failed: Record<string, number>;
  /** L1 reads of the poster that failed, by reason. */
  readFailures: Record<string, number>;
  /** Reorgs the L1 went through, and RPC errors it injected. */
  reorgs: number;
  rpcErrors: number;
  /** Operator operations: `action:ok` or `action:<error>` -> count. */
  operations: Record<string, number>;
}

/** The figures of a rollup without the L1 (or before anything was posted). */
export function emptyL1Metrics(): L1Metrics {
  return {
    batchLatencyUs: { p50: null, p95: null, p99: null },
    batchesFinalized: 0,
    finalizedL2Height: 0,
    transactionsSent: 0,
    retried: 0,
    resent: 0,
    landed: 0,
    failed: {},
    readFailures: {},
    reorgs: 0,
    rpcErrors: 0,
    operations: {},
  };
}

/** Accumulates {@link L1Metrics} from the posting nodes' and the L1's events; call {@link finish} once at the end. */
export class PostingMetricsCollector {
  readonly metrics: L1Metrics = emptyL1Metrics();
  private readonly batchLatencies: number[] = [];

  /** @param takeSubmitTimesThrough the submit times of the transactions committed at heights up to an L2 height (the validators' collector) */
  constructor(private readonly takeSubmitTimesThrough: (l2Height: number) => number[]) {}

  observe(o: Observation): void {
    if (!POSTING_EVENTS.is(o)) return;
    const l = this.metrics;
    const count = (into: Record<string, number>, key: string): void => {
      into[key] = (into[key] ?? 0) + 1;
    };
    switch (o.event) {
      case "l1-tx-sent":
        l.transactionsSent++;
        if (o.fields.attempt > 0) l.retried++;
        break;
      case "l1-tx-resent":
        l.resent++;
        break;
      case "l1-tx-landed":
        l.landed++;
        break;
      case "l1-tx-failed":
        count(l.failed, o.fields.reason);
        break;
      case "l1-read-failed":
        count(l.readFailures, o.fields.reason);
        break;
      case "l1-reorg":
        l.reorgs++;
        break;
      case "l1-rpc-error":
        l.rpcErrors++;
        break;
      case "operator-action":
        count(l.operations, `${o.fields.action}:${o.fields.ok ? "ok" : String(o.fields.error)}`);
        break;
      case "l1-root-finalized": {
        l.batchesFinalized++;
        const l2Height = o.fields.l2Height;
        l.finalizedL2Height = Math.max(l.finalizedL2Height, l2Height);
        for (const t of this.takeSubmitTimesThrough(l2Height)) this.batchLatencies.push(o.timeUs - t);
        break;
      }
    }
  }

  /** The figures at the end of the run. */
  finish(): L1Metrics {
    this.metrics.batchLatencyUs = percentiles(this.batchLatencies);
    return this.metrics;
  }
}

export type { Percentiles };
