/**
 * Agreement: no two honest validators commit different blocks at one height.
 *
 * Keeps the first block committed at each height and compares every later
 * commit of that height with it. Commits of validators declared byzantine are
 * not judged (their own chain is theirs to break).
 */
import { isHonestValidator, NO_BYZANTINE, safetyVerdict, type Checker, type InvariantResult, type Observation, type Violation } from "../checker.js";

/** Checks agreement (see the file comment): one block per height across validators. */
export class AgreementChecker implements Checker {
  readonly name = "agreement";
  readonly kind = "safety" as const;
  private readonly committed = new Map<number, { hash: string; node: string }>();
  private commitsObserved = 0;
  private violation: Violation | undefined;

  /** @param byzantine node names declared byzantine (not judged) */
  constructor(private readonly byzantine: ReadonlySet<string> = NO_BYZANTINE) {}

  observe(o: Observation): Violation | undefined {
    if (o.event !== "commit" || !isHonestValidator(o.node, this.byzantine)) return undefined;
    this.commitsObserved++;
    const height = o.fields.height as number;
    const hash = o.fields.hash as string;
    const first = this.committed.get(height);
    if (first === undefined) {
      this.committed.set(height, { hash, node: o.node });
      return undefined;
    }
    if (first.hash === hash) return undefined;
    this.violation ??= {
      invariant: this.name,
      atUs: o.timeUs,
      message: `height ${height}: ${o.node} committed ${hash.slice(0, 16)} but ${first.node} committed ${first.hash.slice(0, 16)}`,
    };
    return this.violation;
  }

  finish(): InvariantResult {
    return safetyVerdict(this.name, { committedHeight: this.committed.size, commitsObserved: this.commitsObserved }, this.violation);
  }
}
