/**
 * The superblock chain against the L1 registry (issue 17, item 6;
 * `settlement_layer.md` rules 1 and 2, SBCP v1 "Superblock"): every
 * superblock the L1 finalized in the registry is one the SP built (same
 * number, slot, parent hash, hash and L2 blocks, as its `sbcp-superblock`
 * event logged them); the finalized numbers are 1, 2, 3, ... with no gap;
 * each entry's parent hash is the previous entry's hash (32 zero bytes for
 * the first); and the SP never rolls back below a finalized superblock (a
 * finalized superblock is settled: RollBackAndStartSlot may only discard
 * what the L1 has not finalized).
 *
 * Observes the SP's `sbcp-superblock` and `sbcp-rollback` and the derived
 * `sbcp-l1-registry-finalized` observations of the L1 node (`systems/sbcp/l1-registry-watch.ts`).
 */
import type { Checker, InvariantResult, Observation, Violation } from "../checker.js";
import { safetyVerdict } from "../checker.js";
import type { NodeId } from "../../sim/node.js";
import { SBCP_EVENTS } from "../../systems/sbcp/events.js";
import { SBCP_L1_EVENTS } from "../../systems/sbcp/l1-events.js";

const ZERO_HASH = "0".repeat(64);

/** What the SP built, keyed `number/hash`: slot, parent hash and the blocks as `chain:number:hash`. */
interface BuiltSuperblock {
  readonly slot: number;
  readonly parentHash: string;
  readonly blocks: string;
}

/** Checks the finalized L1 superblock registry against what the SP built. */
export class L1SuperblockRegistryChecker implements Checker {
  readonly name = "sbcp-l1-registry";
  readonly kind = "safety" as const;
  private readonly built = new Map<string, BuiltSuperblock>();
  private last: { readonly number: number; readonly hash: string } | undefined;
  private violation: Violation | undefined;
  private finalized = 0;

  /**
   * @param publisher the SP's node id
   * @param l1 the L1 node's id (the derived registry observations carry it)
   */
  constructor(
    private readonly publisher: NodeId,
    private readonly l1: NodeId,
  ) {}

  observe(o: Observation): Violation | undefined {
    if (this.violation !== undefined) return undefined;
    if (o.node === this.publisher && SBCP_EVENTS.is(o, "sbcp-superblock")) {
      const sb = o.fields;
      this.built.set(`${sb.number}/${sb.hash}`, { slot: sb.slot, parentHash: sb.parentHash, blocks: sb.blocks.map((b) => `${b.chain}:${b.number}:${b.hash}`).join(",") });
      return undefined;
    }
    if (o.node === this.publisher && SBCP_EVENTS.is(o, "sbcp-rollback")) {
      const below = this.last?.number ?? 0;
      if (o.fields.lastValidNumber < below) return (this.violation = { invariant: this.name, atUs: o.timeUs, message: `the SP rolled back to superblock ${o.fields.lastValidNumber}, below superblock ${below} the L1 finalized` });
      return undefined;
    }
    if (o.node !== this.l1 || !SBCP_L1_EVENTS.is(o, "sbcp-l1-registry-finalized")) return undefined;
    const entry = o.fields;
    const fail = (message: string): Violation => (this.violation = { invariant: this.name, atUs: o.timeUs, message: `L1 registry superblock ${entry.number}: ${message}` });
    if (entry.misplaced !== undefined) return fail(entry.misplaced);
    const expected = (this.last?.number ?? 0) + 1;
    if (entry.number !== expected) return fail(`finalized after ${expected - 1}: the numbers are not contiguous`);
    if (entry.parentHash !== (this.last?.hash ?? ZERO_HASH)) return fail("its parent hash is not the previous registry entry's hash");
    const built = this.built.get(`${entry.number}/${entry.hash}`);
    if (built === undefined) return fail(`hash ${entry.hash.slice(0, 12)}... is not a superblock the SP built`);
    if (built.slot !== entry.slot) return fail(`slot ${entry.slot} differs from the SP's ${built.slot}`);
    if (built.parentHash !== entry.parentHash) return fail("parent hash differs from the SP's");
    const blocks = entry.blocks.map((b) => `${b.chain}:${b.number}:${b.hash}`).join(",");
    if (built.blocks !== blocks) return fail(`L2 blocks [${blocks}] differ from the SP's [${built.blocks}]`);
    this.last = { number: entry.number, hash: entry.hash };
    this.finalized++;
    return undefined;
  }

  finish(): InvariantResult {
    return safetyVerdict(this.name, { finalizedSuperblocks: this.finalized }, this.violation);
  }
}
