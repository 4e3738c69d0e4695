/**
 * The transaction parser in front of litesvm, and base58. litesvm aborts the
 * process on bytes it cannot deserialize, so the property that matters is:
 * whatever the parser accepts, litesvm executes and simulates without
 * crashing (a crash here kills the test worker, which fails the run).
 */
import anchor from "@coral-xyz/anchor";
import fc from "fast-check";
import { PublicKey, SystemProgram, TransactionMessage, VersionedTransaction, AddressLookupTableAccount } from "@solana/web3.js";
import { describe, expect, it } from "vitest";
import { base58Decode, base58Encode, decodeAddress, decodeSignature } from "../../src/l1/base58.js";
import { blockhashForSlot } from "../../src/l1/slot-clock.js";
import { MalformedTransactionError, parseTransaction } from "../../src/l1/solana-transaction.js";
import { Svm, SYSTEM_PROGRAM_ID } from "../../src/l1/svm.js";
import { alice, bob, carol, GENESIS_LAMPORTS, transfer, transferV0 } from "./l1-harness.js";

const bs58 = anchor.utils.bytes.bs58;
const BLOCKHASH = blockhashForSlot(0);

function fundedSvm(): Svm {
  const svm = new Svm();
  for (const k of [alice, bob, carol]) {
    svm.setAccount(k.publicKey.toBytes(), { lamports: GENESIS_LAMPORTS, data: new Uint8Array(0), owner: SYSTEM_PROGRAM_ID, executable: false, rentEpoch: 0n });
  }
  return svm;
}

/** A v0 transfer whose recipient comes from an address lookup table (which does not exist on chain). */
function transferViaLookup(): Uint8Array {
  const table = new AddressLookupTableAccount({
    key: new PublicKey(new Uint8Array(32).fill(9)),
    state: { deactivationSlot: BigInt("18446744073709551615"), lastExtendedSlot: 0, lastExtendedSlotStartIndex: 0, authority: undefined, addresses: [carol.publicKey, bob.publicKey] },
  });
  const message = new TransactionMessage({
    payerKey: alice.publicKey,
    recentBlockhash: BLOCKHASH,
    instructions: [SystemProgram.transfer({ fromPubkey: alice.publicKey, toPubkey: carol.publicKey, lamports: 1_000_000n })],
  }).compileToV0Message([table]);
  const tx = new VersionedTransaction(message);
  tx.sign([alice]);
  return tx.serialize();
}

describe("base58", () => {
  it("matches bs58 both ways and refuses characters outside the alphabet", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat({ max: 4 }), (tail, zeros) => {
        const bytes = new Uint8Array([...new Uint8Array(zeros), ...tail]);
        const text = base58Encode(bytes);
        expect(text).toBe(bs58.encode(bytes));
        expect(base58Decode(text)).toEqual(bytes);
      }),
      { numRuns: 1000 },
    );
    for (const bad of ["0", "O", "I", "l", "abc+", "é"]) expect(base58Decode(bad)).toBeUndefined();
    expect(decodeAddress(alice.publicKey.toBase58())).toEqual(alice.publicKey.toBytes());
    expect(decodeAddress("1".repeat(31))).toBeUndefined();
    expect(decodeAddress(bs58.encode(new Uint8Array(33).fill(1)))).toBeUndefined();
    expect(decodeSignature(bs58.encode(new Uint8Array(64).fill(200)))).toEqual(new Uint8Array(64).fill(200));
    expect(decodeSignature(alice.publicKey.toBase58())).toBeUndefined();
  });
});

describe("transaction parser", () => {
  it("reads a legacy transfer", () => {
    const bytes = transfer(alice, bob.publicKey, 5, BLOCKHASH);
    const parsed = parseTransaction(bytes);
    expect(parsed.version).toBe("legacy");
    expect(parsed.signature).toBe(bs58.encode(bytes.subarray(1, 65)));
    expect(parsed.signatureCount).toBe(1);
    expect(parsed.recentBlockhash).toBe(BLOCKHASH);
    expect(parsed.staticAccounts.map((k) => new PublicKey(k).toBase58())).toEqual([alice.publicKey.toBase58(), bob.publicKey.toBase58(), SystemProgram.programId.toBase58()]);
    expect(parsed.writableStaticIndexes).toEqual([0, 1]);
    expect(parsed.lookups).toEqual([]);
  });

  it("reads a v0 transaction with an address lookup table", () => {
    const parsed = parseTransaction(transferViaLookup());
    expect(parsed.version).toBe(0);
    expect(parsed.staticAccounts).toHaveLength(2);
    expect(parsed.writableStaticIndexes).toEqual([0]);
    expect(parsed.lookups).toHaveLength(1);
    expect([...parsed.lookups[0]!.writableIndexes]).toEqual([0]);
    expect(parseTransaction(transferV0(alice, bob.publicKey, 5, BLOCKHASH)).version).toBe(0);
  });

  it("refuses bytes that are not exactly one well-formed transaction", () => {
    const good = transfer(alice, bob.publicKey, 5, BLOCKHASH);
    const withSignatureCount = (n: number): Uint8Array => new Uint8Array([n, ...good.subarray(1)]);
    const v1 = transferV0(alice, bob.publicKey, 5, BLOCKHASH);
    v1[65] = 0x81;
    const cases: Uint8Array[] = [
      new Uint8Array(0),
      new Uint8Array([0]),
      good.subarray(0, 100),
      new Uint8Array([...good, 1]),
      withSignatureCount(0),
      withSignatureCount(2),
      new Uint8Array([0x81, 0x00, ...good.subarray(1)]),
      v1,
      new Uint8Array(1233),
    ];
    for (const bytes of cases) expect(() => parseTransaction(bytes), `case ${[...bytes.subarray(0, 4)]}`).toThrow(MalformedTransactionError);
  });

  it("property: whatever the parser accepts, litesvm executes and simulates without crashing", () => {
    const svm = fundedSvm();
    const seeds = [transfer(alice, bob.publicKey, 1_000_000, BLOCKHASH), transferV0(bob, carol.publicKey, 1_000_000, BLOCKHASH), transferViaLookup()];
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
      fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    );
    let accepted = 0;
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 3 }), (seed, mutations) => {
        let bytes = seed.slice();
        for (const m of mutations) {
          const at = m.at % (bytes.length + 1);
          if (m.kind === "set" && bytes.length > 0) bytes[at % bytes.length] = m.value;
          if (m.kind === "cut") bytes = bytes.slice(0, at);
          if (m.kind === "insert") bytes = new Uint8Array([...bytes.subarray(0, at), m.value, ...bytes.subarray(at)]);
        }
        let parsed;
        try {
          parsed = parseTransaction(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedTransactionError);
          return;
        }
        accepted++;
        svm.simulate(bytes, parsed.version);
        svm.execute(bytes, parsed.version);
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(300);
  });

  it("property: random bytes are refused or survive litesvm", () => {
    const svm = fundedSvm();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        let parsed;
        try {
          parsed = parseTransaction(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedTransactionError);
          return;
        }
        svm.execute(bytes, parsed.version);
      }),
      { numRuns: 3000 },
    );
  });
});
