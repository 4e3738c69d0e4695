/**
 * Voting, QC formation and proposal pacing of the HotStuff-2 replica
 * (src/consensus/hotstuff/proposals.ts; Jolteon's `safe_to_vote`,
 * Gelashvili et al. FC 2022), on a replica fed by hand. Each rule here was
 * left unchecked by the simulator runs (found by the mutation run,
 * docs/mutation.md): a block no later than its parent, a TC whose highest
 * reported QC view is not the last entry's, a fourth vote after the QC, the
 * order of a QC's signatures, and the block time a leader waits after the
 * parent.
 */
import { describe, expect, it } from "vitest";
import { TIMER_PROPOSE } from "../../src/consensus/hotstuff/config.js";
import { GENESIS_BLOCK, GENESIS_QC } from "../../src/consensus/genesis.js";
import type { Block, ProposalMessage, ValidatorMessage } from "../../src/consensus/types.js";
import type { FakeContext } from "../helpers/fake-context.js";
import { BLOCK_TIME_US, block, proposal, qcFor, startReplica, tcOf, vote } from "../helpers/hand-fed-replica.js";

const votedViews = (ctx: FakeContext<ValidatorMessage>): number[] => ctx.logs.filter((l) => l.event === "vote").map((l) => l.fields.view as number);
const refusals = (ctx: FakeContext<ValidatorMessage>): unknown[] => ctx.logs.filter((l) => l.event === "vote-refused").map((l) => l.fields.reason);
const proposals = (ctx: FakeContext<ValidatorMessage>): ProposalMessage[] => ctx.sent.flatMap((s) => (s.msg.type === "proposal" ? [s.msg] : []));
const proposeTimers = (ctx: FakeContext<ValidatorMessage>): [number, { afterUs: number; tag: string }][] => [...ctx.timers].filter(([, t]) => t.tag === TIMER_PROPOSE);

/** v0 takes B1 (view 1) and B2 (view 2, on B1 with its QC) and votes for both. */
function twoBlocks(): { ctx: FakeContext<ValidatorMessage>; replica: ReturnType<typeof startReplica>["replica"]; b1: Block; b2: Block } {
  const { replica, ctx } = startReplica(0);
  const b1 = block(1, GENESIS_BLOCK, GENESIS_QC);
  const b2 = block(2, b1, qcFor(b1));
  ctx.setNow(b1.timestampUs + 1_000);
  replica.onMessage(ctx, "v1", proposal(b1));
  ctx.setNow(b2.timestampUs + 1_000);
  replica.onMessage(ctx, "v2", proposal(b2));
  expect(votedViews(ctx)).toEqual([1, 2]);
  return { ctx, replica, b1, b2 };
}

describe("vote rules", () => {
  it("no vote for a block whose timestamp is not after its parent's; one microsecond later is voted for", () => {
    for (const [delta, voted] of [
      [0, false],
      [1, true],
    ] as const) {
      const { replica, ctx } = startReplica(0);
      const b1 = block(1, GENESIS_BLOCK, GENESIS_QC);
      const b2 = block(2, b1, qcFor(b1), b1.timestampUs + delta);
      ctx.setNow(b2.timestampUs + 1_000);
      replica.onMessage(ctx, "v1", proposal(b1));
      replica.onMessage(ctx, "v2", proposal(b2));
      expect(votedViews(ctx).includes(2), `delta ${delta}`).toBe(voted);
      expect(refusals(ctx), `delta ${delta}`).toEqual(voted ? [] : ["timestamp not after the parent's"]);
    }
  });

  it("after a TC, votes only when the block's QC is at least the highest QC view the TC reports, wherever that entry is", () => {
    for (const [highQCViews, voted] of [
      [[2, 1, 1], true],
      [[1, 2, 1], true],
      [[1, 3, 1], false],
      [[3, 1, 1], false],
    ] as const) {
      const { ctx, replica, b2 } = twoBlocks();
      // View 5's leader v1 builds on B2 (QC of view 2) after a TC of view 4.
      const b5 = block(5, b2, qcFor(b2));
      ctx.setNow(b5.timestampUs + 1_000);
      replica.onMessage(ctx, "v1", proposal(b5, tcOf(4, highQCViews)));
      expect(replica.view, `${highQCViews}`).toBe(5);
      expect(votedViews(ctx).includes(5), `${highQCViews}`).toBe(voted);
      expect(refusals(ctx), `${highQCViews}`).toEqual(voted ? [] : ["unsafe: QC neither from the previous view nor justified by a TC"]);
    }
  });
});

describe("QC formation and proposal pacing (v0 leads view 4)", () => {
  it("forms one QC from the first 2f + 1 votes, signers in ascending order, and proposes a block time after the parent", () => {
    const { ctx, replica, b2 } = twoBlocks();
    const b3 = block(3, b2, qcFor(b2));
    const now = b3.timestampUs + 1_000;
    ctx.setNow(now);
    replica.onMessage(ctx, "v3", proposal(b3));
    // v0 voted for B3 and, as the next leader, took its own vote in; v3 and v1 complete the quorum.
    expect(votedViews(ctx)).toEqual([1, 2, 3]);
    replica.onMessage(ctx, "v3", vote(b3, 3));
    expect(ctx.logs.filter((l) => l.event === "qc")).toHaveLength(0);
    replica.onMessage(ctx, "v1", vote(b3, 1));
    replica.onMessage(ctx, "v2", vote(b3, 2));
    expect(ctx.logs.filter((l) => l.event === "qc").map((l) => l.fields.view)).toEqual([3]);
    expect(replica.view).toBe(4);
    expect(replica.lockedQC.signatures.map((s) => s.signer)).toEqual([0, 1, 3]);

    // Not before B3's timestamp plus the block time: one propose timer, re-armed (not doubled) by a later step.
    expect(proposals(ctx)).toEqual([]);
    const readyAt = b3.timestampUs + BLOCK_TIME_US;
    expect(proposeTimers(ctx).map(([, t]) => t.afterUs)).toEqual([readyAt - now]);
    ctx.setNow(now + 500);
    replica.onMessage(ctx, "v3", proposal(b3));
    const timers = proposeTimers(ctx);
    expect(timers.map(([, t]) => t.afterUs)).toEqual([readyAt - now - 500]);
    expect(proposals(ctx)).toEqual([]);

    ctx.setNow(readyAt);
    replica.onTimer(ctx, timers[0]![0], TIMER_PROPOSE);
    const sent = proposals(ctx);
    expect(sent.length).toBe(3); // broadcast to v1, v2, v3
    const b4 = sent[0]!.block;
    expect(b4).toMatchObject({ view: 4, height: 4, proposer: 0, timestampUs: readyAt });
    expect(b4.parentHash).toEqual(b3.hash);
    expect(b4.justify.signatures.map((s) => s.signer)).toEqual([0, 1, 3]);
    expect(sent[0]!.tc).toBeUndefined();
  });
});
