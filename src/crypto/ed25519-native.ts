/**
 * Ed25519 (RFC 8032) through Node's built-in OpenSSL binding (`node:crypto`).
 * Signatures are byte-identical to {@link createNobleEd25519}'s; only speed
 * differs (see `bench/`). Key objects are cached per key.
 *
 * Keys are imported as raw JWK (RFC 8037 `OKP`/`Ed25519`: `d` the 32-byte
 * seed, `x` the 32-byte public key), which Node hands to OpenSSL's raw-key
 * constructor; a PKCS#8 or SPKI DER import goes through OpenSSL 3's decoder
 * search and costs 5 to 10 times more (measured: 650 against 80 us per
 * private key, 210 against 28 us per public key), which a simulated run paid
 * once per derived key (every client account, every validator, every seed).
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { toHex } from "./hash.js";
import { assertSeed, type KeyPair, type SignatureScheme } from "./signature.js";
import { assert } from "../sim/assert.js";

/** A base64url string (RFC 4648 section 5, no padding: the JWK encoding of key bytes). */
function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

/** Ed25519 through node:crypto. Secret keys are the 32-byte RFC 8032 seeds. */
export function createNativeEd25519(): SignatureScheme {
  const privateKeys = new Map<string, KeyObject>();
  const publicKeys = new Map<string, KeyObject>();

  const privateKeyOf = (seed: Uint8Array): KeyObject => {
    const hex = toHex(seed);
    let key = privateKeys.get(hex);
    if (key === undefined) {
      // Node reads only `d` of a private OKP JWK (`x` must be a string; the public key is derived from `d`).
      key = createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", d: base64url(seed), x: "" }, format: "jwk" });
      privateKeys.set(hex, key);
    }
    return key;
  };
  const publicKeyOf = (raw: Uint8Array): KeyObject | undefined => {
    if (raw.length !== 32) return undefined;
    const hex = toHex(raw);
    let key = publicKeys.get(hex);
    if (key === undefined) {
      try {
        key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: base64url(raw) }, format: "jwk" });
      } catch {
        return undefined;
      }
      publicKeys.set(hex, key);
    }
    return key;
  };

  return {
    name: "ed25519-native",
    keyPairFromSeed(seed: Uint8Array): KeyPair {
      assertSeed(seed);
      const jwk = privateKeyOf(seed).export({ format: "jwk" });
      assert(typeof jwk.x === "string", "an Ed25519 private key exports its public key as x");
      const publicKey = new Uint8Array(Buffer.from(jwk.x, "base64url"));
      assert(publicKey.length === 32, "an Ed25519 public key is 32 bytes");
      return { secretKey: seed.slice(), publicKey };
    },
    sign(secretKey, message) {
      return new Uint8Array(sign(null, message, privateKeyOf(secretKey)));
    },
    verify(publicKey, message, signature) {
      const key = publicKeyOf(publicKey);
      if (key === undefined || signature.length !== 64) return false;
      try {
        return verify(null, message, key, signature);
      } catch {
        return false;
      }
    },
  };
}
