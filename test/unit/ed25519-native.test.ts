import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createNativeEd25519 } from "../../src/crypto/ed25519-native.js";
import { createNobleEd25519 } from "../../src/crypto/ed25519-noble.js";
import { fromHex, toHex } from "../../src/crypto/hash.js";

describe("ed25519-native against ed25519 (noble)", () => {
  const native = createNativeEd25519();
  const noble = createNobleEd25519();

  it("matches the RFC 8032 test vector 1 (empty message)", () => {
    const seed = fromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    const pub = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    const sig =
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
    for (const scheme of [native, noble]) {
      const kp = scheme.keyPairFromSeed(seed);
      expect(toHex(kp.publicKey)).toBe(pub);
      expect(toHex(scheme.sign(kp.secretKey, new Uint8Array(0)))).toBe(sig);
      expect(scheme.verify(kp.publicKey, new Uint8Array(0), fromHex(sig))).toBe(true);
    }
  });

  it("property: byte-identical public keys and signatures, each verifying the other's", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (seed, msg) => {
        const a = native.keyPairFromSeed(seed);
        const b = noble.keyPairFromSeed(seed);
        expect(toHex(a.publicKey)).toBe(toHex(b.publicKey));
        const sa = native.sign(a.secretKey, msg);
        const sb = noble.sign(b.secretKey, msg);
        expect(sa).toBeInstanceOf(Uint8Array);
        expect(sa.length).toBe(64);
        expect(toHex(sa)).toBe(toHex(sb));
        expect(native.verify(b.publicKey, msg, sb)).toBe(true);
        expect(noble.verify(a.publicKey, msg, sa)).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it("property: both reject the same garbage signature without throwing", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ maxLength: 64 }), (pk, sig, msg) => {
        expect(native.verify(pk, msg, sig)).toBe(false);
        expect(noble.verify(pk, msg, sig)).toBe(false);
      }),
      { numRuns: 50 },
    );
  });
});
