/**
 * Shared decoding of delivered message bytes (`net/shared-decode.ts`): one
 * frozen value per byte array and codec, other bytes decoded for themselves,
 * a handler that writes into a shared message caught (an assignment throws;
 * a write into its bytes is found by `--check-sharing`), and a deliberately
 * broken decoder built here caught by the check. Also the trace's link
 * events and the stored bytes of frozen blocks, which ride on the same path.
 */
import { describe, expect, it } from "vitest";
import { hash } from "node:crypto";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import { decodeStoredBlock, encodeBlock, encodeValidatorMessage, validatorCodec } from "../../src/consensus/wire.js";
import type { Block, ValidatorMessage } from "../../src/consensus/types.js";
import { taggedUnionCodec, WireDecodeError, type MessageCodec } from "../../src/net/codec.js";
import { deepFreeze, plainDifference, SharedDecoder, SHARED_DECODE_MEMO, type SharedDecoding } from "../../src/net/shared-decode.js";
import { runAndJudge } from "../../src/scenario/run.js";
import { ScenarioRun } from "../../src/scenario/scenario-run.js";
import type { Scenario } from "../../src/scenario/schema.js";
import type { Node, NodeContext, NodeId } from "../../src/sim/node.js";
import { SharingCheck, SharingMismatchError, type SharingOptions } from "../../src/sim/run-memo.js";
import { TraceChain } from "../../src/sim/trace.js";
import { scenario } from "../helpers/scenario.js";

const bytes32 = (fill: number): Uint8Array => new Uint8Array(32).fill(fill);

function block(payloadByte: number): Block {
  const fields = {
    view: 7,
    height: 5,
    parentHash: bytes32(1),
    justify: { view: 6, height: 4, blockHash: bytes32(2), signatures: [{ signer: 0, signature: bytes32(3) }, { signer: 2, signature: bytes32(4) }] },
    proposer: 3,
    timestampUs: 1_750_000,
    payload: new Uint8Array([payloadByte, 9, 9]),
  };
  // The hash is whatever the decoder computes: take it from a round trip.
  return decodeStoredBlock(encodeBlock({ ...fields, hash: bytes32(0) }));
}

const proposal = (payloadByte: number): ValidatorMessage => ({ type: "proposal", block: block(payloadByte), signature: bytes32(5) });

describe("SharedDecoder", () => {
  it("hands every receiver of one byte array the same frozen value, and decodes other arrays for themselves", () => {
    const decoder = new SharedDecoder();
    const bytes = encodeValidatorMessage(proposal(1));
    const first = decoder.decode(validatorCodec, bytes);
    const second = decoder.decode(validatorCodec, bytes);
    expect(second).toBe(first);
    expect(decoder.stats).toEqual({ hits: 1, misses: 1, checked: 0 });
    // The same content in another array (a copy, a byzantine sender's bytes) is decoded again: never keyed by content.
    const copy = decoder.decode(validatorCodec, bytes.slice());
    expect(copy).not.toBe(first);
    expect(plainDifference(copy, first, "message")).toBeUndefined();
    expect(decoder.stats.misses).toBe(2);
  });

  it("freezes the shared value: an assignment anywhere in it throws", () => {
    const decoder = new SharedDecoder();
    const msg = decoder.decode(validatorCodec, encodeValidatorMessage(proposal(1))) as Extract<ValidatorMessage, { type: "proposal" }>;
    expect(() => {
      (msg as { signature: Uint8Array }).signature = bytes32(0);
    }).toThrow(TypeError);
    expect(() => {
      (msg.block as { height: number }).height = 99;
    }).toThrow(TypeError);
    expect(() => (msg.block.justify.signatures as unknown as { signer: number }[]).push({ signer: 1 })).toThrow(TypeError);
    expect(() => {
      (msg.block.justify.signatures[0] as { signer: number }).signer = 5;
    }).toThrow(TypeError);
    // With sharing off every receiver decodes its own value, frozen the same way (a mutating handler fails either way).
    const off = new SharedDecoder({ off: true });
    const bytes = encodeValidatorMessage(proposal(1));
    const own = off.decode(validatorCodec, bytes);
    expect(off.decode(validatorCodec, bytes)).not.toBe(own);
    expect(Object.isFrozen(own)).toBe(true);
  });

  it("shares nothing for a codec that does not allow it, nor across codecs", () => {
    const decoder = new SharedDecoder();
    const plain: MessageCodec<ValidatorMessage> = { encode: validatorCodec.encode, decode: validatorCodec.decode };
    const bytes = encodeValidatorMessage(proposal(1));
    const a = decoder.decode(plain, bytes);
    expect(decoder.decode(plain, bytes)).not.toBe(a);
    expect(Object.isFrozen(a)).toBe(false);
    const shared = decoder.decode(validatorCodec, bytes);
    const union = taggedUnionCodec<ValidatorMessage>([{ types: ["proposal"], codec: validatorCodec }]);
    expect(union.shareDecoded).toBe(true);
    expect(taggedUnionCodec<ValidatorMessage>([{ types: ["proposal"], codec: plain }]).shareDecoded).toBeUndefined();
    // The union's decoding of the same bytes is its own, not the validator codec's remembered one.
    expect(decoder.decode(union, bytes)).not.toBe(shared);
    expect(decoder.decode(validatorCodec, bytes)).toBe(shared);
  });

  it("gives every receiver of malformed bytes the same WireDecodeError", () => {
    const decoder = new SharedDecoder();
    const bad = new Uint8Array([0xc1]);
    let first: unknown;
    try {
      decoder.decode(validatorCodec, bad);
    } catch (error) {
      first = error;
    }
    expect(first).toBeInstanceOf(WireDecodeError);
    expect(() => decoder.decode(validatorCodec, bad)).toThrow(first as Error);
    expect(decoder.stats).toEqual({ hits: 1, misses: 1, checked: 0 });
  });

  it("--check-sharing catches a broken decoder that answers another message's decoding", () => {
    // The broken variant: it remembers the first decoding and answers it for every byte array.
    class SameAnswerDecoder extends SharedDecoder {
      private remembered: SharedDecoding | undefined;
      protected override lookup(bytes: Uint8Array): SharedDecoding | undefined {
        const known = this.remembered;
        if (known === undefined) this.remembered = { codec: validatorCodec as MessageCodec<unknown>, value: deepFreeze(validatorCodec.decode(bytes)) };
        return known;
      }
    }
    const one = encodeValidatorMessage(proposal(1));
    const two = encodeValidatorMessage(proposal(2));
    // Without the check the broken decoder gives the second receiver the wrong message.
    const unchecked = new SameAnswerDecoder();
    unchecked.decode(validatorCodec, one);
    const wrong = unchecked.decode(validatorCodec, two) as Extract<ValidatorMessage, { type: "proposal" }>;
    expect(wrong.block.payload[0]).toBe(1);
    // With the check (every hit) it stops at once, naming the memo and the difference.
    const check = new SharingCheck(1, 0);
    const checked = new SameAnswerDecoder({ check });
    checked.decode(validatorCodec, one);
    let caught: unknown;
    try {
      checked.decode(validatorCodec, two);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SharingMismatchError);
    expect((caught as SharingMismatchError).memo).toBe(SHARED_DECODE_MEMO);
    expect((caught as SharingMismatchError).difference).toMatch(/payload: byte 0 is 1 against 2/);
    // The honest decoder passes the same check.
    const honest = new SharedDecoder({ check: new SharingCheck(1, 0) });
    honest.decode(validatorCodec, one);
    honest.decode(validatorCodec, one);
    expect(honest.stats.checked).toBe(1);
  });
});

describe("plainDifference", () => {
  it("finds a difference in a field, an array entry, a byte, and a missing field", () => {
    expect(plainDifference({ a: 1, b: [1, 2] }, { a: 1, b: [1, 2] }, "m")).toBeUndefined();
    expect(plainDifference({ a: 1 }, { a: 2 }, "m")).toBe("m.a: 1 against 2");
    expect(plainDifference({ b: [1, 2] }, { b: [1, 3] }, "m")).toBe("m.b.1: 2 against 3");
    expect(plainDifference(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]), "m")).toBe("m: 2 bytes against 3");
    expect(plainDifference({ a: 1, b: 2 }, { a: 1, c: 2 }, "m")).toBe("m.b: missing from the decoded message");
    expect(plainDifference({ a: new Uint8Array(1) }, { a: [0] }, "m")).toBe("m.a: bytes against another kind of value");
  });
});

describe("trace: link events", () => {
  it("recordLink extends the chain exactly as record with the `from>to` node field", () => {
    const a = new TraceChain();
    const b = new TraceChain();
    const digest = new Uint8Array(hash("sha256", utf8ToBytes("payload"), "buffer"));
    const links: [string, string][] = [["v0", "v1"], ["r1/v10", "poster"], ["v0", "v1"], ["ünï", "v2"]];
    for (const [i, [from, to]] of links.entries()) {
      a.record(1000 * i, `${from}>${to}`, "msg", digest);
      b.recordLink(1000 * i, from, to, "msg", digest);
      expect(b.digestHex()).toBe(a.digestHex());
    }
    // And it is a different event when either end differs.
    const c = new TraceChain();
    c.recordLink(0, "v0", "v2", "msg", digest);
    expect(c.digestHex()).not.toBe(new TraceChain().digestHex());
    const d = new TraceChain();
    d.record(0, "v0>v1", "msg", digest);
    expect(c.digestHex()).not.toBe(d.digestHex());
  });
});

describe("encodeBlock of frozen blocks", () => {
  it("encodes a frozen block once, to the bytes of a fresh encoding; an unfrozen block every time", () => {
    const frozen = deepFreeze(block(1));
    const first = encodeBlock(frozen);
    expect(encodeBlock(frozen)).toBe(first);
    expect(encodeBlock({ ...block(1) })).toEqual(first);
    // Not frozen: a block that may change is encoded anew (its new payload shows).
    const open = block(1) as { payload: Uint8Array } & Block;
    const before = encodeBlock(open);
    expect(encodeBlock(open)).not.toBe(before);
    open.payload = new Uint8Array([2, 9, 9]);
    expect(decodeStoredBlock(encodeBlock(open)).payload[0]).toBe(2);
    // Frozen on the outside only (its QC could still change): encoded anew too.
    const shallow = Object.freeze(block(1));
    expect(encodeBlock(shallow)).not.toBe(encodeBlock(shallow));
  });
});

const S = 1_000_000;

/** quickstart with sim signatures and no L1, 6 s: seven validators, so every proposal has six receivers. */
function quick(): Scenario {
  return scenario("quickstart", { validators: { count: 7, blockTime: "250ms", viewTimeout: "1s", signatureScheme: "sim" }, l1: { enabled: false }, faults: [] }, 6 * S);
}

/** A run where `v3` hands each proposal it receives to `touch` before its replica sees it. */
function runTouching(touch: (msg: ValidatorMessage) => void, sharing: SharingOptions): { cluster: ScenarioRun; run: () => ReturnType<typeof runAndJudge> } {
  const wrapNode = (id: NodeId, node: Node<unknown>): Node<unknown> => {
    if (id !== "v3") return node;
    const inner = node.onMessage.bind(node);
    node.onMessage = (ctx: NodeContext<unknown>, from: NodeId, msg: unknown): void => {
      if ((msg as ValidatorMessage).type === "proposal") touch(msg as ValidatorMessage);
      inner(ctx, from, msg);
    };
    return node;
  };
  const cluster = new ScenarioRun(quick(), { wrapNode, sharing });
  return { cluster, run: () => runAndJudge(cluster) };
}

describe("shared decoding in a run", () => {
  it("shares decodings of broadcasts, and changes nothing: the same digest with sharing off", () => {
    // Goal: sharing is invisible (sharing off still freezes, so handlers see the same kind of value).
    const on = runTouching(() => {}, {});
    const off = runTouching(() => {}, { off: true });
    const reportOn = on.run();
    const reportOff = off.run();
    expect(reportOn.traceDigest).toBe(reportOff.traceDigest);
    expect(reportOn.violation).toBeUndefined();
    expect(on.cluster.world.decoder.stats.hits).toBeGreaterThan(on.cluster.world.decoder.stats.misses);
    expect(off.cluster.world.decoder.stats.hits).toBe(0);
  });

  it("a handler that assigns to a field of a delivered message fails as a node error", () => {
    const { run } = runTouching((msg) => {
      (msg as { signature: Uint8Array }).signature = new Uint8Array(32);
    }, {});
    const report = run();
    expect(report.violation?.invariant).toBe("node-error");
    expect(report.violation?.message).toMatch(/read.only|Cannot assign/);
  });

  it("a handler that writes into a delivered message's bytes changes the run for the others, and --check-sharing stops it", () => {
    // The broken variant: v3 flips a bit of each proposal's signature in place, which the other receivers share.
    const flip = (msg: ValidatorMessage): void => {
      if (msg.type === "proposal") msg.signature[0]! ^= 1;
    };
    const shared = runTouching(flip, {}).run();
    const unshared = runTouching(flip, { off: true }).run();
    // Unshared, only v3's own copy is altered; shared, receivers after v3 see the flipped signature.
    expect(shared.traceDigest).not.toBe(unshared.traceDigest);
    const check = new SharingCheck(1, 0);
    let caught: unknown;
    try {
      runTouching(flip, { check }).run();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SharingMismatchError);
    expect((caught as SharingMismatchError).memo).toBe(SHARED_DECODE_MEMO);
    expect((caught as SharingMismatchError).difference).toMatch(/message\.signature: byte 0/);
  });
});
