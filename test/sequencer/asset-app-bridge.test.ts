/**
 * The sequencer application's side of the bridge: the leader credits the
 * deposits relayers handed it in a system transaction first in its block; a
 * validator refuses a block crediting a deposit it was not handed (or with
 * another amount), and any system transaction when the bridge is off; the
 * mempool refuses system transactions; `bridge-query` answers with an inclusion
 * proof the client checks against the committed root; the messages round-trip.
 */
import { describe, expect, it } from "vitest";
import type { AppContext } from "../../src/consensus/application.js";
import { blockHash } from "../../src/consensus/block-hash.js";
import { GENESIS_BLOCK, GENESIS_QC } from "../../src/consensus/genesis.js";
import type { Block } from "../../src/consensus/types.js";
import { toHex } from "../../src/crypto/hash.js";
import { createSignatureScheme } from "../../src/crypto/schemes.js";
import { decodeProof, verifyProof } from "../../src/crypto/sparse-merkle.js";
import { WireDecodeError } from "../../src/net/codec.js";
import { decodeAppMessage, encodeAppMessage, type AppMessage } from "../../src/sequencer/app-messages.js";
import { AssetApp } from "../../src/sequencer/asset-app.js";
import { decodeBlockPayload, encodeBlockPayload } from "../../src/sequencer/block-payload.js";
import { stateKey, stateKeyBytes } from "../../src/vm/state-keys.js";
import { decodeTransaction, encodeTransaction, signTransaction } from "../../src/vm/tx-codec.js";
import { BRIDGE_ACCOUNT, BRIDGED_ASSET, NATIVE_ASSET } from "../../src/vm/types.js";

const scheme = createSignatureScheme("sim");
const alice = scheme.keyPairFromSeed(new Uint8Array(32).fill(1));
const ALICE = toHex(alice.publicKey);
const L1_ALICE = "5".repeat(64);

function newApp(bridge = true, readsL1 = false): AssetApp {
  return new AssetApp({
    scheme,
    genesis: { assets: [{ symbol: NATIVE_ASSET, decimals: 9, mintAuthority: null, balances: [[ALICE, 1_000_000n]] }], pools: [] },
    blockTransactionsMax: 100,
    mempool: { capacity: 1000, minFee: 1n, replaceBumpPercent: 10, ttlUs: 30_000_000, maxNonceGap: 16, perSenderMax: 64 },
    ...(bridge ? { bridge: { creditsPerBlockMax: 2, readsL1 } } : {}),
  });
}

function context(): AppContext & { logs: { event: string; fields: Readonly<Record<string, unknown>> }[]; sent: { to: string; data: Uint8Array }[] } {
  const logs: { event: string; fields: Readonly<Record<string, unknown>> }[] = [];
  const sent: { to: string; data: Uint8Array }[] = [];
  return { id: "v0", peers: ["v1"], now: () => 1_000, sendApp: (to, data) => sent.push({ to, data }), log: (event, fields) => logs.push({ event, fields }), logs, sent };
}

function child(parent: Block, payload: Uint8Array): Block {
  const fields = { view: parent.view + 1, height: parent.height + 1, parentHash: parent.hash, justify: GENESIS_QC, proposer: 0, timestampUs: parent.timestampUs + 1, payload };
  return { ...fields, hash: blockHash(fields) };
}

const deposit = (sequence: bigint, amount: bigint) => ({ sequence, to: alice.publicKey, amount });
const hand = (app: AssetApp, ctx: AppContext, ...deposits: ReturnType<typeof deposit>[]) => app.onAppMessage(ctx, "relayer", encodeAppMessage({ kind: "deposits", deposits }));

describe("asset app: bridge", () => {
  it("the leader credits the handed deposits in order, at most creditsPerBlockMax per block; a validator handed the same deposits commits it", () => {
    const leader = newApp();
    const ctx = context();
    hand(leader, ctx, deposit(0n, 500n), deposit(2n, 9n), deposit(1n, 7n));
    const payload = decodeBlockPayload(leader.buildPayload(ctx, GENESIS_BLOCK, []));
    expect(payload.txs).toHaveLength(1);
    const system = decodeTransaction(payload.txs[0]!);
    expect(system.sender).toBe(BRIDGE_ACCOUNT);
    expect(system.instructions.map((i) => (i.kind === "credit-deposit" ? i.sequence : -1n))).toEqual([0n, 1n]);
    const block = child(GENESIS_BLOCK, encodeBlockPayload(payload));
    const follower = newApp();
    const fctx = context();
    hand(follower, fctx, deposit(0n, 500n), deposit(1n, 7n));
    expect(follower.verifyPayload(fctx, block, [])).toBe(true);
    follower.commit(fctx, block);
    expect(follower.ledger.committed.balance(ALICE, BRIDGED_ASSET)).toBe(507n);
    expect(fctx.logs.find((l) => l.event === "bridge-committed")?.fields).toMatchObject({
      height: 1,
      credits: [
        { sequence: "0", to: ALICE, amount: "500" },
        { sequence: "1", to: ALICE, amount: "7" },
      ],
      withdrawals: [],
    });
  });

  it("a validator refuses a credit it was not handed, or handed with another amount, and any system transaction with the bridge off", () => {
    const leader = newApp();
    hand(leader, context(), deposit(0n, 500n));
    const block = child(GENESIS_BLOCK, leader.buildPayload(context(), GENESIS_BLOCK, []));
    const unaware = newApp();
    const uctx = context();
    expect(unaware.verifyPayload(uctx, block, [])).toBe(false);
    expect(String(uctx.logs.at(-1)!.fields.reason)).toMatch(/credits deposit 0, not a finalized L1 deposit this validator knows/);
    const other = newApp();
    const octx = context();
    hand(other, octx, deposit(0n, 501n));
    expect(other.verifyPayload(octx, block, [])).toBe(false);
    const off = newApp(false);
    const offCtx = context();
    expect(off.verifyPayload(offCtx, block, [])).toBe(false);
    expect(String(offCtx.logs.at(-1)!.fields.reason)).toMatch(/the bridge is off/);
  });

  it("a validator that reads the L1 itself ignores a relayer's made-up deposit, and refuses a leader's block crediting one; a validator trusting the relayers (the old way) is fooled", () => {
    // A byzantine relayer hands every validator deposit 0 of 1,000,000 that the L1 never saw; the L1 holds deposit 0 of 500.
    const madeUp = deposit(0n, 1_000_000n);
    const reader = newApp(true, true);
    const rctx = context();
    hand(reader, rctx, madeUp);
    expect(decodeBlockPayload(reader.buildPayload(rctx, GENESIS_BLOCK, [])).txs).toHaveLength(0); // nothing to credit: nothing read yet
    reader.learnL1Deposits([deposit(0n, 500n)]);
    hand(reader, rctx, madeUp);
    const own = decodeTransaction(decodeBlockPayload(reader.buildPayload(rctx, GENESIS_BLOCK, [])).txs[0]!);
    expect(own.instructions).toEqual([{ kind: "credit-deposit", sequence: 0n, to: ALICE, amount: 500n }]);
    // A leader that took the relayer's word (or made the deposit up itself) proposes the credit.
    const leader = newApp();
    hand(leader, context(), madeUp);
    const block = child(GENESIS_BLOCK, leader.buildPayload(context(), GENESIS_BLOCK, []));
    expect(reader.verifyPayload(rctx, block, [])).toBe(false);
    expect(String(rctx.logs.at(-1)!.fields.reason)).toMatch(/credits deposit 0, not a finalized L1 deposit this validator knows/);
    // The broken variant: a validator that trusts the relayers' feed votes for the made-up credit.
    const trusting = newApp();
    const tctx = context();
    hand(trusting, tctx, madeUp);
    expect(trusting.verifyPayload(tctx, block, [])).toBe(true);
  });

  it("the mempool refuses a system transaction", () => {
    const app = newApp();
    const ctx = context();
    const system = encodeTransaction({ sender: BRIDGE_ACCOUNT, nonce: 0n, fee: 0n, instructions: [{ kind: "credit-deposit", sequence: 0n, to: ALICE, amount: 5n }], signature: new Uint8Array(0) });
    app.onAppMessage(ctx, "c0", encodeAppMessage({ kind: "submit", txs: [system] }));
    expect(ctx.logs.at(-1)).toMatchObject({ event: "tx-rejected", fields: { reason: "system-transaction" } });
    expect(app.pendingCount).toBe(0);
  });

  it("answers bridge-query with the committed counters and a withdrawal's inclusion proof", () => {
    const app = newApp();
    const ctx = context();
    hand(app, ctx, deposit(0n, 500n));
    const first = child(GENESIS_BLOCK, app.buildPayload(ctx, GENESIS_BLOCK, []));
    app.commit(ctx, first);
    const withdraw = signTransaction({ sender: ALICE, nonce: 0n, fee: 5n, instructions: [{ kind: "withdraw", recipient: L1_ALICE, amount: 200n }] }, alice.secretKey, scheme);
    app.onAppMessage(ctx, "c0", encodeAppMessage({ kind: "submit", txs: [withdraw] }));
    const second = child(first, app.buildPayload(ctx, first, []));
    app.commit(ctx, second);
    app.onAppMessage(ctx, "relayer", encodeAppMessage({ kind: "bridge-query", withdrawal: 0n }));
    const reply = decodeAppMessage(ctx.sent.at(-1)!.data);
    if (reply.kind !== "bridge-state" || reply.withdrawal === undefined) throw new Error(`unexpected ${reply.kind}`);
    expect(reply).toMatchObject({ height: 2, depositNext: 1n, withdrawalNext: 1n });
    expect(verifyProof(reply.root, stateKeyBytes(stateKey.withdrawal(0n)), reply.withdrawal.value, decodeProof(reply.withdrawal.proof))).toBe(true);
    app.onAppMessage(ctx, "relayer", encodeAppMessage({ kind: "bridge-query", withdrawal: 1n }));
    const absent = decodeAppMessage(ctx.sent.at(-1)!.data);
    expect(absent.kind === "bridge-state" && absent.withdrawal?.value).toBeUndefined();
  });

  it("the bridge messages round-trip and refuse malformed fields", () => {
    const messages: AppMessage[] = [
      { kind: "deposits", deposits: [{ sequence: (1n << 64n) - 1n, to: new Uint8Array(32).fill(3), amount: 12n }] },
      { kind: "bridge-query" },
      { kind: "bridge-query", withdrawal: 7n },
      { kind: "bridge-state", height: 3, root: new Uint8Array(32), depositNext: 2n, withdrawalNext: 1n, withdrawal: { sequence: 0n, value: new Uint8Array(40), proof: new Uint8Array([1]) } },
    ];
    for (const m of messages) expect(decodeAppMessage(encodeAppMessage(m))).toEqual(m);
    const bad = encodeAppMessage({ kind: "deposits", deposits: [{ sequence: 1n, to: new Uint8Array(31), amount: 1n }] });
    expect(() => decodeAppMessage(bad)).toThrow(WireDecodeError);
  });
});
