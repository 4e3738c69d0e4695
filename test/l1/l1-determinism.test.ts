/**
 * Determinism of the L1: litesvm gives the same results and the same account
 * bytes for the same inputs, and an L1 node driven by the same seed and the
 * same requests emits the same events and ends in the same state.
 */
import { describe, expect, it } from "vitest";
import { blockhashForSlot } from "../../src/l1/slot-clock.js";
import { parseTransaction } from "../../src/l1/solana-transaction.js";
import { Svm, SYSTEM_PROGRAM_ID } from "../../src/l1/svm.js";
import { alice, bob, carol, GENESIS_KEYS, GENESIS_LAMPORTS, keypair, L1Harness, transfer, transferV0 } from "./l1-harness.js";

const KEYS = [...GENESIS_KEYS, keypair(60), keypair(61)].map((k) => k.publicKey);

/** Transactions of every outcome: successes, a program error, a rent error, an unknown payer, a forged signature, duplicates. */
function mixedTransactions(): Uint8Array[] {
  const blockhash = blockhashForSlot(0);
  const forged = transfer(carol, alice.publicKey, 3_000_000, blockhash);
  forged[20] ^= 4;
  const ok = transfer(alice, keypair(60).publicKey, 2_000_000, blockhash);
  return [
    ok,
    transferV0(bob, keypair(61).publicKey, 1_500_000, blockhash),
    transfer(carol, bob.publicKey, GENESIS_LAMPORTS * 2n, blockhash),
    transfer(alice, keypair(62).publicKey, 10, blockhash),
    transfer(keypair(63), alice.publicKey, 1_000_000, blockhash),
    forged,
    ok,
    transfer(bob, carol.publicKey, 4_000_000, blockhash),
  ];
}

function runSvm(): { results: unknown[]; accounts: unknown[] } {
  const svm = new Svm();
  for (const k of GENESIS_KEYS) {
    svm.setAccount(k.publicKey.toBytes(), { lamports: GENESIS_LAMPORTS, data: new Uint8Array(0), owner: SYSTEM_PROGRAM_ID, executable: false, rentEpoch: 0xffff_ffff_ffff_ffffn });
  }
  const results = mixedTransactions().map((bytes) => svm.execute(bytes, parseTransaction(bytes).version));
  return { results, accounts: [...KEYS, keypair(62).publicKey].map((k) => svm.getAccount(k.toBytes())) };
}

/** A fixed workload under faults and reorgs; returns everything observable. */
function runNode(seed: number): { logs: string; accounts: unknown[]; stats: unknown } {
  const l1 = new L1Harness({ finalizationDepthSlots: 6, faults: { dropRate: 0.2, delayRate: 0.3, delaySlotsMax: 3, rpcErrorRate: 0.1 } }, seed);
  const signers = [alice, bob, carol];
  for (let round = 0; round < 30; round++) {
    const blockhash = blockhashForSlot(Math.max(0, l1.node.slot - 2));
    for (let i = 0; i < 4; i++) {
      const from = signers[(round + i) % 3]!;
      l1.send(transfer(from, KEYS[(round * 7 + i) % KEYS.length]!, 1_000_000 + round * 10 + i, blockhash), i % 2 === 0);
    }
    l1.call({ kind: "get-signature-statuses", signatures: [...l1.sent.keys()].slice(-8) });
    l1.slots(1 + (round % 2));
    if (round % 9 === 8) l1.node.reorg(1 + (round % 4));
  }
  l1.slots(10);
  return {
    logs: JSON.stringify(l1.logs),
    accounts: KEYS.map((k) => l1.node.accountAt(k.toBase58(), "processed")),
    stats: { ...l1.node.stats },
  };
}

describe("L1 determinism", () => {
  it("litesvm: the same transactions give the same results and account bytes", () => {
    const first = runSvm();
    const second = runSvm();
    expect(second).toEqual(first);
    // The workload exercised every outcome.
    const errs = first.results.map((r) => (r as { ok: boolean; err?: string }).err ?? "ok");
    expect(errs).toEqual(["ok", "ok", "InstructionError(0, Custom(1))", "InsufficientFundsForRent(1)", "AccountNotFound", "SignatureFailure", "ok", "ok"]);
  });

  it("node: the same seed gives the same events, accounts and counters; another seed does not", () => {
    const a = runNode(11);
    const b = runNode(11);
    expect(b.logs).toBe(a.logs);
    expect(b.accounts).toEqual(a.accounts);
    expect(b.stats).toEqual(a.stats);
    const stats = a.stats as { dropped: number; delayed: number; reorgs: number; rpcUnavailable: number; transactionsExecuted: number };
    expect(stats.dropped).toBeGreaterThan(0);
    expect(stats.delayed).toBeGreaterThan(0);
    expect(stats.reorgs).toBeGreaterThan(0);
    expect(stats.rpcUnavailable).toBeGreaterThan(0);
    expect(stats.transactionsExecuted).toBeGreaterThan(20);
    expect(runNode(12).logs).not.toBe(a.logs);
  });
});
