/**
 * A sparse Merkle tree: the authenticated key/value commitment behind the
 * rollup's state root.
 *
 * Construction: a binary sparse Merkle tree over 256-bit paths
 * `path = sha256(key)`, with leaf compaction as in Dahlberg, Pulls & Peeters,
 * "Efficient Sparse Merkle Trees" (NordSec 2016) and Diem's Jellyfish Merkle
 * Tree (Gao et al., "Jellyfish Merkle Tree", 2021):
 *
 * - an empty subtree hashes to 32 zero bytes;
 * - a subtree holding exactly one leaf is that leaf, placed at the subtree's
 *   root position (so a leaf sits at the shortest prefix of its path that no
 *   other key shares);
 * - a subtree holding two leaves or more is an internal node, kept even when
 *   one of its children is empty (there are no extension nodes), so the depth
 *   for n random keys is about log2(n) and at most 256;
 * - `leafHash = sha256(0x00 || path || valueHash)` with `valueHash = sha256(value)`,
 *   `internalHash = sha256(0x01 || left || right)`. The prefixes separate the
 *   two domains, so a leaf can never pass for an internal node or the reverse.
 *
 * The shape of the tree, and therefore the root, is a function of the key set
 * alone: the update below restores this canonical form after every change
 * (when a delete leaves a subtree with one leaf, that leaf moves up), whatever
 * the order or the batching of the updates.
 *
 * The tree is persistent: {@link SparseMerkleTree.update} copies the paths it
 * changes and shares everything else, so every old version stays valid.
 * It stores paths and value hashes, never keys or values.
 *
 * Memory: a node keeps its hash (and a leaf its path and value hash) as 32-bit
 * integer fields rather than as `Uint8Array`s, which in V8 cost about 240 bytes
 * each for 32 bytes of data. An internal node is one object of about 100 bytes
 * and a leaf one object of about 220 bytes; n random keys make about 1.44 n
 * internal nodes, so a tree takes about 360 bytes of heap per key (measured on
 * Node 20, x64: 345 MB for 10^6 keys; `bench/merkle.ts`).
 */
import { decodeWire, encodeWire, read } from "../net/codec.js";
import { type Hash, bytesEqual, sha256 } from "./hash.js";

const HASH_BYTES = 32;
/** Bits in a path, and so the most siblings a proof can hold. */
const PATH_BITS = 256;
const LEAF_DOMAIN = 0x00;
const INTERNAL_DOMAIN = 0x01;
/** The hash of an empty subtree. Never handed out: callers get copies. */
const EMPTY_HASH: Hash = new Uint8Array(HASH_BYTES);

/**
 * Scratch preimage of internal hashes, `0x01 || left || right`. Safe to reuse:
 * everything here is synchronous and sha256 copies its input.
 */
const internalScratch = new Uint8Array(1 + 2 * HASH_BYTES);
internalScratch[0] = INTERNAL_DOMAIN;
/** Scratch preimage of leaf hashes, `0x00 || path || valueHash`. */
const leafScratch = new Uint8Array(1 + 2 * HASH_BYTES);
leafScratch[0] = LEAF_DOMAIN;

/** Big-endian 32-bit word `index` of a 32-byte array, as a signed int32 (a V8 small integer on 64-bit). */
function wordAt(bytes: Uint8Array, index: number): number {
  const o = index * 4;
  return (bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!;
}

/** Writes `word` big-endian at `offset` (Uint8Array stores take the low 8 bits). */
function putWord(target: Uint8Array, offset: number, word: number): void {
  target[offset] = word >>> 24;
  target[offset + 1] = word >>> 16;
  target[offset + 2] = word >>> 8;
  target[offset + 3] = word;
}

/** Bit `depth` of `path`, most significant bit of byte 0 first: 0 goes left, 1 goes right. */
function bitAt(path: Uint8Array, depth: number): number {
  return (path[depth >>> 3]! >>> (7 - (depth & 7))) & 1;
}

/** Lexicographic order of two equal-length byte strings. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** A node with two children, at least one of them non-empty and the pair holding two leaves or more. */
class InternalNode {
  readonly h0: number;
  readonly h1: number;
  readonly h2: number;
  readonly h3: number;
  readonly h4: number;
  readonly h5: number;
  readonly h6: number;
  readonly h7: number;

  constructor(
    readonly left: TreeNode,
    readonly right: TreeNode,
  ) {
    writeNodeHash(left, internalScratch, 1);
    writeNodeHash(right, internalScratch, 1 + HASH_BYTES);
    const d = sha256(internalScratch);
    this.h0 = wordAt(d, 0);
    this.h1 = wordAt(d, 1);
    this.h2 = wordAt(d, 2);
    this.h3 = wordAt(d, 3);
    this.h4 = wordAt(d, 4);
    this.h5 = wordAt(d, 5);
    this.h6 = wordAt(d, 6);
    this.h7 = wordAt(d, 7);
  }
}

/** One key: its path, the hash of its value, and its leaf hash. */
class LeafNode {
  readonly h0: number;
  readonly h1: number;
  readonly h2: number;
  readonly h3: number;
  readonly h4: number;
  readonly h5: number;
  readonly h6: number;
  readonly h7: number;
  readonly p0: number;
  readonly p1: number;
  readonly p2: number;
  readonly p3: number;
  readonly p4: number;
  readonly p5: number;
  readonly p6: number;
  readonly p7: number;
  readonly v0: number;
  readonly v1: number;
  readonly v2: number;
  readonly v3: number;
  readonly v4: number;
  readonly v5: number;
  readonly v6: number;
  readonly v7: number;

  /** `path` and `valueHash` are 32 bytes each; they are copied, not kept. */
  constructor(path: Uint8Array, valueHash: Uint8Array) {
    this.p0 = wordAt(path, 0);
    this.p1 = wordAt(path, 1);
    this.p2 = wordAt(path, 2);
    this.p3 = wordAt(path, 3);
    this.p4 = wordAt(path, 4);
    this.p5 = wordAt(path, 5);
    this.p6 = wordAt(path, 6);
    this.p7 = wordAt(path, 7);
    this.v0 = wordAt(valueHash, 0);
    this.v1 = wordAt(valueHash, 1);
    this.v2 = wordAt(valueHash, 2);
    this.v3 = wordAt(valueHash, 3);
    this.v4 = wordAt(valueHash, 4);
    this.v5 = wordAt(valueHash, 5);
    this.v6 = wordAt(valueHash, 6);
    this.v7 = wordAt(valueHash, 7);
    const d = leafHash(path, valueHash);
    this.h0 = wordAt(d, 0);
    this.h1 = wordAt(d, 1);
    this.h2 = wordAt(d, 2);
    this.h3 = wordAt(d, 3);
    this.h4 = wordAt(d, 4);
    this.h5 = wordAt(d, 5);
    this.h6 = wordAt(d, 6);
    this.h7 = wordAt(d, 7);
  }

  /** A fresh copy of the path (32 bytes). */
  path(): Hash {
    const out = new Uint8Array(HASH_BYTES);
    putWord(out, 0, this.p0);
    putWord(out, 4, this.p1);
    putWord(out, 8, this.p2);
    putWord(out, 12, this.p3);
    putWord(out, 16, this.p4);
    putWord(out, 20, this.p5);
    putWord(out, 24, this.p6);
    putWord(out, 28, this.p7);
    return out;
  }

  /** A fresh copy of the value hash (32 bytes). */
  valueHash(): Hash {
    const out = new Uint8Array(HASH_BYTES);
    putWord(out, 0, this.v0);
    putWord(out, 4, this.v1);
    putWord(out, 8, this.v2);
    putWord(out, 12, this.v3);
    putWord(out, 16, this.v4);
    putWord(out, 20, this.v5);
    putWord(out, 24, this.v6);
    putWord(out, 28, this.v7);
    return out;
  }

  /** True iff this leaf's value hash is `valueHash` (32 bytes). */
  hasValueHash(valueHash: Uint8Array): boolean {
    return (
      this.v0 === wordAt(valueHash, 0) &&
      this.v1 === wordAt(valueHash, 1) &&
      this.v2 === wordAt(valueHash, 2) &&
      this.v3 === wordAt(valueHash, 3) &&
      this.v4 === wordAt(valueHash, 4) &&
      this.v5 === wordAt(valueHash, 5) &&
      this.v6 === wordAt(valueHash, 6) &&
      this.v7 === wordAt(valueHash, 7)
    );
  }
}

/** A subtree: `null` is the empty subtree. */
type TreeNode = InternalNode | LeafNode | null;

/** Writes the hash of `node` (32 zero bytes for the empty subtree) at `offset` of `target`. */
function writeNodeHash(node: TreeNode, target: Uint8Array, offset: number): void {
  if (node === null) {
    target.fill(0, offset, offset + HASH_BYTES);
    return;
  }
  putWord(target, offset, node.h0);
  putWord(target, offset + 4, node.h1);
  putWord(target, offset + 8, node.h2);
  putWord(target, offset + 12, node.h3);
  putWord(target, offset + 16, node.h4);
  putWord(target, offset + 20, node.h5);
  putWord(target, offset + 24, node.h6);
  putWord(target, offset + 28, node.h7);
}

/** A fresh copy of the hash of `node`. */
function nodeHash(node: TreeNode): Hash {
  const out = new Uint8Array(HASH_BYTES);
  writeNodeHash(node, out, 0);
  return out;
}

/** `sha256(0x00 || path || valueHash)`; both inputs are 32 bytes. */
function leafHash(path: Uint8Array, valueHash: Uint8Array): Hash {
  leafScratch.set(path, 1);
  leafScratch.set(valueHash, 1 + HASH_BYTES);
  return sha256(leafScratch);
}

/** `sha256(0x01 || left || right)`; both inputs are 32 bytes. */
function internalHash(left: Uint8Array, right: Uint8Array): Hash {
  internalScratch.set(left, 1);
  internalScratch.set(right, 1 + HASH_BYTES);
  return sha256(internalScratch);
}

/** One change of a batch, after hashing: `valueHash` undefined deletes. */
interface PathChange {
  readonly path: Hash;
  readonly valueHash: Hash | undefined;
}

/** Keys added minus keys removed by one `update` call. */
interface SizeDelta {
  value: number;
}

/**
 * First index in `[lo, hi)` whose path has bit `depth` set. The paths are
 * sorted and share their first `depth` bits, so the zeros come first.
 */
function splitIndex(paths: readonly Uint8Array[], lo: number, hi: number, depth: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bitAt(paths[mid]!, depth) === 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The canonical parent of two canonical subtrees: empty if both are, the
 * leaf itself if one is a leaf and the other empty (compaction), `node` when
 * neither child changed (sharing), a new internal node otherwise.
 */
function join(node: InternalNode, left: TreeNode, right: TreeNode): TreeNode {
  if (left === node.left && right === node.right) return node;
  if (left === null && (right === null || right instanceof LeafNode)) return right;
  if (right === null && left instanceof LeafNode) return left;
  return new InternalNode(left, right);
}

/**
 * The canonical subtree at `depth` over `leaves` (sorted by `paths`, which all
 * share their first `depth` bits). Cost: one internal node per distinct prefix.
 */
function build(leaves: readonly LeafNode[], paths: readonly Uint8Array[], lo: number, hi: number, depth: number): TreeNode {
  if (hi - lo === 0) return null;
  if (hi - lo === 1) return leaves[lo]!;
  const mid = splitIndex(paths, lo, hi, depth);
  return new InternalNode(build(leaves, paths, lo, mid, depth + 1), build(leaves, paths, mid, hi, depth + 1));
}

/**
 * Applies `changes[lo, hi)` to a subtree that is empty or a single leaf
 * (`existing`): merges that leaf into the sorted changes and builds.
 */
function rebuild(existing: LeafNode | null, changes: readonly PathChange[], lo: number, hi: number, depth: number, delta: SizeDelta): TreeNode {
  const leaves: LeafNode[] = [];
  const paths: Uint8Array[] = [];
  const existingPath = existing === null ? undefined : existing.path();
  let existingPlaced = existing === null;
  for (let i = lo; i < hi; i++) {
    const change = changes[i]!;
    if (!existingPlaced) {
      const order = compareBytes(existingPath!, change.path);
      if (order < 0) {
        leaves.push(existing!);
        paths.push(existingPath!);
        existingPlaced = true;
      } else if (order === 0) {
        existingPlaced = true;
        if (change.valueHash === undefined) {
          delta.value--;
        } else {
          leaves.push(existing!.hasValueHash(change.valueHash) ? existing! : new LeafNode(change.path, change.valueHash));
          paths.push(change.path);
        }
        continue;
      }
    }
    if (change.valueHash !== undefined) {
      leaves.push(new LeafNode(change.path, change.valueHash));
      paths.push(change.path);
      delta.value++;
    }
  }
  if (!existingPlaced) {
    leaves.push(existing!);
    paths.push(existingPath!);
  }
  return build(leaves, paths, 0, leaves.length, depth);
}

/**
 * Applies `changes[lo, hi)` (sorted, distinct paths sharing their first `depth`
 * bits; `paths[i]` is `changes[i].path`) to the subtree `node` at `depth`,
 * returning the new canonical subtree. Every node on the way to a change is
 * rebuilt once; the rest is shared.
 */
function apply(
  node: TreeNode,
  changes: readonly PathChange[],
  paths: readonly Uint8Array[],
  lo: number,
  hi: number,
  depth: number,
  delta: SizeDelta,
): TreeNode {
  if (lo === hi) return node;
  if (!(node instanceof InternalNode)) return rebuild(node, changes, lo, hi, depth, delta);
  const mid = splitIndex(paths, lo, hi, depth);
  const left = apply(node.left, changes, paths, lo, mid, depth + 1, delta);
  const right = apply(node.right, changes, paths, mid, hi, depth + 1, delta);
  return join(node, left, right);
}

/**
 * A persistent sparse Merkle tree mapping byte-string keys to byte-string
 * values (it keeps only `sha256(key)` and `sha256(value)`). See the module
 * docstring for the construction.
 *
 * @example
 * ```ts
 * const tree = SparseMerkleTree.empty().update([[utf8("alice"), utf8("10")]]);
 * verifyProof(tree.root, utf8("alice"), utf8("10"), tree.prove(utf8("alice"))); // true
 * ```
 */
export class SparseMerkleTree {
  private static readonly EMPTY = new SparseMerkleTree(null, 0);

  private constructor(
    private readonly rootNode: TreeNode,
    private readonly keyCount: number,
  ) {}

  /** The tree with no keys (root: 32 zero bytes). O(1); always the same instance. */
  static empty(): SparseMerkleTree {
    return SparseMerkleTree.EMPTY;
  }

  /** 32-byte root; the empty tree's root is 32 zero bytes. A fresh copy on every call, O(1). */
  get root(): Hash {
    return nodeHash(this.rootNode);
  }

  /** Number of keys. O(1). */
  get size(): number {
    return this.keyCount;
  }

  /**
   * A new tree with the changes applied (value undefined deletes; deleting an
   * absent key is a no-op). `this` is unchanged: the tree is persistent (path
   * copying), so old versions stay valid and share structure.
   *
   * Batch: the changed paths are sorted and applied in one descent that splits
   * them by bit, so each touched node is rehashed once per call, and the cost
   * grows with the number of keys changed (times log n), not with the tree
   * size: O(k log k) to sort plus O(k log n) hashes for k changes on n keys.
   * If a key appears twice in `changes`, the last wins.
   *
   * @param changes `[key, value]` pairs; keys and values are byte strings of any length.
   * @returns the new version, or `this` when nothing changed (empty batch,
   *   deletes of absent keys, values rewritten to themselves).
   * @throws TypeError if a key is not a Uint8Array or a value is neither a Uint8Array nor undefined
   *   (thrown before anything is applied).
   */
  update(changes: Iterable<readonly [key: Uint8Array, value: Uint8Array | undefined]>): SparseMerkleTree {
    const pending: PathChange[] = [];
    for (const [key, value] of changes) {
      if (!(key instanceof Uint8Array)) throw new TypeError("SparseMerkleTree.update: key must be a Uint8Array");
      if (value !== undefined && !(value instanceof Uint8Array)) {
        throw new TypeError("SparseMerkleTree.update: value must be a Uint8Array or undefined");
      }
      pending.push({ path: sha256(key), valueHash: value === undefined ? undefined : sha256(value) });
    }
    if (pending.length === 0) return this;
    // The sort is stable, so among changes of one key the last in `changes` comes last and wins.
    pending.sort((a, b) => compareBytes(a.path, b.path));
    const sorted: PathChange[] = [];
    for (let i = 0; i < pending.length; i++) {
      const change = pending[i]!;
      const next = pending[i + 1];
      if (next === undefined || compareBytes(change.path, next.path) !== 0) sorted.push(change);
    }
    const delta: SizeDelta = { value: 0 };
    const paths = sorted.map((change) => change.path);
    const rootNode = apply(this.rootNode, sorted, paths, 0, sorted.length, 0, delta);
    if (rootNode === this.rootNode) return this;
    const keyCount = this.keyCount + delta.value;
    if (keyCount < 0) throw new Error("SparseMerkleTree.update: size went negative (bug)");
    return new SparseMerkleTree(rootNode, keyCount);
  }

  /**
   * Inclusion proof if the key is present, exclusion proof otherwise.
   * O(log n) for n random keys (at most 256 steps); the proof holds fresh
   * copies, so the caller may change it freely.
   */
  prove(key: Uint8Array): MerkleProof {
    const path = sha256(key);
    const siblings: Hash[] = [];
    let node = this.rootNode;
    let depth = 0;
    while (node instanceof InternalNode) {
      if (bitAt(path, depth) === 0) {
        siblings.push(nodeHash(node.right));
        node = node.left;
      } else {
        siblings.push(nodeHash(node.left));
        node = node.right;
      }
      depth++;
    }
    if (node === null) return { siblings };
    return { siblings, leaf: { path: node.path(), valueHash: node.valueHash() } };
  }
}

/**
 * A proof that a key is present with some value (inclusion) or absent
 * (exclusion) under a root. Shapes: every hash is 32 bytes; at most 256 siblings.
 */
export interface MerkleProof {
  /** Sibling hashes from the root down to the terminal position (index 0 is the root's child sibling). */
  readonly siblings: readonly Hash[];
  /** The leaf found at the terminal position: the key's own leaf (inclusion), another key's leaf sharing the path prefix (exclusion), or undefined for an empty position (exclusion). */
  readonly leaf?: { readonly path: Hash; readonly valueHash: Hash };
}

function isHash(value: unknown): value is Hash {
  return value instanceof Uint8Array && value.length === HASH_BYTES;
}

/** True iff the first `bits` bits of `a` and `b` are equal. */
function sharesPrefix(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const wholeBytes = bits >>> 3;
  for (let i = 0; i < wholeBytes; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((a[wholeBytes]! ^ b[wholeBytes]!) & mask) === 0;
}

/**
 * True iff `proof` shows `key` maps to `value` under `root` (value undefined:
 * shows the key is absent). Never throws on malformed proofs (wrong lengths,
 * more than 256 siblings...): returns false.
 *
 * Recomputes the root from the terminal position upward along the bits of
 * `sha256(key)`: the terminal is the key's own leaf for inclusion, and for
 * exclusion either the empty hash or another leaf whose path shares the first
 * `siblings.length` bits with the key's path (so it owns the subtree the key
 * would live in) and differs from it. O(siblings.length) hashes.
 */
export function verifyProof(root: Hash, key: Uint8Array, value: Uint8Array | undefined, proof: MerkleProof): boolean {
  try {
    if (!isHash(root) || !(key instanceof Uint8Array)) return false;
    if (value !== undefined && !(value instanceof Uint8Array)) return false;
    if (typeof proof !== "object" || proof === null) return false;
    const siblings: unknown = proof.siblings;
    if (!Array.isArray(siblings) || siblings.length > PATH_BITS) return false;
    for (const sibling of siblings) if (!isHash(sibling)) return false;
    const leaf: unknown = proof.leaf;
    let leafPath: Hash | undefined;
    let leafValueHash: Hash | undefined;
    if (leaf !== undefined && leaf !== null) {
      if (typeof leaf !== "object") return false;
      const fields = leaf as { path?: unknown; valueHash?: unknown };
      if (!isHash(fields.path) || !isHash(fields.valueHash)) return false;
      leafPath = fields.path;
      leafValueHash = fields.valueHash;
    }

    const path = sha256(key);
    let current: Hash;
    if (value !== undefined) {
      if (leafPath === undefined || leafValueHash === undefined) return false;
      if (!bytesEqual(leafPath, path)) return false;
      if (!bytesEqual(leafValueHash, sha256(value))) return false;
      current = leafHash(leafPath, leafValueHash);
    } else if (leafPath === undefined || leafValueHash === undefined) {
      current = EMPTY_HASH;
    } else {
      if (bytesEqual(leafPath, path)) return false;
      if (!sharesPrefix(leafPath, path, siblings.length)) return false;
      current = leafHash(leafPath, leafValueHash);
    }
    for (let depth = siblings.length - 1; depth >= 0; depth--) {
      const sibling = siblings[depth] as Hash;
      current = bitAt(path, depth) === 0 ? internalHash(current, sibling) : internalHash(sibling, current);
    }
    return bytesEqual(current, root);
  } catch {
    return false;
  }
}

/**
 * Wire form of a proof (use encodeWire/decodeWire and `read` from src/net/codec.ts)
 *
 * A MessagePack map `{ siblings: bin32[], leaf: { path: bin32, valueHash: bin32 } | nil }`.
 * Size: about 35 bytes per sibling plus 90 for the leaf.
 */
export function encodeProof(proof: MerkleProof): Uint8Array {
  return encodeWire({
    siblings: [...proof.siblings],
    leaf: proof.leaf === undefined ? null : { path: proof.leaf.path, valueHash: proof.leaf.valueHash },
  });
}

/**
 * Decodes {@link encodeProof}'s output. Checks shapes only (at most 256
 * siblings, every hash 32 bytes); whether the proof holds is
 * {@link verifyProof}'s business. The hashes are copies, not views of `bytes`.
 *
 * @throws WireDecodeError (from src/net/codec.ts) on malformed bytes.
 */
export function decodeProof(bytes: Uint8Array): MerkleProof {
  const o = read.object(decodeWire(bytes), "proof");
  const siblings = read.array(o.siblings, "proof.siblings", PATH_BITS).map((s, i) => read.bytes(s, `proof.siblings[${i}]`, HASH_BYTES).slice());
  if (o.leaf === null || o.leaf === undefined) return { siblings };
  const leaf = read.object(o.leaf, "proof.leaf");
  const path = read.bytes(leaf.path, "proof.leaf.path", HASH_BYTES).slice();
  const valueHash = read.bytes(leaf.valueHash, "proof.leaf.valueHash", HASH_BYTES).slice();
  return { siblings, leaf: { path, valueHash } };
}
