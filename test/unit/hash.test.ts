/** Byte helpers of crypto/hash.ts. */
import fc from "fast-check";
import { bytesToHex } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { bytesEqual, fromHex, toHex, u64 } from "../../src/crypto/hash.js";

describe("hash helpers", () => {
  it("toHex agrees with @noble/hashes and round-trips through fromHex (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        expect(toHex(bytes)).toBe(bytesToHex(bytes));
        expect(fromHex(toHex(bytes))).toEqual(bytes);
      }),
      { numRuns: 100 },
    );
  });

  it("bytesEqual compares length and every byte", () => {
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0]))).toBe(false);
  });

  it("u64 is big-endian", () => {
    expect(toHex(u64(0x0102))).toBe("0000000000000102");
  });
});
