/**
 * The block graph a reorg is measured on: each block's parent and height, as
 * the `block` events of the validators report them, from genesis. Shared by
 * the reorg-bound checker and the report's reorg-depth series.
 */
import { GENESIS_BLOCK } from "../../consensus/genesis.js";
import { toHex } from "../../crypto/hash.js";

interface BlockRef {
  readonly parent: string;
  readonly height: number;
}

/** Parent links and heights of the blocks seen (hashes as lowercase hex), genesis included. */
export class BlockGraph {
  private readonly blocks = new Map<string, BlockRef>([[toHex(GENESIS_BLOCK.hash), { parent: "", height: 0 }]]);

  /** Records block `hash` (a later record of one hash replaces the earlier). */
  add(hash: string, parent: string, height: number): void {
    this.blocks.set(hash, { parent, height });
  }

  /**
   * Blocks of `from`'s chain above its lowest common ancestor with `to`: 0 when `to` extends `from`,
   * and 0 when either block, or the ancestor, is unknown.
   */
  rollbackDepth(from: string, to: string): number {
    const start = this.blocks.get(from);
    let a = from;
    let b = to;
    let aRef = start;
    let bRef = this.blocks.get(to);
    if (aRef === undefined || bRef === undefined) return 0;
    while (bRef !== undefined && bRef.height > aRef.height) {
      b = bRef.parent;
      bRef = this.blocks.get(b);
    }
    while (aRef !== undefined && bRef !== undefined && aRef.height > bRef.height) {
      a = aRef.parent;
      aRef = this.blocks.get(a);
    }
    while (aRef !== undefined && bRef !== undefined && a !== b) {
      a = aRef.parent;
      b = bRef.parent;
      aRef = this.blocks.get(a);
      bRef = this.blocks.get(b);
    }
    if (aRef === undefined || start === undefined) return 0;
    return start.height - aRef.height;
  }
}
