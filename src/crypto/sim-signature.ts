/**
 * The simulation signature scheme: cheap (one sha256 per sign or verify) yet
 * unforgeable by another simulated node.
 *
 * A signature is `sha256("asset-sim/sig" || secret || message)`. The public key
 * is `sha256("asset-sim/pub" || secret)`. Verification looks the secret up in a
 * registry private to this scheme instance, filled only by `keyPairFromSeed`:
 * a node holds its own secret and nothing else, so it cannot compute another
 * node's signatures. This is the trusted-oracle model that simulators use in
 * place of public-key cryptography; it is sound only inside one process, which
 * is why real mode must use ed25519.
 */
import { bytesEqual, concatBytes, sha256, toHex, utf8 } from "./hash.js";
import { assertSeed, type KeyPair, type SignatureScheme } from "./signature.js";

const SIGN_DOMAIN = utf8("asset-sim/sig");
const PUBLIC_DOMAIN = utf8("asset-sim/pub");

/** Creates a fresh scheme with an empty key registry (one per run). */
export function createSimSignatureScheme(): SignatureScheme {
  const secretByPublicKey = new Map<string, Uint8Array>();
  const signWith = (secret: Uint8Array, message: Uint8Array): Uint8Array => sha256(concatBytes(SIGN_DOMAIN, secret, message));
  return {
    name: "sim",
    keyPairFromSeed(seed: Uint8Array): KeyPair {
      assertSeed(seed);
      const secretKey = seed.slice();
      const publicKey = sha256(concatBytes(PUBLIC_DOMAIN, secretKey));
      secretByPublicKey.set(toHex(publicKey), secretKey);
      return { publicKey, secretKey };
    },
    sign: signWith,
    verify(publicKey, message, signature) {
      const secret = secretByPublicKey.get(toHex(publicKey));
      if (secret === undefined || signature.length !== 32) return false;
      return bytesEqual(signWith(secret, message), signature);
    },
  };
}
