/**
 * The superblock chain (SBCP v1, "Superblock"; settlement rules 1, 2 and 4 in
 * `settlement_layer.md`): superblock numbers are 1, 2, 3, ... (after a rollback
 * to n, the next is n + 1); each superblock's parent hash is the previous one's
 * hash (32 zero bytes for the first); and each chain's block in a superblock is
 * the successor of that chain's block in the previous superblock that had one
 * (number + 1 and the parent hash link, block 1 for a chain's first). The L1
 * registry's side of this rule comes with the L1 superblock registry.
 */
import type { Checker, InvariantResult, Observation, Violation } from "../checker.js";
import { safetyVerdict } from "../checker.js";
import { SBCP_EVENTS } from "../../systems/sbcp/events.js";
import type { NodeId } from "../../sim/node.js";
import { SealedBlocks } from "./sealed-blocks.js";

const ZERO_HASH = "0".repeat(64);

interface Built {
  readonly number: number;
  readonly hash: string;
  /** Each chain's last included block (number, hash) up to and including this superblock. */
  readonly heads: ReadonlyMap<number, { readonly number: number; readonly hash: string }>;
}

/** Checks the superblock chain the SP builds. */
export class SuperblockChainChecker implements Checker {
  readonly name = "sbcp-superblock-chain";
  readonly kind = "safety" as const;
  private readonly blocks = new SealedBlocks();
  private chain: Built[] = [];
  private violation: Violation | undefined;
  private built = 0;

  /** @param publisher the SP's node id */
  constructor(private readonly publisher: NodeId) {}

  observe(o: Observation): Violation | undefined {
    if (this.violation !== undefined) return undefined;
    this.blocks.observe(o);
    if (o.node !== this.publisher || !SBCP_EVENTS.is(o, "sbcp-superblock", "sbcp-rollback")) return undefined;
    if (o.event === "sbcp-rollback") {
      this.chain = this.chain.slice(0, o.fields.lastValidNumber);
      return undefined;
    }
    const sb = o.fields;
    const fail = (message: string): Violation => (this.violation = { invariant: this.name, atUs: o.timeUs, message: `superblock ${sb.number}: ${message}` });
    const previous = this.chain.at(-1);
    if (sb.number !== (previous?.number ?? 0) + 1) return fail(`number follows ${previous?.number ?? 0}`);
    if (sb.parentHash !== (previous?.hash ?? ZERO_HASH)) return fail("parent hash is not the previous superblock's hash");
    const heads = new Map(previous?.heads ?? []);
    for (const entry of sb.blocks) {
      const head = heads.get(entry.chain);
      if (entry.number !== (head?.number ?? 0) + 1) return fail(`chain ${entry.chain}'s block ${entry.number} does not follow its block ${head?.number ?? 0}`);
      const block = this.blocks.get(entry.chain, entry.number, entry.hash);
      if (block === undefined) return fail(`chain ${entry.chain}'s block ${entry.number} was never sealed by its sequencer`);
      if (head !== undefined && block.parentHash !== head.hash) return fail(`chain ${entry.chain}'s block ${entry.number} does not build on its previous block`);
      heads.set(entry.chain, { number: entry.number, hash: entry.hash });
    }
    this.chain.push({ number: sb.number, hash: sb.hash, heads });
    this.built++;
    return undefined;
  }

  finish(): InvariantResult {
    return safetyVerdict(this.name, { superblocks: this.built }, this.violation);
  }
}
