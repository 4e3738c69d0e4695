/**
 * No equivocation: an honest validator votes at most once per view and, as
 * leader, proposes at most one block per view, across crashes and restarts.
 * This is what persisting the safety state (last voted view, last proposed
 * view) before each vote, timeout and proposal guarantees; a storage bug that
 * loses it shows up here.
 */
import { isValidator, safetyVerdict, type Checker, type InvariantResult, type Observation, type Violation } from "./checker.js";

/** Checks that no validator votes or proposes twice in one view (see the file comment). */
export class EquivocationChecker implements Checker {
  readonly name = "equivocation";
  readonly kind = "safety" as const;
  private readonly votes = new Map<string, string>();
  private readonly proposals = new Map<string, string>();
  private votesObserved = 0;
  private proposalsObserved = 0;
  private violation: Violation | undefined;

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
    return undefined;
  }

  finish(): InvariantResult {
    return safetyVerdict(this.name, { votesObserved: this.votesObserved, proposalsObserved: this.proposalsObserved }, this.violation);
  }

  private once(seen: Map<string, string>, o: Observation, verb: string): Violation | undefined {
    const view = o.fields.view as number;
    const hash = o.fields.hash as string;
    const key = `${o.node}/${view}`;
    const earlier = seen.get(key);
    if (earlier === undefined) {
      seen.set(key, hash);
      return undefined;
    }
    this.violation ??= {
      invariant: this.name,
      atUs: o.timeUs,
      message: `${o.node} ${verb} twice in view ${view} (${earlier.slice(0, 16)}, then ${hash.slice(0, 16)})`,
    };
    return this.violation;
  }
}
