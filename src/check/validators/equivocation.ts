/**
 * No equivocation: an honest validator votes at most once per view and, as
 * leader, proposes at most one block per view, across crashes and restarts.
 * This is what persisting the safety state (last voted view, last proposed
 * view) before each vote, timeout and proposal guarantees; a storage bug that
 * loses it shows up here.
 *
 * Two sources: each validator's own `vote` and `propose` events, and the
 * `block` events of honest validators, which show what actually arrived on
 * the wire: two different blocks of one view naming the same proposer mean
 * that validator signed two proposals for the view. The proposer is the one
 * each block names (the leader of its view as the validators that accepted
 * it saw it), not one the checker derives: with an election that learns from
 * the chain (leader reputation) two honest validators that disagree about
 * the leader of a view may each propose a block in it, which is no
 * equivocation.
 *
 * Validators not in the honest set it is given (byzantine ones) are expected
 * to equivocate: what they do is counted as observed (figures
 * `byzantineEquivocations`, `conflictingProposalsObserved`), never reported as
 * a violation. The instances of one validator identity (a twin `v3t` of `v3`,
 * as the `identities` map says) count as one validator: two different votes
 * or proposals of theirs in one view are an equivocation of `v3`.
 */
import type { NodeId } from "../../sim/node.js";
import { VALIDATOR_EVENTS, type ValidatorEvent } from "../../systems/validators/events.js";
import { ViewRecords } from "./view-records.js";
import { safetyVerdict, type Checker, type Figures, type HonestValidators, type InvariantResult, type Observation, type Violation } from "../checker.js";

/** The validators an {@link EquivocationChecker} watches, and which of them it judges. */
export interface ValidatorRoles {
  /** The validator identities in index order, n of them (a block's `proposer` index names one). */
  readonly validators: readonly NodeId[];
  /**
   * The identity of each node instance that acts as a validator under another
   * name (the twin instance `v3t` -> `v3`); any other node is its own identity.
   */
  readonly identities: ReadonlyMap<NodeId, NodeId>;
  /** The honest validator instances: the nodes judged (not a byzantine validator, nor either instance of a twin). */
  readonly honest: HonestValidators;
}

/** Checks that no validator votes or proposes twice in one view (see the file comment). */
export class EquivocationChecker implements Checker {
  readonly name = "equivocation";
  readonly kind = "safety" as const;
  /** The block each validator identity (by index) voted for in each view. */
  private readonly votes = new ViewRecords();
  /** The block each validator identity (by index) proposed in each view. */
  private readonly proposals = new ViewRecords();
  /** First block hash seen by an honest validator of each view and proposer (by the index the block names). */
  private readonly blocksByView = new ViewRecords();
  /** The same for a proposer index the validator set does not have, by `view/proposer` (kept apart: the records above are dense in the index). */
  private readonly blocksByViewOutOfRange = new Map<string, string>();
  /** The `view/proposer` pairs seen with two different blocks. */
  private readonly conflictingViews = new Set<string>();
  private votesObserved = 0;
  private proposalsObserved = 0;
  private byzantineEquivocations = 0;
  private violation: Violation | undefined;
  private readonly validators: readonly NodeId[];
  /** Each validator identity's index in `validators`. */
  private readonly validatorIndex: ReadonlyMap<NodeId, number>;
  private readonly identities: ReadonlyMap<NodeId, NodeId>;
  private readonly honest: HonestValidators;
  /** True when some validator is not honest: the byzantine figures are reported. */
  private readonly anyByzantine: boolean;

  /** @param roles the validator identities in index order, the identity of each twin instance, and the honest validator instances */
  constructor(roles: ValidatorRoles) {
    this.validators = roles.validators;
    this.validatorIndex = new Map(roles.validators.map((id, i) => [id, i]));
    this.identities = roles.identities;
    this.honest = roles.honest;
    this.anyByzantine = roles.validators.some((id) => !roles.honest.has(id)) || [...roles.identities.keys()].some((id) => !roles.honest.has(id));
  }

  observe(o: Observation): Violation | undefined {
    if (!VALIDATOR_EVENTS.is(o, "vote", "propose", "block")) return undefined;
    if (!this.validatorIndex.has(this.identityOf(o.node))) return undefined;
    switch (o.event) {
      case "vote":
        this.votesObserved++;
        return this.once(this.votes, o, "voted");
      case "propose":
        this.proposalsObserved++;
        return this.once(this.proposals, o, "proposed");
      case "block":
        return this.honest.has(o.node) ? this.onBlock(o) : undefined;
    }
  }

  finish(): InvariantResult {
    const figures: Figures = { votesObserved: this.votesObserved, proposalsObserved: this.proposalsObserved };
    if (this.anyByzantine) {
      figures.byzantineEquivocations = this.byzantineEquivocations;
      figures.conflictingProposalsObserved = this.conflictingViews.size;
    }
    return safetyVerdict(this.name, figures, this.violation);
  }

  private identityOf(node: NodeId): NodeId {
    return this.identities.get(node) ?? node;
  }

  private once(seen: ViewRecords, o: Extract<ValidatorEvent, { event: "vote" | "propose" }>, verb: string): Violation | undefined {
    const { view, hash } = o.fields;
    const member = this.validatorIndex.get(this.identityOf(o.node))!;
    const earlier = seen.get(view, member);
    if (earlier === undefined) {
      seen.set(view, member, hash);
      return undefined;
    }
    if (!this.honest.has(o.node)) {
      if (earlier !== hash) this.byzantineEquivocations++;
      return undefined;
    }
    this.violation ??= {
      invariant: this.name,
      atUs: o.timeUs,
      message: `${o.node} ${verb} twice in view ${view} (${earlier.slice(0, 16)}, then ${hash.slice(0, 16)})`,
    };
    return this.violation;
  }

  private onBlock(o: Extract<ValidatorEvent, { event: "block" }>): Violation | undefined {
    const { view, hash, proposer } = o.fields;
    const key = `${view}/${proposer}`;
    const inRange = proposer < this.validators.length;
    const first = inRange ? this.blocksByView.get(view, proposer) : this.blocksByViewOutOfRange.get(key);
    if (first === undefined) {
      if (inRange) this.blocksByView.set(view, proposer, hash);
      else this.blocksByViewOutOfRange.set(key, hash);
      return undefined;
    }
    if (first === hash || this.conflictingViews.has(key)) return undefined;
    this.conflictingViews.add(key);
    const leader = this.validators[proposer];
    if (leader === undefined || !this.honest.has(leader)) return undefined;
    this.violation ??= {
      invariant: this.name,
      atUs: o.timeUs,
      message: `two blocks of view ${view} reached honest validators (${first.slice(0, 16)}, ${hash.slice(0, 16)}): its leader ${leader} proposed twice`,
    };
    return this.violation;
  }
}
