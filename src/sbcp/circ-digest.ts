/**
 * A digest of a CIRC message's content, so the mailbox checker can compare
 * what a chain wrote with what the destination read without logging the bytes:
 * SHA-256 over the `Source`, `Receiver` and `Data` lists, each as a count then
 * each item as its length (u64) and bytes; 64 lowercase hex digits. The
 * routing fields (chains, session, label, xTid, slot) are logged beside it.
 */
import { concatBytes, sha256, toHex, u64 } from "../crypto/hash.js";

/** The content fields of a CIRC message, written or read. */
export interface CircContent {
  readonly Source: readonly Uint8Array[];
  readonly Receiver: readonly Uint8Array[];
  readonly Data: readonly Uint8Array[];
}

/** The digest of `msg`'s content (see the file comment), as hex. */
export function circDigest(msg: CircContent): string {
  const parts: Uint8Array[] = [];
  for (const list of [msg.Source, msg.Receiver, msg.Data]) {
    parts.push(u64(list.length));
    for (const item of list) parts.push(u64(item.length), item);
  }
  return toHex(sha256(concatBytes(...parts)));
}
