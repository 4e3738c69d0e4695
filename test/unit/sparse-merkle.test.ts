/**
 * The sparse Merkle tree of crypto/sparse-merkle.ts: canonical roots, persistence,
 * inclusion and exclusion proofs, tamper detection, the proof wire form, and the
 * O(log n) cost of an update.
 *
 * Roots are checked against a reference written straight from the definition
 * (recursive over the whole key set), so the incremental update can't agree with
 * itself while both are wrong.
 */
import fc from "fast-check";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { bytesEqual, concatBytes, sha256, toHex, u64, utf8 } from "../../src/crypto/hash.js";
import { type MerkleProof, SparseMerkleTree, decodeProof, encodeProof, verifyProof } from "../../src/crypto/sparse-merkle.js";
import { WireDecodeError, encodeWire } from "../../src/net/codec.js";

// Counts sha256 calls (the tree's unit of work) without exposing anything from the module.
// The tree hashes through node:crypto's one-shot `hash` directly (binary
// string digests, see the module docstring) and `sha256` of hash.js goes
// through it too, so wrapping it counts every sha256 computation.
const hashCalls = vi.hoisted(() => ({ count: 0 }));
vi.mock("node:crypto", async (importOriginal) => {
  const original = await importOriginal<typeof import("node:crypto")>();
  const hash = ((...args: Parameters<typeof original.hash>) => {
    hashCalls.count++;
    return original.hash(...args);
  }) as typeof original.hash;
  return { ...original, default: { ...original, hash }, hash };
});

const ZERO = new Uint8Array(32);
type Entry = readonly [key: Uint8Array, value: Uint8Array];

/** The bit of `path` at `depth`, most significant bit first. */
function bit(path: Uint8Array, depth: number): number {
  return (path[depth >> 3]! >> (7 - (depth & 7))) & 1;
}

/** The root by definition: empty is zero, one leaf is its leaf hash, more split by the next bit. */
function referenceRoot(entries: readonly Entry[]): Uint8Array {
  const leaves = entries.map(([key, value]) => ({ path: sha256(key), valueHash: sha256(value) }));
  const subtree = (items: typeof leaves, depth: number): Uint8Array => {
    if (items.length === 0) return ZERO;
    if (items.length === 1) return sha256(concatBytes(Uint8Array.of(0), items[0]!.path, items[0]!.valueHash));
    const left = subtree(
      items.filter((l) => bit(l.path, depth) === 0),
      depth + 1,
    );
    const right = subtree(
      items.filter((l) => bit(l.path, depth) === 1),
      depth + 1,
    );
    return sha256(concatBytes(Uint8Array.of(1), left, right));
  };
  return subtree(leaves, 0);
}

/** A copy of `bytes` with byte `index` xor `mask`. */
function flipped(bytes: Uint8Array, index: number, mask = 0x01): Uint8Array {
  const out = bytes.slice();
  out[index]! ^= mask;
  return out;
}

/** Numbered keys and values: `key-i` maps to `value-i`. */
function numbered(from: number, count: number, tag = "value"): Entry[] {
  return Array.from({ length: count }, (_, i) => [utf8(`key-${from + i}`), utf8(`${tag}-${from + i}`)] as const);
}

/** Asserts that every single-byte change of the proof, value or root makes verification fail. */
function expectTamperEvident(root: Uint8Array, key: Uint8Array, value: Uint8Array | undefined, proof: MerkleProof): void {
  expect(verifyProof(root, key, value, proof)).toBe(true);
  for (let i = 0; i < 32; i++) expect(verifyProof(flipped(root, i), key, value, proof)).toBe(false);
  if (value !== undefined) {
    for (let i = 0; i < value.length; i++) expect(verifyProof(root, key, flipped(value, i), proof)).toBe(false);
  }
  proof.siblings.forEach((sibling, s) => {
    for (let i = 0; i < 32; i++) {
      const siblings = proof.siblings.map((x, j) => (j === s ? flipped(sibling, i) : x));
      expect(verifyProof(root, key, value, { ...proof, siblings })).toBe(false);
    }
  });
  if (proof.leaf !== undefined) {
    const { path, valueHash } = proof.leaf;
    for (let i = 0; i < 32; i++) {
      expect(verifyProof(root, key, value, { ...proof, leaf: { path: flipped(path, i), valueHash } })).toBe(false);
      expect(verifyProof(root, key, value, { ...proof, leaf: { path, valueHash: flipped(valueHash, i) } })).toBe(false);
    }
  }
  // Dropping or adding a level moves the terminal: fails too.
  if (proof.siblings.length > 0) expect(verifyProof(root, key, value, { ...proof, siblings: proof.siblings.slice(1) })).toBe(false);
  expect(verifyProof(root, key, value, { ...proof, siblings: [...proof.siblings, ZERO] })).toBe(false);
}

describe("sparse Merkle tree", () => {
  beforeEach(() => {
    hashCalls.count = 0;
  });

  it("the empty tree has a zero root, no keys, and proves every key absent", () => {
    const tree = SparseMerkleTree.empty();
    expect(tree.root).toEqual(ZERO);
    expect(tree.size).toBe(0);
    const proof = tree.prove(utf8("anything"));
    expect(proof).toEqual({ siblings: [] });
    expect(verifyProof(tree.root, utf8("anything"), undefined, proof)).toBe(true);
    expect(verifyProof(tree.root, utf8("anything"), utf8("x"), proof)).toBe(false);
  });

  it("a single key is a leaf at the root, and deleting it restores the empty root", () => {
    const one = SparseMerkleTree.empty().update([[utf8("k"), utf8("v")]]);
    expect(one.size).toBe(1);
    expect(one.root).toEqual(sha256(concatBytes(Uint8Array.of(0), sha256(utf8("k")), sha256(utf8("v")))));
    expect(one.prove(utf8("k")).siblings).toHaveLength(0);
    const none = one.update([[utf8("k"), undefined]]);
    expect(none.root).toEqual(ZERO);
    expect(none.size).toBe(0);
  });

  it("the root matches the definition and ignores insertion order and batching (20 keys)", () => {
    const entries = numbered(0, 20);
    const oneBatch = SparseMerkleTree.empty().update(entries);
    expect(oneBatch.root).toEqual(referenceRoot(entries));
    let oneByOne = SparseMerkleTree.empty();
    for (const entry of [...entries].reverse()) oneByOne = oneByOne.update([entry]);
    expect(oneByOne.root).toEqual(oneBatch.root);
    expect(oneByOne.size).toBe(20);
  });

  it("the last change of a key in a batch wins; deleting an absent key or rewriting a value changes nothing", () => {
    const tree = SparseMerkleTree.empty().update(numbered(0, 10));
    const updated = tree.update([
      [utf8("key-3"), utf8("a")],
      [utf8("key-3"), utf8("b")],
      [utf8("key-4"), utf8("c")],
      [utf8("key-4"), undefined],
      [utf8("new"), undefined],
      [utf8("new"), utf8("d")],
    ]);
    const expected = numbered(0, 10)
      .filter(([k]) => !bytesEqual(k, utf8("key-4")))
      .map(([k, v]): Entry => (bytesEqual(k, utf8("key-3")) ? [k, utf8("b")] : [k, v]));
    expected.push([utf8("new"), utf8("d")]);
    expect(updated.root).toEqual(referenceRoot(expected));
    expect(updated.size).toBe(10);
    expect(tree.update([[utf8("absent"), undefined]])).toBe(tree);
    expect(tree.update([[utf8("key-1"), utf8("value-1")]])).toBe(tree);
    expect(tree.update([])).toBe(tree);
  });

  it("keys whose paths share their leading bits (crafted) sort correctly, duplicates included: last wins", () => {
    // 20 keys whose sha256 starts with five zero bits: the batch's bucket sort
    // on leading bits puts them all in one bucket, past its insertion-sort size.
    const crafted: Uint8Array[] = [];
    for (let i = 0; crafted.length < 20; i++) if (sha256(u64(i))[0]! >>> 3 === 0) crafted.push(u64(i));
    const entries = crafted.map((key, i): Entry => [key, utf8(`v${i}`)]);
    const tree = SparseMerkleTree.empty().update([
      ...crafted.slice(0, 5).map((key): Entry => [key, utf8("stale")]),
      ...[...entries].reverse(),
    ]);
    expect(tree.size).toBe(20);
    expect(tree.root).toEqual(referenceRoot(entries));
    // Deleting half of them in one batch, with a rewrite that a later delete cancels.
    const remaining = entries.filter((_, i) => i % 2 === 0);
    const pruned = tree.update(entries.flatMap(([key], i) => (i % 2 === 1 ? [[key, utf8("x")] as const, [key, undefined] as const] : [])));
    expect(pruned.size).toBe(10);
    expect(pruned.root).toEqual(referenceRoot(remaining));
  });

  it("rejects keys and values that are not byte arrays", () => {
    const tree = SparseMerkleTree.empty();
    expect(() => tree.update([["k" as unknown as Uint8Array, utf8("v")]])).toThrow(TypeError);
    expect(() => tree.update([[utf8("k"), "v" as unknown as Uint8Array]])).toThrow(TypeError);
  });

  it("old versions keep their root, size and proofs after later updates (persistence)", () => {
    const v1 = SparseMerkleTree.empty().update(numbered(0, 30));
    const root1 = v1.root;
    const proofs1 = numbered(0, 30).map(([k]) => encodeProof(v1.prove(k)));
    const v2 = v1.update([...numbered(10, 30, "changed"), ...numbered(0, 5).map(([k]): readonly [Uint8Array, undefined] => [k, undefined])]);
    expect(v2.root).not.toEqual(root1);
    expect(v2.size).toBe(35);
    expect(v1.root).toEqual(root1);
    expect(v1.size).toBe(30);
    numbered(0, 30).forEach(([k, v], i) => {
      expect(encodeProof(v1.prove(k))).toEqual(proofs1[i]);
      expect(verifyProof(root1, k, v, v1.prove(k))).toBe(true);
    });
  });

  it("proofs hold copies: changing a proof or a root leaves the tree intact", () => {
    const tree = SparseMerkleTree.empty().update(numbered(0, 8));
    const [key, value] = numbered(0, 1)[0]!;
    const proof = tree.prove(key);
    (proof.siblings[0] as Uint8Array).fill(9);
    tree.root.fill(9);
    expect(verifyProof(tree.root, key, value, tree.prove(key))).toBe(true);
  });

  it("inclusion and both kinds of exclusion proofs verify, and any single-byte change breaks them (64 keys)", () => {
    const entries = numbered(0, 64);
    const tree = SparseMerkleTree.empty().update(entries);
    for (const [key, value] of entries.slice(0, 16)) {
      const proof = tree.prove(key);
      expect(bytesEqual(proof.leaf!.path, sha256(key))).toBe(true);
      expectTamperEvident(tree.root, key, value, proof);
      // The same proof does not show another value, or absence.
      expect(verifyProof(tree.root, key, utf8("other"), proof)).toBe(false);
      expect(verifyProof(tree.root, key, undefined, proof)).toBe(false);
      expect(verifyProof(tree.root, key, undefined, { siblings: proof.siblings })).toBe(false);
    }
    const seen = { emptyTerminal: 0, otherLeafTerminal: 0 };
    for (let i = 0; i < 200 && (seen.emptyTerminal < 3 || seen.otherLeafTerminal < 3); i++) {
      const key = utf8(`absent-${i}`);
      const proof = tree.prove(key);
      if (proof.leaf === undefined) seen.emptyTerminal++;
      else seen.otherLeafTerminal++;
      expectTamperEvident(tree.root, key, undefined, proof);
      expect(verifyProof(tree.root, key, utf8("value"), proof)).toBe(false);
    }
    expect(seen.emptyTerminal).toBeGreaterThanOrEqual(3);
    expect(seen.otherLeafTerminal).toBeGreaterThanOrEqual(3);
  });

  it("a proof for one key does not verify another key", () => {
    const entries = numbered(0, 32);
    const tree = SparseMerkleTree.empty().update(entries);
    for (let i = 0; i < 8; i++) {
      const [key] = entries[i]!;
      const [otherKey, otherValue] = entries[i + 8]!;
      const proof = tree.prove(key);
      expect(verifyProof(tree.root, otherKey, otherValue, proof)).toBe(false);
      expect(verifyProof(tree.root, otherKey, undefined, proof)).toBe(false);
      const absentProof = tree.prove(utf8(`absent-${i}`));
      expect(verifyProof(tree.root, otherKey, undefined, absentProof)).toBe(false);
      // An exclusion proof that ends at another key's leaf is, bit for bit, that key's inclusion proof.
      const endsAtOther = absentProof.leaf !== undefined && bytesEqual(absentProof.leaf.path, sha256(otherKey));
      expect(verifyProof(tree.root, otherKey, otherValue, absentProof)).toBe(endsAtOther);
    }
  });

  it("verifyProof returns false on malformed proofs and arguments instead of throwing", () => {
    const tree = SparseMerkleTree.empty().update(numbered(0, 8));
    const [key, value] = numbered(0, 1)[0]!;
    const good = tree.prove(key);
    const root = tree.root;
    const malformed: unknown[] = [
      null,
      undefined,
      5,
      {},
      { siblings: "x" },
      { siblings: [new Uint8Array(31)], leaf: good.leaf },
      { siblings: [...good.siblings, new Uint8Array(33)], leaf: good.leaf },
      { siblings: ["x"], leaf: good.leaf },
      { siblings: Array.from({ length: 257 }, () => ZERO), leaf: good.leaf },
      { siblings: good.siblings, leaf: 5 },
      { siblings: good.siblings, leaf: { path: good.leaf!.path } },
      { siblings: good.siblings, leaf: { path: new Uint8Array(31), valueHash: good.leaf!.valueHash } },
      {
        get siblings(): never {
          throw new Error("hostile getter");
        },
      },
    ];
    for (const proof of malformed) {
      expect(verifyProof(root, key, value, proof as MerkleProof)).toBe(false);
      expect(verifyProof(root, key, undefined, proof as MerkleProof)).toBe(false);
    }
    expect(verifyProof(root.subarray(1), key, value, good)).toBe(false);
    expect(verifyProof(root, "k" as unknown as Uint8Array, value, good)).toBe(false);
    expect(verifyProof(root, key, "v" as unknown as Uint8Array, good)).toBe(false);
    expect(verifyProof(root, key, value, good)).toBe(true);
  });

  it("proofs round-trip through the wire form; malformed bytes throw WireDecodeError", () => {
    const tree = SparseMerkleTree.empty().update(numbered(0, 16));
    const inclusion = tree.prove(utf8("key-3"));
    const exclusions = Array.from({ length: 20 }, (_, i) => tree.prove(utf8(`absent-${i}`)));
    for (const proof of [inclusion, ...exclusions, SparseMerkleTree.empty().prove(utf8("x"))]) {
      const bytes = encodeProof(proof);
      const decoded = decodeProof(bytes);
      expect(decoded).toEqual(proof);
      expect(encodeProof(decoded)).toEqual(bytes);
      // Every strict prefix is malformed.
      for (let n = 0; n < bytes.length; n++) expect(() => decodeProof(bytes.subarray(0, n))).toThrow(WireDecodeError);
      expect(() => decodeProof(concatBytes(bytes, Uint8Array.of(0)))).toThrow(WireDecodeError);
    }
    expect(verifyProof(tree.root, utf8("key-3"), utf8("value-3"), decodeProof(encodeProof(inclusion)))).toBe(true);

    const hash = new Uint8Array(32).fill(7);
    const bad: unknown[] = [
      5,
      [hash],
      {},
      { siblings: "x", leaf: null },
      { siblings: [new Uint8Array(31)], leaf: null },
      { siblings: [hash, 3], leaf: null },
      { siblings: Array.from({ length: 257 }, () => hash), leaf: null },
      { siblings: [hash], leaf: 5 },
      { siblings: [hash], leaf: { path: hash } },
      { siblings: [hash], leaf: { path: hash, valueHash: new Uint8Array(33) } },
    ];
    for (const value of bad) expect(() => decodeProof(encodeWire(value))).toThrow(WireDecodeError);
    expect(() => decodeProof(Uint8Array.of(0xc1))).toThrow(WireDecodeError);
    expect(() => decodeProof(new Uint8Array(0))).toThrow(WireDecodeError);
    expect(decodeProof(encodeWire({ siblings: Array.from({ length: 256 }, () => hash), leaf: null })).siblings).toHaveLength(256);
  });

  it("decoded proofs do not alias the input bytes", () => {
    const tree = SparseMerkleTree.empty().update(numbered(0, 8));
    const bytes = encodeProof(tree.prove(utf8("key-1")));
    const decoded = decodeProof(bytes);
    bytes.fill(0);
    expect(verifyProof(tree.root, utf8("key-1"), utf8("value-1"), decoded)).toBe(true);
  });

  it("an update on 10^4 keys costs O(log n) hashes, and the depth stays near log2(n)", () => {
    const n = 10_000;
    const entries = Array.from({ length: n }, (_, i): Entry => [u64(i), u64(i + 1)]);
    const tree = SparseMerkleTree.empty().update(entries);
    expect(tree.size).toBe(n);
    let depthMax = 0;
    for (const [key] of entries) depthMax = Math.max(depthMax, tree.prove(key).siblings.length);
    // log2(10^4) is about 13.3; the deepest of 10^4 random leaves is about 2 log2(n).
    expect(depthMax).toBeLessThanOrEqual(40);

    const cases: [string, Entry | readonly [Uint8Array, undefined]][] = [
      ["rewrite", [u64(17), utf8("new value")]],
      ["insert", [u64(n + 5), utf8("new key")]],
      ["delete", [u64(42), undefined]],
    ];
    for (const [name, change] of cases) {
      hashCalls.count = 0;
      const next = tree.update([change]);
      expect(next.root).not.toEqual(tree.root);
      // Two for the key and value, one leaf, one per internal node on the path
      // (the lower bound shows the counter is live).
      expect(hashCalls.count, name).toBeGreaterThanOrEqual(3);
      expect(hashCalls.count, name).toBeLessThanOrEqual(64);
    }
    // A batch of 100 changes: at most 100 paths' worth of hashes, shared at the top.
    hashCalls.count = 0;
    tree.update(Array.from({ length: 100 }, (_, i): Entry => [u64(i * 97), utf8(`b${i}`)]));
    expect(hashCalls.count).toBeLessThanOrEqual(100 * 40);
  });

  const keyArb = fc.uint8Array({ maxLength: 6 });
  const entriesArb = fc.uniqueArray(fc.tuple(keyArb, fc.uint8Array({ maxLength: 6 })), {
    selector: ([key]) => toHex(key),
    maxLength: 40,
  });

  it("any key set, in any order and batching, gives the reference root; every proof verifies and resists tampering (property)", () => {
    const scenario = entriesArb.chain((entries) =>
      fc.record({
        entries: fc.constant(entries),
        order: fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length }),
        batchSizes: fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 10 }),
        others: fc.array(keyArb, { maxLength: 10 }),
      }),
    );
    fc.assert(
      fc.property(scenario, ({ entries, order, batchSizes, others }) => {
        const expectedRoot = referenceRoot(entries);
        let tree = SparseMerkleTree.empty();
        for (let at = 0, b = 0; at < order.length; b++) {
          const size = batchSizes[b % batchSizes.length]!;
          tree = tree.update(order.slice(at, at + size));
          at += size;
        }
        expect(tree.root).toEqual(expectedRoot);
        expect(tree.size).toBe(entries.length);
        expect(SparseMerkleTree.empty().update(entries).root).toEqual(expectedRoot);

        const root = tree.root;
        entries.forEach(([key, value], i) => {
          const proof = tree.prove(key);
          expect(verifyProof(root, key, value, proof)).toBe(true);
          expect(verifyProof(root, key, undefined, proof)).toBe(false);
          expect(verifyProof(root, key, concatBytes(value, Uint8Array.of(0)), proof)).toBe(false);
          expect(verifyProof(root, key, value, decodeProof(encodeProof(proof)))).toBe(true);
          if (i < 2) expectTamperEvident(root, key, value, proof);
          const other = entries[(i + 1) % entries.length]!;
          if (entries.length > 1) expect(verifyProof(root, other[0], other[1], proof)).toBe(false);
        });
        const present = new Set(entries.map(([key]) => toHex(key)));
        others
          .filter((key) => !present.has(toHex(key)))
          .forEach((key, i) => {
            const proof = tree.prove(key);
            expect(verifyProof(root, key, undefined, proof)).toBe(true);
            expect(verifyProof(root, key, new Uint8Array(0), proof)).toBe(false);
            expect(verifyProof(root, key, undefined, decodeProof(encodeProof(proof)))).toBe(true);
            if (i < 2) expectTamperEvident(root, key, undefined, proof);
          });
      }),
      { numRuns: 100 },
    );
  });

  it("random batches of sets and deletes match a Map model, deletes restore earlier roots, and every version stays valid (property)", () => {
    const pool = Array.from({ length: 24 }, (_, i) => utf8(`k${i}`));
    const changeArb = fc.tuple(fc.nat({ max: pool.length - 1 }), fc.option(fc.uint8Array({ maxLength: 4 }), { nil: undefined }));
    const batchesArb = fc.array(fc.array(changeArb, { maxLength: 12 }), { maxLength: 12 });
    fc.assert(
      fc.property(batchesArb, (batches) => {
        const model = new Map<number, Uint8Array>();
        const versions: { tree: SparseMerkleTree; root: Uint8Array; model: Map<number, Uint8Array> }[] = [];
        let tree = SparseMerkleTree.empty();
        for (const batch of batches) {
          const before = tree;
          const beforeRoot = tree.root;
          tree = tree.update(batch.map(([i, value]) => [pool[i]!, value] as const));
          for (const [i, value] of batch) {
            if (value === undefined) model.delete(i);
            else model.set(i, value);
          }
          expect(tree.root).toEqual(referenceRoot([...model].map(([i, value]): Entry => [pool[i]!, value])));
          expect(tree.size).toBe(model.size);
          versions.push({ tree, root: tree.root, model: new Map(model) });
          // Undoing the batch (restore old values, delete new keys) restores the old root.
          const undo = batch.map(([i]): readonly [Uint8Array, Uint8Array | undefined] => {
            const old = versions.length >= 2 ? versions[versions.length - 2]!.model.get(i) : undefined;
            return [pool[i]!, old];
          });
          expect(tree.update(undo).root).toEqual(beforeRoot);
          expect(before.root).toEqual(beforeRoot);
        }
        // Deleting everything gives the empty root.
        const cleared = tree.update(pool.map((key) => [key, undefined] as const));
        expect(cleared.root).toEqual(ZERO);
        expect(cleared.size).toBe(0);
        // Every version still answers for its own state.
        for (const version of versions) {
          expect(version.tree.root).toEqual(version.root);
          pool.forEach((key, i) => {
            expect(verifyProof(version.root, key, version.model.get(i), version.tree.prove(key))).toBe(true);
          });
        }
      }),
      { numRuns: 100 },
    );
  });
});
