/** Ed25519 (RFC 8032) from @noble/curves: pure JavaScript, audited. */
import { ed25519 } from "@noble/curves/ed25519.js";
import { assertSeed, type KeyPair, type SignatureScheme } from "./signature.js";

/** Ed25519 through @noble/curves. Secret keys are the 32-byte RFC 8032 seeds. */
export function createNobleEd25519(): SignatureScheme {
  return {
    name: "ed25519",
    keyPairFromSeed(seed: Uint8Array): KeyPair {
      assertSeed(seed);
      return { secretKey: seed.slice(), publicKey: ed25519.getPublicKey(seed) };
    },
    sign(secretKey, message) {
      return ed25519.sign(message, secretKey);
    },
    verify(publicKey, message, signature) {
      try {
        return ed25519.verify(signature, message, publicKey);
      } catch {
        return false;
      }
    },
  };
}
