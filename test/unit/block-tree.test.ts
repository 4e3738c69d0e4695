import { describe, expect, it } from "vitest";
import { blockHash } from "../../src/consensus/block-hash.js";
import { BlockTree } from "../../src/consensus/block-tree.js";
import { GENESIS_BLOCK, GENESIS_QC } from "../../src/consensus/genesis.js";
import type { Block } from "../../src/consensus/types.js";
import { toHex } from "../../src/crypto/hash.js";

/** A child of `parent` (the QC signatures do not matter to the tree). */
function child(parent: Block, tag: string, height = parent.height + 1): Block {
  const fields = {
    view: parent.view + 1,
    height,
    parentHash: parent.hash,
    justify: { ...GENESIS_QC, view: parent.view, height: parent.height, blockHash: parent.hash },
    proposer: 0,
    timestampUs: 1_000 * height,
    payload: new TextEncoder().encode(tag),
  };
  return { ...fields, hash: blockHash(fields) };
}

const hex = (b: Block): string => toHex(b.hash);
const tags = (blocks: readonly Block[] | undefined): string[] | undefined => blocks?.map((b) => new TextDecoder().decode(b.payload));

/**
 *   G - A1 - A2 - A3
 *    \    \
 *     B1   C2
 *      \
 *       B2
 */
function forest() {
  const tree = new BlockTree(GENESIS_BLOCK);
  const A1 = child(GENESIS_BLOCK, "A1");
  const A2 = child(A1, "A2");
  const A3 = child(A2, "A3");
  const B1 = child(GENESIS_BLOCK, "B1");
  const B2 = child(B1, "B2");
  const C2 = child(A1, "C2");
  for (const b of [A1, A2, A3, B1, B2, C2]) expect(tree.add(b)).toBe(true);
  return { tree, A1, A2, A3, B1, B2, C2 };
}

describe("BlockTree", () => {
  it("starts with the root as committed tip and nothing uncommitted", () => {
    const tree = new BlockTree(GENESIS_BLOCK);
    expect(tree.committedTip).toBe(GENESIS_BLOCK);
    expect(tree.uncommittedCount).toBe(0);
    expect(tree.get(hex(GENESIS_BLOCK))).toBe(GENESIS_BLOCK);
  });

  it("add requires a known parent", () => {
    const tree = new BlockTree(GENESIS_BLOCK);
    const A1 = child(GENESIS_BLOCK, "A1");
    const A2 = child(A1, "A2");
    expect(tree.add(A2)).toBe(false);
    expect(tree.get(hex(A2))).toBeUndefined();
    expect(tree.add(A1)).toBe(true);
    expect(tree.add(A2)).toBe(true);
    expect(tree.get(hex(A2))).toBe(A2);
    expect(tree.uncommittedCount).toBe(2);
  });

  it("add refuses duplicates and blocks at or below the committed height", () => {
    const tree = new BlockTree(GENESIS_BLOCK);
    const A1 = child(GENESIS_BLOCK, "A1");
    expect(tree.add(A1)).toBe(true);
    expect(tree.add(A1)).toBe(false);
    expect(tree.add(GENESIS_BLOCK)).toBe(false);
    expect(tree.add(child(GENESIS_BLOCK, "zero", 0))).toBe(false);
    tree.commit(hex(A1));
    expect(tree.add(child(GENESIS_BLOCK, "B1"))).toBe(false); // height 1 is committed now
    expect(tree.uncommittedCount).toBe(0);
  });

  it("branchTo gives the blocks above the committed tip, oldest first", () => {
    const { tree, A1, A3, B2, C2 } = forest();
    expect(tree.branchTo(hex(GENESIS_BLOCK))).toEqual([]);
    expect(tags(tree.branchTo(hex(A3)))).toEqual(["A1", "A2", "A3"]);
    expect(tags(tree.branchTo(hex(B2)))).toEqual(["B1", "B2"]);
    expect(tags(tree.branchTo(hex(C2)))).toEqual(["A1", "C2"]);
    expect(tree.branchTo(hex(A1))).toEqual([A1]);
    expect(tree.branchTo("00".repeat(32))).toBeUndefined();
  });

  it("commit returns the newly committed blocks oldest first and moves the tip", () => {
    const { tree, A2, A3 } = forest();
    expect(tags(tree.commit(hex(A2)).committed)).toEqual(["A1", "A2"]);
    expect(tree.committedTip).toBe(A2);
    expect(tags(tree.commit(hex(A3)).committed)).toEqual(["A3"]);
    expect(tree.committedTip).toBe(A3);
    expect(tree.uncommittedCount).toBe(0);
  });

  it("commit prunes forks that no longer descend from the new tip, keeping descendants", () => {
    const { tree, A1, A2, A3, B1, B2, C2 } = forest();
    const { committed, pruned } = tree.commit(hex(A1));
    expect(tags(committed)).toEqual(["A1"]);
    expect(pruned.sort()).toEqual([hex(B1), hex(B2)].sort());
    expect(tree.get(hex(B1))).toBeUndefined();
    expect(tree.get(hex(B2))).toBeUndefined();
    expect(tree.get(hex(A2))).toBe(A2);
    expect(tree.get(hex(A3))).toBe(A3);
    expect(tree.get(hex(C2))).toBe(C2);
    expect(tree.uncommittedCount).toBe(3);
    // committing A2 drops its sibling C2
    tree.commit(hex(A2));
    expect(tree.get(hex(C2))).toBeUndefined();
    expect(tree.uncommittedCount).toBe(1);
    // committed blocks stay reachable
    expect(tree.get(hex(A1))).toBe(A1);
    expect(tree.get(hex(GENESIS_BLOCK))).toBe(GENESIS_BLOCK);
  });

  it("committing an already committed block returns []", () => {
    const { tree, A2 } = forest();
    tree.commit(hex(A2));
    expect(tree.commit(hex(A2))).toEqual({ committed: [], pruned: [] });
    expect(tree.commit(hex(GENESIS_BLOCK))).toEqual({ committed: [], pruned: [] });
    expect(tree.committedTip).toBe(A2);
  });

  it("committing a block that conflicts with the committed chain throws", () => {
    const { tree, A1, B1, B2 } = forest();
    tree.commit(hex(A1));
    expect(() => tree.commit(hex(B1))).toThrow(Error);
    expect(() => tree.commit(hex(B2))).toThrow(Error);
    expect(tree.committedTip).toBe(A1);
  });

  it("committing a fork off an older committed block throws and changes nothing", () => {
    const tree = new BlockTree(GENESIS_BLOCK);
    const A1 = child(GENESIS_BLOCK, "A1");
    tree.add(A1);
    tree.commit(hex(A1));
    // a fork off genesis claiming height 2: whether or not add keeps it, it never becomes committable
    const fork = child(GENESIS_BLOCK, "fork", 2);
    tree.add(fork);
    expect(tree.branchTo(hex(fork))).toBeUndefined();
    expect(() => tree.commit(hex(fork))).toThrow(/does not extend the committed tip/);
    expect(tree.committedTip).toBe(A1);
    expect(tree.get(hex(A1))).toBe(A1);
  });

  it("committing an unknown hash throws", () => {
    const tree = new BlockTree(GENESIS_BLOCK);
    expect(() => tree.commit("ab".repeat(32))).toThrow(Error);
  });

  it("addCommittedHistory makes old committed blocks retrievable without moving the tip", () => {
    const A1 = child(GENESIS_BLOCK, "A1");
    const A2 = child(A1, "A2");
    const tree = new BlockTree(A2);
    tree.addCommittedHistory(A1);
    tree.addCommittedHistory(GENESIS_BLOCK);
    expect(tree.get(hex(A1))).toBe(A1);
    expect(tree.committedTip).toBe(A2);
    expect(tree.commit(hex(A1))).toEqual({ committed: [], pruned: [] });
    const A3 = child(A2, "A3");
    expect(tree.add(A3)).toBe(true);
    expect(tree.commit(hex(A3))).toEqual({ committed: [A3], pruned: [] });
  });
});
