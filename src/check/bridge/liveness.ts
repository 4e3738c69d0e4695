/**
 * Bridge liveness (issue 13, item 4): every deposit the L1 finalized, and
 * every withdrawal the L2 recorded, is credited or paid (a finalized payment)
 * within `boundUs` of the later of its own time and the plan's heal time
 * (posting mode: no challenge period), for those whose deadline falls before
 * the end of the run. Not judged when the run's liveness expectation says it
 * cannot hold (a fault that never heals, the relayer left crashed).
 */
import type { Checker, HonestValidators, InvariantResult, Observation, Violation } from "../checker.js";
import type { LivenessExpectation } from "../validators/liveness.js";
import { BridgeHistory } from "./bridge-history.js";

/** The liveness checker of one rollup's bridge. */
export class BridgeLivenessChecker implements Checker {
  readonly name = "bridge-liveness";
  readonly kind = "liveness" as const;
  private readonly history: BridgeHistory;

  /**
   * @param boundUs how long after the later of its own time and the heal time a transfer must complete
   * @param expectation when the plan heals, or why liveness is not expected
   * @param honest the honest validators
   */
  constructor(
    private readonly boundUs: number,
    private readonly expectation: LivenessExpectation,
    honest: HonestValidators,
  ) {
    this.history = new BridgeHistory(honest);
  }

  observe(o: Observation): Violation | undefined {
    this.history.observe(o);
    return undefined;
  }

  finish(endUs: number): InvariantResult {
    const h = this.history;
    const figures = { depositsFinalized: h.deposits.size, credited: h.credits.size, withdrawals: h.withdrawals.size, paid: h.payments.length };
    if (this.expectation.notExpectedBecause !== undefined) return { name: this.name, kind: "liveness", ok: true, skipped: this.expectation.notExpectedBecause, figures };
    const deadline = (timeUs: number): number => Math.max(timeUs, this.expectation.healAtUs) + this.boundUs;
    const fail = (atUs: number, message: string): InvariantResult => ({ name: this.name, kind: "liveness", ok: false, figures, violation: { invariant: this.name, atUs, message } });
    for (const [sequence, d] of h.deposits) {
      if (!h.credits.has(sequence) && deadline(d.timeUs) <= endUs) return fail(deadline(d.timeUs), `deposit ${sequence}, finalized at ${d.timeUs}us, not credited within ${this.boundUs}us`);
    }
    const paid = new Set(h.payments.map((p) => p.sequence));
    for (const [sequence, w] of h.withdrawals) {
      if (!paid.has(sequence) && deadline(w.timeUs) <= endUs) return fail(deadline(w.timeUs), `withdrawal ${sequence}, recorded at ${w.timeUs}us, not paid within ${this.boundUs}us`);
    }
    return { name: this.name, kind: "liveness", ok: true, figures };
  }
}
