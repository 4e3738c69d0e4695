/**
 * The simulated L1 node, driven by hand: slots on virtual time, statuses
 * through the commitment levels, reads per commitment, blockhash expiry,
 * deduplication, preflight, malformed input, the per-slot cap and the faults.
 */
import { Keypair } from "@solana/web3.js";
import type { L1RpcMessage } from "../../src/l1/l1-wire.js";
import { describe, expect, it } from "vitest";
import { encodeWire } from "../../src/net/codec.js";
import { blockhashForSlot, clockForSlot } from "../../src/l1/slot-clock.js";
import { encodeL1Request } from "../../src/l1/rpc-messages.js";
import { L1Node } from "../../src/l1/l1-node.js";
import { alice, bob, carol, FEE_LAMPORTS, GENESIS_LAMPORTS, keypair, L1Harness, RENT_EXEMPT_LAMPORTS, transfer, transferV0 } from "./l1-harness.js";

const AMOUNT = 1_000_000n;

describe("L1 node: slots and inclusion", () => {
  it("a transfer lands at the next slot boundary, not when it is sent", () => {
    const l1 = new L1Harness();
    expect(l1.node.slot).toBe(0);
    const tx = transfer(alice, bob.publicKey, AMOUNT, l1.blockhash());
    const reply = l1.send(tx);
    expect(reply.kind).toBe("send-transaction-result");
    const signature = reply.kind === "send-transaction-result" ? reply.signature : "";
    expect(l1.node.statusOf(signature)).toBeUndefined();
    expect(l1.lamports(bob.publicKey)).toBe(GENESIS_LAMPORTS);
    expect(l1.node.queuedTransactions).toBe(1);

    l1.slots(1);
    expect(l1.now).toBe(400_000);
    expect(l1.node.slot).toBe(1);
    expect(l1.node.statusOf(signature)).toEqual({ slot: 1, err: null, customCode: null, confirmationStatus: "processed" });
    expect(l1.lamports(bob.publicKey)).toBe(GENESIS_LAMPORTS + AMOUNT);
    expect(l1.lamports(alice.publicKey)).toBe(GENESIS_LAMPORTS - AMOUNT - FEE_LAMPORTS);
    expect(l1.events("l1-tx")).toEqual([{ signature, slot: 1, ok: true, customCode: null }]);
    expect(l1.events("l1-slot")).toEqual([{ slot: 1, txs: 1, failed: 0, rejected: 0 }]);
    expect(l1.node.stats.transactionsExecuted).toBe(1);

    // Empty slots are not logged.
    l1.slots(3);
    expect(l1.events("l1-slot")).toHaveLength(1);
    expect(l1.node.slot).toBe(4);
  });

  it("statuses go processed, confirmed, finalized as later slots appear", () => {
    const l1 = new L1Harness({ confirmationDepthSlots: 2, finalizationDepthSlots: 4 });
    const reply = l1.send(transfer(alice, bob.publicKey, AMOUNT, l1.blockhash()));
    const signature = reply.kind === "send-transaction-result" ? reply.signature : "";
    const unknown = "1".repeat(64);
    const statusAfter = (): unknown => {
      const r = l1.call({ kind: "get-signature-statuses", signatures: [signature, unknown] });
      if (r.kind !== "signature-statuses") throw new Error(r.kind);
      expect(r.statuses[1]).toBeNull();
      expect(r.slot).toBe(l1.node.slot);
      return r.statuses[0]?.confirmationStatus ?? null;
    };
    expect(statusAfter()).toBeNull();
    const seen: unknown[] = [];
    for (let i = 0; i < 6; i++) {
      l1.slots(1);
      seen.push(statusAfter());
    }
    // Landed in slot 1; confirmed once 2 later slots exist (slot 3), finalized once 4 do (slot 5).
    expect(seen).toEqual(["processed", "processed", "confirmed", "confirmed", "finalized", "finalized"]);
    expect([l1.node.slot, l1.node.confirmedSlot, l1.node.finalizedSlot]).toEqual([6, 4, 2]);
    expect(l1.events("l1-finalized")).toEqual([{ slot: 1 }, { slot: 2 }]);
  });

  it("sets the Clock sysvar to the slot and the virtual time at every boundary", () => {
    const startUs = 5_300_000;
    const l1 = new L1Harness({ slotDurationUs: 700_000, genesisUnixTimestamp: 1_600_000_000 }, 1, startUs);
    expect(l1.node.clock()).toEqual({ slot: 0, epoch: 0, unixTimestamp: 1_600_000_005 });
    for (let slot = 1; slot <= 12; slot++) {
      l1.slots(1);
      expect(l1.now).toBe(startUs + slot * 700_000);
      expect(l1.node.clock()).toEqual({ slot, epoch: 0, unixTimestamp: 1_600_000_000 + Math.floor(l1.now / 1_000_000) });
    }
    const timing = { genesisUs: 0, slotDurationUs: 400_000, genesisUnixTimestamp: 1_700_000_000 };
    expect(clockForSlot(timing, 432_000 * 3 + 5)).toEqual({
      slot: 432_000 * 3 + 5,
      epoch: 3,
      epochStartTimestamp: 1_700_000_000 + 432_000 * 3 * 0.4,
      leaderScheduleEpoch: 4,
      unixTimestamp: 1_700_000_000 + Math.floor((432_000 * 3 + 5) * 0.4),
    });
  });

  it("answers account reads as of the newest slot of each commitment level", () => {
    const l1 = new L1Harness({ confirmationDepthSlots: 1, finalizationDepthSlots: 2 });
    const fresh = keypair(40).publicKey;
    l1.send(transfer(alice, fresh, AMOUNT, l1.blockhash()));
    l1.slots(1);
    const read = (commitment: "processed" | "confirmed" | "finalized"): [number, bigint | null] => {
      const r = l1.call({ kind: "get-account-info", address: fresh.toBase58(), commitment });
      if (r.kind !== "account-info") throw new Error(r.kind);
      return [r.slot, r.account?.lamports ?? null];
    };
    expect([read("processed"), read("confirmed"), read("finalized")]).toEqual([[1, AMOUNT], [0, null], [0, null]]);
    l1.slots(1);
    expect([read("processed"), read("confirmed"), read("finalized")]).toEqual([[2, AMOUNT], [1, AMOUNT], [0, null]]);
    l1.send(transfer(alice, fresh, AMOUNT, l1.blockhash()));
    l1.slots(1);
    expect([read("processed"), read("confirmed"), read("finalized")]).toEqual([[3, 2n * AMOUNT], [2, AMOUNT], [1, AMOUNT]]);
    const info = l1.call({ kind: "get-account-info", address: fresh.toBase58(), commitment: "processed" });
    expect(info.kind === "account-info" && info.account).toEqual({ lamports: 2n * AMOUNT, owner: "11111111111111111111111111111111", data: new Uint8Array(0), executable: false });
    expect(l1.node.accountAt(alice.publicKey.toBase58(), "finalized")?.lamports).toBe(GENESIS_LAMPORTS - AMOUNT - FEE_LAMPORTS);
  });

  it("executes at most maxTransactionsPerSlot per slot, in arrival order", () => {
    const l1 = new L1Harness({ maxTransactionsPerSlot: 2 });
    const blockhash = l1.blockhash();
    const signatures = [1, 2, 3, 4, 5].map((i) => {
      const r = l1.send(transfer(alice, bob.publicKey, AMOUNT + BigInt(i), blockhash));
      return r.kind === "send-transaction-result" ? r.signature : "";
    });
    l1.slots(3);
    expect(signatures.map((s) => l1.node.statusOf(s)?.slot)).toEqual([1, 1, 2, 2, 3]);
    expect(l1.events("l1-tx").map((e) => e.signature)).toEqual(signatures);
  });

  it("accepts v0 transactions", () => {
    const l1 = new L1Harness();
    const r = l1.send(transferV0(bob, carol.publicKey, AMOUNT, l1.blockhash()));
    expect(r.kind).toBe("send-transaction-result");
    l1.slots(1);
    expect(l1.lamports(carol.publicKey)).toBe(GENESIS_LAMPORTS + AMOUNT);
  });
});

describe("L1 node: blockhashes and duplicates", () => {
  it("issues one blockhash per slot and refuses it once blockhashValiditySlots have passed", () => {
    const l1 = new L1Harness({ blockhashValiditySlots: 5 });
    const r = l1.call({ kind: "get-latest-blockhash", commitment: "processed" });
    expect(r).toEqual({ kind: "latest-blockhash", id: r.id, slot: 0, blockhash: blockhashForSlot(0), lastValidSlot: 5 });
    const old = blockhashForSlot(0);
    l1.slots(4);
    // Valid for a transaction executing in slot 5 (the next one).
    const ok = l1.send(transfer(alice, bob.publicKey, AMOUNT, old));
    expect(ok.kind).toBe("send-transaction-result");
    l1.slots(1);
    expect(l1.events("l1-tx")).toHaveLength(1);
    // In slot 6 it would be too old: preflight refuses it...
    const late = transfer(alice, bob.publicKey, AMOUNT + 1n, old);
    const refused = l1.send(late);
    expect(refused.kind === "rpc-error" && refused.code).toBe("blockhash-not-found");
    // ...and without preflight it is accepted, then rejected at execution: it never lands.
    const accepted = l1.send(late, true);
    expect(accepted.kind).toBe("send-transaction-result");
    l1.slots(1);
    expect(l1.events("l1-tx")).toHaveLength(1);
    expect(l1.events("l1-tx-rejected")).toEqual([{ signature: accepted.kind === "send-transaction-result" ? accepted.signature : "", slot: 6, err: "BlockhashNotFound" }]);
    expect(l1.node.stats.transactionsRejected).toBe(1);
    // A blockhash the node never issued.
    const made = l1.send(transfer(alice, bob.publicKey, AMOUNT, Keypair.generate().publicKey.toBase58()));
    expect(made.kind === "rpc-error" && made.code).toBe("blockhash-not-found");
  });

  it("a transaction delayed past its blockhash's validity never lands", () => {
    const l1 = new L1Harness({ blockhashValiditySlots: 2, faults: { delayRate: 1, delaySlotsMax: 1 } });
    l1.send(transfer(alice, bob.publicKey, AMOUNT, l1.blockhash()));
    l1.slots(1);
    const r = l1.send(transfer(alice, bob.publicKey, AMOUNT + 1n, blockhashForSlot(0)));
    expect(r.kind).toBe("send-transaction-result");
    l1.slots(3);
    // The first (eligible in slot 2) landed; the second (eligible in slot 3) was too old for it.
    expect(l1.events("l1-tx").map((e) => e.slot)).toEqual([2]);
    expect(l1.events("l1-tx-rejected").map((e) => [e.slot, e.err])).toEqual([[3, "BlockhashNotFound"]]);
  });

  it("deduplicates: queued twice lands once; landed then sent again is already-processed", () => {
    const l1 = new L1Harness();
    const tx = transfer(alice, bob.publicKey, AMOUNT, l1.blockhash());
    const first = l1.send(tx);
    const second = l1.send(tx);
    expect(second).toEqual({ ...first, id: second.id });
    l1.slots(1);
    expect(l1.node.stats.transactionsExecuted).toBe(1);
    const again = l1.send(tx);
    expect(again.kind === "rpc-error" && again.code).toBe("already-processed");
    // Without preflight it is accepted, and rejected at execution without touching balances.
    expect(l1.send(tx, true).kind).toBe("send-transaction-result");
    l1.slots(1);
    expect(l1.events("l1-tx-rejected").map((e) => e.err)).toEqual(["AlreadyProcessed"]);
    expect(l1.lamports(bob.publicKey)).toBe(GENESIS_LAMPORTS + AMOUNT);
    expect(l1.node.stats.transactionsExecuted).toBe(1);
  });
});

describe("L1 node: preflight and malformed input", () => {
  it("refuses malformed transaction bytes", () => {
    const l1 = new L1Harness();
    const good = transfer(alice, bob.publicKey, AMOUNT, l1.blockhash());
    for (const bad of [new Uint8Array(0), new Uint8Array([1]), good.subarray(0, good.length - 1), new Uint8Array([...good, 0]), new Uint8Array(200).fill(255)]) {
      const r = l1.send(bad);
      expect(r.kind === "rpc-error" && r.code).toBe("malformed-transaction");
      expect(l1.send(bad, true).kind).toBe("rpc-error");
    }
    expect(l1.node.queuedTransactions).toBe(0);
    expect(l1.events("l1-rpc-error").every((e) => e.code === "malformed-transaction")).toBe(true);
  });

  it("overspending fails preflight with the program's custom code; without preflight it lands as a failed transaction", () => {
    const l1 = new L1Harness();
    const blockhash = l1.blockhash();
    const tooMuch = GENESIS_LAMPORTS * 2n;
    const refused = l1.send(transfer(alice, bob.publicKey, tooMuch, blockhash));
    expect(refused).toMatchObject({ kind: "rpc-error", code: "preflight-failure", customCode: 1 });
    expect(refused.kind === "rpc-error" && refused.message).toContain("InstructionError(0, Custom(1))");
    l1.slots(1);
    expect(l1.node.stats.transactionsExecuted).toBe(0);

    const accepted = l1.send(transfer(alice, bob.publicKey, tooMuch + 1n, blockhash), true);
    const signature = accepted.kind === "send-transaction-result" ? accepted.signature : "";
    l1.slots(1);
    expect(l1.node.statusOf(signature)).toEqual({ slot: 2, err: "InstructionError(0, Custom(1))", customCode: 1, confirmationStatus: "processed" });
    expect(l1.events("l1-tx")).toEqual([{ signature, slot: 2, ok: false, customCode: 1 }]);
    expect(l1.events("l1-slot")).toEqual([{ slot: 2, txs: 1, failed: 1, rejected: 0 }]);
    // A failed transaction still pays its fee, and changes nothing else.
    expect(l1.lamports(alice.publicKey)).toBe(GENESIS_LAMPORTS - FEE_LAMPORTS);
    expect(l1.lamports(bob.publicKey)).toBe(GENESIS_LAMPORTS);
    expect(l1.node.stats.transactionsFailed).toBe(1);
    const statuses = l1.call({ kind: "get-signature-statuses", signatures: [signature] });
    expect(statuses.kind === "signature-statuses" && statuses.statuses[0]).toEqual({ slot: 2, err: "InstructionError(0, Custom(1))", customCode: 1, confirmationStatus: "processed" });
  });

  it("a bad signature or a fee payer without funds fails preflight, and never lands without it", () => {
    const l1 = new L1Harness();
    const blockhash = l1.blockhash();
    const forged = transfer(alice, bob.publicKey, AMOUNT, blockhash);
    forged[10] ^= 1;
    const broke = transfer(keypair(77), bob.publicKey, RENT_EXEMPT_LAMPORTS, blockhash);
    for (const tx of [forged, broke]) {
      const r = l1.send(tx);
      expect(r.kind === "rpc-error" && r.code).toBe("preflight-failure");
      expect(r.kind === "rpc-error" && r.customCode).toBeUndefined();
      expect(l1.send(tx, true).kind).toBe("send-transaction-result");
    }
    l1.slots(1);
    expect(l1.events("l1-tx")).toHaveLength(0);
    expect(l1.events("l1-tx-rejected").map((e) => e.err)).toEqual(["SignatureFailure", "AccountNotFound"]);
    expect(l1.lamports(alice.publicKey)).toBe(GENESIS_LAMPORTS);
  });

  it("logs and ignores messages that are not L1 requests, and answers invalid params", () => {
    const l1 = new L1Harness();
    // A message of another protocol (the world decodes with the L1's codec, but a node must not trust its caller).
    expect(l1.deliver({ type: "block-request", hash: new Uint8Array(32), count: 1 } as unknown as L1RpcMessage)).toEqual([]);
    expect(l1.deliver({ type: "l1-rpc", data: new Uint8Array([0xc1]) })).toEqual([]);
    expect(l1.deliver({ type: "l1-rpc", data: encodeWire({ kind: "get-latest-blockhash", id: 1, commitment: "recent" }) })).toEqual([]);
    expect(l1.deliver({ type: "l1-rpc", data: encodeWire({ kind: "submit", txs: [] }) })).toEqual([]);
    expect(l1.events("malformed")).toHaveLength(4);
    const badAddress = l1.call({ kind: "get-account-info", address: "0OIl", commitment: "processed" });
    expect(badAddress.kind === "rpc-error" && badAddress.code).toBe("invalid-params");
    const shortSignature = l1.call({ kind: "get-signature-statuses", signatures: [alice.publicKey.toBase58()] });
    expect(shortSignature.kind === "rpc-error" && shortSignature.code).toBe("invalid-params");
    expect(l1.node.stats.rpcErrors).toBe(2);
  });

  it("answers rpc-unavailable when the queue is full", () => {
    const l1 = new L1Harness({ maxQueuedTransactions: 2 });
    const blockhash = l1.blockhash();
    const replies = [1, 2, 3].map((i) => l1.send(transfer(alice, bob.publicKey, AMOUNT + BigInt(i), blockhash)).kind);
    expect(replies).toEqual(["send-transaction-result", "send-transaction-result", "rpc-error"]);
  });
});

describe("L1 node: faults", () => {
  it("a dropped transaction gets its signature back and never lands", () => {
    const l1 = new L1Harness({ faults: { dropRate: 1 } });
    const r = l1.send(transfer(alice, bob.publicKey, AMOUNT, l1.blockhash()));
    expect(r).toMatchObject({ kind: "send-transaction-result" });
    l1.slots(3);
    expect(l1.events("l1-tx")).toHaveLength(0);
    expect(l1.node.stats.dropped).toBe(1);
    expect(l1.events("l1-tx-dropped")).toEqual([{ signature: r.kind === "send-transaction-result" ? r.signature : "" }]);
    // Resending the same bytes after the fault healed lands it.
    l1.node.setFaults({ dropRate: 0 });
    l1.send(transfer(alice, bob.publicKey, AMOUNT, blockhashForSlot(0)));
    l1.slots(1);
    expect(l1.events("l1-tx")).toHaveLength(1);
  });

  it("a delayed transaction waits 1..delaySlotsMax extra slots", () => {
    const l1 = new L1Harness({ faults: { delayRate: 1, delaySlotsMax: 3 } });
    const blockhash = l1.blockhash();
    const signatures: string[] = [];
    for (let i = 0; i < 40; i++) {
      const r = l1.send(transfer(alice, bob.publicKey, AMOUNT + BigInt(i), blockhash));
      if (r.kind === "send-transaction-result") signatures.push(r.signature);
    }
    l1.slots(5);
    const slots = signatures.map((s) => l1.node.statusOf(s)?.slot);
    expect(new Set(slots)).toEqual(new Set([2, 3, 4]));
    expect(l1.node.stats.delayed).toBe(40);
  });

  it("rpc errors answer any request; setFaults turns them off", () => {
    const l1 = new L1Harness({ faults: { rpcErrorRate: 1 } });
    const blockhash = blockhashForSlot(0);
    for (const r of [
      l1.call({ kind: "get-latest-blockhash", commitment: "finalized" }),
      l1.call({ kind: "get-account-info", address: alice.publicKey.toBase58(), commitment: "confirmed" }),
      l1.call({ kind: "get-signature-statuses", signatures: [] }),
      l1.send(transfer(alice, bob.publicKey, AMOUNT, blockhash)),
    ]) {
      expect(r).toMatchObject({ kind: "rpc-error", code: "rpc-unavailable" });
    }
    expect(l1.node.stats.rpcUnavailable).toBe(4);
    expect(l1.events("l1-rpc-error")).toEqual(Array(4).fill({ code: "rpc-unavailable" }));
    l1.node.setFaults({ rpcErrorRate: 0 });
    expect(l1.call({ kind: "get-latest-blockhash", commitment: "finalized" }).kind).toBe("latest-blockhash");
    expect(l1.node.currentFaults).toEqual({ dropRate: 0, delayRate: 0, delaySlotsMax: 1, rpcErrorRate: 0 });
    expect(() => l1.node.setFaults({ dropRate: 1.5 })).toThrow(RangeError);
    expect(() => l1.node.setFaults({ delaySlotsMax: 0 })).toThrow(RangeError);
  });

  it("fault rates are roughly honoured", () => {
    const l1 = new L1Harness({ faults: { dropRate: 0.3, rpcErrorRate: 0.2 } });
    const blockhash = l1.blockhash();
    for (let i = 0; i < 400; i++) l1.send(transfer(alice, bob.publicKey, AMOUNT + BigInt(i), blockhash), true);
    const { rpcUnavailable, dropped } = l1.node.stats;
    expect(rpcUnavailable).toBeGreaterThan(50);
    expect(rpcUnavailable).toBeLessThan(110);
    expect(dropped / (400 - rpcUnavailable)).toBeGreaterThan(0.2);
    expect(dropped / (400 - rpcUnavailable)).toBeLessThan(0.4);
    l1.slots(1);
    expect(l1.node.stats.transactionsExecuted).toBe(400 - rpcUnavailable - dropped);
  });
});

describe("L1 node: options", () => {
  it("refuses invalid options and addresses", () => {
    expect(() => new L1Node({ slotDurationUs: 0 })).toThrow(RangeError);
    expect(() => new L1Node({ confirmationDepthSlots: 5, finalizationDepthSlots: 4 })).toThrow(RangeError);
    expect(() => new L1Node({ accounts: [{ address: "not-base58!", lamports: 1n }] })).toThrow(RangeError);
    expect(() => new L1Node({ faults: { rpcErrorRate: -0.1 } })).toThrow(RangeError);
    expect(() => new L1Node({ programs: [{ programId: alice.publicKey.toBase58(), elf: new Uint8Array(64) }] })).toThrow();
  });

  it("refuses a request with an id it cannot echo as a malformed message", () => {
    const l1 = new L1Harness();
    const data = encodeL1Request({ kind: "get-latest-blockhash", id: 1, commitment: "processed" });
    expect(l1.deliver({ type: "l1-rpc", data: data.subarray(0, data.length - 1) })).toEqual([]);
    expect(l1.events("malformed")).toHaveLength(1);
  });
});
