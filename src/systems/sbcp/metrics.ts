/**
 * The SBCP system's figures for the run report (`metrics.sbcp`), collected
 * from the events the shared publisher, the sequencers and the clients log:
 * slots, superblocks (and the partial ones), slots without one, xTs
 * submitted, decided true and false, expired and included, the 2PC latency
 * at the SP (from StartSC sent to Decided sent, microseconds, nearest-rank
 * p50/p95/p99), rollbacks, blocks sealed, slot fill (what each sealed block
 * and each superblock carried) and the xT queue's depth.
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
  /** Mean depth of the xT queue at the slot starts (0 with no slot), two decimals. */
  queueDepthMeanAtSlotStart: number;
  /** What the slots carried (means with two decimals; 0 with none). */
  slotFill: SlotFill;
  /** StartSC to Decided at the SP, microseconds. */
  twoPhaseCommitUs: Percentiles;
}

/** Slot fill: transactions per sealed L2 block, and xTs and chains per superblock. */
export interface SlotFill {
  /** Mean and largest count of transactions (local, xT parts and mailbox ones) in a sealed L2 block. */
  blockTxsMean: number;
  blockTxsMax: number;
  /** Mean count of xTs a superblock includes. */
  xtsPerSuperblockMean: number;
  /** Mean share of the rollups whose block a superblock carries (1 when every superblock is whole). */
  chainsPerSuperblockShare: number;
}

/** Accumulates {@link SbcpMetrics} from observations. */
export class SbcpMetricsCollector {
  private readonly m: Omit<SbcpMetrics, "twoPhaseCommitUs" | "queueDepthMeanAtSlotStart" | "slotFill"> = {
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
  private queueDepthSum = 0;
  private blockTxsSum = 0;
  private blockTxsMax = 0;
  private chainShareSum = 0;

  /**
   * @param publisher the SP's node id
   * @param rollups how many rollups the SP serves (for the chain share of a superblock)
   */
  constructor(
    private readonly publisher: NodeId,
    private readonly rollups: number,
  ) {}

  observe(o: Observation): void {
    if (SBCP_EVENTS.is(o, "sbcp-xt-submitted")) {
      this.m.xtsSubmitted++;
      if (o.fields.mustFail) this.m.xtsMustFail++;
    } else if (SBCP_EVENTS.is(o, "sbcp-local-submitted")) {
      this.m.localSubmitted++;
    } else if (SBCP_EVENTS.is(o, "sbcp-block-sealed")) {
      this.m.blocksSealed++;
      this.blockTxsSum += o.fields.txs;
      this.blockTxsMax = Math.max(this.blockTxsMax, o.fields.txs);
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
      this.queueDepthSum += o.fields.queued;
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
      this.chainShareSum += o.fields.blocks.length / this.rollups;
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
    const mean = (sum: number, n: number): number => (n === 0 ? 0 : Math.round((sum / n) * 100) / 100);
    return {
      ...this.m,
      superblocksNotBuilt: { ...this.m.superblocksNotBuilt },
      queueDepthMeanAtSlotStart: mean(this.queueDepthSum, this.m.slotsStarted),
      slotFill: {
        blockTxsMean: mean(this.blockTxsSum, this.m.blocksSealed),
        blockTxsMax: this.blockTxsMax,
        xtsPerSuperblockMean: mean(this.m.xtsIncluded, this.m.superblocks),
        chainsPerSuperblockShare: mean(this.chainShareSum, this.m.superblocks),
      },
      twoPhaseCommitUs: percentiles(this.latencies),
    };
  }
}
