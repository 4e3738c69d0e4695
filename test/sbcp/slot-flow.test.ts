/**
 * Goal: one SP and three sequencers, fed through a hand-driven network that
 * moves protobuf bytes, walk whole slots as SBCP v1 states: StartSlot, xTs
 * through SCP, RequestSeal at 2/3, L2 blocks, a superblock per slot; an xT
 * moves an asset atomically, a failing one moves nothing; lost messages of the
 * fault table lead to the outcome the spec states.
 */
import { describe, expect, it } from "vitest";
import { bytesEqual } from "../../src/crypto/hash.js";
import { xTidOf } from "../../src/sbcp/xt-id.js";
import { account, ASSET, crossTransfer, handCluster, SLOT_US, transferTx } from "../helpers/sbcp-hand.js";

const CHAINS = [1, 2, 3];

function totalSupply(seqs: ReturnType<typeof handCluster>["seqs"]): number {
  return [...seqs.values()].reduce((sum, { executor }) => sum + executor.supplyOf(ASSET), 0);
}

describe("SBCP slot flow (SP + 3 sequencers, hand network)", () => {
  it("happy path: superblocks 1 and 2 chain on each other, an xT moves 100 from chain 1 to chain 2 atomically", () => {
    const { net, sp, seqs } = handCluster(CHAINS);
    net.runUntil(SLOT_US + 1_000_000); // slot 1 started at 12 s
    expect(sp.phase).toBe("Free");
    const request = crossTransfer(1, 2, 1, 7, 100);
    net.inject("user", "sp", { type: "xTRequest", ...request });
    net.inject("user", "seq3", { type: "LocalTransaction", Transaction: transferTx(1, 5, 10) });
    net.runUntil(2 * SLOT_US - 1);
    expect(sp.superblocks.map((s) => s.Number)).toEqual([1]);
    const [sb1] = sp.superblocks;
    expect(sb1!.partial).toBe(false);
    expect(sb1!.L2Blocks.map((b) => b.ChainID)).toEqual(CHAINS);
    expect(sb1!.IncludedXTs.map((x) => bytesEqual(x, xTidOf(request)))).toEqual([true]);
    expect(seqs.get(1)!.executor.balance(account(1), ASSET)).toBe(900);
    expect(seqs.get(2)!.executor.balance(account(7), ASSET)).toBe(100);
    expect(seqs.get(3)!.executor.balance(account(5), ASSET)).toBe(10);
    expect(totalSupply(seqs)).toBe(3000);
    net.runUntil(3 * SLOT_US - 1);
    expect(sp.superblocks.map((s) => s.Number)).toEqual([1, 2]);
    expect(bytesEqual(sp.superblocks[1]!.ParentHash, sb1!.Hash)).toBe(true);
    // Each chain's block 2 builds on its block 1.
    for (const { seq } of seqs.values()) expect(seq.head.number).toBe(2);
  });

  it("an xT that must fail (insufficient balance on the source) is decided false and moves nothing", () => {
    const { net, sp, seqs } = handCluster(CHAINS);
    net.runUntil(SLOT_US + 1_000_000);
    net.inject("user", "sp", { type: "xTRequest", ...crossTransfer(1, 2, 1, 7, 5000) });
    net.runUntil(2 * SLOT_US - 1);
    expect(sp.superblocks).toHaveLength(1);
    expect(sp.superblocks[0]!.IncludedXTs).toHaveLength(0);
    expect(seqs.get(1)!.executor.balance(account(1), ASSET)).toBe(1000);
    expect(seqs.get(2)!.executor.balance(account(7), ASSET)).toBe(0);
    const decided = net.delivered.filter((d) => d.msg.type === "Decided" && d.to === "seq1");
    expect(decided.map((d) => d.msg.type === "Decided" && d.msg.Decision)).toEqual([false]);
  });

  it("message loss, Decided: the sequencers stay Building-Locked until RequestSeal lists the xT, then include it (Decided(true))", () => {
    const { net, sp, seqs } = handCluster(CHAINS);
    net.drop = (_from, _to, msg) => msg.type === "Decided";
    net.runUntil(SLOT_US + 1_000_000);
    net.inject("user", "sp", { type: "xTRequest", ...crossTransfer(1, 2, 1, 7, 100) });
    net.runUntil(SLOT_US + 7_000_000);
    for (const { seq } of seqs.values()) expect(seq.phase).toBe("BuildingLocked");
    net.runUntil(2 * SLOT_US - 1);
    expect(sp.superblocks).toHaveLength(1);
    expect(sp.superblocks[0]!.IncludedXTs).toHaveLength(1);
    expect(seqs.get(2)!.executor.balance(account(7), ASSET)).toBe(100);
    expect(totalSupply(seqs)).toBe(3000);
  });

  it("message loss, CIRCMessage: SCP times out, the xT is decided false and included nowhere", () => {
    const { net, sp, seqs } = handCluster(CHAINS);
    net.drop = (_from, _to, msg) => msg.type === "CIRCMessage";
    net.runUntil(SLOT_US + 1_000_000);
    net.inject("user", "sp", { type: "xTRequest", ...crossTransfer(1, 2, 1, 7, 100) });
    net.runUntil(2 * SLOT_US - 1);
    expect(sp.superblocks[0]!.IncludedXTs).toHaveLength(0);
    expect(seqs.get(1)!.executor.balance(account(1), ASSET)).toBe(1000);
    expect(seqs.get(2)!.executor.balance(account(7), ASSET)).toBe(0);
  });

  it("message loss, RequestSeal to one chain: no superblock that slot, the slot's xTs are re-queued and included in a later slot", () => {
    const { net, sp, seqs } = handCluster(CHAINS);
    let lost = false;
    net.drop = (_from, to, msg) => {
      if (msg.type === "RequestSeal" && to === "seq3" && !lost) return (lost = true);
      return false;
    };
    net.runUntil(SLOT_US + 1_000_000);
    const request = crossTransfer(1, 2, 1, 7, 100);
    net.inject("user", "sp", { type: "xTRequest", ...request });
    net.runUntil(2 * SLOT_US + 1);
    // Chain 3's block is missing, but the decided xT touches chains 1 and 2 only, both received: a partial superblock is allowed.
    expect(sp.superblocks).toHaveLength(1);
    expect(sp.superblocks[0]!.partial).toBe(true);
    expect(sp.superblocks[0]!.L2Blocks.map((b) => b.ChainID)).toEqual([1, 2]);
    net.runUntil(4 * SLOT_US - 1);
    expect(sp.superblocks.map((s) => s.partial)).toEqual([true, false, false]);
    expect(seqs.get(3)!.seq.head.number).toBe(2);
    expect(seqs.get(1)!.seq.head.number).toBe(3);
  });
});
