/**
 * Agreement: no two honest validators commit different blocks at one height.
 *
 * Keeps the first block committed at each height and compares every later
 * commit of that height with it. Only the commits of the honest validators it
 * is given are judged (a byzantine validator's own chain is its to break).
 */
import type { NodeId } from "../../sim/node.js";
import { VALIDATOR_EVENTS } from "../../systems/validators/events.js";
import { safetyVerdict, type Checker, type HonestValidators, type InvariantResult, type Observation, type Violation } from "../checker.js";

/** Checks agreement (see the file comment): one block per height across validators. */
export class AgreementChecker implements Checker {
  readonly name = "agreement";
  readonly kind = "safety" as const;
  private readonly committed = new Map<number, { hash: string; node: NodeId }>();
  private commitsObserved = 0;
  private violation: Violation | undefined;

  /** @param honest the honest validator instances (the nodes judged) */
  constructor(private readonly honest: HonestValidators) {}

  observe(o: Observation): Violation | undefined {
    if (!VALIDATOR_EVENTS.is(o, "commit") || !this.honest.has(o.node)) return undefined;
    this.commitsObserved++;
    const { height, hash } = o.fields;
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
