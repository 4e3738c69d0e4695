/**
 * The trace commitment of an optimistic batch: a binary Merkle tree over the
 * per-transaction state roots S_0 (the agreed pre-state root) .. S_n (the
 * claimed post root), as the L1 program's `trace_verify` checks it
 * (programs/asset_rollup/src/game.c).
 *
 * Scheme: leaf hash `sha256(0x00 || leaf)`, node hash `sha256(0x01 || left || right)`
 * (the domain prefixes of src/crypto/sparse-merkle.ts, RFC 6962 section 2.1 style);
 * the tree has depth d = ceil(log2(leaves)) and is padded to 2^d leaves with
 * 32 zero bytes standing for each missing node hash. A proof is the d sibling
 * hashes from the leaf level up; the leaf index says left or right per level.
 */
import { bytesEqual, concatBytes, sha256, type Hash } from "../crypto/hash.js";

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);
const EMPTY = new Uint8Array(32);

/** sha256(0x00 || leaf). */
export function traceLeafHash(leaf: Uint8Array): Hash {
  return sha256(concatBytes(LEAF_PREFIX, leaf));
}

/** sha256(0x01 || left || right). */
export function traceNodeHash(left: Uint8Array, right: Uint8Array): Hash {
  return sha256(concatBytes(NODE_PREFIX, left, right));
}

/** The least d with 2^d >= leaves (0 for one leaf). Throws RangeError for leaves < 1. */
export function traceDepth(leaves: number): number {
  if (!Number.isSafeInteger(leaves) || leaves < 1) throw new RangeError(`a trace has at least one leaf, got ${leaves}`);
  let depth = 0;
  while (2 ** depth < leaves) depth++;
  return depth;
}

/**
 * A Merkle tree over 32-byte leaves, with the root and per-leaf proofs.
 * Building hashes every level once: O(leaves) hashes.
 */
export class TraceTree {
  /** levels[0] are the leaf hashes, levels[depth] = [root]; each level padded to even length with EMPTY. */
  private readonly levels: Hash[][];

  /** Throws RangeError when `leaves` is empty or a leaf is not 32 bytes. */
  constructor(readonly leaves: readonly Uint8Array[]) {
    const depth = traceDepth(leaves.length);
    for (const leaf of leaves) {
      if (leaf.length !== 32) throw new RangeError(`trace leaves are 32-byte roots, got ${leaf.length} bytes`);
    }
    let level = leaves.map(traceLeafHash);
    this.levels = [level];
    for (let height = 0; height < depth; height++) {
      const next: Hash[] = [];
      for (let i = 0; i < level.length; i += 2) next.push(traceNodeHash(level[i]!, level[i + 1] ?? EMPTY));
      level = next;
      this.levels.push(level);
    }
  }

  /** The commitment: the root hash (32 bytes). */
  get root(): Hash {
    return this.levels[this.levels.length - 1]![0]!;
  }

  /** The sibling hashes of leaf `index`, leaf level first (depth of them). Throws RangeError out of range. */
  proof(index: number): Hash[] {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.leaves.length) {
      throw new RangeError(`leaf ${index} out of 0..${this.leaves.length - 1}`);
    }
    const siblings: Hash[] = [];
    let position = index;
    for (let height = 0; height < this.levels.length - 1; height++) {
      siblings.push(this.levels[height]![position ^ 1] ?? EMPTY);
      position >>= 1;
    }
    return siblings;
  }
}

/** True when `leaf` is leaf `index` of a `leaves`-leaf tree with root `root`, by `siblings` (as the program checks). */
export function verifyTraceProof(root: Uint8Array, leaves: number, index: number, leaf: Uint8Array, siblings: readonly Uint8Array[]): boolean {
  if (index < 0 || index >= leaves || siblings.length !== traceDepth(leaves)) return false;
  let node = traceLeafHash(leaf);
  siblings.forEach((sibling, level) => {
    node = ((index >> level) & 1) === 0 ? traceNodeHash(node, sibling) : traceNodeHash(sibling, node);
  });
  return bytesEqual(node, root);
}
