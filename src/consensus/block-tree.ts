/**
 * The block tree: the committed chain plus the uncommitted blocks above its
 * tip, linked by parent hash. A block enters only when its parent is already
 * here, so every block reaches the committed chain by walking parents.
 *
 * Memory stays bounded by a window, not by the height: the tree holds the
 * last `keepCommitted` committed blocks (and genesis) as objects; of the
 * committed blocks below that window it keeps only a compact index (hex hash
 * to height) and reads the block itself, when asked for it (to serve a
 * lagging peer's catch-up or a snapshot's commit proof), from the replica's
 * disk through `history`, where the committed chain is stored anyway
 * (`safety-store.ts`). This is what a real node does: recent blocks in
 * memory, the committed log on disk.
 */
import { toHex } from "../crypto/hash.js";
import { assert } from "../sim/assert.js";
import type { Block } from "./types.js";

/** Default number of committed blocks a tree holds in memory (32 s of blocks at a 250 ms block time). */
export const COMMITTED_BLOCKS_KEPT_DEFAULT = 128;

/** How a tree bounds its memory (see the module comment). */
export interface BlockTreeOptions {
  /** Committed blocks held in memory below and at the tip (at least 1); default {@link COMMITTED_BLOCKS_KEPT_DEFAULT}. */
  readonly keepCommitted?: number;
  /**
   * Reads the committed block at a height from the disk; undefined when it is
   * not there (never stored, deleted, or corrupt). Without it, the tree keeps
   * every committed block in memory.
   */
  readonly history?: (height: number) => Block | undefined;
}

/** Blocks of one replica, indexed by hex hash. */
export class BlockTree {
  private tip: Block;
  private readonly uncommitted = new Map<string, Block>();
  /** Committed blocks held in memory, by hex hash and by height. */
  private readonly committed = new Map<string, Block>();
  private readonly committedHeights = new Map<number, Block>();
  /** Committed blocks no longer held in memory: hex hash to height (read back through `history`). */
  private readonly evicted = new Map<string, number>();
  /** The lowest height above 0 that may still be held in memory (the next one to evict). */
  private floor: number;
  private readonly keep: number;
  private readonly history: ((height: number) => Block | undefined) | undefined;

  /**
   * @param root the last committed block (genesis on first boot, or an installed snapshot's block)
   * @throws Error when `options.keepCommitted` is not a positive integer
   */
  constructor(root: Block, options: BlockTreeOptions = {}) {
    const keep = options.keepCommitted ?? COMMITTED_BLOCKS_KEPT_DEFAULT;
    if (!Number.isSafeInteger(keep) || keep < 1) throw new Error(`BlockTree: keepCommitted must be a positive integer, got ${keep}`);
    this.keep = keep;
    this.history = options.history;
    this.tip = root;
    this.floor = Math.max(1, root.height);
    this.committed.set(toHex(root.hash), root);
    this.committedHeights.set(root.height, root);
  }

  /** The committed block at `height`, if this tree holds it (in memory, or on the disk below the window). */
  committedAt(height: number): Block | undefined {
    const held = this.committedHeights.get(height);
    if (held !== undefined || this.history === undefined || height >= this.floor) return held;
    const block = this.history(height);
    return block !== undefined && this.evicted.get(toHex(block.hash)) === height ? block : undefined;
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

  /** Number of committed blocks held in memory (genesis included): bounded by the window, not by the height. */
  get committedInMemory(): number {
    return this.committed.size;
  }

  /** Whether the tree knows the block `hashHex` (committed or not), without reading the disk. */
  has(hashHex: string): boolean {
    return this.uncommitted.has(hashHex) || this.committed.has(hashHex) || this.evicted.has(hashHex);
  }

  /** The block with this hex hash, committed or not (a committed one below the window is read from the disk). */
  get(hashHex: string): Block | undefined {
    const held = this.uncommitted.get(hashHex) ?? this.committed.get(hashHex);
    if (held !== undefined || this.history === undefined) return held;
    const height = this.evicted.get(hashHex);
    if (height === undefined) return undefined;
    const block = this.history(height);
    return block !== undefined && toHex(block.hash) === hashHex ? block : undefined;
  }

  /** Adds a block known to be committed (loaded from storage at boot), below or at the tip. */
  addCommittedHistory(block: Block): void {
    assert(block.height <= this.tip.height, "committed history is at or below the tip");
    if (this.history !== undefined && block.height > 0 && block.height <= this.tip.height - this.keep) {
      this.evicted.set(toHex(block.hash), block.height);
      this.floor = Math.max(this.floor, block.height + 1);
      return;
    }
    this.committed.set(toHex(block.hash), block);
    this.committedHeights.set(block.height, block);
    if (block.height > 0) this.floor = Math.min(this.floor, block.height);
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
   * that no longer descend from the new tip; moves committed blocks that fell
   * out of the window to the index (see the module comment).
   * @returns the newly committed blocks, oldest first (empty if already
   *   committed), and the hex hashes of the dropped blocks
   * @throws Error if the block conflicts with the committed chain: a safety bug
   */
  commit(hashHex: string): { committed: Block[]; pruned: string[] } {
    if (this.committed.has(hashHex) || this.evicted.has(hashHex)) return { committed: [], pruned: [] };
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
    this.evictBelowWindow();
    return { committed: branch, pruned };
  }

  /**
   * Forgets the committed blocks below `height` that are no longer held in
   * memory (the disk truncated its stored chain there): they are not known
   * any more, as the blocks below an installed snapshot are not.
   */
  forgetBelow(height: number): void {
    for (const [hex, h] of this.evicted) {
      if (h >= height) break;
      this.evicted.delete(hex);
    }
  }

  /** Number of committed blocks below the window this tree still knows by hash (the compact index). */
  get committedIndexed(): number {
    return this.evicted.size;
  }

  /** Moves the committed blocks below the window from memory to the index (only with a `history` to read them back). */
  private evictBelowWindow(): void {
    if (this.history === undefined) return;
    const limit = this.tip.height - this.keep;
    for (; this.floor <= limit; this.floor++) {
      const block = this.committedHeights.get(this.floor);
      if (block === undefined) continue;
      const hex = toHex(block.hash);
      this.committedHeights.delete(this.floor);
      this.committed.delete(hex);
      this.evicted.set(hex, this.floor);
    }
    assert(this.committed.has(toHex(this.tip.hash)), "the committed tip stays in memory");
  }
}
