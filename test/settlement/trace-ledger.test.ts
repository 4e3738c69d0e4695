/**
 * The trace ledger: per-transaction state roots S_0..S_n of committed blocks,
 * S_0 the previous block's root and S_n the block's root as validators
 * commit it (AssetApp), the data commitment over the block's transactions,
 * and its refusals.
 */
import { describe, expect, it } from "vitest";
import { GENESIS_BLOCK, GENESIS_QC } from "../../src/consensus/genesis.js";
import { blockHash } from "../../src/consensus/block-hash.js";
import type { AppContext } from "../../src/consensus/application.js";
import type { Block } from "../../src/consensus/types.js";
import { batchDataRoot } from "../../src/crypto/binary-merkle.js";
import { bytesEqual, toHex } from "../../src/crypto/hash.js";
import { createSignatureScheme } from "../../src/crypto/schemes.js";
import { encodeAppMessage } from "../../src/sequencer/app-messages.js";
import { AssetApp } from "../../src/sequencer/asset-app.js";
import { decodeBlockPayload } from "../../src/sequencer/block-payload.js";
import { verifyTraceProof } from "../../src/settlement/trace-commitment.js";
import { TraceLedger, TraceLedgerError } from "../../src/settlement/trace-ledger.js";
import { signTransaction } from "../../src/vm/tx-codec.js";
import { NATIVE_ASSET, type Instruction } from "../../src/vm/types.js";
import type { Genesis } from "../../src/vm/genesis.js";

const scheme = createSignatureScheme("sim");
const alice = scheme.keyPairFromSeed(new Uint8Array(32).fill(1));
const bob = scheme.keyPairFromSeed(new Uint8Array(32).fill(2));
const ALICE = toHex(alice.publicKey);
const BOB = toHex(bob.publicKey);
const genesis: Genesis = { assets: [{ symbol: NATIVE_ASSET, decimals: 9, mintAuthority: null, balances: [[ALICE, 1_000_000n], [BOB, 1_000_000n]] }], pools: [] };
const transfer = (to: string, amount: bigint): Instruction => ({ kind: "transfer", asset: NATIVE_ASSET, to, amount });
const tx = (keys = alice, nonce = 0n, amount = 10n) => signTransaction({ sender: toHex(keys.publicKey), nonce, fee: 5n, instructions: [transfer(keys === alice ? BOB : ALICE, amount)] }, keys.secretKey, scheme);

const ctx: AppContext = { id: "v0", peers: [], now: () => 1_000, sendApp: () => undefined, log: () => undefined };

/** Builds and commits one block of `txs` with a validator; returns its transactions and committed root. */
function commitBlock(app: AssetApp, parent: Block, txs: Uint8Array[]): { block: Block; txs: readonly Uint8Array[]; root: Uint8Array } {
  app.onAppMessage(ctx, "c0", encodeAppMessage({ kind: "submit", txs }));
  const payload = app.buildPayload(ctx, parent, []);
  const fields = { view: parent.view + 1, height: parent.height + 1, parentHash: parent.hash, justify: GENESIS_QC, proposer: 0, timestampUs: parent.timestampUs + 1, payload };
  const block = { ...fields, hash: blockHash(fields) };
  app.commit(ctx, block);
  const decoded = decodeBlockPayload(payload);
  return { block, txs: decoded.txs, root: decoded.stateRoot };
}

describe("TraceLedger", () => {
  it("gives S_0 = the previous root, S_n = the validators' committed root, one root per transaction, provable leaves", () => {
    const app = new AssetApp({ scheme, genesis, blockTransactionsMax: 100, mempool: { capacity: 1000, minFee: 1n, replaceBumpPercent: 10, ttlUs: 30_000_000, maxNonceGap: 16, perSenderMax: 64 } });
    const ledger = new TraceLedger(genesis, scheme);
    expect(bytesEqual(ledger.root, app.ledger.committed.root)).toBe(true);
    let parent = GENESIS_BLOCK;
    let previous = ledger.root;
    for (const batch of [[tx(alice, 0n), tx(bob, 0n), tx(alice, 1n)], [], [tx(alice, 2n, 1n)]]) {
      const committed = commitBlock(app, parent, batch);
      parent = committed.block;
      const trace = ledger.apply(committed.block.height, committed.txs, committed.root);
      expect(trace.trace.leaves).toHaveLength(committed.txs.length + 1);
      expect(bytesEqual(trace.trace.leaves[0]!, previous)).toBe(true);
      expect(bytesEqual(trace.trace.leaves.at(-1)!, committed.root)).toBe(true);
      expect(bytesEqual(trace.dataCommitment, batchDataRoot(committed.txs))).toBe(true);
      trace.trace.leaves.forEach((leaf, i) => expect(verifyTraceProof(trace.trace.root, trace.trace.leaves.length, i, leaf, trace.trace.proof(i))).toBe(true));
      // Roots differ after each transaction (each moves balances and a nonce).
      expect(new Set(trace.trace.leaves.map(toHex)).size).toBe(trace.trace.leaves.length);
      previous = committed.root;
    }
    expect(ledger.height).toBe(3);
  });

  it("builds the one-step witness of any transaction: pre root S_i, post root S_i+1", () => {
    const ledger = new TraceLedger(genesis, scheme);
    ledger.apply(1, [tx(alice, 0n), tx(bob, 0n)]);
    const block = ledger.apply(2, [tx(alice, 1n), tx(bob, 1n), tx(alice, 2n)]);
    for (let i = 0; i < 3; i++) {
      const witness = ledger.stepWitness(2, i);
      expect(toHex(witness.preRoot)).toBe(toHex(block.trace.leaves[i]!));
      expect(toHex(witness.postRoot)).toBe(toHex(block.trace.leaves[i + 1]!));
      expect(witness.status).toBe("ok");
    }
    expect(() => ledger.stepWitness(2, 3)).toThrow(RangeError);
    expect(() => ledger.stepWitness(3, 0)).toThrow(RangeError);
  });

  it("refuses a block out of order, a block that does not execute, and a root the block does not reach", () => {
    const ledger = new TraceLedger(genesis, scheme);
    expect(() => ledger.apply(2, [])).toThrow(RangeError);
    expect(() => ledger.apply(1, [tx(alice, 5n)])).toThrow(TraceLedgerError);
    expect(() => ledger.apply(1, [tx(alice, 0n)], new Uint8Array(32))).toThrow(/validators committed/);
    expect(ledger.height).toBe(0);
    ledger.apply(1, [tx(alice, 0n)]);
    expect(ledger.height).toBe(1);
  });
});
