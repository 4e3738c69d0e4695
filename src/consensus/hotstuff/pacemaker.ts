/**
 * The pacemaker: views, the view timer and its backoff, timeouts, TCs, and
 * Bracha-style amplification (f + 1 timeouts of a view make a replica join
 * them), which re-synchronizes views after a partition.
 */
import { assert } from "../../sim/assert.js";
import type { NodeId } from "../../sim/node.js";
import { timeoutSigningBytes } from "../block-hash.js";
import { persistSafetyState } from "../safety-store.js";
import type { TimeoutCertificate, TimeoutMessage } from "../types.js";
import { processQC } from "./commit.js";
import { TIMER_VIEW, VIEWS_AHEAD_MAX } from "./config.js";
import { maybePropose } from "./proposals.js";
import type { ReplicaState } from "./state.js";

/** Moves to `view` if it is above the current one: re-arms the view timer, forgets old votes and timeouts, proposes if we lead. */
export function enterView(r: ReplicaState, view: number, progress: boolean): void {
  const pacemaker = r.pacemaker;
  if (view <= r.currentView) return;
  assert(view > r.currentView, "the view never goes down");
  r.currentView = view;
  if (progress) pacemaker.viewTimer.onProgress();
  if (r.proposals.proposeTimerId !== undefined) {
    r.ctx.cancelTimer(r.proposals.proposeTimerId);
    r.proposals.proposeTimerId = undefined;
  }
  armViewTimer(r, pacemaker.viewTimer.durationUs);
  for (const [key, collector] of r.proposals.votes) if (collector.view + 2 < view) r.proposals.votes.delete(key);
  for (const v of pacemaker.timeouts.keys()) if (v < view) pacemaker.timeouts.delete(v);
  for (const v of pacemaker.tcFormedViews) if (v < view) pacemaker.tcFormedViews.delete(v);
  // The leader as this replica's election names it on entering the view (a pure query: nothing changes).
  r.ctx.log("view", { view, leader: r.validators.idOf(r.leaderOf(view)) });
  maybePropose(r);
}

function armViewTimer(r: ReplicaState, afterUs: number): void {
  assert(afterUs > 0, "the view timer has a positive delay");
  if (r.pacemaker.viewTimerId !== undefined) r.ctx.cancelTimer(r.pacemaker.viewTimerId);
  r.pacemaker.viewTimerId = r.ctx.setTimer(afterUs, TIMER_VIEW);
}

/** The view timer fired: time out the current view, or re-send the timeout of a view we are still stuck in. */
export function onViewTimeout(r: ReplicaState): void {
  const pacemaker = r.pacemaker;
  assert(pacemaker.viewTimerId !== undefined, "the view timer is armed");
  assert(pacemaker.timedOutView <= r.currentView, "the timed-out view is not ahead of the view");
  if (pacemaker.timedOutView === r.currentView && pacemaker.sentTimeout !== undefined) {
    // Still stuck in a view we already left by timeout: re-send (messages may have been lost).
    r.ctx.log("timeout-resend", { view: r.currentView });
    r.broadcast(pacemaker.sentTimeout);
    armViewTimer(r, pacemaker.viewTimer.baseUs);
    return;
  }
  pacemaker.viewTimer.onExpired();
  timeoutView(r);
}

/** Leaves the current view by timeout: never vote in it again, tell everyone. */
function timeoutView(r: ReplicaState): void {
  const pacemaker = r.pacemaker;
  if (r.recovery !== undefined) {
    // A timeout is a signed statement about this view: not before the recovery rule allows it.
    armViewTimer(r, pacemaker.viewTimer.baseUs);
    return;
  }
  const view = r.currentView;
  assert(pacemaker.timedOutView < view, "a view is left by timeout once");
  assert(view >= r.safety.lastVotedView, "time out a view at or above the last voted view");
  pacemaker.timedOutView = view;
  r.safety.lastVotedView = Math.max(r.safety.lastVotedView, view);
  persistSafetyState(r.ctx.storage, r.safety);
  const highQC = r.safety.lockedQC;
  const msg: TimeoutMessage = {
    type: "timeout",
    view,
    highQC,
    ...(pacemaker.lastTC === undefined ? {} : { lastTC: pacemaker.lastTC }),
    signer: r.config.index,
    signature: r.sign(timeoutSigningBytes(view, highQC.view)),
  };
  pacemaker.sentTimeout = msg;
  r.ctx.log("timeout", { view, highQCView: highQC.view, backoff: pacemaker.viewTimer.expiries });
  armViewTimer(r, pacemaker.viewTimer.baseUs);
  r.broadcast(msg);
}

/** A peer's timeout (or our own, through the loopback): takes in its certificates, counts it, forms the TC at 2f + 1. */
export function onTimeout(r: ReplicaState, from: NodeId, msg: TimeoutMessage): void {
  const pacemaker = r.pacemaker;
  if (r.validators.indexOf(from) !== msg.signer) return r.reject(from, msg, "timeout signer is not the sender");
  if (msg.view > r.currentView + VIEWS_AHEAD_MAX) return;
  const known = pacemaker.timeouts.get(msg.view)?.has(msg.signer) ?? false;
  if (known || msg.view < r.currentView) {
    // Still useful for its certificates, which may move us forward.
    if (msg.view >= r.currentView - 1 && r.validators.verifyQC(msg.highQC)) processQC(r, msg.highQC, from);
    return;
  }
  if (!r.validators.verifySignature(msg.signer, timeoutSigningBytes(msg.view, msg.highQC.view), msg.signature)) return r.reject(from, msg, "bad timeout signature");
  if (!r.validators.verifyQC(msg.highQC)) return r.reject(from, msg, "invalid high QC in timeout");
  // The TC that moved the sender into its view is of an earlier view; the timeout's own view is bounded (VIEWS_AHEAD_MAX), so this bounds it too.
  if (msg.lastTC !== undefined && msg.lastTC.view >= msg.view) return r.reject(from, msg, "last TC in timeout not below its view");
  if (msg.lastTC !== undefined && !r.validators.verifyTC(msg.lastTC)) return r.reject(from, msg, "invalid last TC in timeout");
  processQC(r, msg.highQC, from);
  if (msg.lastTC !== undefined) processTC(r, msg.lastTC);
  if (msg.view < r.currentView) return;

  let byView = pacemaker.timeouts.get(msg.view);
  if (byView === undefined) {
    byView = new Map();
    pacemaker.timeouts.set(msg.view, byView);
  }
  assert(msg.view >= r.currentView, "timeouts are counted for the current view or above");
  byView.set(msg.signer, msg);

  joinTimeouts(r, msg);
  if (byView.size >= r.validators.quorum && !pacemaker.tcFormedViews.has(msg.view)) {
    pacemaker.tcFormedViews.add(msg.view);
    const tc: TimeoutCertificate = {
      view: msg.view,
      entries: [...byView.values()]
        .sort((a, b) => a.signer - b.signer)
        .map((t) => ({ signer: t.signer, signature: t.signature, highQCView: t.highQC.view })),
    };
    r.ctx.log("tc", { view: tc.view });
    processTC(r, tc);
  }
}

/**
 * Bracha-style amplification: once f + 1 validators have timed out in views
 * at or above w, at least one honest validator gave up on w, so join w and
 * time out there too. Using each signer's highest timeout view (not one
 * view's count) re-synchronizes replicas whose views drifted apart.
 */
function joinTimeouts(r: ReplicaState, msg: TimeoutMessage): void {
  const pacemaker = r.pacemaker;
  const previous = pacemaker.highestTimeoutView.get(msg.signer) ?? -1;
  if (msg.view > previous) pacemaker.highestTimeoutView.set(msg.signer, msg.view);
  const f = r.validators.f;
  if (pacemaker.highestTimeoutView.size < f + 1) return;
  const views = [...pacemaker.highestTimeoutView.values()].sort((a, b) => b - a);
  assert(views.length >= f + 1, "amplification needs f + 1 signers");
  const view = views[f]!;
  if (view < r.currentView || pacemaker.timedOutView >= view) return;
  enterView(r, view, false);
  if (r.currentView === view) timeoutView(r);
}

/** Takes in a verified TC: keeps the highest, and moves to the view after it. */
export function processTC(r: ReplicaState, tc: TimeoutCertificate): void {
  if (r.pacemaker.lastTC === undefined || tc.view > r.pacemaker.lastTC.view) r.pacemaker.lastTC = tc;
  if (tc.view >= r.currentView) enterView(r, tc.view + 1, false);
  assert(r.currentView > tc.view, "a TC moves us past its view");
  assert(r.pacemaker.lastTC.view >= tc.view, "the last TC is the highest seen");
}
