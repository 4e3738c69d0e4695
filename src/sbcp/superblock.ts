/**
 * Superblocks as the reference shared publisher builds them
 * (compose-network/publisher `x/superblock/coordinator.go`, commit 0bebcc2c):
 * MerkleRoot over the slot's L2 blocks, leaves
 * `keccak256(chainID || blockHash || blockNumber as 8 bytes BE)` sorted by
 * chain id bytes, pairs hashed `keccak256(left || right)`, an odd level
 * duplicating its last node, no blocks giving 32 zero bytes; and
 * `Hash = keccak256(Number BE8 || Slot BE8 || ParentHash || MerkleRoot)`.
 * Chain ids are hashed as the 4-byte big-endian form the wire uses.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { concatBytes, u64 } from "../crypto/hash.js";
import type { ChainId } from "./messages.js";
import { chainIdBytes } from "./wire/fields.js";

/** An L2 block as a superblock lists it. */
export interface SuperblockEntry {
  readonly ChainID: ChainId;
  readonly BlockNumber: number;
  readonly BlockHash: Uint8Array;
  readonly ParentBlockHash: Uint8Array;
}

/** A superblock the SP built. */
export interface Superblock {
  readonly Number: number;
  readonly Slot: number;
  readonly ParentHash: Uint8Array;
  readonly MerkleRoot: Uint8Array;
  readonly Hash: Uint8Array;
  /** Its L2 blocks, ascending by chain id. */
  readonly L2Blocks: readonly SuperblockEntry[];
  /** The xTids decided true in its slot that it includes, in decision order. */
  readonly IncludedXTs: readonly Uint8Array[];
  /** Whether some active chain's block is missing (a partial superblock). */
  readonly partial: boolean;
}

/** The hash every chain's and the network's genesis point to: 32 zero bytes. */
export const GENESIS_HASH = new Uint8Array(32);

/** The Merkle root of `blocks` (any order; sorted here by chain id). */
export function superblockMerkleRoot(blocks: readonly SuperblockEntry[]): Uint8Array {
  if (blocks.length === 0) return new Uint8Array(32);
  let level: Uint8Array[] = [...blocks].sort((a, b) => a.ChainID - b.ChainID).map((b) => keccak_256(concatBytes(chainIdBytes(b.ChainID), b.BlockHash, u64(b.BlockNumber))));
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(keccak_256(concatBytes(level[i]!, level[i + 1] ?? level[i]!)));
    level = next;
  }
  return level[0]!;
}

/** Builds superblock `number` of `slot` on `parentHash` with `blocks` and `includedXTs`. */
export function buildSuperblock(number: number, slot: number, parentHash: Uint8Array, blocks: readonly SuperblockEntry[], includedXTs: readonly Uint8Array[], partial: boolean): Superblock {
  const merkleRoot = superblockMerkleRoot(blocks);
  const hash = keccak_256(concatBytes(u64(number), u64(slot), parentHash, merkleRoot));
  return { Number: number, Slot: slot, ParentHash: parentHash, MerkleRoot: merkleRoot, Hash: hash, L2Blocks: [...blocks].sort((a, b) => a.ChainID - b.ChainID), IncludedXTs: includedXTs, partial };
}
