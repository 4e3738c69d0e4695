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
 *
 * Signing seeds the memo too (`seedFromSigning`): every honest signature of a
 * run is made in this process, by `sign(secretKey, message)` with a secret key
 * whose public key `keyPairFromSeed` derived here, and a correct signature
 * verifies under its signer's public key (completeness of the scheme: RFC 8032
 * section 5.1.7 accepts every output of section 5.1.6). So the answer of
 * `verify(publicKey, message, signature)` for those exact bytes is known to be
 * true when the signature is made, and no signature an honest node made is
 * verified at all; a signature altered in any bit, or checked under another
 * key or message, misses and is verified. `--check-sharing` recomputes a
 * sample of the reused answers (seeded or verified) and stops the run with
 * `SharingMismatchError` on a difference.
 */
import { SharingMismatchError, type SharingCheck } from "../sim/run-memo.js";
import { bytesEqual, toHex } from "./hash.js";
import type { SignatureScheme } from "./signature.js";

/** Default number of answers remembered (about a minute of a 7-validator run at 200 transactions per second). */
export const VERIFY_MEMO_CAPACITY_DEFAULT = 16_384;

interface Answer {
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly valid: boolean;
}

/** Options of {@link memoizeVerify}. */
export interface VerifyMemoOptions {
  /** Most answers remembered; the oldest is forgotten past it. Default {@link VERIFY_MEMO_CAPACITY_DEFAULT}. */
  readonly capacity?: number;
  /**
   * Remember each signature `sign` makes as valid under the public key `keyPairFromSeed` derived for
   * its secret key (see the module docstring). Default false.
   */
  readonly seedFromSigning?: boolean;
  /** Recomputes a sample of the reused answers (`--check-sharing`, shared with the run's other memos). */
  readonly check?: SharingCheck;
}

/** Counts of a verification memo, for tests and notes. */
export interface VerifyMemoStats {
  /** Verifications answered from the memo. */
  readonly hits: number;
  /** Verifications the scheme ran. */
  readonly verified: number;
  /** Answers remembered by signing. */
  readonly seeded: number;
  /** Reused answers the sharing check recomputed. */
  readonly checked: number;
}

/** A memoising scheme, with its counts. */
export interface MemoizedScheme extends SignatureScheme {
  readonly stats: () => VerifyMemoStats;
}

/**
 * Wraps `scheme` with a verification memo (the oldest answer is forgotten past the capacity: the
 * validators of a run verify the same signature within seconds of each other, so a window of recent
 * answers takes every reuse while memory stays flat with run length). Signing and key derivation give
 * the scheme's bytes unchanged.
 * @param options a capacity (a positive integer) or {@link VerifyMemoOptions}
 * @throws RangeError when the capacity is not a positive integer
 * @throws SharingMismatchError (from `verify`) when a sampled reused answer differs from the scheme's
 */
export function memoizeVerify(scheme: SignatureScheme, options: number | VerifyMemoOptions = {}): MemoizedScheme {
  const { capacity = VERIFY_MEMO_CAPACITY_DEFAULT, seedFromSigning = false, check } = typeof options === "number" ? { capacity: options } : options;
  if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`verify memo: capacity must be a positive integer, got ${capacity}`);
  const answers = new Map<string, Answer>();
  // Secret key (hex) to the public key keyPairFromSeed derived for it here: the keys whose signatures seed the memo.
  const publicKeys = new Map<string, Uint8Array>();
  let hits = 0;
  let verified = 0;
  let seeded = 0;
  let checked = 0;

  const remember = (key: string, answer: Answer): void => {
    if (answers.has(key)) answers.delete(key);
    else if (answers.size >= capacity) answers.delete(answers.keys().next().value!);
    answers.set(key, answer);
  };

  return {
    name: scheme.name,
    keyPairFromSeed(seed) {
      const pair = scheme.keyPairFromSeed(seed);
      if (seedFromSigning) publicKeys.set(toHex(pair.secretKey), pair.publicKey.slice());
      return pair;
    },
    sign(secretKey, message) {
      const signature = scheme.sign(secretKey, message);
      const publicKey = seedFromSigning ? publicKeys.get(toHex(secretKey)) : undefined;
      if (publicKey !== undefined) {
        remember(toHex(signature), { publicKey, message: message.slice(), valid: true });
        seeded++;
      }
      return signature;
    },
    verify(publicKey, message, signature) {
      const key = toHex(signature);
      const known = answers.get(key);
      if (known !== undefined && bytesEqual(known.publicKey, publicKey) && bytesEqual(known.message, message)) {
        hits++;
        if (check?.sample() === true) {
          checked++;
          const computed = scheme.verify(publicKey, message, signature);
          if (computed !== known.valid) throw new SharingMismatchError("signature-verification", key, `remembered ${known.valid}, verified ${computed}`);
        }
        return known.valid;
      }
      verified++;
      const valid = scheme.verify(publicKey, message, signature);
      remember(key, { publicKey: publicKey.slice(), message: message.slice(), valid });
      return valid;
    },
    stats: () => ({ hits, verified, seeded, checked }),
  };
}
