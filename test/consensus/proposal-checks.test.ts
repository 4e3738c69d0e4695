/**
 * A proposal's checks before any vote (src/consensus/hotstuff/proposals.ts,
 * `onProposal`), on a replica fed by hand: the block names the view's
 * leader as its proposer, a TC it carries is of the view before and
 * properly signed, and a block whose parent is unknown waits for it (the
 * replica asks for the parent and votes once it arrives). Found by the
 * mutation run (docs/mutation.md): the byzantine runs never sent a leader's
 * block naming another proposer or a wrongly signed TC, and every block
 * arriving before its parent in the runs came too late to be voted for.
 */
import { describe, expect, it } from "vitest";
import { blockHash, proposalSigningBytes } from "../../src/consensus/block-hash.js";
import { GENESIS_BLOCK, GENESIS_QC } from "../../src/consensus/genesis.js";
import type { Block, ValidatorMessage } from "../../src/consensus/types.js";
import type { FakeContext } from "../helpers/fake-context.js";
import { block, keys, proposal, qcFor, scheme, startReplica, tcOf } from "../helpers/hand-fed-replica.js";

const votedViews = (ctx: FakeContext<ValidatorMessage>): number[] => ctx.logs.filter((l) => l.event === "vote").map((l) => l.fields.view as number);
const rejects = (ctx: FakeContext<ValidatorMessage>): unknown[] => ctx.logs.filter((l) => l.event === "reject").map((l) => l.fields.reason);

describe("proposal checks", () => {
  it("refuses a block naming another proposer than the view's leader, though the leader signed and sent it", () => {
    const { replica, ctx } = startReplica(0);
    const b1 = block(1, GENESIS_BLOCK, GENESIS_QC);
    const fields = { ...b1, proposer: 2 };
    const forged: Block = { ...fields, hash: blockHash(fields) };
    ctx.setNow(b1.timestampUs + 1_000);
    replica.onMessage(ctx, "v1", { type: "proposal", block: forged, signature: scheme.sign(keys[1]!.secretKey, proposalSigningBytes(forged.hash)) });
    expect(rejects(ctx)).toEqual(["proposal not from the view's leader"]);
    replica.onMessage(ctx, "v1", proposal(b1));
    expect(votedViews(ctx)).toEqual([1]);
  });

  it("refuses a TC of another view than the one before the block's, or with a bad signature", () => {
    const b1 = block(1, GENESIS_BLOCK, GENESIS_QC);
    const b5 = block(5, b1, qcFor(b1));
    const good = tcOf(4, [1, 1, 1]);
    const badSignature = { ...good, entries: good.entries.map((e, i) => (i === 0 ? { ...e, signature: e.signature.map((b, j) => (j === 0 ? b ^ 1 : b)) } : e)) };
    for (const [tc, refused] of [
      [good, false],
      [tcOf(3, [1, 1, 1]), true],
      [badSignature, true],
    ] as const) {
      const { replica, ctx } = startReplica(0);
      ctx.setNow(b1.timestampUs + 1_000);
      replica.onMessage(ctx, "v1", proposal(b1));
      ctx.setNow(b5.timestampUs + 1_000);
      replica.onMessage(ctx, "v1", proposal(b5, tc));
      expect(rejects(ctx), `TC of view ${tc.view}`).toEqual(refused ? ["invalid TC"] : []);
      expect(votedViews(ctx), `TC of view ${tc.view}`).toEqual(refused ? [1] : [1, 5]);
    }
  });

  it("a block whose parent is unknown waits for it: the replica asks for the parent and votes once it arrives", () => {
    const { replica, ctx } = startReplica(0);
    const b1 = block(1, GENESIS_BLOCK, GENESIS_QC);
    const b2 = block(2, b1, qcFor(b1));
    ctx.setNow(b2.timestampUs + 1_000);
    replica.onMessage(ctx, "v2", proposal(b2));
    expect(replica.view).toBe(2);
    expect(votedViews(ctx)).toEqual([]);
    const requests = ctx.sent.filter((s) => s.msg.type === "block-request");
    expect(requests.length).toBeGreaterThan(0);
    expect(requests[0]!.to).toBe("v2");
    // B1 arrives (its view is over, so no vote for it); B2, waiting for it, is taken in and voted for.
    replica.onMessage(ctx, "v1", proposal(b1));
    expect(votedViews(ctx)).toEqual([2]);
  });
});
