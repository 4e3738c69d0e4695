/**
 * The SBCP system's figures for the run report (`metrics.sbcp`), collected
 * from the events the shared publisher, the sequencers and the clients log:
 * slots, superblocks (and the partial ones), slots without one, xTs
 * submitted, decided true and false, expired and included, the 2PC latency
 * at the SP (from StartSC sent to Decided sent, microseconds, nearest-rank
 * p50/p95/p99), rollbacks, blocks sealed, and the deepest xT queue.
 */
import type { Observation } from "../../check/checker.js";
import type { NodeId } from "../../sim/node.js";
import { percentiles, type Percentiles } from "../validators/metrics.js";
import { SBCP_EVENTS } from "./events.js";

/** `metrics.sbcp`. */
export interface SbcpMetrics {
  slotsStarted: number;
  superblocks: number;
  partialSuperblocks: number;
  /** Slots that ended without a superblock, by reason. */
  superblocksNotBuilt: Record<string, number>;
  xtsSubmitted: number;
  /** Of them, submitted so that they must fail (insufficient balance). */
  xtsMustFail: number;
  xtsDecidedTrue: number;
  xtsDecidedFalse: number;
  xtsExpired: number;
  /** xTids listed in superblocks. */
  xtsIncluded: number;
  localSubmitted: number;
  blocksSealed: number;
  rollbacks: number;
  /** SP restarts recovered from its write-ahead log, sequencer restarts. */
  restarts: number;
  /** Deepest xT queue seen at a slot start or when an xT was queued. */
  queueDepthMax: number;
  /** StartSC to Decided at the SP, microseconds. */
  twoPhaseCommitUs: Percentiles;
}

/** Accumulates {@link SbcpMetrics} from observations. */
export class SbcpMetricsCollector {
  private readonly m: Omit<SbcpMetrics, "twoPhaseCommitUs"> = {
    slotsStarted: 0,
    superblocks: 0,
    partialSuperblocks: 0,
    superblocksNotBuilt: {},
    xtsSubmitted: 0,
    xtsMustFail: 0,
    xtsDecidedTrue: 0,
    xtsDecidedFalse: 0,
    xtsExpired: 0,
    xtsIncluded: 0,
    localSubmitted: 0,
    blocksSealed: 0,
    rollbacks: 0,
    restarts: 0,
    queueDepthMax: 0,
  };
  private readonly startedAt = new Map<string, number>();
  private readonly latencies: number[] = [];
  private readonly booted = new Set<NodeId>();

  /** @param publisher the SP's node id */
  constructor(private readonly publisher: NodeId) {}

  observe(o: Observation): void {
    if (SBCP_EVENTS.is(o, "sbcp-xt-submitted")) {
      this.m.xtsSubmitted++;
      if (o.fields.mustFail) this.m.xtsMustFail++;
    } else if (SBCP_EVENTS.is(o, "sbcp-local-submitted")) {
      this.m.localSubmitted++;
    } else if (SBCP_EVENTS.is(o, "sbcp-block-sealed")) {
      this.m.blocksSealed++;
    } else if (SBCP_EVENTS.is(o, "sbcp-sequencer-started")) {
      if (this.booted.has(o.node)) this.m.restarts++;
      this.booted.add(o.node);
    } else if (o.node === this.publisher) {
      this.observePublisher(o);
    }
  }

  private observePublisher(o: Observation): void {
    if (SBCP_EVENTS.is(o, "sbcp-slot-started")) {
      this.m.slotsStarted++;
      this.m.queueDepthMax = Math.max(this.m.queueDepthMax, o.fields.queued);
    } else if (SBCP_EVENTS.is(o, "sbcp-xt-queued")) {
      this.m.queueDepthMax = Math.max(this.m.queueDepthMax, o.fields.queued);
    } else if (SBCP_EVENTS.is(o, "sbcp-instance-started")) {
      this.startedAt.set(`${o.fields.slot}/${o.fields.xTid}`, o.timeUs);
    } else if (SBCP_EVENTS.is(o, "sbcp-decided")) {
      if (o.fields.decision) this.m.xtsDecidedTrue++;
      else this.m.xtsDecidedFalse++;
      const key = `${o.fields.slot}/${o.fields.xTid}`;
      const at = this.startedAt.get(key);
      if (at !== undefined) this.latencies.push(o.timeUs - at);
      this.startedAt.delete(key);
    } else if (SBCP_EVENTS.is(o, "sbcp-xt-expired")) {
      this.m.xtsExpired++;
    } else if (SBCP_EVENTS.is(o, "sbcp-superblock")) {
      this.m.superblocks++;
      if (o.fields.partial) this.m.partialSuperblocks++;
      this.m.xtsIncluded += o.fields.xTids.length;
    } else if (SBCP_EVENTS.is(o, "sbcp-superblock-not-built")) {
      this.m.superblocksNotBuilt[o.fields.reason] = (this.m.superblocksNotBuilt[o.fields.reason] ?? 0) + 1;
    } else if (SBCP_EVENTS.is(o, "sbcp-rollback")) {
      this.m.rollbacks++;
    } else if (SBCP_EVENTS.is(o, "sbcp-publisher-recovered")) {
      this.m.restarts++;
    }
  }

  /** The figures so far. */
  finish(): SbcpMetrics {
    return { ...this.m, superblocksNotBuilt: { ...this.m.superblocksNotBuilt }, twoPhaseCommitUs: percentiles(this.latencies) };
  }
}
