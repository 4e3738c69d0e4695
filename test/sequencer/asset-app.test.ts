/**
 * The sequencer application on its own, driven by hand like consensus drives it:
 * building payloads from the mempool, re-execution and the root check, commits,
 * and rollback of speculative state when a fork is abandoned.
 */
import { describe, expect, it } from "vitest";
import type { AppContext } from "../../src/consensus/application.js";
import { blockHash } from "../../src/consensus/block-hash.js";
import { GENESIS_BLOCK, GENESIS_QC } from "../../src/consensus/genesis.js";
import type { Block } from "../../src/consensus/types.js";
import { toHex } from "../../src/crypto/hash.js";
import { createSignatureScheme } from "../../src/crypto/schemes.js";
import { encodeAppMessage, decodeAppMessage } from "../../src/sequencer/app-messages.js";
import { AssetApp } from "../../src/sequencer/asset-app.js";
import { decodeBlockPayload, encodeBlockPayload } from "../../src/sequencer/block-payload.js";
import { signTransaction } from "../../src/vm/tx-codec.js";
import { NATIVE_ASSET, type Instruction } from "../../src/vm/types.js";

const scheme = createSignatureScheme("sim");
const alice = scheme.keyPairFromSeed(new Uint8Array(32).fill(1));
const bob = scheme.keyPairFromSeed(new Uint8Array(32).fill(2));
const ALICE = toHex(alice.publicKey);
const BOB = toHex(bob.publicKey);

function newApp(): AssetApp {
  return new AssetApp({
    scheme,
    genesis: { assets: [{ symbol: NATIVE_ASSET, decimals: 9, mintAuthority: null, balances: [[ALICE, 1_000_000n], [BOB, 1_000_000n]] }], pools: [] },
    blockTransactionsMax: 100,
    mempool: { capacity: 1000, minFee: 1n, replaceBumpPercent: 10, ttlUs: 30_000_000, maxNonceGap: 16, perSenderMax: 64 },
  });
}

interface Recorder extends AppContext {
  readonly logs: { event: string; fields: Readonly<Record<string, unknown>> }[];
  readonly sent: { to: string; data: Uint8Array }[];
}
function context(): Recorder {
  const logs: Recorder["logs"] = [];
  const sent: Recorder["sent"] = [];
  return { id: "v0", peers: ["v1"], now: () => 1_000, sendApp: (to, data) => sent.push({ to, data }), log: (event, fields) => logs.push({ event, fields }), logs, sent };
}

const transfer = (to: string, amount: bigint): Instruction => ({ kind: "transfer", asset: NATIVE_ASSET, to, amount });
const tx = (keys = alice, nonce = 0n, instructions = [transfer(BOB, 10n)], fee = 5n) =>
  signTransaction({ sender: toHex(keys.publicKey), nonce, fee, instructions }, keys.secretKey, scheme);
const submit = (app: AssetApp, ctx: AppContext, ...txs: Uint8Array[]) => app.onAppMessage(ctx, "c0", encodeAppMessage({ kind: "submit", txs }));

function child(parent: Block, payload: Uint8Array, view = parent.view + 1): Block {
  const fields = { view, height: parent.height + 1, parentHash: parent.hash, justify: GENESIS_QC, proposer: 0, timestampUs: parent.timestampUs + 1, payload };
  return { ...fields, hash: blockHash(fields) };
}

describe("sequencer application", () => {
  it("builds a payload from the mempool that another validator re-executes to the same root and commits", () => {
    const leader = newApp();
    const ctx = context();
    submit(leader, ctx, tx(alice, 0n), tx(alice, 1n), tx(bob, 0n, [transfer(ALICE, 7n)]));
    expect(ctx.sent.map((s) => [s.to, decodeAppMessage(s.data).kind])).toEqual([["v1", "gossip"]]);
    const payload = leader.buildPayload(ctx, GENESIS_BLOCK, []);
    const decoded = decodeBlockPayload(payload);
    expect(decoded.height).toBe(1);
    expect(decoded.parent).toEqual(GENESIS_BLOCK.hash);
    expect(decoded.txs).toHaveLength(3);
    const block = child(GENESIS_BLOCK, payload);

    const follower = newApp();
    const fctx = context();
    expect(follower.verifyPayload(fctx, block, [])).toBe(true);
    follower.commit(fctx, block);
    const root = fctx.logs.find((l) => l.event === "state-root")!.fields;
    expect(root).toMatchObject({ height: 1, root: toHex(decoded.stateRoot), txs: 3, supplyDelta: { [NATIVE_ASSET]: "-15" } });
    expect(follower.ledger.committed.balance(BOB, NATIVE_ASSET)).toBe(1_000_000n + 20n - 5n - 7n);
    expect(follower.ledger.committed.nonce(ALICE)).toBe(2n);
  });

  it("refuses a proposal whose state root differs and logs both roots (root divergence)", () => {
    const leader = newApp();
    const ctx = context();
    submit(leader, ctx, tx());
    const honest = decodeBlockPayload(leader.buildPayload(ctx, GENESIS_BLOCK, []));
    const lying = encodeBlockPayload({ ...honest, stateRoot: new Uint8Array(32).fill(7) });
    const follower = newApp();
    const fctx = context();
    expect(follower.verifyPayload(fctx, child(GENESIS_BLOCK, lying), [])).toBe(false);
    expect(fctx.logs).toContainEqual({ event: "root-divergence", fields: { height: 1, view: 1, proposed: "07".repeat(32), computed: toHex(honest.stateRoot) } });
  });

  it("refuses malformed payloads, a wrong height or parent, and blocks carrying an inadmissible transaction", () => {
    const app = newApp();
    const ctx = context();
    const root = new Uint8Array(32);
    const forged = tx().slice();
    forged[forged.length - 1]! ^= 1;
    const cases: [string, Uint8Array, RegExp][] = [
      ["garbage", new Uint8Array([1, 2, 3]), /malformed payload/],
      ["height", encodeBlockPayload({ height: 5, parent: GENESIS_BLOCK.hash, stateRoot: root, txs: [] }), /height 5 is not the block's 1/],
      ["parent", encodeBlockPayload({ height: 1, parent: root, stateRoot: root, txs: [] }), /parent is not the block's parent/],
      ["signature", encodeBlockPayload({ height: 1, parent: GENESIS_BLOCK.hash, stateRoot: root, txs: [forged] }), /transaction 0: bad-signature/],
      ["nonce", encodeBlockPayload({ height: 1, parent: GENESIS_BLOCK.hash, stateRoot: root, txs: [tx(alice, 3n)] }), /transaction 0: bad-nonce/],
      ["replay", encodeBlockPayload({ height: 1, parent: GENESIS_BLOCK.hash, stateRoot: root, txs: [tx(), tx()] }), /transaction 1: bad-nonce/],
      ["fee", encodeBlockPayload({ height: 1, parent: GENESIS_BLOCK.hash, stateRoot: root, txs: [tx(alice, 0n, [transfer(BOB, 1n)], 2_000_000n)] }), /transaction 0: insufficient-fee/],
    ];
    for (const [name, payload, reason] of cases) {
      expect(app.verifyPayload(ctx, child(GENESIS_BLOCK, payload), []), name).toBe(false);
      expect(String(ctx.logs.at(-1)!.fields.reason), name).toMatch(reason);
    }
    expect(toHex(app.ledger.committed.root)).toBe(toHex(newApp().ledger.committed.root)); // nothing applied
  });

  it("rolls back the speculative state of an abandoned fork and applies only the committed branch, once", () => {
    const app = newApp();
    const ctx = context();
    const leaderA = newApp();
    submit(leaderA, context(), tx(alice, 0n, [transfer(BOB, 100n)]));
    const forkA = child(GENESIS_BLOCK, leaderA.buildPayload(context(), GENESIS_BLOCK, []), 1);
    const leaderB = newApp();
    submit(leaderB, context(), tx(alice, 0n, [transfer(BOB, 999n)], 6n));
    const forkB = child(GENESIS_BLOCK, leaderB.buildPayload(context(), GENESIS_BLOCK, []), 2);
    expect(app.verifyPayload(ctx, forkA, [])).toBe(true);
    // A child of fork A, built by this validator on A's speculative state.
    submit(app, ctx, tx(alice, 1n, [transfer(BOB, 1n)]));
    const aChild = child(forkA, app.buildPayload(ctx, forkA, [forkA]), 3);
    expect(decodeBlockPayload(aChild.payload).txs).toHaveLength(1); // nonce 0 is taken by fork A
    expect(app.verifyPayload(ctx, aChild, [forkA])).toBe(true);
    expect(app.verifyPayload(ctx, forkB, [])).toBe(true);

    app.commit(ctx, forkB);
    const rollbacks = ctx.logs.filter((l) => l.event === "rollback").map((l) => l.fields.hash);
    expect(rollbacks.sort()).toEqual([toHex(forkA.hash), toHex(aChild.hash)].sort());
    expect(app.ledger.committed.balance(BOB, NATIVE_ASSET)).toBe(1_000_000n + 999n);
    expect(app.ledger.committed.nonce(ALICE)).toBe(1n);
    // Fork A's child can no longer be verified: its parent's state is gone.
    expect(app.verifyPayload(ctx, aChild, [forkA])).toBe(false);
    // The next block builds on B's state: alice's nonce-1 transaction is executable again, at nonce 1.
    const next = decodeBlockPayload(app.buildPayload(ctx, forkB, []));
    expect(next.txs).toHaveLength(1);
  });

  it("answers account queries with the committed nonce and refuses duplicate, stale and unpayable submissions with reasons", () => {
    const app = newApp();
    const ctx = context();
    submit(app, ctx, tx(alice, 0n));
    submit(app, ctx, tx(alice, 0n));
    submit(app, ctx, tx(alice, 1n, [transfer(BOB, 1n)], 5_000_000n));
    app.onAppMessage(ctx, "c0", new Uint8Array([0xc1]));
    expect(ctx.logs.filter((l) => l.event === "tx-rejected").map((l) => l.fields.reason)).toEqual(["duplicate", "insufficient-fee"]);
    expect(ctx.logs.at(-1)).toMatchObject({ event: "reject", fields: { from: "c0", type: "app" } });
    app.onAppMessage(ctx, "c0", encodeAppMessage({ kind: "account-query", account: alice.publicKey }));
    const reply = decodeAppMessage(ctx.sent.at(-1)!.data);
    expect(reply).toEqual({ kind: "account-state", account: alice.publicKey, nonce: 0n, height: 0 });
  });
});
