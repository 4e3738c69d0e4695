/** The transaction wire format: Borsh layout (checked against borsh-js), strict decoding, signing bytes. */
import * as borsh from "borsh";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSignatureScheme } from "../../src/crypto/schemes.js";
import { WireDecodeError } from "../../src/net/codec.js";
import { decodeTransaction, encodeTransaction, signTransaction, transactionSigningBytes, TX_SIGNING_DOMAIN } from "../../src/vm/tx-codec.js";
import type { Instruction, Transaction } from "../../src/vm/types.js";

const A = "11".repeat(32);
const B = "22".repeat(32);

const EVERY_INSTRUCTION: Instruction[] = [
  { kind: "create-asset", asset: "USDC", decimals: 6, mintAuthority: A },
  { kind: "create-asset", asset: "FIXED", decimals: 0, mintAuthority: null },
  { kind: "mint", asset: "USDC", to: B, amount: 1000n },
  { kind: "transfer", asset: "USDC", to: B, amount: (1n << 64n) - 1n },
  { kind: "burn", asset: "USDC", amount: 5n },
  { kind: "set-mint-authority", asset: "USDC", authority: B },
  { kind: "set-mint-authority", asset: "USDC", authority: null },
  { kind: "create-pool", assetA: "ASSET", assetB: "USDC", feeBps: 30 },
  { kind: "add-liquidity", assetA: "ASSET", assetB: "USDC", amountA: 10n, amountB: 20n, minShares: 1n },
  { kind: "remove-liquidity", assetA: "ASSET", assetB: "USDC", shares: 3n, minA: 1n, minB: 2n },
  { kind: "swap", assetIn: "ASSET", assetOut: "USDC", amountIn: 100n, minOut: 90n },
  { kind: "withdraw", recipient: B, amount: 250n },
  { kind: "credit-deposit", sequence: 3n, to: B, amount: (1n << 64n) - 1n },
  { kind: "mailbox-write", destination: 0xffff_ffff, session: (1n << 64n) - 1n, to: B, asset: "USDC", amount: 42n },
  { kind: "mailbox-read", source: 7, session: 9n },
];

const tx = (instructions: Instruction[], signature = new Uint8Array(64).fill(9)): Transaction => ({ sender: A, nonce: 7n, fee: 12n, instructions, signature });

// The same layout written as a borsh-js schema: the reference the hand-written codec must match byte for byte.
const account = { array: { type: "u8", len: 32 } } as const;
const borshInstruction = {
  enum: [
    { struct: { createAsset: { struct: { asset: "string", decimals: "u8", mintAuthority: { option: account } } } } },
    { struct: { mint: { struct: { asset: "string", to: account, amount: "u64" } } } },
    { struct: { transfer: { struct: { asset: "string", to: account, amount: "u64" } } } },
    { struct: { burn: { struct: { asset: "string", amount: "u64" } } } },
    { struct: { setMintAuthority: { struct: { asset: "string", authority: { option: account } } } } },
    { struct: { createPool: { struct: { assetA: "string", assetB: "string", feeBps: "u16" } } } },
    { struct: { addLiquidity: { struct: { assetA: "string", assetB: "string", amountA: "u64", amountB: "u64", minShares: "u64" } } } },
    { struct: { removeLiquidity: { struct: { assetA: "string", assetB: "string", shares: "u64", minA: "u64", minB: "u64" } } } },
    { struct: { swap: { struct: { assetIn: "string", assetOut: "string", amountIn: "u64", minOut: "u64" } } } },
    { struct: { withdraw: { struct: { recipient: account, amount: "u64" } } } },
    { struct: { creditDeposit: { struct: { sequence: "u64", to: account, amount: "u64" } } } },
    { struct: { mailboxWrite: { struct: { destination: "u32", session: "u64", to: account, asset: "string", amount: "u64" } } } },
    { struct: { mailboxRead: { struct: { source: "u32", session: "u64" } } } },
  ],
} as const;
const borshTx = { struct: { sender: account, nonce: "u64", fee: "u64", instructions: { array: { type: borshInstruction } }, signature: { array: { type: "u8" } } } } as const;

const hexBytes = (hex: string): number[] => Array.from(Buffer.from(hex, "hex"));
function toBorshValue(t: Transaction): unknown {
  const ins = t.instructions.map((i): Record<string, unknown> => {
    switch (i.kind) {
      case "create-asset":
        return { createAsset: { asset: i.asset, decimals: i.decimals, mintAuthority: i.mintAuthority === null ? null : hexBytes(i.mintAuthority) } };
      case "mint":
        return { mint: { asset: i.asset, to: hexBytes(i.to), amount: i.amount } };
      case "transfer":
        return { transfer: { asset: i.asset, to: hexBytes(i.to), amount: i.amount } };
      case "burn":
        return { burn: { asset: i.asset, amount: i.amount } };
      case "set-mint-authority":
        return { setMintAuthority: { asset: i.asset, authority: i.authority === null ? null : hexBytes(i.authority) } };
      case "create-pool":
        return { createPool: { assetA: i.assetA, assetB: i.assetB, feeBps: i.feeBps } };
      case "add-liquidity":
        return { addLiquidity: { assetA: i.assetA, assetB: i.assetB, amountA: i.amountA, amountB: i.amountB, minShares: i.minShares } };
      case "remove-liquidity":
        return { removeLiquidity: { assetA: i.assetA, assetB: i.assetB, shares: i.shares, minA: i.minA, minB: i.minB } };
      case "swap":
        return { swap: { assetIn: i.assetIn, assetOut: i.assetOut, amountIn: i.amountIn, minOut: i.minOut } };
      case "withdraw":
        return { withdraw: { recipient: hexBytes(i.recipient), amount: i.amount } };
      case "credit-deposit":
        return { creditDeposit: { sequence: i.sequence, to: hexBytes(i.to), amount: i.amount } };
      case "mailbox-write":
        return { mailboxWrite: { destination: i.destination, session: i.session, to: hexBytes(i.to), asset: i.asset, amount: i.amount } };
      case "mailbox-read":
        return { mailboxRead: { source: i.source, session: i.session } };
    }
  });
  return { sender: hexBytes(t.sender), nonce: t.nonce, fee: t.fee, instructions: ins, signature: Array.from(t.signature) };
}

describe("transaction codec", () => {
  it("round-trips every instruction kind", () => {
    const bytes = encodeTransaction(tx(EVERY_INSTRUCTION));
    const decoded = decodeTransaction(bytes);
    expect(decoded.instructions).toEqual(EVERY_INSTRUCTION);
    expect({ sender: decoded.sender, nonce: decoded.nonce, fee: decoded.fee }).toEqual({ sender: A, nonce: 7n, fee: 12n });
    expect(decoded.size).toBe(bytes.length);
  });

  it("writes exactly the bytes borsh-js writes for the same layout", () => {
    for (const ins of EVERY_INSTRUCTION) {
      const t = tx([ins]);
      expect(encodeTransaction(t), ins.kind).toEqual(borsh.serialize(borshTx as unknown as borsh.Schema, toBorshValue(t)));
    }
  });

  it("signs the domain-separated body, and the decoder returns the same signing bytes", () => {
    const scheme = createSignatureScheme("ed25519-native");
    const keys = scheme.keyPairFromSeed(new Uint8Array(32).fill(3));
    const sender = Buffer.from(keys.publicKey).toString("hex");
    const body = { sender, nonce: 0n, fee: 10n, instructions: [EVERY_INSTRUCTION[2]!] };
    const decoded = decodeTransaction(signTransaction(body, keys.secretKey, scheme));
    expect(decoded.signingBytes).toEqual(transactionSigningBytes(body));
    expect(decoded.signingBytes.subarray(0, TX_SIGNING_DOMAIN.length)).toEqual(TX_SIGNING_DOMAIN);
    expect(scheme.verify(keys.publicKey, decoded.signingBytes, decoded.signature)).toBe(true);
    expect(scheme.verify(keys.publicKey, transactionSigningBytes({ ...body, fee: 11n }), decoded.signature)).toBe(false);
  });

  it("signTransaction gives the bytes of encodeTransaction over the signature of transactionSigningBytes (body encoded once)", () => {
    // Goal: the one-pass signer must equal the two-step definition byte for byte, for every
    // instruction kind, several instructions, both kinds of signature and edge values.
    for (const name of ["sim", "ed25519-native"] as const) {
      const scheme = createSignatureScheme(name);
      const keys = scheme.keyPairFromSeed(new Uint8Array(32).fill(9));
      const sender = Buffer.from(keys.publicKey).toString("hex");
      const bodies = [
        ...EVERY_INSTRUCTION.map((ins, i) => ({ sender, nonce: BigInt(i), fee: 10n, instructions: [ins] })),
        { sender, nonce: (1n << 64n) - 1n, fee: 0n, instructions: EVERY_INSTRUCTION },
        { sender, nonce: 1n, fee: 1n, instructions: [] },
      ];
      for (const body of bodies) {
        const reference = encodeTransaction({ ...body, signature: scheme.sign(keys.secretKey, transactionSigningBytes(body)) });
        expect(signTransaction(body, keys.secretKey, scheme), `${name} ${body.instructions.length} instructions`).toEqual(reference);
      }
    }
    expect(() => signTransaction({ sender: A, nonce: 1n << 64n, fee: 0n, instructions: [] }, new Uint8Array(32), createSignatureScheme("sim"))).toThrow(RangeError);
  });

  it("refuses trailing bytes, truncation, unknown tags, bad option tags, invalid UTF-8 and oversize input", () => {
    const good = encodeTransaction(tx([EVERY_INSTRUCTION[0]!]));
    const cases: [string, Uint8Array, RegExp][] = [
      ["trailing", Uint8Array.from([...good, 0]), /trailing/],
      ["truncated", good.subarray(0, good.length - 1), /truncated/],
      ["empty", new Uint8Array(0), /truncated/],
    ];
    const tagAt = 32 + 8 + 8 + 4;
    const unknownTag = good.slice();
    unknownTag[tagAt] = 13;
    cases.push(["unknown tag", unknownTag, /unknown instruction 13/]);
    const optionAt = tagAt + 1 + 4 + 4 + 1; // tag, symbol length, "USDC", decimals
    const badOption = good.slice();
    badOption[optionAt] = 2;
    cases.push(["option tag", badOption, /option tag 2/]);
    const badUtf8 = good.slice();
    badUtf8[tagAt + 1 + 4] = 0xff;
    cases.push(["utf-8", badUtf8, /UTF-8/]);
    cases.push(["oversize", new Uint8Array(5000), /at most 4096/]);
    const many = encodeTransaction(tx(Array.from({ length: 16 }, () => EVERY_INSTRUCTION[4]!))).slice();
    many[48] = 17;
    cases.push(["too many instructions", many, /at most 16/]);
    for (const [name, bytes, message] of cases) {
      expect(() => decodeTransaction(bytes), name).toThrow(WireDecodeError);
      expect(() => decodeTransaction(bytes), name).toThrow(message);
    }
  });

  it("never throws anything but WireDecodeError on random or mutated bytes", () => {
    const good = encodeTransaction(tx(EVERY_INSTRUCTION.slice(0, 5)));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
        const m = good.slice();
        m[i] = b;
        return m;
      })), (bytes) => {
        try {
          const decoded = decodeTransaction(bytes);
          expect(encodeTransaction(decoded)).toEqual(bytes); // what decodes re-encodes to the same bytes: one encoding per value
        } catch (error) {
          expect(error).toBeInstanceOf(WireDecodeError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
