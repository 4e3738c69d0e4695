/**
 * Goal: the SBCP checkers (2PC, xT atomicity, superblock chain, conservation) pass on runs
 * of the SP and three sequencers with xTs and message loss, every event the
 * nodes log matches its declared schema, and each checker catches a broken
 * variant built here: an SP that decides true on the first true vote, a
 * sequencer's block that leaves out an included xT, a superblock on the wrong
 * parent or with a skipped number, a ledger whose mailbox receive mints one more than was burned.
 */
import { describe, expect, it } from "vitest";
import type { Checker, Observation } from "../../src/check/checker.js";
import { ConservationChecker } from "../../src/check/sbcp/conservation.js";
import { LedgerExecutor } from "../../src/sbcp/ledger/ledger-executor.js";
import { SuperblockChainChecker } from "../../src/check/sbcp/superblock-chain.js";
import { TwoPhaseCommitChecker } from "../../src/check/sbcp/two-phase-commit.js";
import { XtAtomicityChecker } from "../../src/check/sbcp/xt-atomicity.js";
import type { SbcpMessageType } from "../../src/sbcp/messages.js";
import { PublisherInstance } from "../../src/sbcp/scp/publisher-instance.js";
import { createRng } from "../../src/sim/rng.js";
import { SBCP_EVENTS } from "../../src/systems/sbcp/events.js";
import { crossTransfer, handCluster, seqId, SLOT_US, transferTx } from "../helpers/sbcp-hand.js";

const CHAINS = [1, 2, 3];

function checkers(): Checker[] {
  return [new TwoPhaseCommitChecker("sp", new Map(CHAINS.map((c) => [seqId(c), c]))), new XtAtomicityChecker("sp"), new SuperblockChainChecker("sp"), new ConservationChecker("sp", CHAINS)];
}

/** Feeds `observations` to fresh checkers; returns the failed ones' violation messages by name. */
function verdicts(observations: readonly Observation[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const checker of checkers()) {
    for (const o of observations) checker.observe(o);
    const result = checker.finish(observations.at(-1)?.timeUs ?? 0);
    if (!result.ok) out[result.name] = result.violation!.message;
  }
  return out;
}

/** Five slots with xTs (one must fail) and local transactions, losing `loss` of each listed message type. */
function runWorkload(loss: Partial<Record<SbcpMessageType, number>> = {}, seed = 1) {
  const cluster = handCluster(CHAINS);
  const rng = createRng(seed, "loss");
  cluster.net.drop = (_f, _t, msg) => rng.chance(loss[msg.type] ?? 0);
  for (let slot = 1; slot <= 5; slot++) {
    cluster.net.runUntil(slot * SLOT_US + 100_000);
    cluster.net.inject("user", "sp", { type: "xTRequest", ...crossTransfer(1 + (slot % 3), 1 + ((slot + 1) % 3), 1, 10, 50, slot) });
    cluster.net.inject("user", "sp", { type: "xTRequest", ...crossTransfer(1, 2, 1, 11, 5000, 100 + slot) });
    cluster.net.inject("user", "seq2", { type: "LocalTransaction", Transaction: transferTx(1, 20, 3, slot) });
  }
  cluster.net.runUntil(6 * SLOT_US + 100_000);
  return cluster;
}

describe("SBCP checkers", () => {
  it("pass on a run without loss (superblocks with xTs built) and on runs losing each message type", () => {
    const clean = runWorkload();
    expect(clean.sp.superblocks.length).toBe(5);
    expect(clean.sp.superblocks.some((sb) => sb.IncludedXTs.length > 0)).toBe(true);
    expect(verdicts(clean.net.observations)).toEqual({});
    for (const type of ["StartSlot", "RequestSeal", "L2Block", "StartSC", "CIRCMessage", "Vote", "Decided"] as const) {
      expect(verdicts(runWorkload({ [type]: 0.3 }, 7).net.observations), type).toEqual({});
    }
  });

  it("every event the SP and the sequencers log is declared in SBCP_EVENTS with matching fields", () => {
    const observations = [...runWorkload().net.observations, ...runWorkload({ Decided: 0.5, RequestSeal: 0.3, CIRCMessage: 0.3 }, 3).net.observations];
    const events = new Set(observations.map((o) => o.event));
    expect(events.size).toBeGreaterThan(12);
    expect(observations.map((o) => SBCP_EVENTS.validate(o)).filter((m) => m !== undefined)).toEqual([]);
  });

  it("sbcp-2pc catches an SP that decides true on the first true vote", () => {
    const original = PublisherInstance.prototype.onVote;
    PublisherInstance.prototype.onVote = function (this: PublisherInstance, chain, vote) {
      const outcome = original.call(this, chain, vote);
      if (outcome.kind !== "pending" || !vote) return outcome;
      (this as unknown as { decisionValue: boolean }).decisionValue = true;
      return { kind: "decided", decision: true };
    };
    try {
      const { net } = runWorkload({ CIRCMessage: 1, Decided: 1 });
      expect(verdicts(net.observations)["sbcp-2pc"]).toMatch(/decided true without a true vote of chain/);
    } finally {
      PublisherInstance.prototype.onVote = original;
    }
  });

  it("sbcp-2pc catches a sequencer that applies the opposite of the SP's decision", () => {
    const observations = runWorkload().net.observations.map((o) => (o.event === "sbcp-instance-decided" && o.node === "seq2" ? { ...o, fields: { ...o.fields, decision: !o.fields.decision } } : o));
    expect(verdicts(observations)["sbcp-2pc"]).toMatch(/chain 2 applied/);
  });

  it("sbcp-xt-atomicity catches a block that leaves out an xT its superblock includes", () => {
    const { net, sp } = runWorkload();
    const withXt = sp.superblocks.find((sb) => sb.IncludedXTs.length > 0)!;
    let dropped = false;
    const observations = net.observations.map((o) => {
      if (dropped || o.event !== "sbcp-block-sealed" || o.fields.slot !== withXt.Slot || (o.fields.xTids as string[]).length === 0) return o;
      dropped = true;
      return { ...o, fields: { ...o.fields, xTids: [] } };
    });
    expect(dropped).toBe(true);
    expect(verdicts(observations)["sbcp-xt-atomicity"]).toMatch(/lacks included xT/);
  });

  it("sbcp-xt-atomicity catches a superblock that includes an xT decided false", () => {
    const { net } = runWorkload();
    const failed = net.observations.find((o) => o.event === "sbcp-decided" && o.fields.decision === false)!;
    const observations = net.observations.map((o) => (o.event === "sbcp-superblock" && o.fields.slot === failed.fields.slot ? { ...o, fields: { ...o.fields, xTids: [...(o.fields.xTids as string[]), failed.fields.xTid] } } : o));
    expect(verdicts(observations)["sbcp-xt-atomicity"]).toMatch(/not decided true/);
  });

  it("sbcp-superblock-chain catches a wrong parent hash and a skipped number", () => {
    const { net } = runWorkload();
    const wrongParent = net.observations.map((o) => (o.event === "sbcp-superblock" && o.fields.number === 3 ? { ...o, fields: { ...o.fields, parentHash: "ab".repeat(32) } } : o));
    expect(verdicts(wrongParent)["sbcp-superblock-chain"]).toMatch(/superblock 3: parent hash/);
    const skipped = net.observations.filter((o) => !(o.event === "sbcp-superblock" && o.fields.number === 2));
    expect(verdicts(skipped)["sbcp-superblock-chain"]).toMatch(/superblock 3: number follows 1/);
  });

  it("sbcp-conservation catches a destination that mints one more than the source burned", () => {
    const original = LedgerExecutor.prototype.applyXt;
    LedgerExecutor.prototype.applyXt = function (this: LedgerExecutor, txs, inbox, xTid) {
      const appended = original.call(this, txs, inbox, xTid);
      // Broken: a receiving chain credits an extra unit to account 99.
      if (inbox.length > 0) (this as unknown as { balances: Map<string, number> }).balances.set(`${"63".repeat(20)}:USD`, 1);
      return appended;
    };
    try {
      const { net } = runWorkload();
      expect(verdicts(net.observations)["sbcp-conservation"]).toMatch(/total USD across rollups is 300[1-9], genesis had 3000/);
    } finally {
      LedgerExecutor.prototype.applyXt = original;
    }
  });
});
