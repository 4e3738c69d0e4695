/**
 * Liveness: after the last fault heals, the cluster commits a new height
 * within `livenessBound`, and keeps doing so: no gap between new heights (or
 * between the heal and the first one, or the last one and the end of the run)
 * is longer than the bound.
 *
 * A fault fired by a view or an event (its moment unknown before the run)
 * moves the heal time to when it fired.
 *
 * Judged at the end of the run. Not applicable (skipped, still ok) when the
 * fault plan leaves too few validators able to form a quorum, or when the run
 * ends less than one bound after the heal with no commit yet. Only commits of
 * the honest validators it is given count as progress. The message names
 * the views in the gap and their leaders (`gap-views.ts`).
 */
import { VALIDATOR_EVENTS } from "../../systems/validators/events.js";
import { SIMULATOR_EVENTS } from "../events.js";
import type { Checker, HonestValidators, InvariantResult, Observation, Violation } from "../checker.js";
import { GapViews } from "./gap-views.js";

/** What the fault plan lets us expect, computed from the scenario before the run. */
export interface LivenessExpectation {
  /** Time of the last fault action (0 when there is none), microseconds. */
  readonly healAtUs: number;
  /** Why progress cannot be expected after the heal, or undefined when it can. */
  readonly notExpectedBecause?: string;
}

/** Checks liveness after the last fault (see the file comment); judged in `finish`. */
export class LivenessChecker implements Checker {
  readonly name = "liveness";
  readonly kind = "liveness" as const;
  private readonly commitTimesUs: number[] = [];
  private highestHeight = 0;
  /** When the last fault fired by a view or an event was applied, microseconds. */
  private triggeredHealUs = 0;
  /** The views and their leaders, for the message. */
  private readonly gapViews: GapViews;

  /**
   * @param boundUs longest allowed wait for a new committed height after the heal, microseconds
   * @param expectation heal time and applicability, from the fault plan
   * @param honest the honest validator instances (only their commits are progress)
   */
  constructor(
    private readonly boundUs: number,
    private readonly expectation: LivenessExpectation,
    private readonly honest: HonestValidators,
  ) {
    this.gapViews = new GapViews(honest);
  }

  observe(o: Observation): Violation | undefined {
    this.gapViews.observe(o);
    if (SIMULATOR_EVENTS.is(o, "fault") && o.fields.triggered === true) this.triggeredHealUs = Math.max(this.triggeredHealUs, o.timeUs);
    if (!VALIDATOR_EVENTS.is(o, "commit") || !this.honest.has(o.node)) return undefined;
    const height = o.fields.height;
    if (height > this.highestHeight) {
      this.highestHeight = height;
      this.commitTimesUs.push(o.timeUs);
    }
    return undefined;
  }

  finish(endUs: number): InvariantResult {
    const { notExpectedBecause } = this.expectation;
    const healAtUs = Math.max(this.expectation.healAtUs, this.triggeredHealUs);
    let longestGapUs = 0;
    let previous = 0;
    for (const t of this.commitTimesUs) {
      longestGapUs = Math.max(longestGapUs, t - previous);
      previous = t;
    }
    longestGapUs = Math.max(longestGapUs, endUs - previous);

    const after = this.commitTimesUs.filter((t) => t >= healAtUs);
    const firstAfterHealUs = after.length > 0 ? after[0]! - healAtUs : null;
    let longestAfterHealUs = 0;
    let violation: Violation | undefined;
    let gapStart = healAtUs;
    for (const t of endUs < healAtUs ? [] : [...after, endUs]) {
      const gap = t - gapStart;
      if (gap > longestAfterHealUs) longestAfterHealUs = gap;
      if (gap > this.boundUs && violation === undefined) {
        violation = {
          invariant: this.name,
          atUs: gapStart + this.boundUs,
          message: `no new commit for ${formatSeconds(gap)} after ${gapStart === healAtUs ? "the last fault healed" : "the previous commit"} at ${formatSeconds(gapStart)} (livenessBound ${formatSeconds(this.boundUs)}); ${this.gapViews.describe(gapStart, t)}`,
        };
      }
      gapStart = t;
    }
    const figures = {
      healAtUs,
      livenessBoundUs: this.boundUs,
      firstCommitAfterHealUs: firstAfterHealUs,
      longestGapAfterHealUs: longestAfterHealUs,
      longestCommitGapUs: longestGapUs,
    };
    let skipped = notExpectedBecause;
    if (skipped === undefined && endUs < healAtUs) {
      skipped = `the run ended at ${formatSeconds(endUs)}, before the last fault at ${formatSeconds(healAtUs)}`;
    } else if (skipped === undefined && endUs - healAtUs < this.boundUs && after.length === 0) {
      skipped = `the run ended ${formatSeconds(endUs - healAtUs)} after the last fault, less than livenessBound`;
    }
    if (skipped !== undefined) return { name: this.name, kind: this.kind, ok: true, skipped, figures };
    return { name: this.name, kind: this.kind, ok: violation === undefined, figures, ...(violation ? { violation } : {}) };
  }
}

function formatSeconds(us: number): string {
  return `${(us / 1e6).toFixed(3)}s`;
}
