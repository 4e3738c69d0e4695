/** Byte helpers of crypto/hash.ts. */
import fc from "fast-check";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { bytesEqual, fromHex, sha256, sha256Concat, sha256Hex, toHex, u64 } from "../../src/crypto/hash.js";

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

  it("sha256 (node:crypto) gives the @noble/hashes digest, as a plain Uint8Array (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 40 }), (a, b) => {
        const digest = sha256(a);
        expect(digest).toEqual(nobleSha256(a));
        expect(Object.getPrototypeOf(digest)).toBe(Uint8Array.prototype);
        expect(digest.byteOffset).toBe(0);
        expect(digest.buffer.byteLength).toBe(32);
        // A fresh array each call: changing one digest leaves the next one alone.
        digest[0] = digest[0]! ^ 0xff;
        expect(sha256(a)).toEqual(nobleSha256(a));
        expect(sha256Concat(a, b)).toEqual(nobleSha256(new Uint8Array([...a, ...b])));
      }),
      { numRuns: 200 },
    );
  });

  it("sha256Concat hashes the concatenation at every size, across its scratch buffer's growth and above its bound (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40_000 }), { maxLength: 4 }), fc.integer({ min: 0, max: 255 }), (lengths, fill) => {
        const parts = lengths.map((n, i) => new Uint8Array(n).fill((fill + i) & 0xff));
        const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) {
          joined.set(p, at);
          at += p.length;
        }
        const digest = sha256Concat(...parts);
        expect(digest).toEqual(nobleSha256(joined));
        // The digest is its own array: the next call (which reuses the scratch buffer) leaves it alone.
        sha256Concat(new Uint8Array(7).fill(9));
        expect(digest).toEqual(nobleSha256(joined));
      }),
      { numRuns: 60 },
    );
  });

  it("sha256Hex is the lowercase hex of the @noble/hashes digest (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (data) => {
        expect(sha256Hex(data)).toBe(bytesToHex(nobleSha256(data)));
      }),
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
