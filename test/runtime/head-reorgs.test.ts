/**
 * The reorg window a real node reports (`asset_head_reorg_depth_blocks`,
 * `runtime/head-reorgs.ts`): measured from each validator's own `block` and
 * `head` events, it must agree with the simulator's reorg-bound checker
 * (which builds one graph from every validator's blocks) on a run with
 * reorgs; a naive measure (how far the head's height went down) is caught
 * disagreeing on the same run.
 */
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import { HeadReorgs } from "../../src/runtime/head-reorgs.js";
import { invariant, runRecorded, scenario } from "../helpers/scenario.js";

const h = (n: number): string => n.toString(16).padStart(64, "0");

/** Depths of every move back of each node's head, from its own events, with `measure` (default: HeadReorgs). */
function depthsByNode(events: readonly Observation[], measure: () => { block(hash: string, parent: string, height: number): void; moveHead(hash: string, height: number): number; boot(): void } = () => new HeadReorgs()): Map<string, number[]> {
  const nodes = new Map<string, { m: ReturnType<typeof measure>; depths: number[] }>();
  for (const e of events) {
    if (e.event !== "block" && e.event !== "head" && e.event !== "boot") continue;
    let n = nodes.get(e.node);
    if (n === undefined) nodes.set(e.node, (n = { m: measure(), depths: [] }));
    if (e.event === "block") n.m.block(e.fields.hash as string, e.fields.parent as string, e.fields.height as number);
    else if (e.event === "boot") n.m.boot();
    else {
      const depth = n.m.moveHead(e.fields.hash as string, e.fields.height as number);
      if (depth > 0) n.depths.push(depth);
    }
  }
  return new Map([...nodes].map(([id, n]) => [id, n.depths]));
}

describe("head reorg depth (real mode's reorg window)", () => {
  it("0 when the head extends, the rolled-back blocks when it moves to a fork, 0 after a boot or past the window", () => {
    const r = new HeadReorgs();
    // genesis g=h(0); chain 1 <- 2 <- 3 and a fork 2 <- 13 <- 14
    r.block(h(1), h(0), 1);
    r.block(h(2), h(1), 2);
    r.block(h(3), h(2), 3);
    r.block(h(13), h(2), 3);
    r.block(h(14), h(13), 4);
    expect(r.moveHead(h(1), 1)).toBe(0); // first head
    expect(r.moveHead(h(3), 3)).toBe(0); // extends
    expect(r.moveHead(h(14), 4)).toBe(1); // 3 rolled back, common ancestor 2
    expect(r.moveHead(h(1), 1)).toBe(3); // back to 1: 14, 13, 2
    r.boot();
    expect(r.moveHead(h(3), 3)).toBe(0); // a restart is not a reorg
    // A window of two blocks forgets the ancestors: the move counts 0, as the checker counts unknown blocks.
    const small = new HeadReorgs(2);
    for (const [hash, parent, height] of [[1, 0, 1], [2, 1, 2], [3, 2, 3], [12, 1, 2], [13, 12, 3]] as const) small.block(h(hash), h(parent), height);
    expect(small.moveHead(h(3), 3)).toBe(0);
    expect(small.moveHead(h(13), 3)).toBe(0); // 2 in truth, but 3 and 2 are forgotten
    const large = new HeadReorgs();
    for (const [hash, parent, height] of [[1, 0, 1], [2, 1, 2], [3, 2, 3], [12, 1, 2], [13, 12, 3]] as const) large.block(h(hash), h(parent), height);
    expect(large.moveHead(h(3), 3)).toBe(0);
    expect(large.moveHead(h(13), 3)).toBe(2);
    expect(() => new HeadReorgs(0)).toThrow(RangeError);
  });

  it("agrees with the reorg-bound checker on a run with reorgs; a naive height-drop measure does not", () => {
    const { report, events } = runRecorded(scenario("published-twins-fhs-attack-rounds"));
    const figures = invariant(report, "reorg-bound").figures as { deepestReorg: number; reorgs: number };
    expect(figures.reorgs).toBeGreaterThan(0);
    const depths = [...depthsByNode(events).values()].flat();
    expect(depths.length).toBe(figures.reorgs);
    expect(Math.max(...depths)).toBe(figures.deepestReorg);
    // The naive measure: how far the head's height went down.
    const naive = () => {
      let height: number | undefined;
      return {
        block() {},
        boot() {
          height = undefined;
        },
        moveHead(_hash: string, next: number) {
          const depth = height === undefined ? 0 : Math.max(0, height - next);
          height = next;
          return depth;
        },
      };
    };
    const naiveDepths = [...depthsByNode(events, naive).values()].flat();
    expect([naiveDepths.length, Math.max(0, ...naiveDepths)]).not.toEqual([figures.reorgs, figures.deepestReorg]);
  });
});
