/**
 * The per-type size limits and the type peek they rely on: the largest
 * proposal a chain can produce fits its limit (a limit too tight would stall
 * consensus), the peek finds the type of every validator message as the codec
 * encodes it, and a peek that reads only the first field is caught.
 */
import { describe, expect, it } from "vitest";
import type { Block, QuorumCertificate, TimeoutCertificate, ValidatorMessage } from "../../src/consensus/types.js";
import { validatorCodec } from "../../src/consensus/wire.js";
import { encodeWire } from "../../src/net/codec.js";
import { msgpackMapString } from "../../src/net/msgpack-peek.js";
import { rateLimitedLog } from "../../src/runtime/rate-limited-log.js";
import { limitsForSender, wireSizeLimits } from "../../src/runtime/wire-size-limits.js";
import { encodeBlockPayload } from "../../src/sequencer/block-payload.js";
import { TRANSACTION_BYTES_MAX } from "../../src/vm/tx-codec.js";

const hash = (b: number): Uint8Array => new Uint8Array(32).fill(b);
const sig = new Uint8Array(64).fill(9);
const qc = (n: number): QuorumCertificate => ({ view: 2 ** 40, height: 2 ** 40, blockHash: hash(1), signatures: Array.from({ length: n }, (_, i) => ({ signer: i, signature: sig })) });
const tc = (n: number): TimeoutCertificate => ({ view: 2 ** 40, entries: Array.from({ length: n }, (_, i) => ({ signer: i, signature: sig, highQCView: 2 ** 40 })) });

function block(txs: number, validators: number): Block {
  const payload = encodeBlockPayload({ height: 2 ** 40, parent: hash(2), stateRoot: hash(3), txs: Array.from({ length: txs }, () => new Uint8Array(TRANSACTION_BYTES_MAX).fill(7)) });
  return { view: 2 ** 40, height: 2 ** 40, parentHash: hash(2), justify: qc(validators), proposer: validators - 1, timestampUs: 2 ** 52, payload, hash: hash(4) };
}

describe("wire size limits", () => {
  it("the largest messages a chain can produce fit their type's limit", () => {
    for (const [maxBlockTransactions, validators] of [[1, 4], [50, 4], [200, 100]] as const) {
      const limits = wireSizeLimits({ maxBlockTransactions, validators, appBytesMax: 1 << 20, syncBytesMax: 64 << 20 });
      const largest: ValidatorMessage[] = [
        { type: "proposal", block: block(maxBlockTransactions, validators), tc: tc(validators), signature: sig },
        { type: "timeout", view: 2 ** 40, highQC: qc(validators), signature: sig, lastTC: tc(validators) } as ValidatorMessage,
        { type: "status", nonce: 2 ** 40, view: 2 ** 40, highQC: qc(validators) },
      ];
      for (const m of largest) {
        const bytes = validatorCodec.encode(m);
        expect(bytes.length, `${m.type} with ${maxBlockTransactions} txs, ${validators} validators`).toBeLessThanOrEqual(limits[m.type]);
      }
      // ...and a block a few transactions over the chain's limit does not (the bound's slack is a few KiB).
      const over = validatorCodec.encode({ type: "proposal", block: block(maxBlockTransactions + 6, validators), tc: tc(validators), signature: sig });
      expect(over.length).toBeGreaterThan(limits.proposal);
    }
  });

  it("a client may send only app messages; validators every type", () => {
    const limits = wireSizeLimits({ maxBlockTransactions: 10, validators: 4, appBytesMax: 4096, syncBytesMax: 1 << 20 });
    expect([...limitsForSender(limits, true, false).keys()]).toEqual(["app"]);
    expect([...limitsForSender(limits, false, true).keys()]).toEqual(["app"]);
    expect(limitsForSender(limits, false, false).size).toBe(10);
    expect(() => wireSizeLimits({ maxBlockTransactions: 0, validators: 4, appBytesMax: 1, syncBytesMax: 1 })).toThrow(RangeError);
  });
});

describe("msgpackMapString", () => {
  it("finds the type of every validator message, wherever the field is", () => {
    const messages: ValidatorMessage[] = [
      { type: "proposal", block: block(2, 4), signature: sig },
      { type: "vote", view: 3, height: 2, blockHash: hash(1), signer: 1, signature: sig } as ValidatorMessage,
      { type: "app", data: new Uint8Array(300) },
      { type: "status-request", nonce: 5 },
      { type: "snapshot-request" },
    ];
    for (const m of messages) expect(msgpackMapString(validatorCodec.encode(m), "type")).toBe(m.type);
    // A field after nested maps, arrays and binaries.
    expect(msgpackMapString(encodeWire({ a: [[1, [2, { b: new Uint8Array(70_000) }]], "x"], c: 1.5, type: "late" }), "type")).toBe("late");
  });

  it("refuses what is not a map with a string field, and truncated bytes", () => {
    expect(msgpackMapString(encodeWire([1, 2]), "type")).toBeUndefined();
    expect(msgpackMapString(encodeWire({ type: 7 }), "type")).toBeUndefined();
    expect(msgpackMapString(encodeWire({ other: "x" }), "type")).toBeUndefined();
    const bytes = encodeWire({ pad: new Uint8Array(100), type: "vote" });
    for (let cut = 0; cut < bytes.length; cut++) expect(msgpackMapString(bytes.subarray(0, cut), "type")).toBeUndefined();
    // A header that claims 2^32 items in a few bytes is refused at once, not looped over.
    expect(msgpackMapString(Buffer.from([0x82, 0xa1, 0x61, 0xdd, 0xff, 0xff, 0xff, 0xff, 0xa4, 0x74, 0x79, 0x70, 0x65, 0xa3, 0x61, 0x70, 0x70]), "type")).toBeUndefined();
  });

  it("a peek that reads only the first field would miss a type written later (the broken variant is caught)", () => {
    const firstFieldOnly = (bytes: Uint8Array): string | undefined => {
      // The variant reads the first key/value pair only, assuming `type` comes first.
      return bytes[0] === 0x82 && bytes[1] === 0xa4 ? new TextDecoder().decode(bytes.subarray(7, 7 + (bytes[6]! & 0x1f))) : undefined;
    };
    const late = encodeWire({ data: "x", type: "app" });
    expect(firstFieldOnly(late)).not.toBe("app");
    expect(msgpackMapString(late, "type")).toBe("app");
  });
});

describe("rateLimitedLog", () => {
  it("writes at most N lines of an event per window and counts the rest in the next line", () => {
    let now = 0;
    const lines: { event: string; fields: Record<string, unknown> }[] = [];
    const log = rateLimitedLog((event, fields) => lines.push({ event, fields }), new Set(["peer-rejected"]), 3, 1000, () => now);
    for (let i = 0; i < 100; i++) log("peer-rejected", { i });
    log("listening", {});
    expect(lines.map((l) => l.event)).toEqual(["peer-rejected", "peer-rejected", "peer-rejected", "listening"]);
    now = 1000;
    log("peer-rejected", { i: 100 });
    expect(lines.at(-1)!.fields).toEqual({ i: 100, suppressed: 97 });
  });
});
