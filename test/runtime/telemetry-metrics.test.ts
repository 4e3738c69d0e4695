/** The metrics the dashboard reads beyond the basic ones, fed by the node's (and the runtime's) events: values and units. */
import { describe, expect, it } from "vitest";
import { NodeMetrics } from "../../src/runtime/telemetry.js";

const h = (n: number): string => n.toString(16).padStart(64, "0");

async function values(metrics: NodeMetrics): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    for (const v of m.values as { value: number; metricName?: string; labels: Record<string, unknown> }[]) {
      const le = v.labels.le;
      out.set(`${v.metricName ?? m.name}${le !== undefined ? `{le=${String(le)}}` : ""}`, v.value);
    }
  }
  return out;
}

describe("node metrics: reorg window, root divergence, batch latency", () => {
  it("each event moves its metric, in the metric's unit", async () => {
    const metrics = new NodeMetrics("v0", { processMetrics: false });
    const t0 = 1_800_000_000_000_000;
    // Blocks 1 <- 2 <- 3, and a fork 1 <- 12 <- 13 <- 14: the head goes 3 -> 14, rolling back 2 blocks.
    for (const [hash, parent, height] of [[1, 0, 1], [2, 1, 2], [3, 2, 3], [12, 1, 2], [13, 12, 3], [14, 13, 4]] as const) {
      metrics.observe(t0 + height * 1000, "block", { hash: h(hash), parent: h(parent), height, view: height, proposer: 0 });
    }
    metrics.observe(t0, "head", { hash: h(2), height: 2, view: 2 });
    metrics.observe(t0, "head", { hash: h(3), height: 3, view: 3 });
    metrics.observe(t0, "head", { hash: h(14), height: 4, view: 5 });
    metrics.observe(t0 + 250_000, "commit", { hash: h(12), height: 2, view: 2, payload: new Uint8Array(0) }); // first seen at t0 + 2 ms
    metrics.observe(t0, "root-divergence", { height: 5, view: 6, proposed: h(1), computed: h(2) });
    metrics.observe(t0, "batch-built", { height: 6, buildUs: 3_000, payload: new Uint8Array(10) });
    metrics.observe(t0, "batch-verified", { height: 6, view: 7, hash: h(6), ok: true, verifyUs: 40_000 });
    metrics.observe(t0, "l1-tx-sent", { signature: "s1", fromBatch: 1, toBatch: 2, attempt: 0 });
    metrics.observe(t0 + 1_500_000, "l1-tx-landed", { signature: "s1", fromBatch: 1, toBatch: 2, slot: 9 });
    metrics.observe(t0, "l1-tx-sent", { signature: "s2", fromBatch: 3, toBatch: 3, attempt: 0 });
    metrics.observe(t0 + 1_000, "l1-tx-failed", { reason: "expired", attempt: 1, retryInUs: 1000 });
    metrics.observe(t0 + 9_000_000, "l1-tx-landed", { signature: "s2", fromBatch: 3, toBatch: 3, slot: 10 }); // forgotten after its failure
    const v = await values(metrics);
    expect(v.get("asset_head_reorg_depth_blocks_count")).toBe(1);
    expect(v.get("asset_head_reorg_depth_blocks_sum")).toBe(2);
    expect(v.get("asset_head_reorg_depth_max_blocks")).toBe(2);
    expect(v.get("asset_root_divergences_total")).toBe(1);
    expect(v.get("asset_batch_build_seconds_sum")).toBeCloseTo(0.003, 9);
    expect(v.get("asset_batch_verify_seconds_sum")).toBeCloseTo(0.04, 9);
    expect(v.get("asset_block_commit_latency_seconds_count")).toBe(1);
    expect(v.get("asset_block_commit_latency_seconds_sum")).toBeCloseTo(0.248, 9);
    expect(v.get("asset_l1_submission_seconds_count")).toBe(1);
    expect(v.get("asset_l1_submission_seconds_sum")).toBeCloseTo(1.5, 9);
    expect(v.get("asset_l1_submissions_failed_total")).toBe(1);
    // A restart forgets the head: the next head is not a reorg.
    metrics.observe(t0, "boot", { committedHeight: 2, lastVotedView: 5, lockedQCView: 5 });
    metrics.observe(t0, "head", { hash: h(2), height: 2, view: 2 });
    expect((await values(metrics)).get("asset_head_reorg_depth_blocks_count")).toBe(1);
  });
});
