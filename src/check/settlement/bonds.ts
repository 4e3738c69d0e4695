/**
 * Bond conservation (issue 13, item 4): what was posted equals what was paid
 * out plus what is still locked. Over each `settlement-bonds` observation
 * (src/settlement/events.ts): the vault's lamports above its rent minimum
 * equal the program's cumulative bonds posted minus paid, and equal the
 * bonds the batch and game accounts say are locked.
 */
import { SETTLEMENT_EVENTS } from "../../settlement/events.js";
import { safetyVerdict, type Checker, type InvariantResult, type Observation, type Violation } from "../checker.js";

/** Checks the bond ledger at every observation. */
export class BondConservationChecker implements Checker {
  readonly name = "settlement-bonds";
  readonly kind = "safety" as const;
  private violation: Violation | undefined;
  private checked = 0;
  private lastPosted = 0;
  private lastPaid = 0;

  observe(o: Observation): Violation | undefined {
    if (!SETTLEMENT_EVENTS.is(o, "settlement-bonds") || this.violation !== undefined) return undefined;
    const { vaultLocked, posted, paid, lockedInBatches, lockedInGames } = o.fields;
    this.checked++;
    this.lastPosted = posted;
    this.lastPaid = paid;
    const fail = (message: string): Violation => (this.violation = { invariant: this.name, atUs: o.timeUs, message });
    if (vaultLocked !== posted - paid) return fail(`bonds not conserved: the vault holds ${vaultLocked} lamports above rent, posted ${posted} - paid ${paid} = ${posted - paid}`);
    if (vaultLocked !== lockedInBatches + lockedInGames) {
      return fail(`bonds not conserved: the vault holds ${vaultLocked} lamports above rent, the accounts lock ${lockedInBatches} (batches) + ${lockedInGames} (games) = ${lockedInBatches + lockedInGames}`);
    }
    return undefined;
  }

  finish(): InvariantResult {
    return safetyVerdict(this.name, { ledgersChecked: this.checked, bondsPosted: this.lastPosted, bondsPaid: this.lastPaid }, this.violation);
  }
}
