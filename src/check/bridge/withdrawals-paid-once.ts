/**
 * No withdrawal paid twice or before its root is final (issue 13, item 4):
 * each finalized payment is of a withdrawal the L2 recorded, to its recipient
 * and for its amount, at most once per sequence number, against a registry
 * batch whose finalized root is the honest committed root of its L2 height,
 * registered in an earlier slot than the payment (posting mode: final) or an
 * OptimisticBatch seen Final at the finalized commitment no later than the
 * payment (optimistic mode), and at a height that already holds the withdrawal.
 */
import { safetyVerdict, type Checker, type HonestValidators, type InvariantResult, type Observation, type Violation } from "../checker.js";
import { BRIDGE_EVENTS } from "../../systems/bridge/events.js";
import { BridgeHistory } from "./bridge-history.js";

/** The payment checker of one rollup's bridge. */
export class WithdrawalsPaidOnceChecker implements Checker {
  readonly name = "withdrawals-paid-once";
  readonly kind = "safety" as const;
  private readonly history: BridgeHistory;
  private readonly paid = new Set<bigint>();
  private violation: Violation | undefined;

  /**
   * @param batchEveryBlocks K: batch b carries the root of L2 height b x K
   * @param honest the honest validators (their commits are the L2's)
   */
  constructor(
    private readonly batchEveryBlocks: number,
    honest: HonestValidators,
  ) {
    this.history = new BridgeHistory(honest);
  }

  observe(o: Observation): Violation | undefined {
    const before = this.history.payments.length;
    if (this.history.observe(o) !== "l1" || this.violation !== undefined || !BRIDGE_EVENTS.is(o, "bridge-l1-finalized")) return undefined;
    const h = this.history;
    for (const p of h.payments.slice(before)) {
      const fail = (message: string): Violation => (this.violation = { invariant: this.name, atUs: o.timeUs, message: `withdrawal ${p.sequence}, paid in L1 slot ${p.slot}: ${message}` });
      if (this.paid.has(p.sequence)) return fail("paid a second time");
      this.paid.add(p.sequence);
      const recorded = h.withdrawals.get(p.sequence);
      if (recorded === undefined) return fail("the L2 never recorded it");
      if (recorded.recipient !== p.recipient || recorded.amount !== p.amount) return fail(`paid ${p.amount} to ${p.recipient.slice(0, 16)}..., the L2 recorded ${recorded.amount} to ${recorded.recipient.slice(0, 16)}...`);
      const height = p.batch * this.batchEveryBlocks;
      const entry = h.registry.get(p.batch);
      if (entry === undefined) return fail(`against batch ${p.batch}, whose root is not finalized on the L1`);
      if (entry.slot >= 0 && entry.slot >= p.slot) return fail(`against batch ${p.batch}, registered in slot ${entry.slot}: not final before the payment`);
      const committed = h.roots.get(height);
      if (committed !== entry.root) return fail(`against batch ${p.batch}, whose root is not the committed root of L2 height ${height}`);
      if (recorded.height > height) return fail(`against L2 height ${height}, before the withdrawal was recorded (height ${recorded.height})`);
    }
    return undefined;
  }

  finish(): InvariantResult {
    return safetyVerdict(this.name, { paid: this.paid.size, recorded: this.history.withdrawals.size }, this.violation);
  }
}
