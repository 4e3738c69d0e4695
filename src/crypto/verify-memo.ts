/**
 * A signature scheme whose `verify` remembers its answers, for the simulator.
 *
 * Verification is a pure function of (public key, message, signature), so
 * when seven simulated validators check the same transaction signature, the
 * six later checks can reuse the first answer without changing any result.
 * Answers are found by the signature's bytes and reused only when the public
 * key and message are byte-for-byte the ones verified, so a forged or altered
 * input is verified on its own. This is a shortcut of the simulation process,
 * which runs every node; a real validator (real mode) verifies with the plain
 * scheme.
 */
import { bytesEqual, toHex } from "./hash.js";
import type { SignatureScheme } from "./signature.js";

/** Default number of answers remembered (about a minute of a 7-validator run at 200 transactions per second). */
export const VERIFY_MEMO_CAPACITY_DEFAULT = 16_384;

interface Answer {
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly valid: boolean;
}

/**
 * Wraps `scheme` with a verification memo of at most `capacity` answers (the oldest is forgotten
 * past it: the validators of a run verify the same signature within seconds of each other, so a
 * window of recent answers takes every reuse while memory stays flat with run length).
 * Signing and key derivation are passed through unchanged.
 */
export function memoizeVerify(scheme: SignatureScheme, capacity = VERIFY_MEMO_CAPACITY_DEFAULT): SignatureScheme {
  const answers = new Map<string, Answer>();
  return {
    name: scheme.name,
    keyPairFromSeed: (seed) => scheme.keyPairFromSeed(seed),
    sign: (secretKey, message) => scheme.sign(secretKey, message),
    verify(publicKey, message, signature) {
      const key = toHex(signature);
      const known = answers.get(key);
      if (known !== undefined && bytesEqual(known.publicKey, publicKey) && bytesEqual(known.message, message)) return known.valid;
      const valid = scheme.verify(publicKey, message, signature);
      if (answers.size >= capacity) answers.delete(answers.keys().next().value!);
      answers.set(key, { publicKey: publicKey.slice(), message: message.slice(), valid });
      return valid;
    },
  };
}
