/**
 * The L1 invariants (DESIGN.md, "Invariants"):
 *
 * - **L1 consistency** (safety): the registry's finalized heights are
 *   contiguous and increasing from 1, each entry sits at its own height (so no
 *   height is posted twice), and each finalized root equals the state root
 *   honest validators committed at that L2 height (root divergence 0). A root
 *   posted for a height no validator has committed is a violation too.
 * - **posting liveness** (liveness): once the last fault, L1 fault and
 *   operation are over (and the plan leaves the poster up, posting resumed and
 *   the L1 healthy), the finalized posted height reaches, within
 *   `postingLivenessBound`, every height committed by then.
 *
 * Both observe the `state-root` events of the honest validators they are
 * given and the `l1-root-finalized` observations the cluster derives from the
 * L1's finalized registry (`systems/posting/l1-registry-watch.ts`).
 */
import { POSTING_EVENTS } from "../../systems/posting/events.js";
import { VALIDATOR_EVENTS } from "../../systems/validators/events.js";
import type { Checker, HonestValidators, InvariantResult, Observation, Violation } from "../checker.js";
import type { LivenessExpectation } from "../validators/liveness.js";

/** Checks the finalized L1 registry against the committed L2 chain. */
export class L1ConsistencyChecker implements Checker {
  readonly name = "l1-consistency";
  readonly kind = "safety" as const;
  /** First committed root reported at each L2 height (the root-agreement checker guards that all agree). */
  private readonly committedRoots = new Map<number, string>();
  private lastBatch = 0;
  private rootDivergences = 0;
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
      if (!this.honest.has(o.node)) return undefined;
      const { height, root } = o.fields;
      if (root !== "unexecutable" && !this.committedRoots.has(height)) this.committedRoots.set(height, root);
      return undefined;
    }
    if (!POSTING_EVENTS.is(o, "l1-root-finalized") || this.violation !== undefined) return undefined;
    const { batch, l2Height, root, misplaced } = o.fields;
    const fail = (message: string): Violation => (this.violation = { invariant: this.name, atUs: o.timeUs, message });
    if (misplaced !== undefined) return fail(`registry entry for batch ${batch}: ${misplaced}`);
    if (batch !== this.lastBatch + 1) return fail(`finalized batch ${batch} follows batch ${this.lastBatch}: heights must be contiguous`);
    this.lastBatch = batch;
    const committed = this.committedRoots.get(l2Height);
    if (committed === undefined) return fail(`batch ${batch} posted root ${root.slice(0, 16)}... for L2 height ${l2Height}, which no validator has committed`);
    if (committed !== root) {
      this.rootDivergences++;
      return fail(`root divergence: batch ${batch} (L2 height ${l2Height}) finalized root ${root.slice(0, 16)}..., committed root ${committed.slice(0, 16)}...`);
    }
    return undefined;
  }

  finish(): InvariantResult {
    return {
      name: this.name,
      kind: this.kind,
      ok: this.violation === undefined,
      figures: { finalizedBatches: this.lastBatch, finalizedL2Height: this.lastBatch * this.batchEveryBlocks, rootDivergences: this.rootDivergences },
      ...(this.violation ? { violation: this.violation } : {}),
    };
  }
}

/** Checks that posting catches up with the chain after the faults are over. */
export class PostingLivenessChecker implements Checker {
  readonly name = "posting-liveness";
  readonly kind = "liveness" as const;
  /** Times at which the committed height first reached each new height. */
  private readonly committedAt: { height: number; timeUs: number }[] = [];
  private highestCommitted = 0;
  private finalizedL2Height = 0;

  /**
   * @param boundUs how long the finalized posted height may lag a committed height after the heal, microseconds
   * @param batchEveryBlocks K (only heights b x K are ever posted)
   * @param expectation heal time and applicability, from the plan
   * @param honest the honest validator instances (only their commits are progress)
   */
  constructor(
    private readonly boundUs: number,
    private readonly batchEveryBlocks: number,
    private readonly expectation: LivenessExpectation,
    private readonly honest: HonestValidators,
  ) {}

  observe(o: Observation): Violation | undefined {
    if (VALIDATOR_EVENTS.is(o, "state-root")) {
      const height = o.fields.height;
      if (this.honest.has(o.node) && height > this.highestCommitted) {
        this.highestCommitted = height;
        this.committedAt.push({ height, timeUs: o.timeUs });
      }
    } else if (POSTING_EVENTS.is(o, "l1-root-finalized")) {
      const l2Height = o.fields.l2Height;
      if (l2Height > this.finalizedL2Height) this.finalizedL2Height = l2Height;
    }
    return undefined;
  }

  finish(endUs: number): InvariantResult {
    const { healAtUs, notExpectedBecause } = this.expectation;
    // The target: every height (rounded down to a batch boundary) committed by `endUs - bound` and after the heal must be finalized by the end.
    const deadline = endUs - this.boundUs;
    let target = 0;
    for (const c of this.committedAt) if (c.timeUs <= deadline) target = c.height;
    target -= target % this.batchEveryBlocks;
    const figures = {
      healAtUs,
      postingLivenessBoundUs: this.boundUs,
      committedHeight: this.highestCommitted,
      finalizedPostedHeight: this.finalizedL2Height,
      targetHeight: deadline >= healAtUs ? target : null,
      lagAtEnd: this.highestCommitted - this.finalizedL2Height,
    };
    const base = { name: this.name, kind: this.kind, figures };
    if (notExpectedBecause !== undefined) return { ...base, ok: true, skipped: notExpectedBecause };
    if (deadline < healAtUs) return { ...base, ok: true, skipped: `the run ends less than postingLivenessBound (${this.boundUs / 1e6} s) after the last fault or operation` };
    if (this.finalizedL2Height >= target) return { ...base, ok: true };
    return {
      ...base,
      ok: false,
      violation: {
        invariant: this.name,
        atUs: endUs,
        message: `L2 height ${target} was committed by ${(deadline / 1e6).toFixed(1)} s, but at the end (${(endUs / 1e6).toFixed(1)} s) the finalized posted height is ${this.finalizedL2Height} (postingLivenessBound ${this.boundUs / 1e6} s)`,
      },
    };
  }
}
