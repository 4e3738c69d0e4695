import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { blockHash } from "../../src/consensus/block-hash.js";
import { GENESIS_BLOCK, GENESIS_QC } from "../../src/consensus/genesis.js";
import type { Block, QuorumCertificate, TimeoutCertificate, ValidatorMessage } from "../../src/consensus/types.js";
import {
  WIRE_LIMITS,
  decodeQuorumCertificate,
  decodeStoredBlock,
  decodeValidatorMessage,
  encodeBlock,
  encodeQuorumCertificate,
  encodeValidatorMessage,
  validatorCodec,
} from "../../src/consensus/wire.js";
import { WireDecodeError, decodeWire, encodeWire } from "../../src/net/codec.js";

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

function makeBlock(fields: Omit<Block, "hash">): Block {
  return { ...fields, hash: blockHash(fields) };
}

const B1 = makeBlock({ view: 1, height: 1, parentHash: GENESIS_BLOCK.hash, justify: GENESIS_QC, proposer: 1, timestampUs: 250_000, payload: Uint8Array.from([1, 2, 3]) });
const QC1: QuorumCertificate = {
  view: 1,
  height: 1,
  blockHash: B1.hash,
  signatures: [
    { signer: 0, signature: bytes(64, 0xa0) },
    { signer: 2, signature: bytes(64, 0xa2) },
    { signer: 3, signature: bytes(64, 0xa3) },
  ],
};
const B2 = makeBlock({ view: 2, height: 2, parentHash: B1.hash, justify: QC1, proposer: 2, timestampUs: 500_000, payload: new Uint8Array(0) });
const TC3: TimeoutCertificate = {
  view: 3,
  entries: [
    { signer: 0, signature: bytes(32, 1), highQCView: 1 },
    { signer: 1, signature: bytes(32, 2), highQCView: 2 },
    { signer: 3, signature: bytes(32, 3), highQCView: 0 },
  ],
};

const MESSAGES: [string, ValidatorMessage][] = [
  ["proposal", { type: "proposal", block: B2, signature: bytes(64, 7) }],
  ["proposal with tc", { type: "proposal", block: B2, tc: TC3, signature: bytes(64, 8) }],
  ["proposal of a genesis child", { type: "proposal", block: B1, signature: bytes(32, 9) }],
  ["vote", { type: "vote", view: 2, height: 2, blockHash: B2.hash, signer: 3, signature: bytes(64, 4) }],
  ["timeout", { type: "timeout", view: 4, highQC: QC1, signer: 1, signature: bytes(64, 5) }],
  ["timeout with lastTC", { type: "timeout", view: 4, highQC: GENESIS_QC, lastTC: TC3, signer: 1, signature: bytes(64, 6) }],
  ["block-request", { type: "block-request", hash: B2.hash, count: 5 }],
  ["block-response", { type: "block-response", blocks: [B2, B1] }],
  ["empty block-response", { type: "block-response", blocks: [] }],
  ["app", { type: "app", data: Uint8Array.from([0, 255, 1]) }],
  ["empty app", { type: "app", data: new Uint8Array(0) }],
];

/** Asserts that decoding `data` throws a WireDecodeError and nothing else. */
function expectWireError(data: Uint8Array): void {
  let thrown: unknown;
  try {
    decodeValidatorMessage(data);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(WireDecodeError);
}

const validVote = { type: "vote", view: 2, height: 2, blockHash: bytes(32, 1), signer: 0, signature: bytes(64, 2) };

describe("validator wire format", () => {
  it.each(MESSAGES)("round trips a %s", (_name, msg) => {
    const decoded = decodeValidatorMessage(encodeValidatorMessage(msg));
    expect(decoded).toStrictEqual(msg);
    expect(validatorCodec.decode(validatorCodec.encode(msg))).toStrictEqual(msg);
  });

  it("a decoded block's hash equals blockHash of its fields, and the wire never carries the hash", () => {
    const decoded = decodeValidatorMessage(encodeValidatorMessage({ type: "block-response", blocks: [B2, B1, GENESIS_BLOCK] }));
    if (decoded.type !== "block-response") throw new Error("wrong type");
    for (const b of decoded.blocks) {
      const { hash, ...fields } = b;
      expect(hash).toEqual(blockHash(fields));
    }
    expect(decoded.blocks.map((b) => b.hash)).toEqual([B2.hash, B1.hash, GENESIS_BLOCK.hash]);
    const plain = decodeWire(encodeValidatorMessage({ type: "proposal", block: B2, signature: bytes(64, 1) })) as { block: Record<string, unknown> };
    expect(Object.keys(plain.block)).not.toContain("hash");
  });

  it("a block sent with a wrong hash decodes with its true hash", () => {
    const lying: Block = { ...B2, hash: bytes(32, 0xee) };
    const decoded = decodeValidatorMessage(encodeValidatorMessage({ type: "proposal", block: lying, signature: bytes(64, 1) }));
    if (decoded.type !== "proposal") throw new Error("wrong type");
    expect(decoded.block.hash).toEqual(B2.hash);
  });

  it("decoded byte fields do not alias the input buffer", () => {
    const wire = encodeValidatorMessage({ type: "app", data: Uint8Array.from([1, 2, 3]) });
    const decoded = decodeValidatorMessage(wire);
    wire.fill(0);
    expect(decoded).toStrictEqual({ type: "app", data: Uint8Array.from([1, 2, 3]) });
  });

  it("stored blocks and QCs round trip", () => {
    expect(decodeStoredBlock(encodeBlock(B2))).toStrictEqual(B2);
    expect(decodeQuorumCertificate(encodeQuorumCertificate(QC1))).toStrictEqual(QC1);
    expect(decodeQuorumCertificate(encodeQuorumCertificate(GENESIS_QC))).toStrictEqual(GENESIS_QC);
  });

  it("property: random votes and proposals round trip", () => {
    const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
    const uint = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
    const signer = fc.integer({ min: 0, max: WIRE_LIMITS.validatorsMax - 1 });
    const sig = fc.uint8Array({ maxLength: WIRE_LIMITS.signatureBytesMax });
    const qc = fc.record({ view: uint, height: uint, blockHash: hash, signatures: fc.array(fc.record({ signer, signature: sig }), { maxLength: 5 }) });
    const block = fc
      .record({ view: uint, height: uint, parentHash: hash, justify: qc, proposer: signer, timestampUs: uint, payload: fc.uint8Array({ maxLength: 100 }) })
      .map(makeBlock);
    const msg: fc.Arbitrary<ValidatorMessage> = fc.oneof(
      fc.record({ type: fc.constant("vote" as const), view: uint, height: uint, blockHash: hash, signer, signature: sig }),
      fc.record({ type: fc.constant("proposal" as const), block, signature: sig }),
      fc.record({ type: fc.constant("timeout" as const), view: uint, highQC: qc, signer, signature: sig }),
    );
    fc.assert(
      fc.property(msg, (m) => {
        // toEqual, not toStrictEqual: fast-check builds records with a null prototype
        expect(decodeValidatorMessage(encodeValidatorMessage(m))).toEqual(m);
      }),
      { numRuns: 100 },
    );
  });

  it("property: random bytes never decode to anything but a message or a WireDecodeError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (data) => {
        try {
          decodeValidatorMessage(data);
        } catch (error) {
          expect(error).toBeInstanceOf(WireDecodeError);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("property: corrupting one byte of a valid message gives a message or a WireDecodeError", () => {
    const wires = MESSAGES.map(([, m]) => encodeValidatorMessage(m));
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), (which, at, xor) => {
        const wire = wires[which % wires.length]!.slice();
        const i = at % wire.length;
        wire[i] = wire[i]! ^ xor;
        try {
          decodeValidatorMessage(wire);
        } catch (error) {
          expect(error).toBeInstanceOf(WireDecodeError);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("property: well-formed MessagePack of arbitrary shape gives a message or a WireDecodeError", () => {
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null), fc.uint8Array({ maxLength: 40 })),
      node: fc.oneof({ depthSize: "small" }, tie("leaf"), fc.array(tie("node"), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 10 }), tie("node"), { maxKeys: 4 })),
    })).node;
    const typed = fc.record({
      type: fc.constantFrom("proposal", "vote", "timeout", "block-request", "block-response", "app"),
      view: value,
      height: value,
      blockHash: value,
      signer: value,
      signature: value,
      block: value,
      tc: value,
      highQC: value,
      lastTC: value,
      hash: value,
      count: value,
      blocks: value,
      data: value,
    });
    fc.assert(
      fc.property(fc.oneof(value, typed), (v) => {
        try {
          decodeValidatorMessage(encodeWire(v));
        } catch (error) {
          expect(error).toBeInstanceOf(WireDecodeError);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("rejects bytes that are not one complete MessagePack value", () => {
    expectWireError(new Uint8Array(0));
    expectWireError(Uint8Array.from([0xc1])); // never-used marker
    const wire = encodeValidatorMessage(MESSAGES[0]![1]);
    expectWireError(wire.subarray(0, wire.length - 1));
    expectWireError(Uint8Array.from([...wire, 0x00])); // trailing bytes
  });

  it("rejects messages that are not maps", () => {
    for (const v of [null, 1, "vote", [validVote], bytes(4, 1), true]) expectWireError(encodeWire(v));
  });

  it("rejects an unknown or missing type", () => {
    expectWireError(encodeWire({ ...validVote, type: "votes" }));
    expectWireError(encodeWire({ ...validVote, type: 1 }));
    expectWireError(encodeWire({ view: 1 }));
    expectWireError(encodeWire({ type: null }));
  });

  it("rejects wrong shapes in a vote", () => {
    expect(decodeValidatorMessage(encodeWire(validVote)).type).toBe("vote");
    expectWireError(encodeWire({ ...validVote, view: -1 }));
    expectWireError(encodeWire({ ...validVote, view: 1.5 }));
    expectWireError(encodeWire({ ...validVote, view: "1" }));
    expectWireError(encodeWire({ ...validVote, view: 2 ** 63 }));
    expectWireError(encodeWire({ ...validVote, height: undefined }));
    expectWireError(encodeWire({ ...validVote, blockHash: bytes(31, 1) }));
    expectWireError(encodeWire({ ...validVote, blockHash: bytes(33, 1) }));
    expectWireError(encodeWire({ ...validVote, blockHash: [1, 2, 3] }));
    expectWireError(encodeWire({ ...validVote, signer: WIRE_LIMITS.validatorsMax }));
    expectWireError(encodeWire({ ...validVote, signer: -1 }));
    expectWireError(encodeWire({ ...validVote, signature: "sig" }));
    expectWireError(encodeWire({ ...validVote, signature: bytes(WIRE_LIMITS.signatureBytesMax + 1, 1) }));
  });

  it("rejects wrong shapes in blocks and certificates", () => {
    const proposal = (block: unknown, extra: Record<string, unknown> = {}): Uint8Array => encodeWire({ type: "proposal", block, tc: null, signature: bytes(64, 1), ...extra });
    const fields = decodeWire(encodeBlock(B2)) as Record<string, unknown>;
    expect(decodeValidatorMessage(proposal(fields)).type).toBe("proposal");
    expectWireError(proposal(null));
    expectWireError(proposal({ ...fields, parentHash: bytes(31, 0) }));
    expectWireError(proposal({ ...fields, payload: "text" }));
    expectWireError(proposal({ ...fields, proposer: WIRE_LIMITS.validatorsMax }));
    expectWireError(proposal({ ...fields, justify: undefined }));
    expectWireError(proposal({ ...fields, justify: { view: 1, height: 1, blockHash: bytes(31, 0), signatures: [] } }));
    expectWireError(proposal({ ...fields, justify: { view: 1, height: 1, blockHash: bytes(32, 0), signatures: {} } }));
    expectWireError(proposal({ ...fields, justify: { view: 1, height: 1, blockHash: bytes(32, 0), signatures: [{ signer: 0 }] } }));
    expectWireError(
      proposal({ ...fields, justify: { view: 1, height: 1, blockHash: bytes(32, 0), signatures: Array.from({ length: WIRE_LIMITS.validatorsMax + 1 }, () => ({ signer: 0, signature: bytes(1, 0) })) } }),
    );
    expectWireError(proposal(fields, { tc: { view: 1, entries: [{ signer: 0, signature: bytes(32, 0) }] } }));
    expectWireError(proposal(fields, { tc: 5 }));
    expectWireError(encodeWire({ type: "timeout", view: 1, highQC: null, lastTC: null, signer: 0, signature: bytes(64, 0) }));
  });

  it("rejects wrong shapes in block requests, responses and app messages", () => {
    expectWireError(encodeWire({ type: "block-request", hash: bytes(31, 0), count: 1 }));
    expectWireError(encodeWire({ type: "block-request", hash: bytes(32, 0), count: WIRE_LIMITS.blocksPerResponseMax + 1 }));
    expectWireError(encodeWire({ type: "block-response", blocks: {} }));
    expectWireError(encodeWire({ type: "block-response", blocks: [1] }));
    const fields = decodeWire(encodeBlock(B1));
    expectWireError(encodeWire({ type: "block-response", blocks: Array.from({ length: WIRE_LIMITS.blocksPerResponseMax + 1 }, () => fields) }));
    expectWireError(encodeWire({ type: "app", data: "hello" }));
    expectWireError(encodeWire({ type: "app" }));
  });

  it("stored-object decoders also throw WireDecodeError", () => {
    expect(() => decodeStoredBlock(encodeWire({ view: -1 }))).toThrow(WireDecodeError);
    expect(() => decodeQuorumCertificate(Uint8Array.from([0xc1]))).toThrow(WireDecodeError);
  });
});
