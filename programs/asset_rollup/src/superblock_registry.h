/*
 * The superblock registry (issue 17, item 4): the L1 record of the
 * superblocks the shared publisher (SP) of SBCP v1 builds, after the
 * settlement contract of compose-network/specs `settlement_layer.md`
 * (rule 1: number = previous + 1; rule 2: parent hash = hash of the previous)
 * and the reference SP's superblock (compose-network/publisher
 * `x/superblock/coordinator.go`): MerkleRoot over the L2 blocks, leaves
 * keccak256(chainID BE4 || blockHash || blockNumber BE8) sorted by chain id,
 * pairs keccak256(left || right), an odd level duplicating its last node;
 * Hash = keccak256(Number BE8 || Slot BE8 || ParentHash || MerkleRoot).
 * The program recomputes both, so a superblock whose hash does not commit to
 * its blocks is refused.
 *
 * Accounts (program-derived, Borsh, fixed size, no padding):
 *   SuperblockConfig ["superblock-config"]          publisher, last number, last hash, bump
 *   SuperblockPage   ["superblocks", page u64 LE]   SUPERBLOCKS_PER_PAGE entries; superblock n in page (n-1)/16
 *
 * Included by program.c (unity build).
 */
#ifndef ASSET_ROLLUP_SUPERBLOCK_REGISTRY_H
#define ASSET_ROLLUP_SUPERBLOCK_REGISTRY_H

/* Error codes 6400..6419 (this registry's block). */
#define ERROR_SUPERBLOCK_NUMBER_NOT_NEXT 6400u
#define ERROR_SUPERBLOCK_PARENT_MISMATCH 6401u
#define ERROR_SUPERBLOCK_HASH_MISMATCH 6402u
#define ERROR_SUPERBLOCK_BLOCKS_INVALID 6403u
#define ERROR_NOT_SUPERBLOCK_PUBLISHER 6404u

/* sha256("account:<Name>")[..8] as little-endian u64. */
#define SUPERBLOCK_CONFIG_DISCRIMINATOR 0xdb0844b59aabad17ull
#define SUPERBLOCK_PAGE_DISCRIMINATOR 0x9c152e75fc05c3c3ull

/* SuperblockConfig. */
#define SB_CONFIG_OFFSET_PUBLISHER 8u    /* pubkey: the only signer of publish_superblock */
#define SB_CONFIG_OFFSET_LAST_NUMBER 40u /* u64: the last superblock registered (0: none) */
#define SB_CONFIG_OFFSET_LAST_HASH 48u   /* [u8; 32]: its hash (32 zero bytes, GENESIS_HASH, before the first) */
#define SB_CONFIG_OFFSET_BUMP 80u
#define SUPERBLOCK_CONFIG_SIZE 81u

/* At most this many L2 blocks (rollups) in one superblock. */
#define SUPERBLOCK_BLOCKS_MAX 8u
/* L2BlockRoot { chain_id u32, block_number u64, block_hash [u8; 32] }. */
#define L2_BLOCK_ROOT_SIZE 44u

/* SuperblockEntry { number u64, slot u64, parent_hash, hash, merkle_root, l1_slot u64,
 * block_count u8, blocks [L2BlockRoot; 8] } (unused blocks zero). */
#define SB_ENTRY_OFFSET_NUMBER 0u
#define SB_ENTRY_OFFSET_SLOT 8u
#define SB_ENTRY_OFFSET_PARENT_HASH 16u
#define SB_ENTRY_OFFSET_HASH 48u
#define SB_ENTRY_OFFSET_MERKLE_ROOT 80u
#define SB_ENTRY_OFFSET_L1_SLOT 112u
#define SB_ENTRY_OFFSET_BLOCK_COUNT 120u
#define SB_ENTRY_OFFSET_BLOCKS 121u
#define SB_ENTRY_SIZE (SB_ENTRY_OFFSET_BLOCKS + SUPERBLOCK_BLOCKS_MAX * L2_BLOCK_ROOT_SIZE) /* 473 */

/* SuperblockPage: discriminator, page u64, count u32, bump u8, entries. */
#define SUPERBLOCKS_PER_PAGE 16u
#define SB_PAGE_OFFSET_PAGE 8u
#define SB_PAGE_OFFSET_COUNT 16u
#define SB_PAGE_OFFSET_BUMP 20u
#define SB_PAGE_OFFSET_ENTRIES 21u
#define SUPERBLOCK_PAGE_SIZE (SB_PAGE_OFFSET_ENTRIES + SUPERBLOCKS_PER_PAGE * SB_ENTRY_SIZE) /* 7589 */

/* initialize_superblock_registry(publisher: Pubkey) */
#define INITIALIZE_SUPERBLOCK_REGISTRY_ARGS_SIZE 32u
/* publish_superblock(number u64, slot u64, parent_hash [u8; 32], hash [u8; 32], blocks Vec<L2BlockRoot>):
 * the fixed part including the u32 count; the blocks follow. */
#define PUBLISH_SUPERBLOCK_FIXED_ARGS_SIZE 84u

#endif
