/** The simulator's verification memo answers exactly as the scheme does, and verifies each distinct input once. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSignatureScheme } from "../../src/crypto/schemes.js";
import type { SignatureScheme } from "../../src/crypto/signature.js";
import { memoizeVerify } from "../../src/crypto/verify-memo.js";

function counting(scheme: SignatureScheme): { scheme: SignatureScheme; calls: () => number } {
  let calls = 0;
  return {
    scheme: { ...scheme, verify: (pk, msg, sig) => (calls++, scheme.verify(pk, msg, sig)) },
    calls: () => calls,
  };
}

describe("verification memo", () => {
  const base = createSignatureScheme("ed25519-native");
  const keys = base.keyPairFromSeed(new Uint8Array(32).fill(5));
  const other = base.keyPairFromSeed(new Uint8Array(32).fill(6));

  it("verifies a repeated input once and gives the scheme's answer every time", () => {
    const { scheme, calls } = counting(base);
    const memo = memoizeVerify(scheme);
    const message = new Uint8Array([1, 2, 3]);
    const signature = base.sign(keys.secretKey, message);
    for (let i = 0; i < 7; i++) expect(memo.verify(keys.publicKey, message, signature)).toBe(true);
    expect(calls()).toBe(1);
  });

  it("never reuses an answer for another key, message or signature (property)", () => {
    const memo = memoizeVerify(base, 16);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(39), fc.boolean(), fc.boolean(), (message, flip, otherKey, alterSignature) => {
        const signature = base.sign(keys.secretKey, message);
        expect(memo.verify(keys.publicKey, message, signature)).toBe(true);
        const altered = message.slice();
        altered[flip % altered.length]! ^= 1;
        const sig = alterSignature ? signature.map((b, i) => (i === 0 ? b ^ 1 : b)) : signature;
        const pk = otherKey ? other.publicKey : keys.publicKey;
        expect(memo.verify(pk, altered, sig)).toBe(base.verify(pk, altered, sig));
        expect(memo.verify(pk, message, sig)).toBe(base.verify(pk, message, sig));
        expect(memo.verify(keys.publicKey, message, signature)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("keeps the inputs it remembers apart from the caller's buffers", () => {
    const memo = memoizeVerify(base);
    const message = new Uint8Array([9, 9]);
    const signature = base.sign(keys.secretKey, message);
    expect(memo.verify(keys.publicKey, message, signature)).toBe(true);
    message[0] = 8; // the caller reuses its buffer: the remembered message must not change with it
    expect(memo.verify(keys.publicKey, message, signature)).toBe(false);
  });
});
