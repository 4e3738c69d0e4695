/**
 * Quorum reads of committed blocks for the optimistic poster and the
 * challengers: every validator of the rollup pushes `committed-block
 * {height, root, txs}` to its block watchers (and answers `block-query`), and
 * a watcher accepts the block of a height only once `quorum` distinct
 * validators sent the same root and the same transactions. With quorum
 * f + 1 of n = 3f + 1, at least one of them is honest, so up to f crashed or
 * byzantine validators (validator 0 included) neither stall a watcher nor
 * feed it a wrong block. (The message carries no commit QC: agreement of
 * f + 1 validators stands in for it, as the batch poster's `rootQuorum` does
 * for roots.) Sans-IO, deterministic.
 */
import { batchDataRoot } from "../crypto/binary-merkle.js";
import { toHex } from "../crypto/hash.js";
import type { NodeId } from "../sim/node.js";

/** A committed block as validators push it. */
export interface PushedBlock {
  readonly root: Uint8Array;
  readonly txs: readonly Uint8Array[];
}

/** Collects validators' pushed blocks per height until a quorum agrees. */
export class BlockQuorum {
  /** Per height, per (root, data commitment): the block and who sent it. */
  private readonly seen = new Map<number, Map<string, { readonly block: PushedBlock; readonly from: Set<NodeId> }>>();

  /**
   * @param validators the validators read from (others are ignored)
   * @param quorum distinct validators that must agree (1 <= quorum <= validators.length)
   * @throws RangeError on an empty list or a quorum out of range
   */
  constructor(
    readonly validators: readonly NodeId[],
    readonly quorum: number,
  ) {
    if (validators.length === 0 || !Number.isSafeInteger(quorum) || quorum < 1 || quorum > validators.length) {
      throw new RangeError(`BlockQuorum: quorum ${quorum} of ${validators.length} validators`);
    }
  }

  /** Whether `node` is one of the validators read from. */
  reads(node: NodeId): boolean {
    return this.validators.includes(node);
  }

  /**
   * Records validator `from`'s block at `height`; returns the block the first time `quorum` validators sent
   * the same one, else undefined. Heights at or below `applied` are ignored (and forgotten).
   */
  offer(from: NodeId, height: number, block: PushedBlock, applied: number): PushedBlock | undefined {
    for (const h of this.seen.keys()) if (h <= applied) this.seen.delete(h);
    if (height <= applied || !this.reads(from)) return undefined;
    const key = `${toHex(block.root)}/${toHex(batchDataRoot(block.txs))}`;
    let byBlock = this.seen.get(height);
    if (byBlock === undefined) this.seen.set(height, (byBlock = new Map()));
    let entry = byBlock.get(key);
    if (entry === undefined) byBlock.set(key, (entry = { block, from: new Set() }));
    if (entry.from.has(from)) return undefined;
    entry.from.add(from);
    if (entry.from.size !== this.quorum) return undefined;
    return entry.block;
  }
}
