/**
 * Goal: a sequencer follows the SBCP v1 state machine (Waiting,
 * Building-Free, Building-Locked, Submission) and every guard of the spec,
 * fed by hand on a fake context. Tests named after a v2 Go test of
 * compose-network/specs `compose/sbcp/sequencer_test.go` mirror it in v1 terms
 * (a period is a slot, a block ends at RequestSeal).
 */
import { describe, expect, it } from "vitest";
import { bytesEqual } from "../../src/crypto/hash.js";
import type { CIRCMessage, L2BlockRequest, SbcpMessage, StartSlot } from "../../src/sbcp/messages.js";
import { l2BlockHash } from "../../src/sbcp/sequencer.js";
import { xTidOf } from "../../src/sbcp/xt-id.js";
import { account, ASSET, crossTransfer, drain, genesisHashOf, handSequencer, startSC, transferTx } from "../helpers/sbcp-hand.js";

const CHAINS = [1, 2, 3];

function startSlot(slot: number, requests: L2BlockRequest[], superblockNumber = slot): SbcpMessage & StartSlot {
  return { type: "StartSlot", Slot: slot, NextSuperblockNumber: superblockNumber, LastSuperblockHash: new Uint8Array(32), L2BlocksRequest: requests };
}
const req = (chain: number, number: number, parent: Uint8Array): L2BlockRequest => ({ ChainID: chain, BlockNumber: number, ParentHash: parent });

/** Chain 2's sequencer (account 1 funded), started and in Building-Free of slot 1. */
function building() {
  const h = handSequencer(2, CHAINS);
  h.seq.start(h.ctx);
  h.seq.onMessage(h.ctx, "sp", startSlot(1, CHAINS.map((c) => req(c, 1, genesisHashOf(c)))));
  return h;
}

const sentTypes = (ctx: Parameters<typeof drain>[0]): string[] => drain(ctx).map((s) => `${s.msg.type}->${s.to}`);

describe("sequencer state machine (compose/sbcp/sequencer_test.go, v1 terms)", () => {
  it("NewSequencer_initial_state: Waiting, head = genesis block 0, no draft", () => {
    const { seq, ctx } = handSequencer(2, CHAINS);
    seq.start(ctx);
    expect(seq.phase).toBe("Waiting");
    expect(seq.draft).toBeUndefined();
    expect(seq.head.number).toBe(0);
    expect(bytesEqual(seq.head.hash, genesisHashOf(2))).toBe(true);
  });

  it("BeginBlock_ok_and_errors: StartSlot opens the draft; a stale slot, no request for this chain, or an unknown parent hash are ignored", () => {
    const { seq, ctx } = building();
    expect(seq.phase).toBe("BuildingFree");
    expect(seq.draft).toMatchObject({ l2BlockNumber: 1, slot: 1, superblockNumber: 1 });
    seq.onMessage(ctx, "sp", startSlot(1, CHAINS.map((c) => req(c, 1, genesisHashOf(c)))));
    seq.onMessage(ctx, "sp", startSlot(0, CHAINS.map((c) => req(c, 1, genesisHashOf(c)))));
    expect(ctx.logs.filter((l) => l.event === "sbcp-slot-ignored").map((l) => l.fields.reason)).toEqual(["stale slot", "stale slot"]);
    seq.onMessage(ctx, "sp", startSlot(2, [req(1, 1, genesisHashOf(1))]));
    seq.onMessage(ctx, "sp", startSlot(2, [req(2, 1, genesisHashOf(9))]));
    expect(ctx.logs.filter((l) => l.event === "sbcp-slot-ignored").map((l) => l.fields.reason).slice(2)).toEqual(["no request for this chain", "parent hash differs from our block"]);
    expect(seq.draft!.slot).toBe(1);
    // A StartSlot from another node than the SP is ignored.
    seq.onMessage(ctx, "seq1", startSlot(5, CHAINS.map((c) => req(c, 1, genesisHashOf(c)))));
    expect(seq.draft!.slot).toBe(1);
  });

  it("CanIncludeLocalTx_and_InstanceHooks: local transactions enter in Building-Free, wait in Building-Locked and enter after Decided", () => {
    const { seq, ctx, executor } = building();
    seq.onMessage(ctx, "user", { type: "LocalTransaction", Transaction: transferTx(1, 5, 10) });
    expect(seq.draft!.txs).toHaveLength(1);
    seq.onMessage(ctx, "sp", { type: "StartSC", ...startSC(crossTransfer(1, 3, 1, 7, 100), 1, 0) });
    expect(seq.phase).toBe("BuildingLocked");
    seq.onMessage(ctx, "user", { type: "LocalTransaction", Transaction: transferTx(1, 5, 20) });
    expect(seq.draft!.txs).toHaveLength(1);
    expect(seq.pendingLocalCount).toBe(1);
    expect(executor.balance(account(5), ASSET)).toBe(10);
    seq.onMessage(ctx, "sp", { type: "Decided", xTid: xTidOf(crossTransfer(1, 3, 1, 7, 100)), Decision: false, Slot: 1 });
    expect(seq.phase).toBe("BuildingFree");
    expect(seq.draft!.txs).toHaveLength(2);
    expect(executor.balance(account(5), ASSET)).toBe(30);
  });

  it("EndBlock_seals_and_updates_head: RequestSeal seals block 1, sends L2Block to the SP, goes Waiting", () => {
    const { seq, ctx } = building();
    seq.onMessage(ctx, "user", { type: "LocalTransaction", Transaction: transferTx(1, 5, 10) });
    drain(ctx);
    seq.onMessage(ctx, "sp", { type: "RequestSeal", Slot: 1, IncludedxTs: [] });
    expect(seq.phase).toBe("Waiting");
    const [sent] = drain(ctx);
    expect(sent!.to).toBe("sp");
    const block = sent!.msg;
    if (block.type !== "L2Block") throw new Error("expected L2Block");
    expect(block).toMatchObject({ Slot: 1, ChainID: 2, BlockNumber: 1 });
    expect(bytesEqual(block.ParentBlockHash, genesisHashOf(2))).toBe(true);
    expect(bytesEqual(block.BlockHash, l2BlockHash(2, 1, genesisHashOf(2), 1, block.Block))).toBe(true);
    expect(seq.head.number).toBe(1);
    expect(bytesEqual(seq.head.hash, block.BlockHash)).toBe(true);
  });

  it("RequestSeal of another slot is ignored; so is one whose IncludedxTs miss an xT this chain included (subset rule)", () => {
    const { seq, ctx } = building();
    const request = crossTransfer(1, 2, 1, 7, 100);
    seq.onMessage(ctx, "sp", { type: "StartSC", ...startSC(request, 1, 0) });
    const circ = circFor(request);
    seq.onMessage(ctx, "seq1", circ);
    seq.onMessage(ctx, "sp", { type: "Decided", xTid: xTidOf(request), Decision: true, Slot: 1 });
    expect(seq.draft!.includedxTs).toHaveLength(1);
    seq.onMessage(ctx, "sp", { type: "RequestSeal", Slot: 2, IncludedxTs: [xTidOf(request)] });
    seq.onMessage(ctx, "sp", { type: "RequestSeal", Slot: 1, IncludedxTs: [] });
    expect(seq.phase).toBe("BuildingFree");
    expect(ctx.logs.filter((l) => l.event === "sbcp-seal-ignored").map((l) => l.fields.reason)).toEqual(["wrong slot", "this chain's included xTs are not a subset of IncludedxTs"]);
    seq.onMessage(ctx, "sp", { type: "RequestSeal", Slot: 1, IncludedxTs: [xTidOf(crossTransfer(3, 1, 1, 1, 1)), xTidOf(request)] });
    expect(seq.phase).toBe("Waiting");
  });

  it("Decided lost: in Building-Locked, a RequestSeal listing the top xT is taken as Decided(true); the xT is in the block", () => {
    const { seq, ctx, executor } = building();
    const request = crossTransfer(1, 2, 1, 7, 100);
    seq.onMessage(ctx, "sp", { type: "StartSC", ...startSC(request, 1, 0) });
    seq.onMessage(ctx, "seq1", circFor(request));
    expect(drain(ctx).map((s) => s.msg.type)).toEqual(["Vote"]);
    seq.onMessage(ctx, "sp", { type: "RequestSeal", Slot: 1, IncludedxTs: [xTidOf(request)] });
    expect(seq.phase).toBe("Waiting");
    expect(executor.balance(account(7), ASSET)).toBe(100);
    expect(seq.head.includedxTs.map((x) => bytesEqual(x, xTidOf(request)))).toEqual([true]);
  });

  it("two Decided lost: RequestSeal decides the open instance and the held-back one it lets start, then seals (no undecided instance in a sealed block)", () => {
    const { seq, ctx } = building();
    const a = crossTransfer(1, 3, 1, 7, 1);
    const b = crossTransfer(1, 3, 1, 7, 2);
    seq.onMessage(ctx, "sp", { type: "StartSC", ...startSC(a, 1, 0) });
    seq.onMessage(ctx, "sp", { type: "StartSC", ...startSC(b, 1, 1) }); // held: instance 0 undecided
    seq.onMessage(ctx, "sp", { type: "RequestSeal", Slot: 1, IncludedxTs: [xTidOf(a), xTidOf(b)] });
    expect(seq.phase).toBe("Waiting");
    expect(seq.head.number).toBe(1);
    expect(seq.draft!.scpInstances.map((i) => i.decision)).toEqual([true, true]);
  });

  it("EndBlock_rejects_active_instance, v1: in Building-Locked, a RequestSeal that does not list the top xT decides it false; the block has no xT", () => {
    const { seq, ctx, executor } = building();
    const request = crossTransfer(1, 2, 1, 7, 100);
    seq.onMessage(ctx, "sp", { type: "StartSC", ...startSC(request, 1, 0) });
    seq.onMessage(ctx, "sp", { type: "RequestSeal", Slot: 1, IncludedxTs: [] });
    expect(seq.phase).toBe("Waiting");
    expect(seq.head.includedxTs).toHaveLength(0);
    expect(executor.balance(account(7), ASSET)).toBe(0);
  });

  it("ReceiveXTRequest_forwardsToPublisher", () => {
    const { seq, ctx } = handSequencer(2, CHAINS);
    seq.start(ctx);
    seq.onMessage(ctx, "user", { type: "xTRequest", ...crossTransfer(1, 2, 1, 7, 100) });
    expect(sentTypes(ctx)).toEqual(["xTRequest->sp"]);
  });

  it("OnStartInstance_validations: no open block (Waiting) or a later slot: held back, processed once the slot starts", () => {
    const { seq, ctx } = handSequencer(2, CHAINS);
    seq.start(ctx);
    const request = crossTransfer(1, 3, 1, 7, 100);
    seq.onMessage(ctx, "sp", { type: "StartSC", ...startSC(request, 1, 0) });
    expect(seq.heldBack).toHaveLength(1);
    seq.onMessage(ctx, "sp", startSlot(1, CHAINS.map((c) => req(c, 1, genesisHashOf(c)))));
    expect(seq.heldBack).toHaveLength(0);
    expect(seq.phase).toBe("BuildingLocked");
    expect(seq.draft!.scpInstances.map((i) => i.sequenceNumber)).toEqual([0]);
  });

  it("OnStartInstance_validations: a lower slot is dropped; a wrong xTid is dropped", () => {
    const { seq, ctx } = building();
    seq.onMessage(ctx, "sp", startSlot(2, CHAINS.map((c) => req(c, 1, genesisHashOf(c)))));
    seq.onMessage(ctx, "sp", { type: "StartSC", ...startSC(crossTransfer(1, 3, 1, 7, 100), 1, 0) });
    seq.onMessage(ctx, "sp", { type: "StartSC", ...startSC(crossTransfer(1, 3, 1, 7, 100), 2, 0), xTid: new Uint8Array(32) });
    expect(ctx.logs.filter((l) => l.event === "sbcp-startsc-dropped").map((l) => l.fields.reason)).toEqual(["stale slot", "xTid is not the request's hash"]);
    expect(seq.phase).toBe("BuildingFree");
  });

  it("OnStartInstance_validations: strictly increasing sequence numbers; out of order held back (not dropped), duplicates dropped", () => {
    const { seq, ctx } = building();
    const a = crossTransfer(1, 3, 1, 7, 1);
    const b = crossTransfer(1, 3, 1, 7, 2);
    const c = crossTransfer(1, 3, 1, 7, 3);
    seq.onMessage(ctx, "sp", { type: "StartSC", ...startSC(b, 1, 1) }); // gap: 0 missing
    expect(seq.phase).toBe("BuildingFree");
    seq.onMessage(ctx, "sp", { type: "StartSC", ...startSC(a, 1, 0) });
    expect(seq.phase).toBe("BuildingLocked");
    seq.onMessage(ctx, "sp", { type: "StartSC", ...startSC(c, 1, 2) }); // instance 0 undecided
    expect(seq.heldBack.map((m) => m.xTSequenceNumber)).toEqual([1, 2]);
    seq.onMessage(ctx, "sp", { type: "Decided", xTid: xTidOf(a), Decision: false, Slot: 1 });
    // Instance 1 starts at once from the held-back queue.
    expect(seq.draft!.scpInstances.map((i) => i.sequenceNumber)).toEqual([0, 1]);
    seq.onMessage(ctx, "sp", { type: "Decided", xTid: xTidOf(b), Decision: false, Slot: 1 });
    expect(seq.draft!.scpInstances.map((i) => i.sequenceNumber)).toEqual([0, 1, 2]);
    seq.onMessage(ctx, "sp", { type: "StartSC", ...startSC(a, 1, 0) });
    expect(ctx.logs.filter((l) => l.event === "sbcp-startsc-dropped").map((l) => l.fields.reason)).toEqual(["sequence number already used"]);
  });

  it("CIRC messages and Decided count for the top instance only (slot and xTid must match)", () => {
    const { seq, ctx } = building();
    const request = crossTransfer(1, 2, 1, 7, 100);
    seq.onMessage(ctx, "sp", { type: "StartSC", ...startSC(request, 1, 0) });
    seq.onMessage(ctx, "sp", { type: "Decided", xTid: xTidOf(request), Decision: true, Slot: 2 });
    seq.onMessage(ctx, "sp", { type: "Decided", xTid: xTidOf(crossTransfer(1, 2, 1, 7, 5)), Decision: true, Slot: 1 });
    expect(seq.phase).toBe("BuildingLocked");
    // A CIRC message from a node that is not the source chain's sequencer is ignored.
    seq.onMessage(ctx, "seq3", circFor(request));
    expect(drain(ctx).filter((s) => s.msg.type === "Vote")).toHaveLength(0);
  });

  it("a CIRC message that arrives before its StartSC is held and used when the instance starts", () => {
    const { seq, ctx } = building();
    const request = crossTransfer(1, 2, 1, 7, 100);
    seq.onMessage(ctx, "seq1", circFor(request));
    seq.onMessage(ctx, "sp", { type: "StartSC", ...startSC(request, 1, 0) });
    const votes = drain(ctx).filter((s) => s.msg.type === "Vote").map((s) => s.msg.type === "Vote" && s.msg.Vote);
    expect(votes).toEqual([true]);
  });

  it("a Decided that arrives before its StartSC (reordered) is held and applied when the instance starts; the next instance follows", () => {
    const { seq, ctx } = building();
    const first = crossTransfer(1, 2, 1, 7, 100);
    seq.onMessage(ctx, "sp", { type: "Decided", xTid: xTidOf(first), Decision: false, Slot: 1 });
    expect(ctx.logs.filter((l) => l.event === "sbcp-decided-held")).toHaveLength(1);
    seq.onMessage(ctx, "sp", { type: "StartSC", ...startSC(first, 1, 0) });
    expect(seq.phase).toBe("BuildingFree");
    expect(ctx.logs.filter((l) => l.event === "sbcp-instance-decided").map((l) => [l.fields.decision, l.fields.via])).toEqual([[false, "Decided"]]);
    // A non-participant's early Decided(true) too; then the instance after it starts at once.
    const other = crossTransfer(1, 3, 1, 7, 50);
    seq.onMessage(ctx, "sp", { type: "Decided", xTid: xTidOf(other), Decision: true, Slot: 1 });
    seq.onMessage(ctx, "sp", { type: "StartSC", ...startSC(other, 1, 1) });
    expect(seq.phase).toBe("BuildingFree");
    seq.onMessage(ctx, "sp", { type: "StartSC", ...startSC(crossTransfer(2, 3, 1, 7, 5), 1, 2) });
    expect(seq.phase).toBe("BuildingLocked");
    expect(ctx.logs.filter((l) => l.event === "sbcp-startsc-held")).toEqual([]);
  });

  it("an early Decided(true) for an instance this chain takes part in but has not voted true on is not applied (RequestSeal settles it)", () => {
    const { seq, ctx } = building();
    const request = crossTransfer(1, 2, 1, 7, 100);
    seq.onMessage(ctx, "sp", { type: "Decided", xTid: xTidOf(request), Decision: true, Slot: 1 });
    seq.onMessage(ctx, "sp", { type: "StartSC", ...startSC(request, 1, 0) });
    // Chain 2 waits for the CIRC message from chain 1: no vote yet, so it stays Building-Locked.
    expect(seq.phase).toBe("BuildingLocked");
    expect(ctx.logs.filter((l) => l.event === "sbcp-instance-decided")).toEqual([]);
  });

  it("the sequencer's SCP timer votes false once when a read never arrives", () => {
    const { seq, ctx } = building();
    seq.onMessage(ctx, "sp", { type: "StartSC", ...startSC(crossTransfer(1, 2, 1, 7, 100), 1, 0) });
    const [timer] = [...ctx.timers.entries()].find(([, t]) => t.tag === "scp-timeout")!;
    ctx.timers.delete(timer);
    seq.onTimer(ctx, timer, "scp-timeout");
    seq.onTimer(ctx, timer, "scp-timeout");
    expect(drain(ctx).filter((s) => s.msg.type === "Vote").map((s) => s.msg.type === "Vote" && s.msg.Vote)).toEqual([false]);
  });

  it("Rollback_discards_newer_and_resets: RollBackAndStartSlot for block 2 on block 1 discards block 2 and restores the state after block 1", () => {
    const { seq, ctx, executor } = building();
    seq.onMessage(ctx, "user", { type: "LocalTransaction", Transaction: transferTx(1, 5, 10) });
    seq.onMessage(ctx, "sp", { type: "RequestSeal", Slot: 1, IncludedxTs: [] });
    const block1 = seq.head;
    seq.onMessage(ctx, "sp", startSlot(2, [req(2, 2, block1.hash)]));
    seq.onMessage(ctx, "user", { type: "LocalTransaction", Transaction: transferTx(1, 5, 20, 1) });
    seq.onMessage(ctx, "sp", { type: "RequestSeal", Slot: 2, IncludedxTs: [] });
    expect(seq.head.number).toBe(2);
    expect(executor.balance(account(5), ASSET)).toBe(30);
    seq.onMessage(ctx, "sp", { type: "RollBackAndStartSlot", L2BlocksRequest: [req(2, 2, block1.hash)], CurrentSlot: 3, NextSuperblockNumber: 2, LastSuperblockHash: new Uint8Array(32) });
    expect(seq.blocks.map((b) => b.number)).toEqual([0, 1]);
    expect(seq.phase).toBe("BuildingFree");
    expect(seq.draft).toMatchObject({ l2BlockNumber: 2, slot: 3 });
    expect(executor.balance(account(5), ASSET)).toBe(10);
  });

  it("Rollback_rejects_if_mismatch: a RollBackAndStartSlot on a parent hash this chain never produced is ignored", () => {
    const { seq, ctx } = building();
    seq.onMessage(ctx, "sp", { type: "RequestSeal", Slot: 1, IncludedxTs: [] });
    seq.onMessage(ctx, "sp", { type: "RollBackAndStartSlot", L2BlocksRequest: [req(2, 2, new Uint8Array(32).fill(42))], CurrentSlot: 3, NextSuperblockNumber: 2, LastSuperblockHash: new Uint8Array(32) });
    expect(seq.phase).toBe("Waiting");
    expect(seq.head.number).toBe(1);
  });

  it("recovery: a StartSlot on a block this sequencer lacks makes it fetch blocks with L2BlockRequest, replay them, and build at the next StartSlot", () => {
    // Chain 2 built blocks 1 and 2 elsewhere (a sequencer that lost its memory); a fresh one catches up.
    const original = building();
    original.seq.onMessage(original.ctx, "user", { type: "LocalTransaction", Transaction: transferTx(1, 5, 10) });
    original.seq.onMessage(original.ctx, "sp", { type: "RequestSeal", Slot: 1, IncludedxTs: [] });
    const b1 = drain(original.ctx).find((s) => s.msg.type === "L2Block")!.msg;
    original.seq.onMessage(original.ctx, "sp", startSlot(2, [req(2, 2, original.seq.head.hash)]));
    original.seq.onMessage(original.ctx, "sp", { type: "RequestSeal", Slot: 2, IncludedxTs: [] });
    const b2 = drain(original.ctx).find((s) => s.msg.type === "L2Block")!.msg;

    const fresh = handSequencer(2, CHAINS);
    fresh.seq.start(fresh.ctx);
    fresh.seq.onMessage(fresh.ctx, "sp", startSlot(3, [req(2, 3, original.seq.head.hash)]));
    expect(fresh.seq.phase).toBe("Waiting");
    const ask1 = drain(fresh.ctx);
    expect(ask1.map((s) => s.msg.type === "L2BlockRequest" && s.msg.BlockNumber)).toEqual([1]);
    fresh.seq.onMessage(fresh.ctx, "sp", b1);
    expect(drain(fresh.ctx).map((s) => s.msg.type === "L2BlockRequest" && s.msg.BlockNumber)).toEqual([2]);
    fresh.seq.onMessage(fresh.ctx, "sp", b2);
    expect(fresh.seq.head.number).toBe(2);
    expect(fresh.executor.balance(account(5), ASSET)).toBe(10);
    fresh.seq.onMessage(fresh.ctx, "sp", startSlot(4, [req(2, 3, original.seq.head.hash)]));
    expect(fresh.seq.phase).toBe("BuildingFree");
  });

  it("a recovered block whose hash does not match its contents is refused", () => {
    const original = building();
    original.seq.onMessage(original.ctx, "sp", { type: "RequestSeal", Slot: 1, IncludedxTs: [] });
    const b1 = drain(original.ctx).find((s) => s.msg.type === "L2Block")!.msg;
    if (b1.type !== "L2Block") throw new Error("expected L2Block");
    const fresh = handSequencer(2, CHAINS);
    fresh.seq.start(fresh.ctx);
    fresh.seq.onMessage(fresh.ctx, "sp", startSlot(3, [req(2, 2, b1.BlockHash)]));
    fresh.seq.onMessage(fresh.ctx, "sp", { ...b1, Block: new Uint8Array([9, 9]) });
    expect(fresh.seq.head.number).toBe(0);
  });
});

/** The CIRC message chain 1's sequencer sends chain 2 for `request` (a transfer from chain 1 to 2) in slot 1. */
function circFor(request: ReturnType<typeof crossTransfer>): SbcpMessage & CIRCMessage {
  const source = handSequencer(1, CHAINS);
  source.seq.start(source.ctx);
  source.seq.onMessage(source.ctx, "sp", startSlot(1, CHAINS.map((c) => req(c, 1, genesisHashOf(c)))));
  source.seq.onMessage(source.ctx, "sp", { type: "StartSC", ...startSC(request, 1, 0) });
  const circ = drain(source.ctx).find((s) => s.msg.type === "CIRCMessage")!.msg;
  if (circ.type !== "CIRCMessage") throw new Error("expected a CIRC message");
  return circ;
}
