/**
 * Goal: SP crash row 7 of SBCP v1's fault table ("during/after
 * RollBackAndStartSlot ... all sync on the new StartSlot (WAL)"), on the hand
 * network (only the L1 can ask for a rollback in a whole-system run, and it
 * does not yet): the SP is told superblocks after 1 are invalid, crashes
 * before the next slot, and its restart still owes the rollback: it sends
 * RollBackAndStartSlot from its log, every sequencer reverts to its block of
 * superblock 1, and superblock 2 is built again on superblock 1; the
 * superblock-chain checker follows. And the same crash after the
 * RollBackAndStartSlot went out: the owed rollback was paid (logged with the
 * slot), so the restart sends a plain StartSlot of the next slot.
 */
import { describe, expect, it } from "vitest";
import { bytesEqual } from "../../src/crypto/hash.js";
import { SuperblockChainChecker } from "../../src/check/sbcp/superblock-chain.js";
import { SharedPublisher } from "../../src/sbcp/shared-publisher.js";
import { SlotClock } from "../../src/sbcp/slot-clock.js";
import type { SimDisk } from "../../src/storage/sim-disk.js";
import type { SbcpMessage } from "../../src/sbcp/messages.js";
import { fakeContext } from "../helpers/fake-context.js";
import { chainInfos, handCluster, sentOf, SLOT_US } from "../helpers/sbcp-hand.js";

const CHAINS = [1, 2, 3];

/** The settlement layer's verdict: superblocks after `lastValid` are invalid (the SP's event goes to the network's observations at once). */
function rollBack(net: ReturnType<typeof handCluster>["net"], sp: SharedPublisher, lastValid: number): void {
  const ctx = net.nodes.get("sp")!.ctx;
  sp.requestRollBack(ctx, lastValid);
  for (const { event, fields } of ctx.logs.splice(0)) net.observations.push({ timeUs: net.now, node: "sp", event, fields });
}

/** Crashes the SP of `net` (its unsynced writes lost, its timers gone) and boots a new one on the same disk at the current time. */
function restartPublisher(net: ReturnType<typeof handCluster>["net"]): SharedPublisher {
  const old = net.nodes.get("sp")!;
  old.ctx.timers.clear();
  const disk = old.ctx.storage as SimDisk;
  disk.crash();
  const sp = new SharedPublisher({ chains: chainInfos(CHAINS), clock: new SlotClock(0, SLOT_US) });
  net.add(sp, fakeContext<SbcpMessage>("sp", disk));
  return sp;
}

describe("SP crash with a rollback owed (fault table, SP row 7)", () => {
  it("a crash after the RollBackAndStartSlot went out (slot 4 built superblock 2 again on 1): the restart owes nothing and continues with 3", () => {
    const { net, sp, seqs } = handCluster(CHAINS);
    net.runUntil(4 * SLOT_US - 1); // superblocks 1, 2, 3 (slots 1-3)
    expect(sp.superblocks.map((s) => s.Number)).toEqual([1, 2, 3]);
    const sb1 = sp.superblocks[0]!;
    rollBack(net, sp, 1);
    // Slot 4 starts with RollBackAndStartSlot and builds superblock 2 again (sealed at 56 s); the SP crashes at 57 s.
    net.runUntil(5 * SLOT_US - 3_000_000);
    const restarted = restartPublisher(net);
    const recovered = net.observations.filter((o) => o.node === "sp" && o.event === "sbcp-publisher-recovered");
    expect(recovered.at(-1)!.fields).toMatchObject({ lastSlot: 4, superblocks: 2, pendingRollBack: false });
    expect(restarted.nextSuperblockNumber).toBe(3);
    expect(bytesEqual(restarted.superblocks[1]!.ParentHash, sb1.Hash)).toBe(true);
    net.runUntil(6 * SLOT_US - 1);
    expect(sentOf(net, "sp", "RollBackAndStartSlot").filter((s) => s.atUs > 5 * SLOT_US - 3_000_000)).toEqual([]);
    expect(restarted.superblocks.map((s) => [s.Number, s.Slot])).toEqual([
      [1, 1],
      [2, 4],
      [3, 5],
    ]);
    for (const { seq } of seqs.values()) expect(seq.head.number).toBe(3);
    const checker = new SuperblockChainChecker("sp");
    for (const o of net.observations) expect(checker.observe(o), JSON.stringify(o)).toBeUndefined();
  });

  it("a crash after the rollback was requested and before its slot: the owed RollBackAndStartSlot goes out after the restart", () => {
    const { net, sp, seqs } = handCluster(CHAINS);
    net.runUntil(4 * SLOT_US - 1);
    rollBack(net, sp, 1);
    net.runUntil(4 * SLOT_US - 500_000);
    const restarted = restartPublisher(net);
    const recovered = net.observations.filter((o) => o.node === "sp" && o.event === "sbcp-publisher-recovered");
    expect(recovered.at(-1)!.fields).toMatchObject({ lastSlot: 3, superblocks: 1, pendingRollBack: true });
    net.runUntil(4 * SLOT_US + 100_000);
    const rollBacks = sentOf(net, "sp", "RollBackAndStartSlot").filter((s) => s.atUs >= 4 * SLOT_US);
    expect(rollBacks).toHaveLength(3);
    for (const { msg } of rollBacks) {
      expect(msg.CurrentSlot).toBe(4);
      expect(msg.NextSuperblockNumber).toBe(2);
      expect(msg.L2BlocksRequest.map((r) => r.BlockNumber)).toEqual([2, 2, 2]);
    }
    // Every sequencer reverted blocks 2 and 3 and builds block 2 again.
    for (const [chain] of seqs) {
      const reverted = net.observations.filter((o) => o.node === `seq${chain}` && o.event === "sbcp-reverted");
      expect(reverted.map((o) => o.fields.reverted)).toEqual([[2, 3]]);
    }
    net.runUntil(5 * SLOT_US - 1);
    expect(restarted.superblocks.map((s) => [s.Number, s.Slot])).toEqual([
      [1, 1],
      [2, 4],
    ]);
    const checker = new SuperblockChainChecker("sp");
    for (const o of net.observations) expect(checker.observe(o), JSON.stringify(o)).toBeUndefined();
  });
});
