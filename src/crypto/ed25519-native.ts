/**
 * Ed25519 (RFC 8032) through Node's built-in OpenSSL binding (`node:crypto`).
 * Signatures are byte-identical to {@link createNobleEd25519}'s; only speed
 * differs (see `bench/`). Key objects are cached per key.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { toHex } from "./hash.js";
import { assertSeed, type KeyPair, type SignatureScheme } from "./signature.js";

// DER prefixes of PKCS#8 (private) and SPKI (public) Ed25519 keys, RFC 8410.
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

/** Ed25519 through node:crypto. Secret keys are the 32-byte RFC 8032 seeds. */
export function createNativeEd25519(): SignatureScheme {
  const privateKeys = new Map<string, KeyObject>();
  const publicKeys = new Map<string, KeyObject>();

  const privateKeyOf = (seed: Uint8Array): KeyObject => {
    const hex = toHex(seed);
    let key = privateKeys.get(hex);
    if (key === undefined) {
      key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" });
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
        key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: "der", type: "spki" });
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
      const spki = createPublicKey(privateKeyOf(seed)).export({ format: "der", type: "spki" });
      return { secretKey: seed.slice(), publicKey: new Uint8Array(spki.subarray(spki.length - 32)) };
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
