/**
 * SBCP liveness, judged at the end of the run. After the last fault (the
 * latest `fault` event of the world, scheduled or triggered) heals:
 * - **superblocks resume**: the SP builds a superblock within
 *   `superblockWithinUs` of the heal, and no later gap between superblocks (or
 *   between the last one and the end of the run) exceeds it;
 * - **every queued xT is decided**: each xT queued at the SP
 *   (`sbcp-xt-queued`) gets `sbcp-decided` (true or false) or `sbcp-xt-expired`
 *   within `xtDecidedWithinUs` of max(its queueing, the heal). An xT still
 *   open at the end is judged only once its deadline has passed.
 *
 * The SP logs its queue, so a restarted SP (`sbcp-publisher-recovered`)
 * queues again the xTs it had (`requeued`): they stay judged from their first
 * queueing. One it did not bring back (a log that lost it) is counted in the
 * figure `xtsLostAtRestart` and stays judged: it is never decided, so it fails
 * once its deadline passes.
 *
 * A halted SP (`sbcp-publisher-halted`: its write-ahead log did not check out,
 * a deliberate stop rather than rebuild superblocks it may have published)
 * builds nothing more. The scenario says whether it expects that
 * (`sbcp.liveness.spHalts`): expected, the verdict is skipped (ok) naming the
 * reason; not expected, it is a violation; expected but not seen, a violation.
 */
import { SIMULATOR_EVENTS } from "../events.js";
import type { Checker, InvariantResult, Observation, Violation } from "../checker.js";
import { SBCP_EVENTS } from "../../systems/sbcp/events.js";
import type { NodeId } from "../../sim/node.js";

/** The bounds and expectation of {@link SbcpLivenessChecker}, from the scenario's `sbcp.liveness`. */
export interface SbcpLivenessBounds {
  /** Longest wait for a superblock after the heal and between superblocks, microseconds. */
  readonly superblockWithinUs: number;
  /** Longest wait from max(queued, heal) to an xT's decision or expiry, microseconds. */
  readonly xtDecidedWithinUs: number;
  /** Whether the scenario expects the SP to halt on a damaged log. */
  readonly spHalts: boolean;
}

/** Checks SBCP liveness after the last fault (see the file comment). */
export class SbcpLivenessChecker implements Checker {
  readonly name = "sbcp-liveness";
  readonly kind = "liveness" as const;
  private healAtUs = 0;
  private readonly superblockTimesUs: number[] = [];
  /** xTid -> when it was queued, for the xTs not yet decided or expired. */
  private readonly open = new Map<string, number>();
  /** Decided or expired xTs: when queued, when settled. */
  private readonly settled: { xTid: string; queuedUs: number; settledUs: number }[] = [];
  private lostAtRestart = 0;
  private halted: { atUs: number; reason: string } | undefined;

  /**
   * @param publisher the SP's node id
   * @param bounds the bounds and the halt expectation
   */
  constructor(
    private readonly publisher: NodeId,
    private readonly bounds: SbcpLivenessBounds,
  ) {}

  observe(o: Observation): Violation | undefined {
    if (SIMULATOR_EVENTS.is(o, "fault")) this.healAtUs = Math.max(this.healAtUs, o.timeUs);
    if (o.node !== this.publisher) return undefined;
    if (SBCP_EVENTS.is(o, "sbcp-superblock")) this.superblockTimesUs.push(o.timeUs);
    else if (SBCP_EVENTS.is(o, "sbcp-xt-queued")) {
      if (!this.open.has(o.fields.xTid)) this.open.set(o.fields.xTid, o.timeUs);
    } else if (SBCP_EVENTS.is(o, "sbcp-decided", "sbcp-xt-expired")) {
      const queuedUs = this.open.get(o.fields.xTid);
      if (queuedUs !== undefined) {
        this.open.delete(o.fields.xTid);
        this.settled.push({ xTid: o.fields.xTid, queuedUs, settledUs: o.timeUs });
      }
    } else if (SBCP_EVENTS.is(o, "sbcp-publisher-recovered")) {
      // Every open xT stays judged: one the restarted SP did not queue again is never decided, and fails.
      const requeued = new Set(o.fields.requeued);
      for (const xTid of this.open.keys()) if (!requeued.has(xTid)) this.lostAtRestart++;
    } else if (SBCP_EVENTS.is(o, "sbcp-publisher-halted") && this.halted === undefined) {
      this.halted = { atUs: o.timeUs, reason: o.fields.reason };
    }
    return undefined;
  }

  finish(endUs: number): InvariantResult {
    const { superblockWithinUs, xtDecidedWithinUs, spHalts } = this.bounds;
    const heal = this.healAtUs;
    const after = this.superblockTimesUs.filter((t) => t >= heal);
    let longestGapUs = 0;
    let violation: Violation | undefined;
    const fail = (atUs: number, message: string): void => {
      violation ??= { invariant: this.name, atUs, message };
    };
    if (this.halted !== undefined && !spHalts) fail(this.halted.atUs, `the SP halted at ${sec(this.halted.atUs)} (${this.halted.reason}) and the scenario does not expect it (sbcp.liveness.spHalts)`);
    if (this.halted === undefined && spHalts) fail(endUs, "the scenario expects the SP to halt (sbcp.liveness.spHalts) and it did not");
    let start = heal;
    if (this.halted === undefined && endUs >= heal) {
      for (const t of [...after, endUs]) {
        const gap = t - start;
        longestGapUs = Math.max(longestGapUs, gap);
        if (gap > superblockWithinUs) fail(start + superblockWithinUs, `no superblock for ${sec(gap)} after ${start === heal ? "the last fault healed" : "the superblock"} at ${sec(start)} (superblockWithin ${sec(superblockWithinUs)})`);
        start = t;
      }
    }
    let slowestXtUs = 0;
    let judged = 0;
    if (this.halted === undefined) {
      for (const x of this.settled) {
        const from = Math.max(x.queuedUs, heal);
        if (x.settledUs < from) continue;
        judged++;
        slowestXtUs = Math.max(slowestXtUs, x.settledUs - from);
        if (x.settledUs - from > xtDecidedWithinUs) fail(from + xtDecidedWithinUs, `xT ${x.xTid.slice(0, 12)} was decided ${sec(x.settledUs - from)} after ${sec(from)} (xtDecidedWithin ${sec(xtDecidedWithinUs)})`);
      }
      for (const [xTid, queuedUs] of this.open) {
        const from = Math.max(queuedUs, heal);
        if (endUs - from <= xtDecidedWithinUs) continue;
        judged++;
        fail(from + xtDecidedWithinUs, `xT ${xTid.slice(0, 12)} queued at ${sec(queuedUs)} is still undecided at the end (${sec(endUs)}; xtDecidedWithin ${sec(xtDecidedWithinUs)} from ${sec(from)})`);
      }
    }
    const figures = {
      healAtUs: heal,
      superblockWithinUs,
      xtDecidedWithinUs,
      superblocksAfterHeal: after.length,
      longestSuperblockGapAfterHealUs: longestGapUs,
      xtsJudged: judged,
      slowestXtAfterHealUs: slowestXtUs,
      xtsOpenAtEnd: this.open.size,
      xtsLostAtRestart: this.lostAtRestart,
      spHaltedAtUs: this.halted?.atUs ?? null,
    };
    if (violation !== undefined) return { name: this.name, kind: this.kind, ok: false, figures, violation };
    if (this.halted !== undefined) return { name: this.name, kind: this.kind, ok: true, skipped: `the SP halted at ${sec(this.halted.atUs)} (${this.halted.reason}), as the scenario expects`, figures };
    if (endUs - heal < superblockWithinUs && after.length === 0) return { name: this.name, kind: this.kind, ok: true, skipped: `the run ended ${sec(Math.max(0, endUs - heal))} after the last fault, less than superblockWithin`, figures };
    return { name: this.name, kind: this.kind, ok: true, figures };
  }
}

function sec(us: number): string {
  return `${(us / 1e6).toFixed(3)}s`;
}
