/**
 * Settlement safety (issue 13, item 4), over the settlement observations
 * (src/settlement/events.ts) and the honest validators' `state-root` events:
 *
 * - **no wrong root ever becomes final**: a batch seen Final carries the state
 *   root honest validators committed at its L2 height (batch b = L2 height b x K);
 *   a Final root at a height no honest validator committed is a violation too;
 * - **a final root equals the committed root, for good**: once a batch was
 *   seen Final with root R, every later observation of that height shows it
 *   Final with R (finality is never undone: not by a repost, nor by an L1
 *   reorg of the commitment the watch reads).
 */
import { SETTLEMENT_EVENTS } from "../../settlement/events.js";
import { VALIDATOR_EVENTS } from "../../systems/validators/events.js";
import { safetyVerdict, type Checker, type HonestValidators, type InvariantResult, type Observation, type Violation } from "../checker.js";

/** Checks every Final optimistic root against the committed L2 chain, and that finality is never undone. */
export class SettlementFinalRootChecker implements Checker {
  readonly name = "settlement-final-root";
  readonly kind = "safety" as const;
  private readonly committedRoots = new Map<number, string>();
  /** Root of each height seen Final. */
  private readonly finalRoots = new Map<number, string>();
  private violation: Violation | undefined;

  /**
   * @param batchEveryBlocks K: batch b carries the root of L2 height b x K
   * @param honest the honest validator instances (only their roots are the committed ones)
   */
  constructor(
    private readonly batchEveryBlocks: number,
    private readonly honest: HonestValidators,
  ) {}

  observe(o: Observation): Violation | undefined {
    if (VALIDATOR_EVENTS.is(o, "state-root")) {
      const { height, root } = o.fields;
      if (this.honest.has(o.node) && root !== "unexecutable" && !this.committedRoots.has(height)) this.committedRoots.set(height, root);
      return undefined;
    }
    if (!SETTLEMENT_EVENTS.is(o, "settlement-batch") || this.violation !== undefined) return undefined;
    const { height, status, postRoot } = o.fields;
    const fail = (message: string): Violation => (this.violation = { invariant: this.name, atUs: o.timeUs, message });
    const wasFinal = this.finalRoots.get(height);
    if (wasFinal !== undefined && (status !== "final" || postRoot !== wasFinal)) {
      return fail(`batch ${height} was final with root ${wasFinal.slice(0, 16)}..., now ${status} with root ${postRoot.slice(0, 16)}...: finality undone`);
    }
    if (status !== "final" || wasFinal !== undefined) return undefined;
    this.finalRoots.set(height, postRoot);
    const l2Height = height * this.batchEveryBlocks;
    const committed = this.committedRoots.get(l2Height);
    if (committed === undefined) return fail(`batch ${height} became final with root ${postRoot.slice(0, 16)}... for L2 height ${l2Height}, which no honest validator has committed`);
    if (committed !== postRoot) return fail(`wrong root final: batch ${height} (L2 height ${l2Height}) final root ${postRoot.slice(0, 16)}..., committed root ${committed.slice(0, 16)}...`);
    return undefined;
  }

  finish(): InvariantResult {
    return safetyVerdict(this.name, { finalBatches: this.finalRoots.size }, this.violation);
  }
}
