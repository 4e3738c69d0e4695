/*
 * Sparse Merkle tree and binary Merkle proofs on chain: see smt.h for the
 * formats, the algorithms and every function's contract.
 *
 * Unity build: included by the files that use it; guarded so several may.
 */
#ifndef ASSET_ROLLUP_SMT_C
#define ASSET_ROLLUP_SMT_C

#include "smt.h"

/* One input slice of the sha256 syscall (agave `SyscallHash`: an array of (address, length)). */
typedef struct {
  const uint8_t *addr;
  uint64_t len;
} SmtSlice;

extern uint64_t sol_sha256(const SmtSlice *slices, uint64_t count, uint8_t *result);

#define SMT_LEAF_DOMAIN 0x00u
#define SMT_INTERNAL_DOMAIN 0x01u

#define SMT_TAG_EMPTY 0x00u
#define SMT_TAG_INTERNAL 0x01u
#define SMT_TAG_OPAQUE 0x02u
#define SMT_TAG_LEAF 0x03u

static void smt_arena_init(SmtArena *arena) {
  arena->next = (uint8_t *)SMT_HEAP_START;
  arena->end = (uint8_t *)(SMT_HEAP_START + SMT_HEAP_BYTES);
}

static void *smt_alloc(SmtArena *arena, uint64_t size) {
  uint64_t rounded = (size + 7u) & ~(uint64_t)7u;
  if (rounded < size || rounded > (uint64_t)(arena->end - arena->next)) {
    return NULL;
  }
  uint8_t *block = arena->next;
  arena->next += rounded;
  sol_memset_(block, 0, rounded);
  return block;
}

static void smt_sha256(const uint8_t *data, uint64_t len, uint8_t *out) {
  SmtSlice slice = {data, len};
  sol_sha256(&slice, 1, out);
}

/* sha256(domain || a[32] || b[32]) in one syscall with three slices (nothing copied). */
static void smt_hash_pair(uint8_t domain, const uint8_t *a, const uint8_t *b, uint8_t *out) {
  uint8_t prefix = domain;
  SmtSlice slices[3] = {{&prefix, 1}, {a, SMT_HASH_BYTES}, {b, SMT_HASH_BYTES}};
  sol_sha256(slices, 3, out);
}

static void smt_leaf_hash(const uint8_t *path, const uint8_t *value_hash, uint8_t *out) {
  smt_hash_pair(SMT_LEAF_DOMAIN, path, value_hash, out);
}

static void smt_internal_hash(const uint8_t *left, const uint8_t *right, uint8_t *out) {
  /* The syscall reads every slice before writing the digest, so out may alias. */
  smt_hash_pair(SMT_INTERNAL_DOMAIN, left, right, out);
}

static uint64_t smt_bit(const uint8_t *path, uint64_t index) {
  return (uint64_t)((path[index >> 3] >> (7u - (index & 7u))) & 1u);
}

static void smt_copy32(uint8_t *target, const uint8_t *source) {
  for (uint64_t index = 0; index < SMT_HASH_BYTES; index++) {
    target[index] = source[index];
  }
}

static bool smt_equal32(const uint8_t *a, const uint8_t *b) {
  uint8_t difference = 0;
  for (uint64_t index = 0; index < SMT_HASH_BYTES; index++) {
    difference |= (uint8_t)(a[index] ^ b[index]);
  }
  return difference == 0;
}

static bool smt_is_zero32(const uint8_t *a) {
  uint8_t any = 0;
  for (uint64_t index = 0; index < SMT_HASH_BYTES; index++) {
    any |= a[index];
  }
  return any == 0;
}

/* -1, 0 or 1 as a is below, equal to or above b in byte (= bit) order. */
static int smt_compare32(const uint8_t *a, const uint8_t *b) {
  for (uint64_t index = 0; index < SMT_HASH_BYTES; index++) {
    if (a[index] != b[index]) {
      return a[index] < b[index] ? -1 : 1;
    }
  }
  return 0;
}

/* Number of leading bits a and b share (0..256). */
static uint64_t smt_common_prefix(const uint8_t *a, const uint8_t *b) {
  for (uint64_t index = 0; index < SMT_HASH_BYTES; index++) {
    uint8_t difference = (uint8_t)(a[index] ^ b[index]);
    if (difference != 0) {
      uint64_t bits = index * 8u;
      while ((difference & 0x80u) == 0) {
        difference = (uint8_t)(difference << 1);
        bits++;
      }
      return bits;
    }
  }
  return SMT_PATH_BITS;
}

static uint64_t smt_verify(const uint8_t *root, const uint8_t *path, const uint8_t *value_hash,
                           const SmtProof *proof) {
  if (proof->sibling_count > SMT_PATH_BITS) {
    return SMT_ERR_MALFORMED;
  }
  if ((proof->leaf_path == NULL) != (proof->leaf_value_hash == NULL)) {
    return SMT_ERR_MALFORMED;
  }
  uint8_t current[32];
  if (value_hash != NULL) {
    if (proof->leaf_path == NULL || !smt_equal32(proof->leaf_path, path) ||
        !smt_equal32(proof->leaf_value_hash, value_hash)) {
      return SMT_ERR_ROOT_MISMATCH;
    }
    smt_leaf_hash(path, value_hash, current);
  } else if (proof->leaf_path == NULL) {
    sol_memset_(current, 0, SMT_HASH_BYTES);
  } else {
    /* Another key's leaf owning the subtree the key would live in. */
    uint64_t shared = smt_common_prefix(proof->leaf_path, path);
    if (shared == SMT_PATH_BITS || shared < proof->sibling_count) {
      return SMT_ERR_ROOT_MISMATCH;
    }
    smt_leaf_hash(proof->leaf_path, proof->leaf_value_hash, current);
  }
  for (uint64_t depth = proof->sibling_count; depth > 0; depth--) {
    const uint8_t *sibling = proof->siblings + (depth - 1) * SMT_HASH_BYTES;
    if (smt_bit(path, depth - 1) == 0) {
      smt_internal_hash(current, sibling, current);
    } else {
      smt_internal_hash(sibling, current, current);
    }
  }
  return smt_equal32(current, root) ? SMT_OK : SMT_ERR_ROOT_MISMATCH;
}

/* One subtree on the stack of smt_fold. */
typedef struct {
  uint8_t hash[32];
  const uint8_t *path; /* a path inside the subtree's region (the first item's) */
  SmtItem *item;       /* the item it is, or NULL once merged */
  int64_t depth;       /* depth of the node `hash` is the hash of (256 for a leaf: it floats) */
  int64_t split_right; /* depth of the split from the next subtree on the stack */
  uint64_t kind;       /* SMT_ITEM_* (merged subtrees are SMT_ITEM_SUBTREE) */
} SmtFoldEntry;

/*
 * Moves `entry` up to be the node at `target` (< its depth): a leaf floats
 * (its hash is the same at any depth); a subtree gets one parent per level
 * with an empty sibling. An OPAQUE item of unknown kind: before writes
 * (`after_writes` false) this shows it holds two leaves or more (a canonical
 * tree has one-child nodes only above such subtrees), which is recorded in
 * its item; after writes it is SMT_ERR_NEEDS_OPENING.
 */
static uint64_t smt_lift(SmtFoldEntry *entry, int64_t target, bool after_writes) {
  if (entry->kind == SMT_ITEM_LEAF || entry->depth <= target) {
    return SMT_OK;
  }
  if (entry->kind == SMT_ITEM_OPAQUE) {
    if (after_writes) {
      return SMT_ERR_NEEDS_OPENING;
    }
    entry->item->kind = SMT_ITEM_SUBTREE;
    entry->kind = SMT_ITEM_SUBTREE;
  }
  uint8_t zero[32];
  sol_memset_(zero, 0, SMT_HASH_BYTES);
  for (int64_t depth = entry->depth - 1; depth >= target; depth--) {
    if (smt_bit(entry->path, (uint64_t)depth) == 0) {
      smt_internal_hash(entry->hash, zero, entry->hash);
    } else {
      smt_internal_hash(zero, entry->hash, entry->hash);
    }
  }
  entry->depth = target;
  return SMT_OK;
}

/*
 * root_out[32] = the root of the canonical tree over `items[0..count)`, which
 * must be in path order with disjoint regions (SMT_ERR_ORDER otherwise).
 * Iterative (a stack of subtrees): adjacent items split at the length of
 * their common prefix, and a subtree is merged with its right neighbour once
 * the next split is shallower than theirs.
 */
static uint64_t smt_fold(SmtItem *items, uint64_t count, SmtArena *arena, bool after_writes,
                         uint8_t *root_out) {
  if (count == 0) {
    sol_memset_(root_out, 0, SMT_HASH_BYTES);
    return SMT_OK;
  }
  SmtArena scratch = *arena; /* the stack is freed on return */
  SmtFoldEntry *stack = (SmtFoldEntry *)smt_alloc(&scratch, count * sizeof(SmtFoldEntry));
  if (stack == NULL) {
    return SMT_ERR_OUT_OF_MEMORY;
  }
  uint64_t size = 0;
  for (uint64_t index = 0; index < count; index++) {
    SmtItem *item = &items[index];
    SmtFoldEntry *pushed = &stack[size++];
    smt_copy32(pushed->hash, item->hash);
    pushed->path = item->path;
    pushed->item = item;
    pushed->depth = (int64_t)item->depth;
    pushed->kind = item->kind;
    int64_t next_split = -1;
    if (index + 1 < count) {
      SmtItem *next = &items[index + 1];
      uint64_t shared = smt_common_prefix(item->path, next->path);
      if (shared >= item->depth || shared >= next->depth || smt_bit(item->path, shared) != 0) {
        return SMT_ERR_ORDER;
      }
      next_split = (int64_t)shared;
    }
    while (size >= 2 && stack[size - 2].split_right > next_split) {
      SmtFoldEntry *left = &stack[size - 2];
      SmtFoldEntry *right = &stack[size - 1];
      int64_t split = left->split_right;
      uint64_t result = smt_lift(left, split + 1, after_writes);
      if (result == SMT_OK) {
        result = smt_lift(right, split + 1, after_writes);
      }
      if (result != SMT_OK) {
        return result;
      }
      smt_internal_hash(left->hash, right->hash, left->hash);
      left->depth = split;
      left->kind = SMT_ITEM_SUBTREE;
      left->item = NULL;
      size--;
    }
    stack[size - 1].split_right = next_split;
  }
  uint64_t result = smt_lift(&stack[0], 0, after_writes);
  if (result != SMT_OK) {
    return result;
  }
  smt_copy32(root_out, stack[0].hash);
  return SMT_OK;
}

static void smt_set_bit(uint8_t *path, uint64_t index, bool value) {
  uint8_t mask = (uint8_t)(0x80u >> (index & 7u));
  if (value) {
    path[index >> 3] |= mask;
  } else {
    path[index >> 3] &= (uint8_t)~mask;
  }
}

static uint64_t smt_multiproof_open(SmtArena *arena, const uint8_t *root, const uint8_t *bytes,
                                    uint64_t len, SmtMultiproof *out) {
  /* Every item takes 33 bytes of proof or more. */
  uint64_t capacity = len / 33u + 1u;
  SmtItem *items = (SmtItem *)smt_alloc(arena, capacity * sizeof(SmtItem));
  if (items == NULL) {
    return SMT_ERR_OUT_OF_MEMORY;
  }
  uint8_t position[32];
  sol_memset_(position, 0, SMT_HASH_BYTES);
  uint64_t depth = 0;
  uint64_t offset = 0;
  uint64_t count = 0;
  for (;;) {
    if (offset >= len) {
      return SMT_ERR_MALFORMED;
    }
    uint8_t tag = bytes[offset++];
    if (tag == SMT_TAG_INTERNAL) {
      if (depth >= SMT_PATH_BITS) {
        return SMT_ERR_MALFORMED;
      }
      depth++; /* into the left child: its bit is already 0 */
      continue;
    }
    if (tag == SMT_TAG_OPAQUE) {
      if (len - offset < SMT_HASH_BYTES) {
        return SMT_ERR_MALFORMED;
      }
      if (!smt_is_zero32(bytes + offset)) {
        uint8_t *prefix = (uint8_t *)smt_alloc(arena, SMT_HASH_BYTES);
        if (prefix == NULL) {
          return SMT_ERR_OUT_OF_MEMORY;
        }
        smt_copy32(prefix, position);
        SmtItem *item = &items[count++];
        item->path = prefix;
        item->value_hash = NULL;
        smt_copy32(item->hash, bytes + offset);
        item->depth = (uint16_t)depth;
        item->kind = SMT_ITEM_OPAQUE;
      }
      offset += SMT_HASH_BYTES;
    } else if (tag == SMT_TAG_LEAF) {
      if (len - offset < 2u * SMT_HASH_BYTES) {
        return SMT_ERR_MALFORMED;
      }
      SmtItem *item = &items[count++];
      item->path = bytes + offset;
      item->value_hash = bytes + offset + SMT_HASH_BYTES;
      smt_leaf_hash(item->path, item->value_hash, item->hash);
      item->depth = (uint16_t)SMT_PATH_BITS;
      item->kind = SMT_ITEM_LEAF;
      offset += 2u * SMT_HASH_BYTES;
    } else if (tag != SMT_TAG_EMPTY) {
      return SMT_ERR_MALFORMED;
    }
    /* A node is complete: climb past the right children, then go to the next right sibling. */
    while (depth > 0 && smt_bit(position, depth - 1) == 1) {
      smt_set_bit(position, depth - 1, false);
      depth--;
    }
    if (depth == 0) {
      break;
    }
    smt_set_bit(position, depth - 1, true);
  }
  if (offset != len) {
    return SMT_ERR_MALFORMED;
  }
  uint8_t computed[32];
  uint64_t result = smt_fold(items, count, arena, false, computed);
  if (result != SMT_OK) {
    return result;
  }
  if (!smt_equal32(computed, root)) {
    return SMT_ERR_ROOT_MISMATCH;
  }
  out->items = items;
  out->count = count;
  return SMT_OK;
}

/* Index of the last item whose path is <= `path`, or `count` when there is none. */
static uint64_t smt_find(const SmtMultiproof *proof, const uint8_t *path) {
  uint64_t low = 0;
  uint64_t high = proof->count; /* answer in [low - 1, high - 1] */
  while (low < high) {
    uint64_t middle = low + (high - low) / 2u;
    if (smt_compare32(proof->items[middle].path, path) <= 0) {
      low = middle + 1u;
    } else {
      high = middle;
    }
  }
  return low == 0 ? proof->count : low - 1u;
}

static uint64_t smt_multiproof_get(const SmtMultiproof *proof, const uint8_t *path, bool *present,
                                   uint8_t *value_hash_out) {
  *present = false;
  uint64_t index = smt_find(proof, path);
  if (index == proof->count) {
    return SMT_OK;
  }
  const SmtItem *item = &proof->items[index];
  if (item->kind == SMT_ITEM_LEAF) {
    if (smt_equal32(item->path, path)) {
      *present = true;
      smt_copy32(value_hash_out, item->value_hash);
    }
    return SMT_OK;
  }
  return smt_common_prefix(item->path, path) >= item->depth ? SMT_ERR_NOT_COVERED : SMT_OK;
}

static uint64_t smt_multiproof_root_after(const SmtMultiproof *proof, SmtArena *arena,
                                          SmtWrite *writes, uint64_t count, uint8_t *root_out) {
  /* Insertion sort by path (a transaction writes a handful of keys). */
  for (uint64_t index = 1; index < count; index++) {
    SmtWrite moving = writes[index];
    uint64_t slot = index;
    while (slot > 0 && smt_compare32(writes[slot - 1].path, moving.path) > 0) {
      writes[slot] = writes[slot - 1];
      slot--;
    }
    writes[slot] = moving;
  }
  for (uint64_t index = 0; index < count; index++) {
    if (index > 0 && smt_equal32(writes[index - 1].path, writes[index].path)) {
      return SMT_ERR_ORDER;
    }
    bool present = false;
    uint8_t ignored[32];
    uint64_t result = smt_multiproof_get(proof, writes[index].path, &present, ignored);
    if (result != SMT_OK) {
      return result;
    }
  }
  SmtArena scratch = *arena;
  SmtItem *after = (SmtItem *)smt_alloc(&scratch, (proof->count + count) * sizeof(SmtItem));
  if (after == NULL) {
    return SMT_ERR_OUT_OF_MEMORY;
  }
  uint64_t size = 0;
  uint64_t next_item = 0;
  uint64_t next_write = 0;
  while (next_item < proof->count || next_write < count) {
    int order = 1;
    if (next_item == proof->count) {
      order = 1;
    } else if (next_write == count) {
      order = -1;
    } else {
      order = smt_compare32(proof->items[next_item].path, writes[next_write].path);
    }
    if (order < 0) {
      after[size++] = proof->items[next_item++];
      continue;
    }
    /* order == 0: the write replaces (or deletes) that leaf; the key was covered, so it is a leaf. */
    if (order == 0) {
      next_item++;
    }
    SmtWrite *write = &writes[next_write++];
    if (write->present) {
      SmtItem *leaf = &after[size++];
      leaf->path = write->path;
      leaf->value_hash = write->value_hash;
      smt_leaf_hash(write->path, write->value_hash, leaf->hash);
      leaf->depth = (uint16_t)SMT_PATH_BITS;
      leaf->kind = SMT_ITEM_LEAF;
    }
  }
  return smt_fold(after, size, &scratch, true, root_out);
}

static void merkle_leaf_hash(const uint8_t *data, uint64_t len, uint8_t *out) {
  uint8_t prefix = SMT_LEAF_DOMAIN;
  SmtSlice slices[2] = {{&prefix, 1}, {data, len}};
  sol_sha256(slices, 2, out);
}

static bool merkle_verify(const uint8_t *root, const uint8_t *leaf_hash, uint64_t index,
                          const uint8_t *siblings, uint64_t n) {
  if (n > 32u || (index >> n) != 0) {
    return false;
  }
  uint8_t current[32];
  smt_copy32(current, leaf_hash);
  for (uint64_t level = 0; level < n; level++) {
    const uint8_t *sibling = siblings + level * SMT_HASH_BYTES;
    if (((index >> level) & 1u) == 0) {
      smt_internal_hash(current, sibling, current);
    } else {
      smt_internal_hash(sibling, current, current);
    }
  }
  return smt_equal32(current, root);
}

#endif
