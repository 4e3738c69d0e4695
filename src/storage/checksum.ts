/**
 * A checksum per stored value, so that a validator finds out when its disk
 * returns something it never wrote (a flipped bit, a torn write) instead of
 * acting on it. Each value is stored as `checksum (8 bytes) || value`, where
 * the checksum is the first 8 bytes of sha256("asset-sim/storage/v1" || key || 0x00 || value).
 * Covering the key catches a value that landed under the wrong key
 * (TigerBeetle checksums every block and header the same way, and its
 * `storage.zig` simulator flips bits and tears writes to prove it).
 */
import { sha256Concat, utf8 } from "../crypto/hash.js";
import type { Storage } from "../sim/node.js";

/** Bytes of checksum in front of every stored value. */
export const CHECKSUM_BYTES = 8;

const DOMAIN = utf8("asset-sim/storage/v1");
const SEPARATOR = new Uint8Array([0]);

/** A stored value failed its checksum (or did not decode after passing it): the disk is corrupt under `key`. */
export class StorageCorruptError extends Error {
  /** The storage key whose value is corrupt. */
  readonly key: string;
  constructor(key: string, detail: string) {
    super(`storage corrupt under ${key}: ${detail}`);
    this.name = "StorageCorruptError";
    this.key = key;
  }
}

function checksumOf(key: string, value: Uint8Array): Uint8Array {
  return sha256Concat(DOMAIN, utf8(key), SEPARATOR, value).subarray(0, CHECKSUM_BYTES);
}

/** `checksum || value`, the bytes to store under `key`. */
export function sealValue(key: string, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(CHECKSUM_BYTES + value.length);
  out.set(checksumOf(key, value), 0);
  out.set(value, CHECKSUM_BYTES);
  return out;
}

/**
 * The value inside bytes stored by {@link sealValue} under `key`.
 * @throws StorageCorruptError when the bytes are too short or the checksum does not match
 */
export function openValue(key: string, sealed: Uint8Array): Uint8Array {
  if (sealed.length < CHECKSUM_BYTES) throw new StorageCorruptError(key, `${sealed.length} bytes, shorter than the checksum`);
  const value = sealed.subarray(CHECKSUM_BYTES);
  const expected = checksumOf(key, value);
  for (let i = 0; i < CHECKSUM_BYTES; i++) if (sealed[i] !== expected[i]) throw new StorageCorruptError(key, "checksum mismatch");
  return value;
}

/** Stores `value` under `key` with its checksum (durable at the next sync). */
export function putChecked(storage: Storage, key: string, value: Uint8Array): void {
  storage.put(key, sealValue(key, value));
}

/**
 * The checked value under `key`, or undefined when absent.
 * @throws StorageCorruptError when the stored bytes fail their checksum
 */
export function getChecked(storage: Storage, key: string): Uint8Array | undefined {
  const sealed = storage.get(key);
  return sealed === undefined ? undefined : openValue(key, sealed);
}
