/**
 * Every finalized deposit credited exactly once (issue 13, item 4): no L2
 * credit of a deposit sequence already credited, and every credit is of a
 * deposit the L1 had finalized before it, with the same L2 account and amount.
 * (That every finalized deposit is eventually credited is `bridge-liveness`.)
 */
import { safetyVerdict, type Checker, type HonestValidators, type InvariantResult, type Observation, type Violation } from "../checker.js";
import { VALIDATOR_EVENTS } from "../../systems/validators/events.js";
import { BridgeHistory } from "./bridge-history.js";

/** The deposit-credit checker of one rollup's bridge. */
export class DepositsCreditedChecker implements Checker {
  readonly name = "deposits-credited-once";
  readonly kind = "safety" as const;
  private readonly history: BridgeHistory;
  private checked = 0;
  private violation: Violation | undefined;

  /** @param honest the honest validators (their commits are the L2's) */
  constructor(honest: HonestValidators) {
    this.history = new BridgeHistory(honest);
  }

  observe(o: Observation): Violation | undefined {
    const seenBefore = this.history.duplicateCredits.length;
    if (this.history.observe(o) !== "credit" || this.violation !== undefined || !VALIDATOR_EVENTS.is(o, "bridge-committed")) return undefined;
    const fail = (message: string): Violation => (this.violation = { invariant: this.name, atUs: o.timeUs, message: `L2 height ${o.fields.height}: ${message}` });
    const duplicate = this.history.duplicateCredits[seenBefore];
    if (duplicate !== undefined) return fail(`deposit ${duplicate.sequence} credited a second time`);
    for (const c of o.fields.credits) {
      this.checked++;
      const finalized = this.history.deposits.get(BigInt(c.sequence));
      if (finalized === undefined) return fail(`credits deposit ${c.sequence}, which the L1 has not finalized`);
      if (finalized.to !== c.to || finalized.amount !== BigInt(c.amount)) {
        return fail(`credits deposit ${c.sequence} as ${c.amount} to ${c.to.slice(0, 16)}..., the L1 finalized ${finalized.amount} to ${finalized.to.slice(0, 16)}...`);
      }
    }
    return undefined;
  }

  finish(): InvariantResult {
    return safetyVerdict(this.name, { creditsChecked: this.checked, finalizedDeposits: this.history.deposits.size }, this.violation);
  }
}
