/*
 * Sparse Merkle tree proofs of the rollup's state (src/crypto/sparse-merkle.ts)
 * and binary Merkle inclusion proofs of a batch's transactions
 * (src/crypto/binary-merkle.ts), checked on chain.
 *
 * The tree (see sparse-merkle.ts for the full statement): 256-bit paths
 * `path = sha256(key)`, bit 0 the most significant bit of byte 0 (0 = left);
 * `leaf = sha256(0x00 || path || valueHash)` with `valueHash = sha256(value)`;
 * `internal = sha256(0x01 || left || right)`; the empty subtree hashes to 32
 * zero bytes; a subtree holding one leaf is that leaf (leaf compaction: a
 * leaf sits at the shortest prefix of its path no other key shares, and its
 * hash does not depend on its depth); a subtree holding two leaves or more is
 * an internal node, kept even when one child is empty. The tree's shape, and
 * so its root, is a function of the key set alone.
 *
 * Three things are offered:
 *
 * 1. smt_verify: one inclusion or exclusion proof in the TypeScript
 *    `MerkleProof` shape (siblings from the root down, plus the leaf found at
 *    the terminal position), as `verifyProof` of sparse-merkle.ts checks it.
 *
 * 2. Multiproofs (smt_multiproof_open / _get / _root_after): one proof for a
 *    set of keys against a root, that also recomputes the root after writing
 *    and deleting any of those keys (with compaction). The proof is the part
 *    of the tree the keys' paths touch, in pre-order (root first, left before
 *    right), each node one tag byte:
 *
 *      0x00 EMPTY                      an empty subtree
 *      0x01 INTERNAL                   followed by its left, then its right subtree
 *      0x02 OPAQUE   hash[32]          a subtree given by its hash only
 *      0x03 LEAF     path[32] vh[32]   a one-leaf subtree: the leaf's path and value hash
 *
 *    The root node is at depth 0; the node at depth d covers the paths whose
 *    first d bits are its position. The proof must end exactly after the root
 *    node. `SparseMerkleTree.multiproof` (sparse-merkle.ts) writes it.
 *
 *    How it is checked: the proof is read into a list of items (every OPAQUE
 *    subtree with its position, every LEAF), and the canonical tree over those
 *    items is hashed: the items must be in path order with disjoint regions,
 *    and the hash must equal the root. A key is covered when its path is in no
 *    OPAQUE region; it is then present iff a LEAF item has its path. The root
 *    after writes is the canonical tree over the items with the writes
 *    applied: an OPAQUE subtree whose neighbours all vanish must move up if it
 *    is a single leaf, which its hash does not tell, so a proof must open such
 *    a subtree (as a LEAF, or as an INTERNAL node over two OPAQUE children);
 *    an OPAQUE subtree that sat below a node with an empty child in the proof
 *    itself is known to hold two leaves or more and needs no opening.
 *    Security rests on sha256's collision resistance and the domain bytes, as
 *    for single proofs; the pre-state root must be a canonical tree (a root
 *    the tree code produced).
 *
 * 3. merkle_verify: inclusion of a leaf in a binary Merkle tree of a batch's
 *    transactions: `leaf = sha256(0x00 || tx bytes)`, node
 *    `sha256(0x01 || left || right)`, leaves padded with 32-zero-byte hashes up
 *    to a power of two (an empty batch has the zero root).
 *
 * Memory: multiproofs take their working memory from an SmtArena over the
 * program heap (32 KiB by default): about 56 bytes per item and per write,
 * plus 48 bytes per item while hashing. No mutable globals.
 *
 * Unity build: include "smt.c" (guarded, so several includers are fine).
 */
#ifndef ASSET_ROLLUP_SMT_H
#define ASSET_ROLLUP_SMT_H

#include "solana_abi.h"

#define SMT_HASH_BYTES 32u
/* Bits in a path: the most siblings a single proof holds, the deepest node. */
#define SMT_PATH_BITS 256u

/* Return codes of the functions below (0 is success). */
#define SMT_OK 0u
/* Bytes that do not parse: unknown tag, truncated, trailing bytes, too deep, more than 256 siblings. */
#define SMT_ERR_MALFORMED 1u
/* The proof is well formed but does not hash to the root (or a single proof does not show the claim). */
#define SMT_ERR_ROOT_MISMATCH 2u
/* A key asked about or written lies inside an OPAQUE subtree of the multiproof. */
#define SMT_ERR_NOT_COVERED 3u
/* The writes leave an OPAQUE subtree alone under its parent: the proof must open it (see above). */
#define SMT_ERR_NEEDS_OPENING 4u
/* The arena is exhausted. */
#define SMT_ERR_OUT_OF_MEMORY 5u
/* Items of a multiproof out of path order or overlapping, or the same path written twice. */
#define SMT_ERR_ORDER 6u

/* Start and default size of the program heap (the runtime's fixed address, SBPFv0). */
#define SMT_HEAP_START 0x300000000ull
#define SMT_HEAP_BYTES (32u * 1024u)

/*
 * A bump allocator over a memory region. Initialise one per instruction with
 * smt_arena_init (the whole heap) and pass it by pointer; memory is never
 * freed. Two arenas over the same heap must not be used at once.
 */
typedef struct {
  uint8_t *next;
  uint8_t *end;
} SmtArena;

/* Points `arena` at the program heap (SMT_HEAP_START, SMT_HEAP_BYTES). */
static void smt_arena_init(SmtArena *arena);

/* `size` bytes, 8-aligned and zeroed, or NULL when the arena is exhausted. */
static void *smt_alloc(SmtArena *arena, uint64_t size);

/* out[32] = sha256(data[0..len)). */
static void smt_sha256(const uint8_t *data, uint64_t len, uint8_t *out);

/* out[32] = sha256(0x00 || path[32] || value_hash[32]). */
static void smt_leaf_hash(const uint8_t *path, const uint8_t *value_hash, uint8_t *out);

/* out[32] = sha256(0x01 || left[32] || right[32]); `out` may alias an input. */
static void smt_internal_hash(const uint8_t *left, const uint8_t *right, uint8_t *out);

/* Bit `index` (0..255) of a 32-byte path, most significant bit of byte 0 first. */
static uint64_t smt_bit(const uint8_t *path, uint64_t index);

/*
 * One proof in the shape of sparse-merkle.ts `MerkleProof`:
 * `siblings` is `sibling_count` hashes of 32 bytes, root side first;
 * `leaf_path` and `leaf_value_hash` (32 bytes each) are the leaf at the
 * terminal position, or both NULL when that position is empty.
 */
typedef struct {
  const uint8_t *siblings;
  uint64_t sibling_count;
  const uint8_t *leaf_path;
  const uint8_t *leaf_value_hash;
} SmtProof;

/*
 * Checks `proof` shows that the key of path `path` (32 bytes, sha256 of the
 * key) maps to a value of hash `value_hash` (32 bytes) under `root`, or, with
 * `value_hash` NULL, that the key is absent. Same rules as `verifyProof`.
 * Returns SMT_OK, SMT_ERR_MALFORMED (more than 256 siblings, or only one of
 * leaf_path / leaf_value_hash given), or SMT_ERR_ROOT_MISMATCH (the proof does
 * not show the claim). Cost: one hash per sibling plus one for the leaf.
 */
static uint64_t smt_verify(const uint8_t *root, const uint8_t *path, const uint8_t *value_hash,
                           const SmtProof *proof);

/* One item of an opened multiproof (see the header comment). */
typedef struct {
  const uint8_t *path;       /* leaf: its path; OPAQUE: its position, bits past `depth` zero */
  const uint8_t *value_hash; /* leaf: its value hash; OPAQUE: NULL */
  uint8_t hash[32];          /* the leaf hash, or the OPAQUE subtree's hash */
  uint16_t depth;            /* OPAQUE: depth of its position (0..256); leaf: 256 */
  uint8_t kind;              /* SMT_ITEM_* */
  uint8_t padding[5];
} SmtItem;

#define SMT_ITEM_LEAF 1u
/* An OPAQUE subtree not known to hold two leaves or more. */
#define SMT_ITEM_OPAQUE 2u
/* An OPAQUE subtree known to hold two leaves or more (it sits below a one-child node). */
#define SMT_ITEM_SUBTREE 3u

/* An opened multiproof: its items in path order. Memory from the arena given to smt_multiproof_open. */
typedef struct {
  SmtItem *items;
  uint64_t count;
} SmtMultiproof;

/*
 * Parses the multiproof `bytes[0..len)` and checks it against `root`.
 * On SMT_OK, `out` holds the items (pointing into `bytes`, which must outlive it).
 * Errors: SMT_ERR_MALFORMED, SMT_ERR_ORDER (items out of order or
 * overlapping), SMT_ERR_ROOT_MISMATCH, SMT_ERR_OUT_OF_MEMORY.
 */
static uint64_t smt_multiproof_open(SmtArena *arena, const uint8_t *root, const uint8_t *bytes,
                                    uint64_t len, SmtMultiproof *out);

/*
 * What the opened multiproof says about the key of path `path` (32 bytes):
 * SMT_OK with *present = true and value_hash_out[32] filled when the key is
 * present; SMT_OK with *present = false when absent; SMT_ERR_NOT_COVERED when
 * its path is inside an OPAQUE subtree (the proof says nothing about it).
 * O(log items) comparisons, no hashing.
 */
static uint64_t smt_multiproof_get(const SmtMultiproof *proof, const uint8_t *path, bool *present,
                                   uint8_t *value_hash_out);

/* One write: the key's path and, when `present`, the new value's hash; `present` false deletes. */
typedef struct {
  uint8_t path[32];
  uint8_t value_hash[32];
  uint8_t present;
  uint8_t padding[7];
} SmtWrite;

/*
 * root_out[32] = the root after applying `writes[0..count)` (in any order; the
 * array is sorted in place) to the state the opened multiproof describes.
 * Writing a value a key already has, or deleting an absent key, changes nothing.
 * Errors: SMT_ERR_NOT_COVERED (a written path inside an OPAQUE subtree),
 * SMT_ERR_ORDER (a path written twice), SMT_ERR_NEEDS_OPENING,
 * SMT_ERR_OUT_OF_MEMORY. Cost: one hash per new leaf, about one per item, and
 * one per level of the one-child chains it rebuilds.
 */
static uint64_t smt_multiproof_root_after(const SmtMultiproof *proof, SmtArena *arena,
                                          SmtWrite *writes, uint64_t count, uint8_t *root_out);

/* out[32] = sha256(0x00 || data[0..len)): the leaf of one transaction in a batch's data tree. */
static void merkle_leaf_hash(const uint8_t *data, uint64_t len, uint8_t *out);

/*
 * True iff `leaf_hash` (32 bytes) is leaf number `index` of the binary Merkle
 * tree of root `root` whose `n` sibling hashes (32 bytes each, `siblings`,
 * leaf side first) are given: at level i the node is the left child when bit
 * i of `index` is 0. A tree of depth n holds 2^n leaves; n is at most 32, and
 * `index` must be below 2^n (false otherwise).
 */
static bool merkle_verify(const uint8_t *root, const uint8_t *leaf_hash, uint64_t index,
                          const uint8_t *siblings, uint64_t n);

#endif
