/**
 * The shared publisher's side of one SCP instance (two-phase commit), after
 * SCP v1 (`synchronous_composability_protocol.md`, "Protocol", shared
 * publisher): the SP collects one vote per participating chain; any false vote
 * decides false at once; every participant voting true decides true; the
 * timer's expiry decides false; exactly one decision. Pure: the node owns the
 * timer and the sends, this class only decides.
 */
import { assert } from "../../sim/assert.js";
import type { ChainId, XTRequest } from "../messages.js";

/** What a vote did to the instance. */
export type VoteOutcome =
  | { readonly kind: "decided"; readonly decision: boolean }
  | { readonly kind: "pending" }
  | { readonly kind: "refused"; readonly reason: "not-a-participant" | "duplicate-vote" | "already-decided" };

/** One SCP instance at the shared publisher. */
export class PublisherInstance {
  /** The participating chains: the distinct chain ids of the request, ascending. */
  readonly participants: readonly ChainId[];
  private readonly votes = new Map<ChainId, boolean>();
  private decisionValue: boolean | undefined;

  /**
   * @param xTid the instance id (sha256 of the encoded request)
   * @param slot the slot the instance runs in
   * @param sequenceNumber its xTSequenceNumber in the slot
   * @param request the xT request (at least one transaction request)
   */
  constructor(
    readonly xTid: Uint8Array,
    readonly slot: number,
    readonly sequenceNumber: number,
    readonly request: XTRequest,
  ) {
    assert(xTid.length === 32, "an xTid is 32 bytes");
    this.participants = [...new Set(request.Transactions.map((t) => t.ChainID))].sort((a, b) => a - b);
    assert(this.participants.length > 0, "an instance has at least one participant");
  }

  /** The decision, or undefined while undecided. */
  get decision(): boolean | undefined {
    return this.decisionValue;
  }

  /** The votes received so far, by chain. */
  get votesByChain(): ReadonlyMap<ChainId, boolean> {
    return this.votes;
  }

  /** Records `chain`'s vote: a false vote decides false, the last missing true vote decides true. */
  onVote(chain: ChainId, vote: boolean): VoteOutcome {
    if (!this.participants.includes(chain)) return { kind: "refused", reason: "not-a-participant" };
    if (this.decisionValue !== undefined) return { kind: "refused", reason: "already-decided" };
    if (this.votes.has(chain)) return { kind: "refused", reason: "duplicate-vote" };
    this.votes.set(chain, vote);
    if (!vote) return this.decide(false);
    if (this.votes.size === this.participants.length) return this.decide(true);
    return { kind: "pending" };
  }

  /** The SCP timer expired: decides false if undecided; returns undefined (ignored) if already decided. */
  onTimeout(): VoteOutcome | undefined {
    if (this.decisionValue !== undefined) return undefined;
    return this.decide(false);
  }

  private decide(decision: boolean): VoteOutcome {
    assert(this.decisionValue === undefined, "an instance decides once");
    if (decision) assert(this.participants.every((c) => this.votes.get(c) === true), "true only when every participant voted true");
    this.decisionValue = decision;
    return { kind: "decided", decision };
  }
}
