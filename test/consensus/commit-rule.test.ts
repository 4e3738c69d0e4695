/**
 * The two-chain commit rule (HotStuff-2, Malkhi and Nayak 2023; Jolteon,
 * Gelashvili et al. FC 2022), on a replica fed by hand: a QC for B' commits
 * B' parent B only when B's view is B'.view - 1. Found by the mutation run
 * (docs/mutation.md): with the consecutive-view check removed from
 * `tryCommit`, every simulator run still passed, since an honest leader's
 * block whose parent is from an older view only appears after a failed view,
 * and a commit there is safe as long as no conflicting block got a QC. So the
 * rule is asserted directly: the same chain commits with consecutive views
 * and does not with a gap.
 */
import { describe, expect, it } from "vitest";
import { GENESIS_BLOCK, GENESIS_QC } from "../../src/consensus/genesis.js";
import type { HotStuffReplica } from "../../src/consensus/replica.js";
import type { Block, ValidatorMessage } from "../../src/consensus/types.js";
import type { FakeContext } from "../helpers/fake-context.js";
import { block, proposal, qcFor, startReplica } from "../helpers/hand-fed-replica.js";

/**
 * Replica v0 receives B1 (view 1), B2 (view `secondView`, on B1, with B1's QC) and B3 (view
 * `secondView + 2`, on B2, with B2's QC): B2's QC is the one that may commit B1.
 */
function feedChain(secondView: number): { replica: HotStuffReplica; ctx: FakeContext<ValidatorMessage>; b1: Block } {
  const { replica, ctx } = startReplica(0);
  const b1 = block(1, GENESIS_BLOCK, GENESIS_QC);
  const b2 = block(secondView, b1, qcFor(b1));
  const b3 = block(secondView + 2, b2, qcFor(b2));
  for (const [i, b] of [b1, b2, b3].entries()) {
    ctx.setNow(300_000 * (i + 1));
    replica.onMessage(ctx, `v${b.proposer}`, proposal(b));
  }
  expect(ctx.logs.filter((l) => l.event === "reject")).toEqual([]);
  expect(replica.lockedQC.blockHash).toEqual(b2.hash);
  return { replica, ctx, b1 };
}

const commits = (ctx: FakeContext<ValidatorMessage>): unknown[] => ctx.logs.filter((l) => l.event === "commit").map((l) => l.fields.height);

describe("two-chain commit rule", () => {
  it("a QC for a block whose parent is from the previous view commits the parent", () => {
    const { replica, ctx, b1 } = feedChain(2);
    expect(commits(ctx)).toEqual([1]);
    expect(replica.committedTip.hash).toEqual(b1.hash);
  });

  it("a QC for a block whose parent is two views older commits nothing (the views are not consecutive)", () => {
    const { replica, ctx } = feedChain(3);
    expect(commits(ctx)).toEqual([]);
    expect(replica.committedTip.height).toBe(0);
  });
});
