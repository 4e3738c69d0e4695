import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSignatureScheme } from "../../src/crypto/schemes.js";
import { SIGNATURE_SCHEMES, assertSeed } from "../../src/crypto/signature.js";

const seedOf = (n: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => (n * 31 + i * 7) & 0xff);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("assertSeed", () => {
  it("accepts 32 bytes and throws RangeError on any other length", () => {
    expect(() => assertSeed(new Uint8Array(32))).not.toThrow();
    for (const n of [0, 31, 33, 64]) expect(() => assertSeed(new Uint8Array(n))).toThrow(RangeError);
  });
});

describe.each(SIGNATURE_SCHEMES)("signature scheme %s", (name) => {
  it("createSignatureScheme returns a scheme with that name", () => {
    expect(createSignatureScheme(name).name).toBe(name);
  });

  it("sign/verify round trip", () => {
    const scheme = createSignatureScheme(name);
    const kp = scheme.keyPairFromSeed(seedOf(1));
    const msg = text("vote for block 7");
    const sig = scheme.sign(kp.secretKey, msg);
    expect(scheme.verify(kp.publicKey, msg, sig)).toBe(true);
    expect(scheme.verify(kp.publicKey, new Uint8Array(0), scheme.sign(kp.secretKey, new Uint8Array(0)))).toBe(true);
  });

  it("rejects a changed message, a changed signature byte, or another key", () => {
    const scheme = createSignatureScheme(name);
    const kp = scheme.keyPairFromSeed(seedOf(1));
    const other = scheme.keyPairFromSeed(seedOf(2));
    const msg = text("vote for block 7");
    const sig = scheme.sign(kp.secretKey, msg);
    expect(scheme.verify(kp.publicKey, text("vote for block 8"), sig)).toBe(false);
    for (const i of [0, sig.length >> 1, sig.length - 1]) {
      const bad = sig.slice();
      bad[i] = bad[i]! ^ 0x01;
      expect(scheme.verify(kp.publicKey, msg, bad)).toBe(false);
    }
    expect(scheme.verify(other.publicKey, msg, sig)).toBe(false);
    expect(scheme.verify(kp.publicKey, msg, scheme.sign(other.secretKey, msg))).toBe(false);
  });

  it("rejects truncated or extended signatures", () => {
    const scheme = createSignatureScheme(name);
    const kp = scheme.keyPairFromSeed(seedOf(3));
    const msg = text("m");
    const sig = scheme.sign(kp.secretKey, msg);
    expect(scheme.verify(kp.publicKey, msg, sig.subarray(0, sig.length - 1))).toBe(false);
    expect(scheme.verify(kp.publicKey, msg, Uint8Array.from([...sig, 0]))).toBe(false);
    expect(scheme.verify(kp.publicKey, msg, new Uint8Array(0))).toBe(false);
  });

  it("property: round trip holds and a one-bit change of the message fails", () => {
    const scheme = createSignatureScheme(name);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), (seed, msg, at) => {
        const kp = scheme.keyPairFromSeed(seed);
        const sig = scheme.sign(kp.secretKey, msg);
        expect(scheme.verify(kp.publicKey, msg, sig)).toBe(true);
        const changed = msg.slice();
        const i = at % changed.length;
        changed[i] = changed[i]! ^ (1 << (at % 8));
        expect(scheme.verify(kp.publicKey, changed, sig)).toBe(false);
      }),
      { numRuns: 30 },
    );
  });

  it("keyPairFromSeed is deterministic, across instances too, and copies the seed", () => {
    const seed = seedOf(5);
    const a = createSignatureScheme(name).keyPairFromSeed(seed);
    const b = createSignatureScheme(name).keyPairFromSeed(seed.slice());
    expect(a.publicKey).toEqual(b.publicKey);
    expect(a.secretKey).toEqual(seed);
    seed[0] = seed[0]! ^ 0xff;
    expect(a.secretKey).not.toEqual(seed);
    expect(createSignatureScheme(name).keyPairFromSeed(seedOf(6)).publicKey).not.toEqual(a.publicKey);
  });

  it("signing is deterministic", () => {
    const scheme = createSignatureScheme(name);
    const kp = scheme.keyPairFromSeed(seedOf(7));
    expect(scheme.sign(kp.secretKey, text("x"))).toEqual(scheme.sign(kp.secretKey, text("x")));
  });

  it("keyPairFromSeed throws RangeError on a 31-byte (or 33-byte) seed", () => {
    const scheme = createSignatureScheme(name);
    expect(() => scheme.keyPairFromSeed(new Uint8Array(31))).toThrow(RangeError);
    expect(() => scheme.keyPairFromSeed(new Uint8Array(33))).toThrow(RangeError);
  });

  it("verify returns false (never throws) on a malformed public key", () => {
    const scheme = createSignatureScheme(name);
    const kp = scheme.keyPairFromSeed(seedOf(8));
    const msg = text("m");
    const sig = scheme.sign(kp.secretKey, msg);
    for (const pk of [new Uint8Array(0), new Uint8Array(31), new Uint8Array(33), new Uint8Array(32).fill(0xff)]) {
      expect(scheme.verify(pk, msg, sig)).toBe(false);
    }
  });
});
