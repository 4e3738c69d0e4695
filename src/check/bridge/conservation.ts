/**
 * Bridge conservation (issue 13, item 4): at every finalized L1 slot, the
 * vault's lamports above its rent reserve equal what the L1 program counts as
 * owed (deposited minus paid), and that equals the L2 bridged supply plus the
 * withdrawals recorded but not yet paid plus the finalized deposits not yet
 * credited. A deposit credited on the L2 that the L1 never finalized (a deposit
 * reorged away after the validators credited it) breaks the second equality.
 */
import { safetyVerdict, type Checker, type HonestValidators, type InvariantResult, type Observation, type Violation } from "../checker.js";
import { BRIDGE_EVENTS } from "../../systems/bridge/events.js";
import { BridgeHistory } from "./bridge-history.js";

/** The conservation checker of one rollup's bridge. */
export class BridgeConservationChecker implements Checker {
  readonly name = "bridge-conservation";
  readonly kind = "safety" as const;
  private readonly history: BridgeHistory;
  private slotsChecked = 0;
  private violation: Violation | undefined;

  /** @param honest the honest validators (their commits are the L2's) */
  constructor(honest: HonestValidators) {
    this.history = new BridgeHistory(honest);
  }

  observe(o: Observation): Violation | undefined {
    if (this.history.observe(o) !== "l1" || this.violation !== undefined || !BRIDGE_EVENTS.is(o, "bridge-l1-finalized")) return undefined;
    this.slotsChecked++;
    const h = this.history;
    const excess = BigInt(o.fields.vaultExcess);
    const owed = BigInt(o.fields.totalDeposited) - BigInt(o.fields.totalWithdrawn);
    const fail = (message: string): Violation => (this.violation = { invariant: this.name, atUs: o.timeUs, message: `L1 slot ${o.fields.slot}: ${message}` });
    if (excess !== owed) return fail(`the vault holds ${excess} lamports above its reserve, the program counts ${owed} owed`);
    const paid = new Set(h.payments.map((p) => p.sequence));
    let unpaid = 0n;
    for (const [sequence, w] of h.withdrawals) if (!paid.has(sequence)) unpaid += w.amount;
    let uncredited = 0n;
    for (const [sequence, d] of h.deposits) if (!h.credits.has(sequence)) uncredited += d.amount;
    const supply = h.l2Supply();
    if (owed !== supply + unpaid + uncredited) {
      return fail(`the vault owes ${owed} lamports, but the L2 supply ${supply} + withdrawals unpaid ${unpaid} + finalized deposits uncredited ${uncredited} = ${supply + unpaid + uncredited}`);
    }
    return undefined;
  }

  finish(): InvariantResult {
    return safetyVerdict(this.name, { slotsChecked: this.slotsChecked, credited: this.history.credits.size, paid: this.history.payments.length }, this.violation);
  }
}
