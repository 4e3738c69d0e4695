/**
 * Reorg bound: no validator's speculative head (its highest certified block)
 * is ever rolled back by more than `maxReorgDepth` blocks.
 *
 * The checker builds its own block graph from the `block` events of all
 * validators. When a validator's head moves from A to B, the rollback depth is
 * `height(A) - height(lowest common ancestor of A and B)`: 0 when B extends A.
 * A restart (`boot`) forgets the validator's head: losing volatile state is
 * not a reorg. Only the heads of the honest validators it is given are judged
 * (the blocks of every node enter the graph: only replicas log `block`).
 */
import type { NodeId } from "../../sim/node.js";
import { VALIDATOR_EVENTS } from "../../systems/validators/events.js";
import { BlockGraph } from "./block-graph.js";
import { safetyVerdict, type Checker, type HonestValidators, type InvariantResult, type Observation, type Violation } from "../checker.js";

/** Checks the reorg bound (see the file comment): fails when a head rolls back more than `maxReorgDepth` blocks. */
export class ReorgBoundChecker implements Checker {
  readonly name = "reorg-bound";
  readonly kind = "safety" as const;
  private readonly blocks = new BlockGraph();
  private readonly heads = new Map<NodeId, string>();
  private deepest = 0;
  private reorgs = 0;
  private violation: Violation | undefined;

  /**
   * @param maxReorgDepth deepest rollback allowed, in blocks
   * @param honest the honest validator instances (the heads judged)
   */
  constructor(
    private readonly maxReorgDepth: number,
    private readonly honest: HonestValidators,
  ) {}

  observe(o: Observation): Violation | undefined {
    if (!VALIDATOR_EVENTS.is(o, "block", "boot", "head")) return undefined;
    switch (o.event) {
      case "block":
        this.blocks.add(o.fields.hash, o.fields.parent, o.fields.height);
        return undefined;
      case "boot":
        this.heads.delete(o.node);
        return undefined;
      case "head": {
        if (!this.honest.has(o.node)) return undefined;
        const hash = o.fields.hash;
        const previous = this.heads.get(o.node);
        this.heads.set(o.node, hash);
        if (previous === undefined) return undefined;
        const depth = this.blocks.rollbackDepth(previous, hash);
        if (depth === 0) return undefined;
        this.reorgs++;
        this.deepest = Math.max(this.deepest, depth);
        if (depth > this.maxReorgDepth) {
          this.violation ??= {
            invariant: this.name,
            atUs: o.timeUs,
            message: `${o.node} rolled back its head by ${depth} blocks (from ${previous.slice(0, 16)} to ${hash.slice(0, 16)}), more than maxReorgDepth ${this.maxReorgDepth}`,
          };
          return this.violation;
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }

  finish(): InvariantResult {
    return safetyVerdict(this.name, { deepestReorg: this.deepest, reorgs: this.reorgs, maxReorgDepth: this.maxReorgDepth }, this.violation);
  }
}
