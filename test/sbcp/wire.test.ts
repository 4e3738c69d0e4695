/**
 * Goal: every SBCP message survives a protobuf round trip field for field;
 * malformed bytes are refused with a typed WireDecodeError (never another
 * error, so a node never crashes on a peer's frame); the xTid is stable; the
 * committed descriptor matches the `.proto` files.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { descriptorSource } from "../../proto/descriptor-source.js";
import { sha256, toHex } from "../../src/crypto/hash.js";
import { WireDecodeError } from "../../src/net/codec.js";
import { decodeLedgerBlock, decodeLedgerTx, encodeLedgerBlock, encodeLedgerTx, type LedgerTx } from "../../src/sbcp/ledger/ledger-tx.js";
import type { L2BlockRequest, SbcpMessage, XTRequest } from "../../src/sbcp/messages.js";
import { decodeSbcpMessage, encodeSbcpMessage, encodeXTRequest } from "../../src/sbcp/wire/codec.js";
import { protoType } from "../../src/sbcp/wire/proto-root.js";
import { xTidOf } from "../../src/sbcp/xt-id.js";
import { propertyParameters } from "../helpers/property.js";
import { ROOT } from "../helpers/scenario.js";
import { crossTransfer } from "../helpers/sbcp-hand.js";

const u64 = fc.oneof(fc.constantFrom(0, 1, 2 ** 32, Number.MAX_SAFE_INTEGER), fc.maxSafeNat());
const u32 = fc.nat({ max: 0xffff_ffff });
const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
const bytes = fc.uint8Array({ maxLength: 64 });
const list = <T>(arb: fc.Arbitrary<T>) => fc.array(arb, { maxLength: 4 });

const blockRequest: fc.Arbitrary<L2BlockRequest> = fc.record({ ChainID: u32, BlockNumber: u64, ParentHash: hash });
const xtRequest: fc.Arbitrary<XTRequest> = fc.record({ Transactions: list(fc.record({ ChainID: u32, Transaction: list(bytes) })) });

/** Every message type with arbitrary field values. */
const message: fc.Arbitrary<SbcpMessage> = fc.oneof(
  fc.record({ type: fc.constant("StartSlot" as const), Slot: u64, NextSuperblockNumber: u64, LastSuperblockHash: hash, L2BlocksRequest: list(blockRequest) }),
  fc.record({ type: fc.constant("RequestSeal" as const), Slot: u64, IncludedxTs: list(hash) }),
  fc.record({ type: fc.constant("RollBackAndStartSlot" as const), L2BlocksRequest: list(blockRequest), CurrentSlot: u64, NextSuperblockNumber: u64, LastSuperblockHash: hash }),
  fc.record({ type: fc.constant("L2Block" as const), Slot: u64, ChainID: u32, BlockNumber: u64, BlockHash: hash, ParentBlockHash: hash, IncludedxTs: list(hash), Block: bytes }),
  blockRequest.map((r) => ({ type: "L2BlockRequest" as const, ...r })),
  fc.record({ type: fc.constant("StartSC" as const), Slot: u64, xTSequenceNumber: u64, xTRequest: xtRequest, xTid: hash }),
  fc.record({ type: fc.constant("CIRCMessage" as const), SourceChainID: u32, DestinationChainID: u32, Source: list(bytes), Receiver: list(bytes), SessionID: u32, Label: fc.string({ maxLength: 16 }), Data: list(bytes), xTid: hash, Slot: u64 }),
  fc.record({ type: fc.constant("Vote" as const), SenderChain: u32, xTid: hash, Vote: fc.boolean(), Slot: u64 }),
  fc.record({ type: fc.constant("Decided" as const), xTid: hash, Decision: fc.boolean(), Slot: u64 }),
  xtRequest.map((r) => ({ type: "xTRequest" as const, ...r })),
  fc.record({ type: fc.constant("LocalTransaction" as const), Transaction: bytes }),
);

const ledgerTx: fc.Arbitrary<LedgerTx> = fc.oneof(
  fc.record({ kind: fc.constant("Transfer" as const), From: bytes, To: bytes, Asset: fc.string({ maxLength: 8 }), Amount: u64, Nonce: u64 }),
  fc.record({ kind: fc.constant("MailboxSend" as const), DestinationChainID: u32, From: bytes, To: bytes, Asset: fc.string({ maxLength: 8 }), Amount: u64, SessionID: u32 }),
  fc.record({ kind: fc.constant("MailboxReceive" as const), SourceChainID: u32, To: bytes, Asset: fc.string({ maxLength: 8 }), Amount: u64, SessionID: u32 }),
  fc.record({ kind: fc.constant("MailboxPopulate" as const), SourceChainID: u32, Source: list(bytes), Receiver: list(bytes), SessionID: u32, Label: fc.string({ maxLength: 8 }), Data: list(bytes), xTid: hash }),
);

function expectDecodeError(bytes: Uint8Array, pattern: RegExp): void {
  let error: unknown;
  try {
    decodeSbcpMessage(bytes);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(WireDecodeError);
  expect((error as Error).message).toMatch(pattern);
}

describe("SBCP wire codec (protobuf, proto/sbcp/*.proto)", () => {
  it("every message round-trips field for field (fast-check)", () => {
    fc.assert(
      fc.property(message, (msg) => {
        const decoded = decodeSbcpMessage(encodeSbcpMessage(msg));
        expect(decoded).toEqual(msg);
        // Decoded byte fields are plain Uint8Arrays, not views into a protobufjs buffer.
        expect(encodeSbcpMessage(decoded)).toEqual(encodeSbcpMessage(msg));
      }),
      propertyParameters(300),
    );
  });

  it("arbitrary bytes decode to a message or throw WireDecodeError, never another error (fast-check)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (raw) => {
        try {
          decodeSbcpMessage(raw);
        } catch (error) {
          expect(error).toBeInstanceOf(WireDecodeError);
        }
      }),
      propertyParameters(1000),
    );
  });

  it("a valid frame with one byte flipped or cut short is refused with WireDecodeError or decodes to some message (fast-check)", () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.integer({ min: 1, max: 255 }), (msg, at, flip) => {
        const frame = encodeSbcpMessage(msg);
        const broken = frame.slice();
        broken[at % broken.length] ^= flip;
        for (const candidate of [broken, frame.slice(0, at % frame.length)]) {
          try {
            decodeSbcpMessage(candidate);
          } catch (error) {
            expect(error).toBeInstanceOf(WireDecodeError);
          }
        }
      }),
      propertyParameters(300),
    );
  });

  it("refuses an empty envelope, a hash of the wrong length, a uint64 above 2^53 - 1, and a chain id that is not 4 bytes", () => {
    expectDecodeError(new Uint8Array(0), /exactly one payload, got 0/);
    const Decided = protoType("Decided");
    const envelope = protoType("SbcpMessage");
    const frame = (type: string, body: object): Uint8Array => envelope.encode(envelope.fromObject({ [type]: body })).finish();
    expectDecodeError(frame("Decided", { xTid: new Uint8Array(31), Decision: true, Slot: 1 }), /Decided\.xTid: expected 32 bytes, got 31/);
    expectDecodeError(frame("RequestSeal", { Slot: "9007199254740992", IncludedxTs: [] }), /RequestSeal\.Slot: expected an integer/);
    expectDecodeError(frame("Vote", { SenderChain: new Uint8Array(3), xTid: new Uint8Array(32), Vote: true, Slot: 1 }), /Vote\.SenderChain: expected 4 bytes/);
    expectDecodeError(frame("StartSC", { Slot: 1, xTSequenceNumber: 0, xTid: new Uint8Array(32) }), /StartSC\.xTRequest: missing/);
    expect(Decided).toBeDefined();
  });

  it("the spec's field numbers are on the wire: Decided{xTid=1, Decision=2, Slot=3} inside envelope field 9", () => {
    const bytes = encodeSbcpMessage({ type: "Decided", xTid: new Uint8Array(32).fill(7), Decision: true, Slot: 5 });
    // Envelope field 9, length-delimited (0x4a), then the body: 0x0a 0x20 <32 bytes>, 0x10 0x01, 0x18 0x05.
    expect([...bytes.slice(0, 4)]).toEqual([0x4a, 38, 0x0a, 32]);
    expect([...bytes.slice(36)]).toEqual([0x10, 1, 0x18, 5]);
  });

  it("sbcp_id_test: the xTid is sha256 of the encoded xTRequest, stable across calls and different for different requests", () => {
    const request = crossTransfer(1, 2, 1, 7, 100);
    expect(toHex(xTidOf(request))).toBe(toHex(sha256(encodeXTRequest(request))));
    expect(toHex(xTidOf(crossTransfer(1, 2, 1, 7, 100)))).toBe(toHex(xTidOf(request)));
    expect(toHex(xTidOf(crossTransfer(1, 2, 1, 7, 101)))).not.toBe(toHex(xTidOf(request)));
    // Pinned: a change of the encoding (and so of every xTid) must be deliberate.
    expect(toHex(xTidOf({ Transactions: [{ ChainID: 1, Transaction: [new Uint8Array([1, 2, 3])] }] }))).toBe(toHex(sha256(new Uint8Array([0x0a, 7, 0x08, 1, 0x12, 3, 1, 2, 3]))));
  });

  it("ledger transactions and blocks round-trip; malformed ones throw WireDecodeError (fast-check)", () => {
    fc.assert(
      fc.property(ledgerTx, (tx) => {
        expect(decodeLedgerTx(encodeLedgerTx(tx))).toEqual(tx);
      }),
      propertyParameters(300),
    );
    fc.assert(
      fc.property(list(bytes), hash, (Transactions, StateRoot) => {
        expect(decodeLedgerBlock(encodeLedgerBlock({ Transactions, StateRoot }))).toEqual({ Transactions, StateRoot });
      }),
      propertyParameters(100),
    );
    expect(() => decodeLedgerTx(new Uint8Array(0))).toThrow(WireDecodeError);
    expect(() => decodeLedgerTx(new Uint8Array([0xff, 0xff]))).toThrow(WireDecodeError);
  });

  it("the committed descriptor (src/sbcp/wire/descriptor.ts) is what proto/sbcp/*.proto parse to (run npm run build:proto after editing a .proto)", () => {
    const committed = readFileSync(join(ROOT, "src", "sbcp", "wire", "descriptor.ts"), "utf8");
    expect(committed).toBe(descriptorSource(join(ROOT, "proto", "sbcp")));
  });
});
