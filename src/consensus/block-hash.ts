/**
 * Block identity and the byte strings validators sign. Each signed string
 * starts with its own domain tag so that a signature for one purpose can never
 * be replayed as another.
 */
import { concatBytes, sha256, u64, utf8, type Hash } from "../crypto/hash.js";
import type { Block } from "./types.js";

const BLOCK_DOMAIN = utf8("asset-sim/block");
const VOTE_DOMAIN = utf8("asset-sim/vote");
const TIMEOUT_DOMAIN = utf8("asset-sim/timeout");
const PROPOSAL_DOMAIN = utf8("asset-sim/proposal");

/** The hash of a block: sha256 over its fields, with the payload by its own sha256. */
export function blockHash(block: Omit<Block, "hash">): Hash {
  return sha256(
    concatBytes(
      BLOCK_DOMAIN,
      u64(block.view),
      u64(block.height),
      block.parentHash,
      u64(block.justify.view),
      u64(block.justify.height),
      block.justify.blockHash,
      u64(block.proposer),
      u64(block.timestampUs),
      sha256(block.payload),
    ),
  );
}

/** What a validator signs to vote for `blockHash` at `height` in `view`. */
export function voteSigningBytes(view: number, height: number, hash: Hash): Uint8Array {
  return concatBytes(VOTE_DOMAIN, u64(view), u64(height), hash);
}

/** What a validator signs when it times out in `view` holding a QC of `highQCView`. */
export function timeoutSigningBytes(view: number, highQCView: number): Uint8Array {
  return concatBytes(TIMEOUT_DOMAIN, u64(view), u64(highQCView));
}

/** What a leader signs when it proposes the block `hash`. */
export function proposalSigningBytes(hash: Hash): Uint8Array {
  return concatBytes(PROPOSAL_DOMAIN, hash);
}
