/**
 * How far a validator's speculative head (its highest certified block) moves
 * back, from its own `block` and `head` events: the reorg window a real node
 * reports as a metric. The same measure as the simulator's reorg-bound
 * checker (`check/validators/block-graph.ts`): when the head moves from A to
 * B, the depth is `height(A) - height(lowest common ancestor of A and B)`, 0
 * when B extends A. Unlike the checker's graph, this one keeps only the last
 * `blocksKept` blocks, so a node that runs for weeks holds a bounded map; a
 * move whose common ancestor is not among them counts 0, as the checker
 * counts a move to or from an unknown block.
 */
/** Blocks remembered by default: far more than any reorg a BFT chain makes (it rolls back uncommitted blocks only). */
export const HEAD_REORG_BLOCKS_KEPT = 4096;

interface BlockRef {
  readonly parent: string;
  readonly height: number;
}

/** Head rollback depths of one validator (see the file comment). */
export class HeadReorgs {
  private readonly blocks = new Map<string, BlockRef>();
  private head: { hash: string; height: number } | undefined;

  /** @param blocksKept blocks remembered (oldest forgotten first); at least 1 */
  constructor(private readonly blocksKept: number = HEAD_REORG_BLOCKS_KEPT) {
    if (!(Number.isSafeInteger(blocksKept) && blocksKept >= 1)) throw new RangeError(`blocksKept must be an integer >= 1, got ${blocksKept}`);
  }

  /** A block entered the node's tree (`block` event): hashes as hex. */
  block(hash: string, parent: string, height: number): void {
    if (this.blocks.has(hash)) return;
    this.blocks.set(hash, { parent, height });
    if (this.blocks.size > this.blocksKept) this.blocks.delete(this.blocks.keys().next().value!);
  }

  /**
   * The head moved to `hash` at `height` (`head` event).
   * @returns blocks of the old head's chain rolled back (0 when the new head extends it, or for the first head after a boot)
   */
  moveHead(hash: string, height: number): number {
    const previous = this.head;
    this.head = { hash, height };
    if (previous === undefined || previous.hash === hash) return 0;
    let a = previous.hash;
    let aHeight = previous.height;
    let b = hash;
    let bHeight = height;
    // Walk the higher of the two back until they meet; a block out of the window (or never seen) ends the walk: 0, as the checker counts it.
    while (a !== b) {
      if (aHeight >= bHeight) {
        const ref = this.blocks.get(a);
        if (ref === undefined) break;
        a = ref.parent;
        aHeight = ref.height - 1;
      } else {
        const ref = this.blocks.get(b);
        if (ref === undefined) break;
        b = ref.parent;
        bHeight = ref.height - 1;
      }
    }
    return a === b ? previous.height - aHeight : 0;
  }

  /** The node restarted (`boot`): it lost its volatile head, which is not a reorg. */
  boot(): void {
    this.head = undefined;
  }
}
