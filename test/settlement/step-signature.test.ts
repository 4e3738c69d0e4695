/**
 * Goal: the signature half of the one-step proof stands on two facts this test checks in litesvm, the
 * simulator's L1 (`src/l1/svm.ts`; bankrun, the program tests' runtime, does not run precompiles):
 * the runtime runs the Ed25519 precompile, so a precompile instruction that does not verify fails the
 * whole transaction (a step can only carry one over a valid signature); and `stepSignatureOf` /
 * `stepSignatureInstruction` classify transactions as the program does (valid, forged, system, malformed).
 */
import { describe, expect, it } from "vitest";
import { createSignatureScheme } from "../../src/crypto/schemes.js";
import { toHex } from "../../src/crypto/hash.js";
import { deriveSolanaKeypair, signTransaction } from "../../src/l1/rollup-program.js";
import { web3 } from "../../src/l1/solana-modules.js";
import { stepSignatureInstruction, stepSignatureOf } from "../../src/l1/step-signature.js";
import { Svm } from "../../src/l1/svm.js";
import { encodeTransaction, signTransaction as signL2 } from "../../src/vm/tx-codec.js";
import { BRIDGE_ACCOUNT, NATIVE_ASSET } from "../../src/vm/types.js";

const scheme = createSignatureScheme("ed25519-native");
const alice = scheme.keyPairFromSeed(new Uint8Array(32).fill(1));
const bob = scheme.keyPairFromSeed(new Uint8Array(32).fill(2));
const body = { sender: toHex(alice.publicKey), nonce: 0n, fee: 1n, instructions: [{ kind: "transfer" as const, asset: NATIVE_ASSET, to: toHex(bob.publicKey), amount: 5n }] };

describe("step signatures: the Ed25519 precompile in litesvm, and the classifier", () => {
  it("litesvm runs the precompile: the instruction for a valid signature passes, one over a tampered message or signature fails the transaction", () => {
    const svm = new Svm();
    const payer = deriveSolanaKeypair("precompile-payer", 1);
    svm.setAccount(payer.publicKey.toBytes(), { lamports: 10_000_000_000n, data: new Uint8Array(0), owner: new Uint8Array(32), executable: false, rentEpoch: 0n });
    const tx = signL2(body, alice.secretKey, scheme);
    const shown = stepSignatureInstruction(tx)!;
    expect(shown.programId.equals(web3().Ed25519Program.programId)).toBe(true);
    const send = (data: Buffer, memo: number) => {
      const budget = web3().ComputeBudgetProgram.setComputeUnitPrice({ microLamports: memo }); // makes each transaction distinct
      return svm.execute(signTransaction([budget, { ...shown, data } as never], [payer], "11111111111111111111111111111111").bytes, "legacy");
    };
    expect(send(Buffer.from(shown.data), 1).ok).toBe(true);
    const message = Buffer.from(shown.data);
    message[message.length - 1]! ^= 1; // web3.js puts the message last
    expect(send(message, 2).ok).toBe(false);
    const signature = Buffer.from(shown.data);
    signature[16 + 32]! ^= 1; // public key at 16, signature at 48
    expect(send(signature, 3).ok).toBe(false);
  });

  it("classifies valid, forged (another key's signature, a damaged or short one), system and malformed transactions", () => {
    const valid = signL2(body, alice.secretKey, scheme);
    expect(stepSignatureOf(valid)).toBe("valid");
    const byBob = signL2(body, bob.secretKey, scheme);
    expect(stepSignatureOf(byBob)).toBe("forged");
    expect(stepSignatureInstruction(byBob)).toBeUndefined();
    const damaged = Uint8Array.from(valid);
    damaged[damaged.length - 1]! ^= 1;
    expect(stepSignatureOf(damaged)).toBe("forged");
    expect(stepSignatureOf(encodeTransaction({ ...body, signature: new Uint8Array(32) }))).toBe("forged");
    const credit = { sender: BRIDGE_ACCOUNT, nonce: 0n, fee: 0n, instructions: [{ kind: "credit-deposit" as const, sequence: 0n, to: body.sender, amount: 1n }] };
    expect(stepSignatureOf(encodeTransaction({ ...credit, signature: new Uint8Array(0) }))).toBe("system");
    expect(stepSignatureOf(encodeTransaction({ ...credit, signature: new Uint8Array(64) }))).toBe("forged");
    expect(stepSignatureOf(valid.subarray(0, 40))).toBe("malformed");
    expect(stepSignatureInstruction(valid)).toBeDefined();
  });
});
