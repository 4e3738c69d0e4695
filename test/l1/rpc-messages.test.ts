/**
 * The L1 RPC codec: every request and response survives a round trip, the
 * decoders accept one shape only, and no input makes them throw anything but
 * WireDecodeError.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeWire, WireDecodeError } from "../../src/net/codec.js";
import {
  COMMITMENTS,
  decodeL1Request,
  decodeL1Response,
  encodeL1Request,
  encodeL1Response,
  L1_ERROR_CODES,
  SIGNATURES_PER_REQUEST_MAX,
  type L1Request,
  type L1Response,
} from "../../src/l1/rpc-messages.js";

const id = fc.nat();
const slot = fc.nat();
const base58 = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(..."123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"), maxLength });
const commitment = fc.constantFrom(...COMMITMENTS);
const customCode = fc.integer({ min: 0, max: 0xffff_ffff });

const request: fc.Arbitrary<L1Request> = fc.oneof(
  fc.record({ kind: fc.constant("send-transaction" as const), id, tx: fc.uint8Array({ maxLength: 1232 }), skipPreflight: fc.boolean() }),
  fc.record({ kind: fc.constant("get-signature-statuses" as const), id, signatures: fc.array(base58(88), { maxLength: 20 }) }),
  fc.record({ kind: fc.constant("get-account-info" as const), id, address: base58(44), commitment }),
  fc.record({ kind: fc.constant("get-latest-blockhash" as const), id, commitment }),
);

const response: fc.Arbitrary<L1Response> = fc.oneof(
  fc.record({ kind: fc.constant("send-transaction-result" as const), id, signature: base58(88) }),
  fc.record({
    kind: fc.constant("signature-statuses" as const),
    id,
    slot,
    statuses: fc.array(
      fc.option(fc.record({ slot, err: fc.option(fc.string({ maxLength: 60 })), customCode: fc.option(customCode), confirmationStatus: commitment }), { nil: null }),
      { maxLength: 10 },
    ),
  }),
  fc.record({
    kind: fc.constant("account-info" as const),
    id,
    slot,
    account: fc.option(
      fc.record({ lamports: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), owner: base58(44), data: fc.uint8Array({ maxLength: 300 }), executable: fc.boolean() }),
      { nil: null },
    ),
  }),
  fc.record({ kind: fc.constant("latest-blockhash" as const), id, slot, blockhash: base58(44), lastValidSlot: slot }),
  fc.record(
    { kind: fc.constant("rpc-error" as const), id, code: fc.constantFrom(...L1_ERROR_CODES), message: fc.string({ maxLength: 100 }), customCode },
    { requiredKeys: ["kind", "id", "code", "message"] },
  ),
);

describe("L1 RPC codec", () => {
  it("round-trips every request", () => {
    fc.assert(
      fc.property(request, (r) => {
        expect(decodeL1Request(encodeL1Request(r))).toEqual(r);
      }),
    );
  });

  it("round-trips every response", () => {
    fc.assert(
      fc.property(response, (r) => {
        expect(decodeL1Response(encodeL1Response(r))).toEqual(r);
      }),
    );
  });

  it("refuses malformed requests with WireDecodeError", () => {
    const bad: unknown[] = [
      null,
      [],
      "send-transaction",
      { kind: "send-transaction", id: 1, tx: new Uint8Array(1233), skipPreflight: false },
      { kind: "send-transaction", id: 1, tx: "AQID", skipPreflight: false },
      { kind: "send-transaction", id: 1, tx: new Uint8Array(10), skipPreflight: 0 },
      { kind: "send-transaction", id: -1, tx: new Uint8Array(10), skipPreflight: false },
      { kind: "send-transaction", id: 1.5, tx: new Uint8Array(10), skipPreflight: false },
      { kind: "send-transaction", tx: new Uint8Array(10), skipPreflight: false },
      { kind: "send-transaction", id: 1, tx: new Uint8Array(10), skipPreflight: false, extra: 1 },
      { kind: "get-signature-statuses", id: 1, signatures: Array(SIGNATURES_PER_REQUEST_MAX + 1).fill("1") },
      { kind: "get-signature-statuses", id: 1, signatures: ["1".repeat(89)] },
      { kind: "get-signature-statuses", id: 1, signatures: [7] },
      { kind: "get-account-info", id: 1, address: "1".repeat(45), commitment: "processed" },
      { kind: "get-account-info", id: 1, address: "11", commitment: "recent" },
      { kind: "get-latest-blockhash", id: 1 },
      { kind: "get-balance", id: 1 },
    ];
    for (const value of bad) expect(() => decodeL1Request(encodeWire(value))).toThrow(WireDecodeError);
  });

  it("refuses malformed responses with WireDecodeError", () => {
    const status = { slot: 1, err: null, customCode: null, confirmationStatus: "processed" };
    const account = { lamports: "5", owner: "11", data: new Uint8Array(0), executable: false };
    const bad: unknown[] = [
      { kind: "account-info", id: 1, slot: 1, account: { ...account, lamports: 5 } },
      { kind: "account-info", id: 1, slot: 1, account: { ...account, lamports: "18446744073709551616" } },
      { kind: "account-info", id: 1, slot: 1, account: { ...account, lamports: "01" } },
      { kind: "account-info", id: 1, slot: 1, account: { ...account, lamports: "-1" } },
      { kind: "account-info", id: 1, slot: 1, account: { ...account, executable: "no" } },
      { kind: "signature-statuses", id: 1, slot: 1, statuses: [{ ...status, confirmationStatus: "rooted" }] },
      { kind: "signature-statuses", id: 1, slot: 1, statuses: [{ ...status, customCode: 2 ** 32 }] },
      { kind: "signature-statuses", id: 1, slot: 1, statuses: [{ ...status, err: 3 }] },
      { kind: "signature-statuses", id: 1, slot: 1, statuses: [{ slot: 1, err: null, confirmationStatus: "processed" }] },
      { kind: "rpc-error", id: 1, code: "teapot", message: "" },
      { kind: "rpc-error", id: 1, code: "invalid-params", message: "x".repeat(1025) },
      { kind: "rpc-error", id: 1, code: "preflight-failure", message: "", customCode: -1 },
      { kind: "latest-blockhash", id: 1, slot: 1, blockhash: "11" },
    ];
    for (const value of bad) expect(() => decodeL1Response(encodeWire(value))).toThrow(WireDecodeError);
  });

  it("random bytes and random values never throw anything but WireDecodeError", () => {
    const onlyWireErrors = (decode: (b: Uint8Array) => unknown, bytes: Uint8Array): void => {
      try {
        decode(bytes);
      } catch (error) {
        expect(error).toBeInstanceOf(WireDecodeError);
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        onlyWireErrors(decodeL1Request, bytes);
        onlyWireErrors(decodeL1Response, bytes);
      }),
      { numRuns: 2000 },
    );
    // Structured noise: maps that look like messages, with fields of any type.
    const anyValue = fc.oneof(fc.anything({ maxDepth: 2 }), fc.uint8Array({ maxLength: 40 }), fc.bigInt(), fc.constant(undefined));
    const kinds = fc.constantFrom("send-transaction", "get-signature-statuses", "get-account-info", "get-latest-blockhash", "send-transaction-result", "signature-statuses", "account-info", "latest-blockhash", "rpc-error");
    fc.assert(
      fc.property(kinds, fc.dictionary(fc.constantFrom("id", "tx", "skipPreflight", "signatures", "address", "commitment", "slot", "statuses", "account", "blockhash", "lastValidSlot", "code", "message", "customCode", "signature"), anyValue), (kind, fields) => {
        let bytes: Uint8Array;
        try {
          bytes = encodeWire({ ...fields, kind });
        } catch {
          return;
        }
        onlyWireErrors(decodeL1Request, bytes);
        onlyWireErrors(decodeL1Response, bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it("mutated valid messages decode or fail with WireDecodeError", () => {
    fc.assert(
      fc.property(fc.oneof(request.map(encodeL1Request), response.map(encodeL1Response)), fc.nat(), fc.integer({ min: 0, max: 255 }), (bytes, at, value) => {
        const mutated = bytes.slice();
        if (mutated.length > 0) mutated[at % mutated.length] = value;
        for (const decode of [decodeL1Request, decodeL1Response]) {
          try {
            decode(mutated);
          } catch (error) {
            expect(error).toBeInstanceOf(WireDecodeError);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
