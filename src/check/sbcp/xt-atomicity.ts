/**
 * xT atomicity (issue 17, "Checkers"; SCP v1's goal): every xT a superblock
 * includes was decided true in that slot, and is in the block of **every**
 * chain that participates in it, in the same superblock; and no block of a
 * superblock lists an xT the superblock does not include. So a decided-false
 * xT is in no block of a superblock, and a decided-true one is in all of its
 * chains' blocks or in none.
 */
import type { Checker, InvariantResult, Observation, Violation } from "../checker.js";
import { safetyVerdict } from "../checker.js";
import { SBCP_EVENTS } from "../../systems/sbcp/events.js";
import type { NodeId } from "../../sim/node.js";
import { SealedBlocks } from "./sealed-blocks.js";

/** Checks xT atomicity over every superblock the SP builds. */
export class XtAtomicityChecker implements Checker {
  readonly name = "sbcp-xt-atomicity";
  readonly kind = "safety" as const;
  private readonly blocks = new SealedBlocks();
  private readonly participants = new Map<string, readonly number[]>();
  private readonly decisions = new Map<string, boolean>();
  private violation: Violation | undefined;
  private included = 0;

  /** @param publisher the SP's node id */
  constructor(private readonly publisher: NodeId) {}

  observe(o: Observation): Violation | undefined {
    if (this.violation !== undefined) return undefined;
    this.blocks.observe(o);
    if (o.node !== this.publisher || !SBCP_EVENTS.is(o, "sbcp-instance-started", "sbcp-decided", "sbcp-superblock")) return undefined;
    if (o.event === "sbcp-instance-started") {
      this.participants.set(`${o.fields.slot}/${o.fields.xTid}`, o.fields.participants);
      return undefined;
    }
    if (o.event === "sbcp-decided") {
      this.decisions.set(`${o.fields.slot}/${o.fields.xTid}`, o.fields.decision);
      return undefined;
    }
    const sb = o.fields;
    const fail = (message: string): Violation => (this.violation = { invariant: this.name, atUs: o.timeUs, message: `superblock ${sb.number}: ${message}` });
    const listed = new Set(sb.xTids);
    const byChain = new Map(sb.blocks.map((b) => [b.chain, b]));
    for (const entry of sb.blocks) {
      const block = this.blocks.get(entry.chain, entry.number, entry.hash);
      if (block === undefined) return fail(`chain ${entry.chain}'s block ${entry.number} was never sealed by its sequencer`);
      const stray = block.xTids.find((x) => !listed.has(x));
      if (stray !== undefined) return fail(`chain ${entry.chain}'s block ${entry.number} lists xT ${stray.slice(0, 12)} that the superblock does not include`);
    }
    for (const xTid of sb.xTids) {
      const key = `${sb.slot}/${xTid}`;
      if (this.decisions.get(key) !== true) return fail(`includes xT ${xTid.slice(0, 12)} that was not decided true in slot ${sb.slot}`);
      for (const chain of this.participants.get(key) ?? []) {
        const entry = byChain.get(chain);
        if (entry === undefined) return fail(`includes xT ${xTid.slice(0, 12)} without a block of its chain ${chain}`);
        if (!this.blocks.get(chain, entry.number, entry.hash)!.xTids.includes(xTid)) return fail(`chain ${chain}'s block ${entry.number} lacks included xT ${xTid.slice(0, 12)}`);
      }
      this.included++;
    }
    return undefined;
  }

  finish(): InvariantResult {
    return safetyVerdict(this.name, { xtsIncluded: this.included }, this.violation);
  }
}
