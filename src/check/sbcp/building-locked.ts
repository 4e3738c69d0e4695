/**
 * No local transaction while Building-Locked (SBCP v1,
 * `superblock_construction_protocol.md`, sequencer FSM: "BL: no local txs"):
 * between a sequencer opening an SCP instance (`sbcp-instance-joined`, BF->BL)
 * and applying its decision (`sbcp-instance-decided`, BL->BF), no local
 * transaction enters its draft block (`sbcp-local-applied`). A new draft
 * (`sbcp-draft-started`), a seal (`sbcp-block-sealed`) or a restart
 * (`sbcp-sequencer-started`) also leaves Building-Locked. The sequencer
 * asserts the same rule inside (`Sequencer.applyLocal`); this checker sees it
 * from the events, so a run (or a replayed trace) shows it.
 */
import type { Checker, InvariantResult, Observation, Violation } from "../checker.js";
import { safetyVerdict } from "../checker.js";
import { SBCP_EVENTS } from "../../systems/sbcp/events.js";
import type { NodeId } from "../../sim/node.js";

/** Checks that no local transaction enters a block while its sequencer is Building-Locked. */
export class NoLocalWhileLockedChecker implements Checker {
  readonly name = "sbcp-no-local-while-locked";
  readonly kind = "safety" as const;
  /** Sequencer node -> the xTid of the instance it is locked on. */
  private readonly locked = new Map<NodeId, string>();
  private violation: Violation | undefined;
  private localApplied = 0;

  /** @param sequencers the sequencers' node ids */
  constructor(private readonly sequencers: ReadonlySet<NodeId>) {}

  observe(o: Observation): Violation | undefined {
    if (this.violation !== undefined || !this.sequencers.has(o.node)) return undefined;
    if (SBCP_EVENTS.is(o, "sbcp-instance-joined")) {
      this.locked.set(o.node, o.fields.xTid);
    } else if (SBCP_EVENTS.is(o, "sbcp-instance-decided", "sbcp-draft-started", "sbcp-block-sealed", "sbcp-sequencer-started")) {
      this.locked.delete(o.node);
    } else if (SBCP_EVENTS.is(o, "sbcp-local-applied")) {
      this.localApplied++;
      const xTid = this.locked.get(o.node);
      if (xTid !== undefined) {
        this.violation = { invariant: this.name, atUs: o.timeUs, message: `${o.node} (chain ${o.fields.chain}) put a local transaction in block ${o.fields.number} (slot ${o.fields.slot}) while Building-Locked on xT ${xTid.slice(0, 12)}` };
        return this.violation;
      }
    }
    return undefined;
  }

  finish(): InvariantResult {
    return safetyVerdict(this.name, { localApplied: this.localApplied }, this.violation);
  }
}
