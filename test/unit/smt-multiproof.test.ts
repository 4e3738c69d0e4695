/**
 * Sparse Merkle multiproofs (SparseMerkleTree.multiproof, smt-multiproof.ts)
 * and the batch data tree (binary-merkle.ts): random trees, key sets and
 * writes against SparseMerkleTree.update; tampered proofs refused; a builder
 * that does not open the subtrees a delete leaves alone is caught.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { batchDataProof, batchDataRoot, batchLeafHash, verifyBatchDataProof } from "../../src/crypto/binary-merkle.js";
import { bytesEqual, sha256, utf8 } from "../../src/crypto/hash.js";
import { SmtError, multiproofGet, multiproofRootAfter, openMultiproof } from "../../src/crypto/smt-multiproof.js";
import { SparseMerkleTree } from "../../src/crypto/sparse-merkle.js";
import { assertProperty } from "../helpers/property.js";

const FILE = "test/unit/smt-multiproof.test.ts";

const key = (n: number): Uint8Array => utf8(`k${n}`);
const value = (n: number): Uint8Array => utf8(`v${n}`);

/** A tree of keys k0..k(size-1) minus `missing`, the touched keys (some absent), and writes on some of them. */
const caseArb = fc.integer({ min: 0, max: 60 }).chain((size) =>
  fc.record({
    size: fc.constant(size),
    missing: fc.uniqueArray(fc.integer({ min: 0, max: Math.max(0, size - 1) }), { maxLength: 5 }),
    touched: fc.uniqueArray(fc.integer({ min: 0, max: size + 5 }), { minLength: 1, maxLength: 8 }),
    writes: fc.array(fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }), { minLength: 8, maxLength: 8 }),
    writeMask: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  }),
);

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function setup(c: Case) {
  const entries: [Uint8Array, Uint8Array][] = [];
  for (let i = 0; i < c.size; i++) if (!c.missing.includes(i)) entries.push([key(i), value(i)]);
  const tree = SparseMerkleTree.empty().update(entries);
  const present = new Set(entries.map(([k]) => new TextDecoder().decode(k)));
  const writes: [Uint8Array, Uint8Array | undefined][] = [];
  c.touched.forEach((n, i) => {
    if (c.writeMask[i]) writes.push([key(n), c.writes[i] === undefined ? undefined : value(c.writes[i]!)]);
  });
  return { tree, present, writes, after: tree.update(writes) };
}

const asWrites = (writes: [Uint8Array, Uint8Array | undefined][]) =>
  writes.map(([k, v]) => [sha256(k), v === undefined ? undefined : sha256(v)] as const);

describe("sparse Merkle multiproofs", () => {
  it("show every touched key's value and give the root after any writes (deletes with compaction included)", () => {
    assertProperty(
      fc.property(caseArb, (c) => {
        const { tree, present, writes, after } = setup(c);
        const proof = openMultiproof(tree.root, tree.multiproof(c.touched.map(key), after));
        for (const n of c.touched) {
          const shown = multiproofGet(proof, sha256(key(n)));
          if (present.has(`k${n}`)) expect(shown !== undefined && bytesEqual(shown, sha256(value(n)))).toBe(true);
          else expect(shown).toBeUndefined();
        }
        expect(multiproofRootAfter(proof, asWrites(writes))).toEqual(after.root);
      }),
      { defaultRuns: 300, testFile: FILE },
    );
  });

  it("refuse a proof with any byte changed, and a proof for another root", () => {
    assertProperty(
      fc.property(caseArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (c, at, flip) => {
        const { tree, after } = setup(c);
        const bytes = tree.multiproof(c.touched.map(key), after);
        const tampered = bytes.slice();
        tampered[at % bytes.length]! ^= flip;
        expect(() => openMultiproof(tree.root, tampered)).toThrow(SmtError);
        const other = tree.update([[utf8("another key"), utf8("x")]]);
        expect(() => openMultiproof(other.root, bytes)).toThrow(SmtError);
      }),
      { defaultRuns: 200, testFile: FILE },
    );
  });

  it("refuse keys outside the proof, and a path written twice", () => {
    const tree = SparseMerkleTree.empty().update([...Array(40).keys()].map((n) => [key(n), value(n)] as const));
    const proof = openMultiproof(tree.root, tree.multiproof([key(1)]));
    expect(() => multiproofGet(proof, sha256(key(2)))).toThrow(/not-covered/);
    expect(() => multiproofRootAfter(proof, [[sha256(key(2)), undefined]])).toThrow(/not-covered/);
    const path = sha256(key(1));
    expect(() => multiproofRootAfter(proof, [[path, undefined], [path, sha256(value(3))]])).toThrow(/order/);
  });

  it("a builder that does not open the subtree a delete leaves alone is caught (needs-opening), never a wrong root", () => {
    // Broken variant built here: the proof made without `after`, so no subtree is opened.
    let caught = 0;
    for (let size = 2; size < 40; size++) {
      const tree = SparseMerkleTree.empty().update([...Array(size).keys()].map((n) => [key(n), value(n)] as const));
      const writes: [Uint8Array, undefined][] = [[key(0), undefined]];
      const after = tree.update(writes);
      const unopened = openMultiproof(tree.root, tree.multiproof([key(0)]));
      try {
        expect(multiproofRootAfter(unopened, asWrites(writes))).toEqual(after.root);
      } catch (error) {
        expect(error).toBeInstanceOf(SmtError);
        expect((error as SmtError).code).toBe("needs-opening");
        caught++;
      }
      const opened = openMultiproof(tree.root, tree.multiproof([key(0)], after));
      expect(multiproofRootAfter(opened, asWrites(writes))).toEqual(after.root);
    }
    expect(caught).toBeGreaterThan(0);
  });
});

describe("batch data tree", () => {
  it("proves every transaction of batches of 0 to 17 and refuses a wrong index or leaf", () => {
    expect(batchDataRoot([])).toEqual(new Uint8Array(32));
    for (let n = 1; n <= 17; n++) {
      const txs = [...Array(n).keys()].map((i) => utf8(`tx${i}`));
      const root = batchDataRoot(txs);
      for (let i = 0; i < n; i++) {
        const siblings = batchDataProof(txs, i);
        expect(verifyBatchDataProof(root, batchLeafHash(txs[i]!), i, siblings)).toBe(true);
        if (n > 1) expect(verifyBatchDataProof(root, batchLeafHash(txs[i]!), i ^ 1, siblings)).toBe(false);
        expect(verifyBatchDataProof(root, batchLeafHash(utf8("other")), i, siblings)).toBe(false);
      }
    }
    expect(() => batchDataProof([utf8("a")], 1)).toThrow(RangeError);
  });
});
