/**
 * SCP's two-phase commit, as SCP v1 states it (`synchronous_composability_protocol.md`,
 * "Properties"): **validity** (a decision is true only when every participant
 * voted true), **one decision** (the SP decides each instance once), **one
 * vote** (a sequencer votes once per instance) and **agreement** (every
 * sequencer applies the SP's decision). An instance is (slot, xTid): a
 * re-queued xT runs again as a new instance in a later slot.
 */
import type { Checker, InvariantResult, Observation, Violation } from "../checker.js";
import { safetyVerdict } from "../checker.js";
import { SBCP_EVENTS } from "../../systems/sbcp/events.js";
import type { NodeId } from "../../sim/node.js";

/** Checks 2PC validity, one decision, one vote and agreement from the SP's and sequencers' events. */
export class TwoPhaseCommitChecker implements Checker {
  readonly name = "sbcp-2pc";
  readonly kind = "safety" as const;
  private readonly participants = new Map<string, readonly number[]>();
  private readonly votes = new Map<string, Map<number, boolean>>();
  private readonly decisions = new Map<string, boolean>();
  private violation: Violation | undefined;
  private decided = 0;

  /**
   * @param publisher the SP's node id
   * @param sequencers each sequencer's node id and its chain
   */
  constructor(
    private readonly publisher: NodeId,
    private readonly sequencers: ReadonlyMap<NodeId, number>,
  ) {}

  observe(o: Observation): Violation | undefined {
    if (this.violation !== undefined || !SBCP_EVENTS.is(o, "sbcp-instance-started", "sbcp-voted", "sbcp-decided", "sbcp-instance-decided")) return undefined;
    const key = `${o.fields.slot}/${o.fields.xTid}`;
    const fail = (message: string): Violation => (this.violation = { invariant: this.name, atUs: o.timeUs, message: `${message} (slot ${o.fields.slot}, xT ${o.fields.xTid.slice(0, 12)})` });
    if (o.node === this.publisher) {
      if (o.event === "sbcp-instance-started") {
        this.participants.set(key, o.fields.participants);
      } else if (o.event === "sbcp-decided") {
        if (this.decisions.has(key)) return fail("the SP decided an instance twice");
        this.decisions.set(key, o.fields.decision);
        this.decided++;
        if (o.fields.decision) {
          const votes = this.votes.get(key);
          const missing = (this.participants.get(key) ?? []).filter((c) => votes?.get(c) !== true);
          if (!this.participants.has(key)) return fail("decided true an instance the SP never started");
          if (missing.length > 0) return fail(`decided true without a true vote of chain ${missing.join(", ")}`);
        }
      }
      return undefined;
    }
    const chain = this.sequencers.get(o.node);
    if (chain === undefined) return undefined;
    if (o.event === "sbcp-voted") {
      const votes = this.votes.get(key) ?? new Map<number, boolean>();
      if (votes.has(chain)) return fail(`chain ${chain} voted twice`);
      votes.set(chain, o.fields.vote);
      this.votes.set(key, votes);
    } else if (o.event === "sbcp-instance-decided") {
      const decision = this.decisions.get(key);
      if (decision === undefined) return fail(`chain ${chain} applied a decision the SP never took`);
      if (decision !== o.fields.decision) return fail(`chain ${chain} applied ${o.fields.decision} where the SP decided ${decision}`);
    }
    return undefined;
  }

  finish(): InvariantResult {
    return safetyVerdict(this.name, { decided: this.decided }, this.violation);
  }
}
