/**
 * `metrics.sbcp.l1`: the SP's L1 path. Superblocks posted (and posts sent
 * again after a reorg, a drop or a rollback), landed, finalized in the
 * registry, found invalid; and the L1 superblock latency, from the SP's
 * `sbcp-superblock` (sealed: built and logged) to the L1 registry finalizing
 * that superblock (`sbcp-l1-registry-finalized`), p50/p95/p99 in
 * microseconds.
 */
import type { Observation } from "../../check/checker.js";
import type { NodeId } from "../../sim/node.js";
import { percentiles, type Percentiles } from "../validators/metrics.js";
import { SBCP_EVENTS } from "./events.js";
import { SBCP_L1_EVENTS } from "./l1-events.js";

/** The SP's L1 figures. */
export interface SbcpL1Metrics {
  /** `publish_superblock` transactions signed and sent (first sends and resubmissions). */
  postsSent: number;
  /** Of those, posts of a number that had landed before (an L1 reorg undid it, or a drop). */
  resubmissions: number;
  /** Posts seen landed by the SP. */
  landed: number;
  /** Superblocks the L1 registry finalized. */
  finalized: number;
  /** Superblocks found invalid (the SP rolled back). */
  invalid: number;
  /** L1 reorgs that undid posts, as the SP saw them. */
  rewinds: number;
  /** Sealed (built by the SP) to finalized in the L1 registry, us. */
  latencyUs: Percentiles;
}

/** Accumulates {@link SbcpL1Metrics}. */
export class SbcpL1MetricsCollector {
  private readonly m = { postsSent: 0, resubmissions: 0, landed: 0, finalized: 0, invalid: 0, rewinds: 0 };
  /** Build time by `number/hash`. */
  private readonly builtAt = new Map<string, number>();
  private readonly latencies: number[] = [];

  /**
   * @param publisher the SP's node id
   * @param l1 the L1 node's id
   */
  constructor(
    private readonly publisher: NodeId,
    private readonly l1: NodeId,
  ) {}

  observe(o: Observation): void {
    if (o.node === this.l1 && SBCP_L1_EVENTS.is(o, "sbcp-l1-registry-finalized")) {
      this.m.finalized++;
      const at = this.builtAt.get(`${o.fields.number}/${o.fields.hash}`);
      if (at !== undefined) this.latencies.push(o.timeUs - at);
      return;
    }
    if (o.node !== this.publisher) return;
    if (SBCP_EVENTS.is(o, "sbcp-superblock")) this.builtAt.set(`${o.fields.number}/${o.fields.hash}`, o.timeUs);
    else if (SBCP_L1_EVENTS.is(o, "sbcp-l1-publish-sent")) {
      this.m.postsSent++;
      if (o.fields.resubmission) this.m.resubmissions++;
    } else if (SBCP_L1_EVENTS.is(o, "sbcp-l1-published")) this.m.landed++;
    else if (SBCP_L1_EVENTS.is(o, "sbcp-l1-invalid")) this.m.invalid++;
    else if (SBCP_L1_EVENTS.is(o, "sbcp-l1-rewound")) this.m.rewinds++;
  }

  /** The figures so far. */
  finish(): SbcpL1Metrics {
    return { ...this.m, latencyUs: percentiles(this.latencies) };
  }
}
