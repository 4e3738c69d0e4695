/**
 * xTid: the 32-byte SHA256 over the encoded xTRequest (SCP v1, "Messages":
 * `StartSC.xTid`). The same request always has the same id, which is what lets
 * the shared publisher drop a duplicate and a sequencer match a Decided to its
 * instance.
 */
import { sha256, toHex } from "../crypto/hash.js";
import type { XTRequest } from "./messages.js";
import { encodeXTRequest } from "./wire/codec.js";

/** sha256 of the protobuf encoding of `request` (32 bytes). */
export function xTidOf(request: XTRequest): Uint8Array {
  return sha256(encodeXTRequest(request));
}

/** Lowercase hex of an xTid, the key of maps and logs. */
export function xTidHex(xTid: Uint8Array): string {
  return toHex(xTid);
}
