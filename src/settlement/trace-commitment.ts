/**
 * The trace commitment of an optimistic batch: the binary Merkle tree of
 * src/crypto/binary-merkle.ts (the batch data tree; `merkle_verify` in
 * programs/asset_rollup/src/smt.h) over the per-transaction state roots
 * S_0 (the agreed pre-state root) .. S_n (the claimed post root), each leaf
 * being the 32 root bytes: leaf `sha256(0x00 || S_i)`, node
 * `sha256(0x01 || left || right)`, padded with zero leaf hashes to a power of
 * two. The program's `trace_verify` (game.c) requires exactly
 * `traceDepth(n + 1)` siblings, so a proof also fixes the tree's size.
 */
import { batchDataProof, batchDataRoot, batchLeafHash, verifyBatchDataProof } from "../crypto/binary-merkle.js";
import type { Hash } from "../crypto/hash.js";

/** The least d with 2^d >= leaves (0 for one leaf). Throws RangeError for leaves < 1. */
export function traceDepth(leaves: number): number {
  if (!Number.isSafeInteger(leaves) || leaves < 1) throw new RangeError(`a trace has at least one leaf, got ${leaves}`);
  let depth = 0;
  while (2 ** depth < leaves) depth++;
  return depth;
}

/** The trace S_0..S_n of one batch, its commitment and per-leaf proofs. */
export class TraceTree {
  /** The commitment (32 bytes). */
  readonly root: Hash;

  /** Throws RangeError when `leaves` is empty or a leaf is not 32 bytes. */
  constructor(readonly leaves: readonly Uint8Array[]) {
    traceDepth(leaves.length);
    for (const leaf of leaves) {
      if (leaf.length !== 32) throw new RangeError(`trace leaves are 32-byte roots, got ${leaf.length} bytes`);
    }
    this.root = batchDataRoot(leaves);
  }

  /** The traceDepth(leaves) sibling hashes of leaf `index`, leaf level first. Throws RangeError out of range. */
  proof(index: number): Hash[] {
    return batchDataProof(this.leaves, index);
  }
}

/** True when `leaf` is leaf `index` of a `leaves`-leaf trace with commitment `root` (as the program's trace_verify decides). */
export function verifyTraceProof(root: Uint8Array, leaves: number, index: number, leaf: Uint8Array, siblings: readonly Uint8Array[]): boolean {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves || siblings.length !== traceDepth(leaves)) return false;
  return verifyBatchDataProof(root, batchLeafHash(leaf), index, siblings);
}
