/**
 * No equivocation: an honest validator votes at most once per view and, as
 * leader, proposes at most one block per view, across crashes and restarts.
 * This is what persisting the safety state (last voted view, last proposed
 * view) before each vote, timeout and proposal guarantees; a storage bug that
 * loses it shows up here.
 *
 * Two sources: each validator's own `vote` and `propose` events, and (when the
 * validator count is given) the `block` events of honest validators, which
 * show what actually arrived on the wire: two different blocks of one view
 * mean that view's leader signed two proposals.
 *
 * Validators declared byzantine are expected to equivocate: what they do is
 * counted as observed (figures `byzantineEquivocations`,
 * `conflictingProposalsObserved`), never reported as a violation. The two
 * instances of a twin (`v3`, `v3t`) count as one validator: two different
 * votes or proposals of theirs in one view are an equivocation of `v3`.
 */
import type { NodeId } from "../../sim/node.js";
import { isHonestValidator, isValidator, NO_BYZANTINE, safetyVerdict, type Checker, type Figures, type InvariantResult, type Observation, type Violation } from "../checker.js";

/** Options of the {@link EquivocationChecker}. */
export interface EquivocationOptions {
  /** Node names declared byzantine (both instances of a twin). */
  readonly byzantine?: ReadonlySet<NodeId>;
  /** The validator identity of each twin instance (`v3t` -> `v3`). */
  readonly identities?: ReadonlyMap<NodeId, NodeId>;
  /** n: enables the wire check (the leader of view v is `v${v mod n}`). */
  readonly validators?: number;
}

/** Checks that no validator votes or proposes twice in one view (see the file comment). */
export class EquivocationChecker implements Checker {
  readonly name = "equivocation";
  readonly kind = "safety" as const;
  private readonly votes = new Map<string, string>();
  private readonly proposals = new Map<string, string>();
  /** First block hash seen by an honest validator in each view. */
  private readonly blocksByView = new Map<number, string>();
  private readonly conflictingViews = new Set<number>();
  private votesObserved = 0;
  private proposalsObserved = 0;
  private byzantineEquivocations = 0;
  private violation: Violation | undefined;
  private readonly byzantine: ReadonlySet<NodeId>;
  private readonly identities: ReadonlyMap<NodeId, NodeId>;
  private readonly validators: number | undefined;

  /** @param options byzantine nodes, twin identities and validator count (all optional: the default judges every validator by its own events) */
  constructor(options: EquivocationOptions = {}) {
    this.byzantine = options.byzantine ?? NO_BYZANTINE;
    this.identities = options.identities ?? new Map();
    this.validators = options.validators;
  }

  observe(o: Observation): Violation | undefined {
    if (!isValidator(o.node)) return undefined;
    if (o.event === "vote") {
      this.votesObserved++;
      return this.once(this.votes, o, "voted");
    }
    if (o.event === "propose") {
      this.proposalsObserved++;
      return this.once(this.proposals, o, "proposed");
    }
    if (o.event === "block" && this.validators !== undefined && isHonestValidator(o.node, this.byzantine)) return this.onBlock(o, this.validators);
    return undefined;
  }

  finish(): InvariantResult {
    const figures: Figures = { votesObserved: this.votesObserved, proposalsObserved: this.proposalsObserved };
    if (this.byzantine.size > 0) {
      figures.byzantineEquivocations = this.byzantineEquivocations;
      figures.conflictingProposalsObserved = this.conflictingViews.size;
    }
    return safetyVerdict(this.name, figures, this.violation);
  }

  private once(seen: Map<string, string>, o: Observation, verb: string): Violation | undefined {
    const view = o.fields.view as number;
    const hash = o.fields.hash as string;
    const identity = this.identities.get(o.node) ?? o.node;
    const key = `${identity}/${view}`;
    const earlier = seen.get(key);
    if (earlier === undefined) {
      seen.set(key, hash);
      return undefined;
    }
    if (this.byzantine.has(o.node)) {
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

  private onBlock(o: Observation, n: number): Violation | undefined {
    const view = o.fields.view as number;
    const hash = o.fields.hash as string;
    const first = this.blocksByView.get(view);
    if (first === undefined) {
      this.blocksByView.set(view, hash);
      return undefined;
    }
    if (first === hash || this.conflictingViews.has(view)) return undefined;
    this.conflictingViews.add(view);
    const leader = `v${view % n}`;
    if (this.byzantine.has(leader)) return undefined;
    this.violation ??= {
      invariant: this.name,
      atUs: o.timeUs,
      message: `two blocks of view ${view} reached honest validators (${first.slice(0, 16)}, ${hash.slice(0, 16)}): its leader ${leader} proposed twice`,
    };
    return this.violation;
  }
}
