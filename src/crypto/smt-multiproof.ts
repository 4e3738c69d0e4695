/**
 * Checking a sparse Merkle multiproof ({@link SparseMerkleTree.multiproof})
 * and recomputing the root after writes: the TypeScript twin of
 * `programs/asset_rollup/src/smt.c` (same algorithm, same error codes), for
 * off-chain checkers and for the tests of the on-chain code.
 *
 * Algorithm (smt.h states it in full): the pre-order proof is read into
 * items, the OPAQUE subtrees with their positions and the LEAFs, in path
 * order; the canonical tree over the items is hashed with a stack (adjacent
 * items split at their common prefix length) and compared with the root.
 * After writes, the same fold over the items with the writes applied gives
 * the new root; an OPAQUE subtree that must move up, and whose kind (single
 * leaf or not) the proof does not show, is {@link SmtError} "needs-opening".
 */
import { bytesEqual, sha256, type Hash } from "./hash.js";
import { MULTIPROOF_TAG } from "./sparse-merkle.js";

const HASH_BYTES = 32;
const PATH_BITS = 256;

/** Why a multiproof was refused; the C code returns the same reasons as SMT_ERR_* numbers (smt.h). */
export type SmtErrorCode = "malformed" | "root-mismatch" | "not-covered" | "needs-opening" | "order";

/** A refused multiproof or write set. */
export class SmtError extends Error {
  constructor(
    readonly code: SmtErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = "SmtError";
  }
}

type ItemKind = "leaf" | "opaque" | "subtree";

/** One item of an opened multiproof: a leaf, or an untouched subtree at a position. */
interface Item {
  /** Leaf: its path; subtree: its position, bits past `depth` zero. */
  readonly path: Uint8Array;
  /** Leaf only. */
  readonly valueHash?: Uint8Array;
  /** Leaf hash or subtree hash. */
  readonly hash: Uint8Array;
  /** Subtree: the depth of its position; leaf: 256. */
  readonly depth: number;
  /** "opaque": kind unknown; "subtree": known to hold two leaves or more. */
  kind: ItemKind;
}

/** An opened (checked) multiproof. */
export interface OpenedMultiproof {
  /** @internal its items in path order */
  readonly items: readonly Item[];
}

function bit(path: Uint8Array, index: number): number {
  return (path[index >>> 3]! >>> (7 - (index & 7))) & 1;
}

function commonPrefix(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < HASH_BYTES; i++) {
    const difference = a[i]! ^ b[i]!;
    if (difference !== 0) return i * 8 + Math.clz32(difference) - 24;
  }
  return PATH_BITS;
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < HASH_BYTES; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

function hashPair(domain: number, a: Uint8Array, b: Uint8Array): Hash {
  const preimage = new Uint8Array(1 + 2 * HASH_BYTES);
  preimage[0] = domain;
  preimage.set(a, 1);
  preimage.set(b, 1 + HASH_BYTES);
  return sha256(preimage);
}

const ZERO = new Uint8Array(HASH_BYTES);

interface Entry {
  hash: Uint8Array;
  readonly path: Uint8Array;
  item: Item | undefined;
  depth: number;
  splitRight: number;
  kind: ItemKind;
}

function lift(entry: Entry, target: number, afterWrites: boolean): void {
  if (entry.kind === "leaf" || entry.depth <= target) return;
  if (entry.kind === "opaque") {
    if (afterWrites) throw new SmtError("needs-opening", `an untouched subtree at depth ${entry.depth} must move up; the proof must open it`);
    entry.item!.kind = "subtree";
    entry.kind = "subtree";
  }
  for (let depth = entry.depth - 1; depth >= target; depth--) {
    entry.hash = bit(entry.path, depth) === 0 ? hashPair(1, entry.hash, ZERO) : hashPair(1, ZERO, entry.hash);
  }
  entry.depth = target;
}

/** The root of the canonical tree over `items` (path order, disjoint regions). @throws SmtError "order", "needs-opening" */
function fold(items: readonly Item[], afterWrites: boolean): Hash {
  if (items.length === 0) return new Uint8Array(HASH_BYTES);
  const stack: Entry[] = [];
  for (let index = 0; index < items.length; index++) {
    const item = items[index]!;
    stack.push({ hash: item.hash, path: item.path, item, depth: item.depth, splitRight: -1, kind: item.kind });
    let nextSplit = -1;
    const next = items[index + 1];
    if (next !== undefined) {
      const shared = commonPrefix(item.path, next.path);
      if (shared >= item.depth || shared >= next.depth || bit(item.path, shared) !== 0) throw new SmtError("order", `items ${index} and ${index + 1} overlap or are out of order`);
      nextSplit = shared;
    }
    while (stack.length >= 2 && stack[stack.length - 2]!.splitRight > nextSplit) {
      const right = stack.pop()!;
      const left = stack[stack.length - 1]!;
      const split = left.splitRight;
      lift(left, split + 1, afterWrites);
      lift(right, split + 1, afterWrites);
      left.hash = hashPair(1, left.hash, right.hash);
      left.depth = split;
      left.kind = "subtree";
      left.item = undefined;
    }
    stack[stack.length - 1]!.splitRight = nextSplit;
  }
  lift(stack[0]!, 0, afterWrites);
  return stack[0]!.hash;
}

/**
 * Parses `bytes` and checks it against `root`.
 * @throws SmtError "malformed" (bad tag, truncated, trailing bytes, deeper than 256), "order", "root-mismatch"
 */
export function openMultiproof(root: Hash, bytes: Uint8Array): OpenedMultiproof {
  const items: Item[] = [];
  const position = new Uint8Array(HASH_BYTES);
  let depth = 0;
  let offset = 0;
  for (;;) {
    if (offset >= bytes.length) throw new SmtError("malformed", "truncated");
    const tag = bytes[offset++]!;
    if (tag === MULTIPROOF_TAG.internal) {
      if (depth >= PATH_BITS) throw new SmtError("malformed", "deeper than 256");
      depth++;
      continue;
    }
    if (tag === MULTIPROOF_TAG.opaque) {
      if (bytes.length - offset < HASH_BYTES) throw new SmtError("malformed", "truncated hash");
      const hash = bytes.slice(offset, offset + HASH_BYTES);
      if (!bytesEqual(hash, ZERO)) items.push({ path: position.slice(), hash, depth, kind: "opaque" });
      offset += HASH_BYTES;
    } else if (tag === MULTIPROOF_TAG.leaf) {
      if (bytes.length - offset < 2 * HASH_BYTES) throw new SmtError("malformed", "truncated leaf");
      const path = bytes.slice(offset, offset + HASH_BYTES);
      const valueHash = bytes.slice(offset + HASH_BYTES, offset + 2 * HASH_BYTES);
      items.push({ path, valueHash, hash: hashPair(0, path, valueHash), depth: PATH_BITS, kind: "leaf" });
      offset += 2 * HASH_BYTES;
    } else if (tag !== MULTIPROOF_TAG.empty) {
      throw new SmtError("malformed", `unknown tag ${tag}`);
    }
    while (depth > 0 && bit(position, depth - 1) === 1) {
      position[(depth - 1) >>> 3]! &= ~(0x80 >>> ((depth - 1) & 7));
      depth--;
    }
    if (depth === 0) break;
    position[(depth - 1) >>> 3]! |= 0x80 >>> ((depth - 1) & 7);
  }
  if (offset !== bytes.length) throw new SmtError("malformed", `${bytes.length - offset} trailing bytes`);
  if (!bytesEqual(fold(items, false), root)) throw new SmtError("root-mismatch", "the proof does not hash to the root");
  return { items };
}

/**
 * The value hash the proof shows for the key of path `path` (32 bytes), or undefined when it shows it absent.
 * @throws SmtError "not-covered" when the path is inside an untouched subtree
 */
export function multiproofGet(proof: OpenedMultiproof, path: Uint8Array): Uint8Array | undefined {
  let found: Item | undefined;
  for (const item of proof.items) {
    if (compare(item.path, path) <= 0) found = item;
    else break;
  }
  if (found === undefined) return undefined;
  if (found.kind === "leaf") return bytesEqual(found.path, path) ? found.valueHash : undefined;
  if (commonPrefix(found.path, path) >= found.depth) throw new SmtError("not-covered", "the path is inside an untouched subtree");
  return undefined;
}

/**
 * The root after `writes` (path, new value hash or undefined to delete) on the state the proof shows.
 * @throws SmtError "not-covered", "order" (a path written twice), "needs-opening"
 */
export function multiproofRootAfter(proof: OpenedMultiproof, writes: readonly (readonly [path: Uint8Array, valueHash: Uint8Array | undefined])[]): Hash {
  const sorted = [...writes].sort((a, b) => compare(a[0], b[0]));
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && bytesEqual(sorted[i - 1]![0], sorted[i]![0])) throw new SmtError("order", "a path written twice");
    multiproofGet(proof, sorted[i]![0]);
  }
  const after: Item[] = [];
  let i = 0;
  let w = 0;
  const items = proof.items;
  while (i < items.length || w < sorted.length) {
    const order = i === items.length ? 1 : w === sorted.length ? -1 : compare(items[i]!.path, sorted[w]![0]);
    if (order < 0) {
      after.push({ ...items[i++]! });
      continue;
    }
    if (order === 0) i++;
    const [path, valueHash] = sorted[w++]!;
    if (valueHash !== undefined) after.push({ path, valueHash, hash: hashPair(0, path, valueHash), depth: PATH_BITS, kind: "leaf" });
  }
  return fold(after, true);
}
