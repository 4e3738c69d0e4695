/**
 * AssetVM's mailbox instructions of a cross-rollup transfer: `mailbox-write`
 * burns on the source chain and records the CIRC message in the outbox;
 * `mailbox-read` consumes the inbox entry (put there by `putInbox`) once and
 * mints on the destination. Every typed failure, the reference model agreeing,
 * the state encoding round trip, and conservation across the two chains.
 */
import { describe, expect, it } from "vitest";
import { LedgerModel } from "../../src/check/models/ledger-model.js";
import { admissionError, executeTransaction } from "../../src/vm/execute.js";
import { putInbox } from "../../src/vm/mailbox.js";
import { MemoryLedger } from "../../src/vm/memory-ledger.js";
import { decodeStateValue, encodeStateValue, stateKey } from "../../src/vm/state-keys.js";
import { NATIVE_ASSET, type Instruction, type TransactionBody } from "../../src/vm/types.js";

const ALICE = "a".repeat(64);
const BOB = "b".repeat(64);
const SOURCE = 1;
const DESTINATION = 2;

function chain(): MemoryLedger {
  const ledger = new MemoryLedger();
  ledger.setAsset({ symbol: NATIVE_ASSET, decimals: 9, mintAuthority: null, supply: 1000n });
  ledger.setBalance(ALICE, NATIVE_ASSET, 1000n);
  ledger.setAsset({ symbol: "USD", decimals: 6, mintAuthority: null, supply: 0n });
  return ledger;
}

const body = (sender: string, nonce: bigint, instructions: Instruction[]): TransactionBody => ({ sender, nonce, fee: 0n, instructions });
const write = (amount: bigint, session = 5n, asset = NATIVE_ASSET): Instruction => ({ kind: "mailbox-write", destination: DESTINATION, session, to: BOB, asset, amount });
const read = (session = 5n): Instruction => ({ kind: "mailbox-read", source: SOURCE, session });

function run(ledger: MemoryLedger, tx: TransactionBody, model?: LedgerModel): string {
  const refused = admissionError(ledger, tx);
  if (refused !== undefined) return refused;
  const receipt = executeTransaction(ledger, tx, "id");
  if (model !== undefined) expect(model.apply(tx).status).toBe(receipt.status);
  return receipt.status;
}

describe("mailbox instructions", () => {
  it("an xT moves an asset: the write burns and records the outbox message, the read mints it once; supply is conserved across the chains", () => {
    const source = chain();
    const destination = chain();
    expect(run(source, body(ALICE, 0n, [write(300n)]))).toBe("ok");
    expect(source.balance(ALICE, NATIVE_ASSET)).toBe(700n);
    expect(source.asset(NATIVE_ASSET)!.supply).toBe(700n);
    const message = source.outbox(DESTINATION, 5n)!;
    expect(message).toEqual({ sender: ALICE, receiver: BOB, asset: NATIVE_ASSET, amount: 300n });
    expect(putInbox(destination, SOURCE, 5n, message)).toBeUndefined();
    expect(run(destination, body(BOB, 0n, [read()]))).toBe("ok");
    expect(destination.balance(BOB, NATIVE_ASSET)).toBe(300n);
    expect(destination.inbox(SOURCE, 5n)!.consumed).toBe(true);
    expect(source.asset(NATIVE_ASSET)!.supply + destination.asset(NATIVE_ASSET)!.supply).toBe(2000n);
  });

  it("typed failures: a read that misses, a replayed read, insufficient balance, a written outbox key, an unknown asset, bad fields; each reverts", () => {
    const source = chain();
    const model = new LedgerModel();
    expect(run(source, body(ALICE, 0n, [write(2000n)]))).toBe("insufficient-balance");
    expect(run(source, body(ALICE, 1n, [write(1n, 5n, "NOPE")]))).toBe("unknown-asset");
    expect(run(source, body(ALICE, 2n, [write(0n)]))).toBe("invalid-instruction");
    expect(run(source, body(ALICE, 3n, [{ kind: "mailbox-write", destination: -1, session: 0n, to: BOB, asset: NATIVE_ASSET, amount: 1n }]))).toBe("invalid-instruction");
    expect(run(source, body(ALICE, 4n, [write(10n), write(10n)]))).toBe("mailbox-exists");
    expect(source.outbox(DESTINATION, 5n)).toBeUndefined(); // the first write was reverted with the transaction
    expect(source.balance(ALICE, NATIVE_ASSET)).toBe(1000n);
    const destination = chain();
    expect(run(destination, body(BOB, 0n, [read()]))).toBe("mailbox-miss");
    expect(putInbox(destination, SOURCE, 5n, { sender: ALICE, receiver: BOB, asset: "USD", amount: 7n })).toBeUndefined();
    expect(putInbox(destination, SOURCE, 5n, { sender: ALICE, receiver: BOB, asset: "USD", amount: 7n })).toMatch(/already/);
    expect(run(destination, body(BOB, 1n, [read(), read()]))).toBe("mailbox-replayed");
    expect(destination.inbox(SOURCE, 5n)!.consumed).toBe(false);
    expect(run(destination, body(BOB, 2n, [read()]))).toBe("ok");
    expect(run(destination, body(BOB, 3n, [read()]))).toBe("mailbox-replayed");
    expect(destination.balance(BOB, "USD")).toBe(7n);
    expect(putInbox(destination, SOURCE, 6n, { sender: ALICE, receiver: BOB, asset: "GONE", amount: 7n })).toBeUndefined();
    expect(run(destination, body(BOB, 4n, [read(6n)]))).toBe("unknown-asset");
    expect(putInbox(destination, SOURCE, 7n, { sender: ALICE, receiver: BOB, asset: "bad", amount: 7n })).toMatch(/symbol/);
    // The reference model agrees on a chain that receives nothing.
    const modelLedger = new MemoryLedger();
    expect(model.admission(body(ALICE, 0n, [read()]))).toBeUndefined();
    expect(run(modelLedger, body(ALICE, 0n, [read()]), model)).toBe("mailbox-miss");
  });

  it("mailbox entries encode and decode in the state (outbox without, inbox with its consumed flag)", () => {
    const out = { sender: ALICE, receiver: BOB, asset: "USD", amount: (1n << 64n) - 1n };
    expect(decodeStateValue(stateKey.outbox(DESTINATION, 5n), encodeStateValue(out))).toEqual(out);
    const inbox = { ...out, consumed: true };
    expect(decodeStateValue(stateKey.inbox(SOURCE, 5n), encodeStateValue(inbox))).toEqual(inbox);
    expect(stateKey.outbox(0xffff_ffff, 1n)).toBe("o:ffffffff:0000000000000001");
    expect(() => decodeStateValue(stateKey.inbox(SOURCE, 5n), Uint8Array.from([...encodeStateValue(out), 2]))).toThrow(/consumed/);
  });
});
