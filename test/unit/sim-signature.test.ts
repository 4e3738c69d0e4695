import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSimSignatureScheme } from "../../src/crypto/sim-signature.js";

const seedOf = (n: number): Uint8Array => new Uint8Array(32).fill(n);
const msg = new TextEncoder().encode("proposal");

describe("sim signature scheme", () => {
  it("signatures are 32 bytes and public keys 32 bytes", () => {
    const s = createSimSignatureScheme();
    const kp = s.keyPairFromSeed(seedOf(1));
    expect(kp.publicKey.length).toBe(32);
    expect(s.sign(kp.secretKey, msg).length).toBe(32);
  });

  it("a second instance cannot verify signatures from the first (the registry is per instance)", () => {
    const first = createSimSignatureScheme();
    const second = createSimSignatureScheme();
    const kp = first.keyPairFromSeed(seedOf(1));
    const sig = first.sign(kp.secretKey, msg);
    expect(first.verify(kp.publicKey, msg, sig)).toBe(true);
    expect(second.verify(kp.publicKey, msg, sig)).toBe(false);
    // once the second instance derives the same key it can verify too
    second.keyPairFromSeed(seedOf(1));
    expect(second.verify(kp.publicKey, msg, sig)).toBe(true);
  });

  it("knowing only a public key is not enough to sign for it", () => {
    const s = createSimSignatureScheme();
    const kp = s.keyPairFromSeed(seedOf(1));
    // using the public key as if it were the secret does not produce a valid signature
    expect(s.verify(kp.publicKey, msg, s.sign(kp.publicKey, msg))).toBe(false);
  });

  it("signatures are domain-separated from public keys", () => {
    const s = createSimSignatureScheme();
    const kp = s.keyPairFromSeed(seedOf(2));
    expect(s.sign(kp.secretKey, new Uint8Array(0))).not.toEqual(kp.publicKey);
  });

  it("property: verify never throws on garbage and returns false", () => {
    const s = createSimSignatureScheme();
    const kp = s.keyPairFromSeed(seedOf(3));
    const good = s.sign(kp.secretKey, msg);
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.constant(kp.publicKey)),
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ maxLength: 64 }),
        (pk, m, sig) => {
          let result: boolean | undefined;
          expect(() => {
            result = s.verify(pk, m, sig);
          }).not.toThrow();
          expect(typeof result).toBe("boolean");
          // only the one true signature of `msg` may verify
          if (result) {
            expect(m).toEqual(msg);
            expect(sig).toEqual(good);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
