/** The bridge's VM side: deposit credits in system transactions, withdrawals recorded in the state, their proofs. */
import { describe, expect, it } from "vitest";
import { verifyProof } from "../../src/crypto/sparse-merkle.js";
import { createSignatureScheme } from "../../src/crypto/schemes.js";
import { LedgerModel } from "../../src/check/models/ledger-model.js";
import { VerifiedTransactions } from "../../src/sequencer/block-execution.js";
import { admissionError, executeTransaction } from "../../src/vm/execute.js";
import { LedgerState } from "../../src/vm/ledger-state.js";
import { MemoryLedger } from "../../src/vm/memory-ledger.js";
import { decodeStateValue, encodeStateValue, stateKey, stateKeyBytes } from "../../src/vm/state-keys.js";
import { encodeTransaction } from "../../src/vm/tx-codec.js";
import { BRIDGE_ACCOUNT, BRIDGED_ASSET, NATIVE_ASSET, type Instruction, type TransactionBody } from "../../src/vm/types.js";

const ALICE = "a".repeat(64);
const BOB = "b".repeat(64);
const L1_RECIPIENT = "5".repeat(64);

const credit = (sequence: bigint, to: string, amount: bigint): Instruction => ({ kind: "credit-deposit", sequence, to, amount });
const system = (nonce: bigint, instructions: Instruction[]): TransactionBody => ({ sender: BRIDGE_ACCOUNT, nonce, fee: 0n, instructions });

function funded(): MemoryLedger {
  const ledger = new MemoryLedger();
  ledger.setAsset({ symbol: NATIVE_ASSET, decimals: 9, mintAuthority: null, supply: 1000n });
  ledger.setBalance(ALICE, NATIVE_ASSET, 1000n);
  return ledger;
}

/** Runs `tx` on both the VM ledger and the reference model and checks they agree on the outcome. */
function run(ledger: MemoryLedger, model: LedgerModel, tx: TransactionBody): string {
  const refused = admissionError(ledger, tx);
  expect(model.admission(tx)).toBe(refused);
  if (refused !== undefined) return refused;
  const receipt = executeTransaction(ledger, tx, "id");
  expect(model.apply(tx).status).toBe(receipt.status);
  return receipt.status;
}

describe("bridge instructions", () => {
  it("credits deposits exactly once, in sequence order; a replayed or skipped deposit is inadmissible", () => {
    const ledger = funded();
    const model = LedgerModel.fromGenesis({ assets: [{ symbol: NATIVE_ASSET, decimals: 9, mintAuthority: null, balances: [[ALICE, 1000n]] }], pools: [] });
    expect(run(ledger, model, system(0n, [credit(0n, ALICE, 500n), credit(1n, BOB, 7n)]))).toBe("ok");
    expect(ledger.asset(BRIDGED_ASSET)).toEqual({ symbol: BRIDGED_ASSET, decimals: 9, mintAuthority: null, supply: 507n });
    expect(ledger.balance(ALICE, BRIDGED_ASSET)).toBe(500n);
    expect(ledger.depositNext()).toBe(2n);
    // The same credit again (a replay), a skipped number, or a credit mixed with another instruction: refused before execution.
    expect(run(ledger, model, system(1n, [credit(1n, BOB, 7n)]))).toBe("bad-deposit-sequence");
    expect(run(ledger, model, system(1n, [credit(3n, BOB, 7n)]))).toBe("bad-deposit-sequence");
    expect(run(ledger, model, system(1n, [credit(2n, BOB, 7n), { kind: "burn", asset: NATIVE_ASSET, amount: 1n }]))).toBe("bad-deposit-sequence");
    expect(run(ledger, model, { ...system(1n, [credit(2n, BOB, 7n)]), fee: 1n })).toBe("invalid-instruction");
    expect(ledger.depositNext()).toBe(2n);
    expect(ledger.asset(BRIDGED_ASSET)!.supply).toBe(507n);
    expect(run(ledger, model, system(1n, [credit(2n, BOB, 3n)]))).toBe("ok");
    expect(ledger.balance(BOB, BRIDGED_ASSET)).toBe(10n);
  });

  it("refuses a credit from anyone but the bridge account", () => {
    const ledger = funded();
    const model = LedgerModel.fromGenesis({ assets: [{ symbol: NATIVE_ASSET, decimals: 9, mintAuthority: null, balances: [[ALICE, 1000n]] }], pools: [] });
    expect(run(ledger, model, { sender: ALICE, nonce: 0n, fee: 1n, instructions: [credit(0n, ALICE, 5n)] })).toBe("unauthorized");
    expect(ledger.asset(BRIDGED_ASSET)).toBeUndefined();
    expect(ledger.depositNext()).toBe(0n);
  });

  it("a withdrawal burns the bridged asset and records { recipient, amount } under consecutive numbers", () => {
    const ledger = funded();
    const model = LedgerModel.fromGenesis({ assets: [{ symbol: NATIVE_ASSET, decimals: 9, mintAuthority: null, balances: [[ALICE, 1000n]] }], pools: [] });
    const withdraw = (nonce: bigint, amount: bigint, recipient = L1_RECIPIENT): TransactionBody => ({ sender: ALICE, nonce, fee: 1n, instructions: [{ kind: "withdraw", recipient, amount }] });
    expect(run(ledger, model, withdraw(0n, 5n))).toBe("unknown-asset");
    expect(run(ledger, model, system(0n, [credit(0n, ALICE, 100n)]))).toBe("ok");
    expect(run(ledger, model, withdraw(1n, 101n))).toBe("insufficient-balance");
    expect(run(ledger, model, withdraw(2n, 0n))).toBe("invalid-instruction");
    expect(run(ledger, model, withdraw(3n, 1n, "XY"))).toBe("invalid-instruction");
    expect(run(ledger, model, withdraw(4n, 60n))).toBe("ok");
    expect(run(ledger, model, withdraw(5n, 40n))).toBe("ok");
    expect(ledger.withdrawal(0n)).toEqual({ recipient: L1_RECIPIENT, amount: 60n });
    expect(ledger.withdrawal(1n)).toEqual({ recipient: L1_RECIPIENT, amount: 40n });
    expect(ledger.withdrawalNext()).toBe(2n);
    expect(ledger.balance(ALICE, BRIDGED_ASSET)).toBe(0n);
    expect(ledger.asset(BRIDGED_ASSET)!.supply).toBe(0n);
    expect(model.snapshot().withdrawals.get(1n)).toEqual({ recipient: L1_RECIPIENT, amount: 40n });
  });

  it("the withdrawal's key and value (the bytes the L1 program recomputes) are provable against the state root", () => {
    const state = new LedgerState();
    const w = state.begin(state.committed);
    w.setAsset({ symbol: NATIVE_ASSET, decimals: 9, mintAuthority: null, supply: 1000n });
    w.setBalance(ALICE, NATIVE_ASSET, 1000n);
    executeTransaction(w, system(0n, [credit(0n, ALICE, 100n)]), "c");
    executeTransaction(w, { sender: ALICE, nonce: 0n, fee: 1n, instructions: [{ kind: "withdraw", recipient: L1_RECIPIENT, amount: 30n }] }, "w");
    state.commit(w.finish(1));
    const key = stateKey.withdrawal(0n);
    expect(key).toBe("w:0000000000000000");
    const { root, value, proof } = state.proveCommitted(key);
    // recipient [u8;32] | amount u64 LE
    expect(Buffer.from(value!).toString("hex")).toBe(L1_RECIPIENT + "1e00000000000000");
    expect(value).toEqual(encodeStateValue({ recipient: L1_RECIPIENT, amount: 30n }));
    expect(decodeStateValue(key, value!)).toEqual({ recipient: L1_RECIPIENT, amount: 30n });
    expect(verifyProof(root, stateKeyBytes(key), value, proof)).toBe(true);
    expect(verifyProof(root, stateKeyBytes(key), encodeStateValue({ recipient: L1_RECIPIENT, amount: 31n }), proof)).toBe(false);
    expect(decodeStateValue("x:deposit-next", state.proveCommitted("x:deposit-next").value!)).toBe(1n);
    expect(() => stateKey.withdrawal(-1n)).toThrow(RangeError);
  });

  it("a system transaction passes signature checking only with an empty signature", () => {
    const verified = new VerifiedTransactions(createSignatureScheme("ed25519-native"), 10);
    const body = system(0n, [credit(0n, ALICE, 1n)]);
    const ok = verified.check(encodeTransaction({ ...body, signature: new Uint8Array(0) }));
    expect("rejected" in ok).toBe(false);
    expect(verified.check(encodeTransaction({ ...body, signature: new Uint8Array(64).fill(1) }))).toEqual({ rejected: "bad-signature" });
    // An ordinary sender with an empty signature is still refused.
    expect(verified.check(encodeTransaction({ ...body, sender: ALICE, signature: new Uint8Array(0) }))).toEqual({ rejected: "bad-signature" });
  });
});
