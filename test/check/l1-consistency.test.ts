import { describe, expect, it } from "vitest";
import { L1ConsistencyChecker, PostingLivenessChecker } from "../../src/check/posting/l1-consistency.js";
import type { Observation } from "../../src/check/checker.js";

const ROOT_A = "aa".repeat(32);
const ROOT_B = "bb".repeat(32);
/** The honest validators whose committed roots count. */
const HONEST: ReadonlySet<string> = new Set(["v0", "v1", "v2", "v3"]);

function committed(height: number, root: string, timeUs = height * 250_000, node = "v0"): Observation {
  return { timeUs, node, event: "state-root", fields: { height, root } };
}

function finalized(batch: number, root: string, k = 1, extra: Record<string, unknown> = {}, timeUs = 20_000_000): Observation {
  return { timeUs, node: "l1", event: "l1-root-finalized", fields: { batch, l2Height: batch * k, root, slot: batch, ...extra } };
}

describe("L1 consistency checker", () => {
  it("accepts contiguous finalized roots equal to the committed ones", () => {
    const c = new L1ConsistencyChecker(1, HONEST);
    for (let h = 1; h <= 3; h++) expect(c.observe(committed(h, ROOT_A))).toBeUndefined();
    for (let b = 1; b <= 3; b++) expect(c.observe(finalized(b, ROOT_A))).toBeUndefined();
    expect(c.finish()).toMatchObject({ ok: true, figures: { finalizedBatches: 3, rootDivergences: 0 } });
  });

  it("reports a root divergence with both roots", () => {
    const c = new L1ConsistencyChecker(1, HONEST);
    c.observe(committed(1, ROOT_A));
    const v = c.observe(finalized(1, ROOT_B));
    expect(v?.message).toMatch(/root divergence: batch 1 .* finalized root bbbb.* committed root aaaa/);
    expect(c.finish()).toMatchObject({ ok: false, figures: { rootDivergences: 1 } });
  });

  it("reports a gap, a repeated height and a misplaced entry", () => {
    const gap = new L1ConsistencyChecker(1, HONEST);
    gap.observe(committed(1, ROOT_A));
    gap.observe(committed(2, ROOT_A));
    expect(gap.observe(finalized(2, ROOT_A))?.message).toMatch(/follows batch 0/);

    const twice = new L1ConsistencyChecker(1, HONEST);
    twice.observe(committed(1, ROOT_A));
    expect(twice.observe(finalized(1, ROOT_A))).toBeUndefined();
    expect(twice.observe(finalized(1, ROOT_A))?.message).toMatch(/finalized batch 1 follows batch 1/);

    const misplaced = new L1ConsistencyChecker(1, HONEST);
    expect(misplaced.observe(finalized(1, ROOT_A, 1, { misplaced: "the entry at position 1 says height 7" }))?.message).toMatch(/says height 7/);
  });

  it("reports a root posted for a height nobody committed, and maps batches to L2 heights with K", () => {
    const c = new L1ConsistencyChecker(4, HONEST);
    c.observe(committed(4, ROOT_A));
    expect(c.observe(finalized(1, ROOT_A, 4))).toBeUndefined();
    expect(c.observe(finalized(2, ROOT_A, 4))?.message).toMatch(/L2 height 8, which no validator has committed/);
  });

  it("ignores unexecutable state roots and non-validators", () => {
    const c = new L1ConsistencyChecker(1, HONEST);
    c.observe({ timeUs: 0, node: "v1", event: "state-root", fields: { height: 1, root: "unexecutable" } });
    c.observe({ timeUs: 0, node: "c0", event: "state-root", fields: { height: 1, root: ROOT_B } });
    c.observe(committed(1, ROOT_A, 0, "v2"));
    expect(c.observe(finalized(1, ROOT_A))).toBeUndefined();
  });
});

describe("posting liveness checker", () => {
  const commits = (c: PostingLivenessChecker, upTo: number): void => {
    for (let h = 1; h <= upTo; h++) c.observe(committed(h, ROOT_A, h * 1_000_000));
  };

  it("passes when the finalized posted height reaches what was committed a bound before the end", () => {
    const c = new PostingLivenessChecker(10_000_000, 1, { healAtUs: 0 }, HONEST);
    commits(c, 30);
    c.observe(finalized(20, ROOT_A, 1, {}, 29_000_000));
    expect(c.finish(30_000_000)).toMatchObject({ ok: true, figures: { targetHeight: 20, finalizedPostedHeight: 20 } });
  });

  it("fails when posting lags past the bound", () => {
    const c = new PostingLivenessChecker(10_000_000, 1, { healAtUs: 0 }, HONEST);
    commits(c, 30);
    c.observe(finalized(12, ROOT_A));
    const r = c.finish(30_000_000);
    expect(r.ok).toBe(false);
    expect(r.violation?.message).toMatch(/L2 height 20 was committed by 20.0 s, but .* finalized posted height is 12/);
  });

  it("rounds the target down to a batch boundary, and skips when not expected or too short", () => {
    const k = new PostingLivenessChecker(10_000_000, 4, { healAtUs: 0 }, HONEST);
    commits(k, 30);
    k.observe(finalized(5, ROOT_A, 4));
    expect(k.finish(30_000_000)).toMatchObject({ ok: true, figures: { targetHeight: 20 } });

    const paused = new PostingLivenessChecker(10_000_000, 1, { healAtUs: 0, notExpectedBecause: "posting stays paused" }, HONEST);
    commits(paused, 30);
    expect(paused.finish(30_000_000)).toMatchObject({ ok: true, skipped: "posting stays paused" });

    const short = new PostingLivenessChecker(10_000_000, 1, { healAtUs: 25_000_000 }, HONEST);
    commits(short, 30);
    expect(short.finish(30_000_000).skipped).toMatch(/less than postingLivenessBound/);
  });
});
