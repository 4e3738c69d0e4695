/**
 * The binary Merkle tree of a batch's transactions (its data commitment),
 * the TypeScript side of `merkle_leaf_hash` / `merkle_verify` in
 * `programs/asset_rollup/src/smt.h`:
 *
 * - `leaf = sha256(0x00 || tx bytes)`, `node = sha256(0x01 || left || right)`
 *   (the domain bytes of RFC 6962 section 2.1, so a leaf never passes for a node);
 * - the leaves are padded with 32-zero-byte hashes up to a power of two (one
 *   leaf: the root is that leaf), and an empty batch has the zero root;
 * - a proof of leaf `index` is its `depth = log2(padded size)` sibling hashes,
 *   leaf side first; at level i the node is a left child when bit i of `index` is 0.
 */
import { bytesEqual, sha256, type Hash } from "./hash.js";

const HASH_BYTES = 32;
/** The deepest tree (2^32 leaves), as `merkle_verify` allows. */
const DEPTH_MAX = 32;

/** `sha256(0x00 || data)`: the leaf of one transaction. */
export function batchLeafHash(data: Uint8Array): Hash {
  const preimage = new Uint8Array(1 + data.length);
  preimage.set(data, 1);
  return sha256(preimage);
}

function nodeHash(left: Uint8Array, right: Uint8Array): Hash {
  const preimage = new Uint8Array(1 + 2 * HASH_BYTES);
  preimage[0] = 0x01;
  preimage.set(left, 1);
  preimage.set(right, 1 + HASH_BYTES);
  return sha256(preimage);
}

/** The levels of the tree over `txs`, leaves first, each padded to even length (the root level has one hash). */
function levels(txs: readonly Uint8Array[]): Hash[][] {
  let size = 1;
  while (size < txs.length) size *= 2;
  let level: Hash[] = txs.map(batchLeafHash);
  while (level.length < size) level.push(new Uint8Array(HASH_BYTES));
  const out = [level];
  while (level.length > 1) {
    const next: Hash[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
    out.push(next);
    level = next;
  }
  return out;
}

/** The data root of a batch's encoded transactions (32 bytes; 32 zero bytes for none). */
export function batchDataRoot(txs: readonly Uint8Array[]): Hash {
  if (txs.length === 0) return new Uint8Array(HASH_BYTES);
  return levels(txs).at(-1)![0]!;
}

/**
 * The sibling hashes proving transaction `index` of `txs`, leaf side first.
 * @throws RangeError when `index` is not an index of `txs`
 */
export function batchDataProof(txs: readonly Uint8Array[], index: number): Hash[] {
  if (!Number.isInteger(index) || index < 0 || index >= txs.length) throw new RangeError(`batchDataProof: index ${index} not in 0..${txs.length - 1}`);
  const all = levels(txs);
  const siblings: Hash[] = [];
  let position = index;
  for (let depth = 0; depth < all.length - 1; depth++) {
    siblings.push(all[depth]![position ^ 1]!);
    position >>>= 1;
  }
  return siblings;
}

/** True iff `siblings` prove `leafHash` is leaf `index` under `root` (as `merkle_verify` in smt.h decides). */
export function verifyBatchDataProof(root: Hash, leafHash: Hash, index: number, siblings: readonly Hash[]): boolean {
  if (siblings.length > DEPTH_MAX || !Number.isInteger(index) || index < 0 || index >= 2 ** siblings.length) return false;
  let current = leafHash;
  for (let level = 0; level < siblings.length; level++) {
    current = Math.floor(index / 2 ** level) % 2 === 0 ? nodeHash(current, siblings[level]!) : nodeHash(siblings[level]!, current);
  }
  return bytesEqual(current, root);
}
