/**
 * Vote uniqueness: an honest validator votes at most once per view, across
 * crashes and restarts. This is what persisting the safety state before each
 * vote guarantees; a storage bug that loses it shows up here.
 */
import { isValidator, type Checker, type InvariantResult, type Observation, type Violation } from "./checker.js";

export class VoteUniquenessChecker implements Checker {
  readonly name = "vote-uniqueness";
  readonly kind = "safety" as const;
  private readonly votes = new Map<string, string>();
  private votesObserved = 0;
  private violation: Violation | undefined;

  observe(o: Observation): Violation | undefined {
    if (o.event !== "vote" || !isValidator(o.node)) return undefined;
    this.votesObserved++;
    const key = `${o.node}/${o.fields.view as number}`;
    const earlier = this.votes.get(key);
    const hash = o.fields.hash as string;
    if (earlier === undefined) {
      this.votes.set(key, hash);
      return undefined;
    }
    this.violation ??= {
      invariant: this.name,
      atUs: o.timeUs,
      message: `${o.node} voted twice in view ${o.fields.view as number} (${earlier.slice(0, 16)}, then ${hash.slice(0, 16)})`,
    };
    return this.violation;
  }

  finish(): InvariantResult {
    return {
      name: this.name,
      kind: this.kind,
      ok: this.violation === undefined,
      figures: { votesObserved: this.votesObserved },
      ...(this.violation ? { violation: this.violation } : {}),
    };
  }
}
