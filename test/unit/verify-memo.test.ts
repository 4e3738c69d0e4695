/** The simulator's verification memo answers exactly as the scheme does, and verifies each distinct input once. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSignatureScheme } from "../../src/crypto/schemes.js";
import type { SignatureScheme } from "../../src/crypto/signature.js";
import { memoizeVerify } from "../../src/crypto/verify-memo.js";
import { SharingCheck, SharingMismatchError } from "../../src/sim/run-memo.js";

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

  describe("seeded by signing", () => {
    const seed = new Uint8Array(32).fill(7);

    it("answers a signature made here without verifying it, and verifies anything else (property)", () => {
      const { scheme, calls } = counting(base);
      let seeded = 0;
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(63), fc.nat(39), (message, bit, flip) => {
          // A fresh memo per run: with one memo, a run repeating an earlier run's input (short messages often do)
          // found its answers remembered, and the count of verifications below was one short.
          const memo = memoizeVerify(scheme, { seedFromSigning: true });
          const pair = memo.keyPairFromSeed(seed);
          const before = calls();
          const signature = memo.sign(pair.secretKey, message);
          expect(signature).toEqual(base.sign(pair.secretKey, message)); // the scheme's bytes
          expect(memo.verify(pair.publicKey, message, signature)).toBe(true);
          expect(calls()).toBe(before);
          const altered = signature.slice();
          altered[bit]! ^= 1;
          expect(memo.verify(pair.publicKey, message, altered)).toBe(base.verify(pair.publicKey, message, altered));
          const otherMessage = message.slice();
          otherMessage[flip % otherMessage.length]! ^= 1;
          expect(memo.verify(pair.publicKey, otherMessage, signature)).toBe(false);
          expect(memo.verify(other.publicKey, message, signature)).toBe(false);
          expect(calls()).toBe(before + 3);
          seeded += memo.stats().seeded;
        }),
        { numRuns: 50 },
      );
      expect(seeded).toBe(50);
    });

    it("does not seed when off, nor for a secret key keyPairFromSeed did not derive here", () => {
      const { scheme, calls } = counting(base);
      const off = memoizeVerify(scheme);
      const pair = off.keyPairFromSeed(seed);
      const message = new Uint8Array([4, 5]);
      expect(off.verify(pair.publicKey, message, off.sign(pair.secretKey, message))).toBe(true);
      expect(calls()).toBe(1);
      const on = memoizeVerify(scheme, { seedFromSigning: true });
      expect(on.verify(keys.publicKey, message, on.sign(keys.secretKey, message))).toBe(true);
      expect(calls()).toBe(2);
      expect(on.stats().seeded).toBe(0);
    });

    it("--check-sharing catches a scheme whose signatures do not verify (a broken signer built here)", () => {
      // A deliberately broken scheme: its signer flips a bit, so its signatures are invalid, and a memo
      // that trusts signing would answer true where verification says false.
      const broken = { ...base, sign: (sk: Uint8Array, m: Uint8Array) => base.sign(sk, m).map((b, i) => (i === 0 ? b ^ 1 : b)) };
      const unchecked = memoizeVerify(broken, { seedFromSigning: true });
      const p1 = unchecked.keyPairFromSeed(seed);
      const message = new Uint8Array([1]);
      expect(unchecked.verify(p1.publicKey, message, unchecked.sign(p1.secretKey, message))).toBe(true); // the wrong answer
      const check = new SharingCheck(1, 0);
      const checked = memoizeVerify(broken, { seedFromSigning: true, check });
      const p2 = checked.keyPairFromSeed(seed);
      expect(() => checked.verify(p2.publicKey, message, checked.sign(p2.secretKey, message))).toThrow(SharingMismatchError);
      // With the correct scheme the same check passes and counts the recomputation.
      const good = memoizeVerify(base, { seedFromSigning: true, check: new SharingCheck(1, 0) });
      const p3 = good.keyPairFromSeed(seed);
      expect(good.verify(p3.publicKey, message, good.sign(p3.secretKey, message))).toBe(true);
      expect(good.stats()).toEqual({ hits: 1, verified: 0, seeded: 1, checked: 1 });
    });
  });
});
