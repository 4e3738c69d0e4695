/**
 * A signature scheme whose `verify` remembers its answers, for the simulator.
 *
 * Verification is a pure function of (public key, message, signature), so
 * when seven simulated validators check the same transaction signature, the
 * six later checks can reuse the first answer without changing any result:
 * the key is a sha256 of all three inputs, so only identical bytes share an
 * answer, and a forged or altered signature is verified on its own. This is a
 * shortcut of the simulation process, which runs every node; a real validator
 * (real mode) verifies with the plain scheme.
 */
import { concatBytes, sha256, toHex, u64 } from "./hash.js";
import type { SignatureScheme } from "./signature.js";

/**
 * Wraps `scheme` with a verification memo of at most `capacity` answers (it starts over when full).
 * Signing and key derivation are passed through unchanged.
 */
export function memoizeVerify(scheme: SignatureScheme, capacity = 1_000_000): SignatureScheme {
  const answers = new Map<string, boolean>();
  return {
    name: scheme.name,
    keyPairFromSeed: (seed) => scheme.keyPairFromSeed(seed),
    sign: (secretKey, message) => scheme.sign(secretKey, message),
    verify(publicKey, message, signature) {
      // Lengths are hashed too, so (key, message, signature) splits are unambiguous.
      const key = toHex(sha256(concatBytes(u64(publicKey.length), u64(signature.length), publicKey, signature, message)));
      const known = answers.get(key);
      if (known !== undefined) return known;
      const answer = scheme.verify(publicKey, message, signature);
      if (answers.size >= capacity) answers.clear();
      answers.set(key, answer);
      return answer;
    },
  };
}
