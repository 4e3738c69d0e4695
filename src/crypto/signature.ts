/**
 * The signature-scheme interface. A scenario picks one scheme for the whole
 * run (`validators.signatureScheme`); consensus only sees this interface.
 */

/** A key pair. `secretKey` never leaves the node that owns it. */
export interface KeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** Names of the schemes a scenario may choose. */
export const SIGNATURE_SCHEMES = ["ed25519", "ed25519-native", "sim"] as const;
/** The name of one of {@link SIGNATURE_SCHEMES}. */
export type SignatureSchemeName = (typeof SIGNATURE_SCHEMES)[number];

/** Signing and verification. Implementations are deterministic and never throw on bad input to `verify`. */
export interface SignatureScheme {
  readonly name: SignatureSchemeName;
  /** Derives a key pair from 32 seed bytes, deterministically. Throws RangeError on another length. */
  keyPairFromSeed(seed: Uint8Array): KeyPair;
  /** Signs `message` with `secretKey` (a key produced by this scheme). */
  sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array;
  /** True iff `signature` is a valid signature of `message` under `publicKey`. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

/** Throws RangeError unless `seed` is 32 bytes. */
export function assertSeed(seed: Uint8Array): void {
  if (seed.length !== 32) throw new RangeError(`key seed must be 32 bytes, got ${seed.length}`);
}
