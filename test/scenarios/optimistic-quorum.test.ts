/**
 * Quorum reads (issue 13): the optimistic poster and the challengers take
 * committed blocks from every validator and accept one once f + 1 sent the
 * same, so validator 0 crashed for good does not stall settlement. The broken
 * variant built here (nodes that listen to validator 0 only, as before) stalls.
 */
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import { BlockQuorum } from "../../src/settlement/block-quorum.js";
import { ChallengerNode } from "../../src/settlement/challenger-node.js";
import { OptimisticPoster } from "../../src/settlement/optimistic-poster.js";
import { runRecorded, scenario } from "../helpers/scenario.js";

/** fraud-proof with validator 0 crashed at 2 s for the rest of the run (f = 1 of 4: consensus goes on). */
const v0Down = () => scenario("fraud-proof", { duration: "90s", invariants: { livenessBound: "20s" }, faults: [{ at: "2s", action: "crash", node: "v0" }] });

const finalHeights = (events: readonly Observation[]) => new Set(events.filter((e) => e.event === "settlement-batch" && e.fields.status === "final").map((e) => e.fields.height as number));

describe("quorum reads of committed blocks", () => {
  it("BlockQuorum accepts a block once f + 1 validators sent the same one, never a block one byzantine validator sent alone", () => {
    const q = new BlockQuorum(["v0", "v1", "v2", "v3"], 2);
    const good = { root: new Uint8Array(32).fill(1), txs: [new Uint8Array([1, 2])] };
    const bad = { root: new Uint8Array(32).fill(9), txs: [new Uint8Array([1, 2])] };
    expect(q.offer("v0", 1, bad, 0)).toBeUndefined();
    expect(q.offer("v0", 1, bad, 0)).toBeUndefined(); // the same sender twice does not count twice
    expect(q.offer("v1", 1, good, 0)).toBeUndefined();
    expect(q.offer("x9", 1, good, 0)).toBeUndefined(); // not a validator
    expect(q.offer("v2", 1, good, 0)).toBe(good);
    expect(q.offer("v3", 1, good, 0)).toBeUndefined(); // accepted once
    expect(q.offer("v1", 1, good, 1)).toBeUndefined(); // already applied
    expect(() => new BlockQuorum(["v0"], 2)).toThrow(RangeError);
  });

  it("validator 0 crashed for good: the poster and the challenger read from the others, the wrong root is defeated and later batches become final", { timeout: 600_000 }, () => {
    const { report, events } = runRecorded(v0Down());
    expect(report.violation).toBeUndefined();
    for (const r of report.invariants) expect(r, r.name).toMatchObject({ ok: true });
    const finals = finalHeights(events);
    console.log("final batches with v0 down:", [...finals].sort((a, b) => a - b).join(","));
    expect(finals.has(3)).toBe(true);
    expect(Math.max(...finals)).toBeGreaterThanOrEqual(6);
    expect(events.some((e) => e.node === "challenger-0" && e.event === "challenger-move" && e.fields.move === "step")).toBe(true);
  });

  it("the broken variant (poster and challenger listen to validator 0 only) stalls once it crashes: nothing is posted past what it sent", { timeout: 600_000 }, () => {
    type Handler = (ctx: unknown, from: string, msg: { type: string }) => void;
    const protos = [OptimisticPoster.prototype, ChallengerNode.prototype] as unknown as { onMessage: Handler }[];
    const originals = protos.map((p) => p.onMessage);
    protos.forEach((p, i) => {
      p.onMessage = function (this: unknown, ctx, from, msg) {
        if (msg.type === "app" && from !== "v0") return;
        originals[i]!.call(this, ctx, from, msg);
      };
    });
    let run;
    try {
      run = runRecorded(v0Down());
    } finally {
      protos.forEach((p, i) => (p.onMessage = originals[i]!));
    }
    const posted = run.events.filter((e) => e.node === "poster" && e.event === "optimistic-move" && e.fields.move === "post").map((e) => e.fields.height as number);
    expect(Math.max(0, ...posted)).toBeLessThanOrEqual(3);
    expect(Math.max(0, ...finalHeights(run.events))).toBeLessThan(3);
  });
});
