/**
 * The block tree: the committed chain (kept in full, to serve catch-up) plus
 * the uncommitted blocks above its tip, linked by parent hash. A block enters
 * only when its parent is already here, so every block reaches the committed
 * chain by walking parents.
 */
import { toHex } from "../crypto/hash.js";
import type { Block } from "./types.js";

/** Blocks of one replica, indexed by hex hash. */
export class BlockTree {
  private tip: Block;
  private readonly uncommitted = new Map<string, Block>();
  private readonly committed = new Map<string, Block>();
  private readonly committedHeights = new Map<number, Block>();

  /** @param root the last committed block (genesis on first boot, or an installed snapshot's block) */
  constructor(root: Block) {
    this.tip = root;
    this.committed.set(toHex(root.hash), root);
    this.committedHeights.set(root.height, root);
  }

  /** The committed block at `height`, if this tree holds it. */
  committedAt(height: number): Block | undefined {
    return this.committedHeights.get(height);
  }

  /** The last committed block. */
  get committedTip(): Block {
    return this.tip;
  }

  /** An uncommitted child of the block `hashHex`, if this tree holds one (its justify QC certifies that block). */
  childOf(hashHex: string): Block | undefined {
    for (const block of this.uncommitted.values()) if (toHex(block.parentHash) === hashHex) return block;
    return undefined;
  }

  /** Hex hashes of the uncommitted blocks held. */
  uncommittedHashes(): string[] {
    return [...this.uncommitted.keys()];
  }

  /** Number of uncommitted blocks held. */
  get uncommittedCount(): number {
    return this.uncommitted.size;
  }

  /** The block with this hex hash, committed or not. */
  get(hashHex: string): Block | undefined {
    return this.uncommitted.get(hashHex) ?? this.committed.get(hashHex);
  }

  /** Adds a block known to be committed (loaded from storage at boot), below or at the tip. */
  addCommittedHistory(block: Block): void {
    this.committed.set(toHex(block.hash), block);
    this.committedHeights.set(block.height, block);
  }

  /**
   * Adds an uncommitted block.
   * @returns false when the block is already here, is at or below the committed
   *   height, its parent is unknown (the caller must fetch it first), or its
   *   height is not its parent's plus one
   */
  add(block: Block): boolean {
    const hex = toHex(block.hash);
    if (block.height <= this.tip.height || this.uncommitted.has(hex)) return false;
    const parent = this.get(toHex(block.parentHash));
    if (parent === undefined || parent.height + 1 !== block.height) return false;
    this.uncommitted.set(hex, block);
    return true;
  }

  /**
   * The uncommitted blocks from just above the committed tip up to and
   * including `hashHex`, oldest first; `[]` for the tip itself; undefined when
   * the block is unknown or does not descend from the committed tip.
   */
  branchTo(hashHex: string): Block[] | undefined {
    if (hashHex === toHex(this.tip.hash)) return [];
    const branch: Block[] = [];
    let block = this.uncommitted.get(hashHex);
    while (block !== undefined) {
      branch.push(block);
      const parentHex = toHex(block.parentHash);
      if (parentHex === toHex(this.tip.hash)) return branch.reverse();
      block = this.uncommitted.get(parentHex);
    }
    return undefined;
  }

  /**
   * Commits `hashHex` and its uncommitted ancestors; drops uncommitted blocks
   * that no longer descend from the new tip.
   * @returns the newly committed blocks, oldest first (empty if already
   *   committed), and the hex hashes of the dropped blocks
   * @throws Error if the block conflicts with the committed chain: a safety bug
   */
  commit(hashHex: string): { committed: Block[]; pruned: string[] } {
    if (this.committed.has(hashHex)) return { committed: [], pruned: [] };
    const branch = this.branchTo(hashHex);
    if (branch === undefined) {
      throw new Error(`commit of ${hashHex.slice(0, 16)} does not extend the committed tip ${toHex(this.tip.hash).slice(0, 16)} at height ${this.tip.height}`);
    }
    for (const block of branch) {
      const hex = toHex(block.hash);
      this.uncommitted.delete(hex);
      this.committed.set(hex, block);
      this.committedHeights.set(block.height, block);
      this.tip = block;
    }
    const pruned: string[] = [];
    for (const [hex, block] of this.uncommitted) {
      if (block.height <= this.tip.height || this.branchTo(hex) === undefined) pruned.push(hex);
    }
    for (const hex of pruned) this.uncommitted.delete(hex);
    return { committed: branch, pruned };
  }
}
