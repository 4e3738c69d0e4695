/**
 * What holds between any two steps of a replica, checked after every step
 * (TigerBeetle's `invariants()`): a failure is a bug in the replica, never a
 * peer's doing. Each check is O(1) or linear in a bounded collection
 * (timeouts by view, orphan lists, block requests), so it is cheap enough to
 * run after every step of every simulated node.
 */
import { assert } from "../../sim/assert.js";
import { ORPHANS_MAX, PENDING_PROPOSALS_MAX, SYNC_ATTEMPTS_MAX, SYNC_REQUESTS_MAX } from "./config.js";
import type { ReplicaState } from "./state.js";

/**
 * Throws an `AssertionError` if the replica's state breaks one of its
 * invariants, or if something that only grows went down since the last check.
 */
export function checkInvariants(r: ReplicaState): void {
  checkViews(r);
  checkMonotonic(r);
  checkPacemaker(r);
  checkSync(r);
  checkRecoveryAndSnapshot(r);
}

function checkViews(r: ReplicaState): void {
  const { lastVotedView, lastProposedView, lockedQC } = r.safety;
  assert(r.currentView >= lastVotedView, "invariant: the view is at or above the last voted view");
  assert(lockedQC.view < r.currentView, "invariant: the locked QC's view is below the view");
  assert(lastProposedView <= r.currentView, "invariant: never proposed beyond the view");
  assert(r.tree.committedTip.height >= 0, "invariant: committed height is not negative");
}

/** The view, the lock, the voted and proposed views and the committed height never go down. */
function checkMonotonic(r: ReplicaState): void {
  const now = {
    view: r.currentView,
    lockedQCView: r.safety.lockedQC.view,
    lastVotedView: r.safety.lastVotedView,
    lastProposedView: r.safety.lastProposedView,
    committedHeight: r.tree.committedTip.height,
  };
  const before = r.checked;
  if (before !== undefined) {
    assert(now.view >= before.view, "invariant: the view never goes down");
    assert(now.lockedQCView >= before.lockedQCView, "invariant: the locked QC's view never goes down");
    assert(now.lastVotedView >= before.lastVotedView, "invariant: the last voted view never goes down");
    assert(now.lastProposedView >= before.lastProposedView, "invariant: the last proposed view never goes down");
    assert(now.committedHeight >= before.committedHeight, "invariant: the committed height never goes down");
  }
  r.checked = now;
}

function checkPacemaker(r: ReplicaState): void {
  const pacemaker = r.pacemaker;
  assert(pacemaker.viewTimerId !== undefined, "invariant: the view timer is armed after boot");
  assert(pacemaker.timedOutView <= r.currentView, "invariant: the timed-out view is not ahead of the view");
  if (pacemaker.sentTimeout !== undefined) {
    assert(pacemaker.sentTimeout.view === pacemaker.timedOutView, "invariant: the timeout kept for re-sending is of the timed-out view");
    assert(pacemaker.timedOutView <= r.safety.lastVotedView, "invariant: a timed-out view counts as voted in");
  }
  if (pacemaker.lastTC !== undefined) assert(pacemaker.lastTC.view < r.currentView, "invariant: the last TC is below the view");
  for (const view of pacemaker.timeouts.keys()) assert(view >= r.currentView, "invariant: timeouts below the view are forgotten");
  assert(pacemaker.highestTimeoutView.size <= r.validators.size, "invariant: one highest timeout view per validator");
  if (r.proposals.proposeTimerId !== undefined) {
    assert(r.leaderOf(r.currentView) === r.config.index, "invariant: the propose timer runs only in a view we lead");
  }
}

function checkSync(r: ReplicaState): void {
  const sync = r.sync;
  let orphans = 0;
  for (const blocks of sync.orphans.values()) {
    assert(blocks.length > 0, "invariant: no empty orphan list");
    orphans += blocks.length;
  }
  assert(orphans === sync.orphanCount, "invariant: the orphan count matches the orphans held");
  assert(sync.orphanCount <= ORPHANS_MAX, "invariant: orphans are bounded");
  let proposals = 0;
  for (const waiting of sync.pendingProposals.values()) {
    assert(waiting.length > 0, "invariant: no empty held-proposal list");
    proposals += waiting.length;
  }
  assert(proposals === sync.pendingProposalCount, "invariant: the held proposal count matches the proposals held");
  assert(sync.pendingProposalCount <= PENDING_PROPOSALS_MAX, "invariant: held proposals are bounded");
  assert(sync.requests.size <= SYNC_REQUESTS_MAX, "invariant: block requests are bounded");
  assert(sync.timers.size === sync.requests.size, "invariant: one retry timer per block request");
  for (const [hex, request] of sync.requests) {
    assert(sync.timers.get(request.timer) === hex, "invariant: a block request's retry timer points back to it");
    assert(request.attempts >= 1, "invariant: a block request was sent at least once");
    assert(request.attempts <= SYNC_ATTEMPTS_MAX, "invariant: block request attempts are bounded");
  }
}

function checkRecoveryAndSnapshot(r: ReplicaState): void {
  const recovery = r.recovery;
  if (recovery !== undefined) {
    assert(recovery.views.size < Math.min(r.validators.quorum, r.validators.size - 1), "invariant: a recovery with enough answers is over");
    assert(!recovery.views.has(r.config.index), "invariant: our own status never counts");
    assert(r.proposals.proposeTimerId === undefined, "invariant: no propose timer while recovering");
    assert(r.pacemaker.sentTimeout === undefined, "invariant: no timeout sent while recovering");
  }
  if (r.snapshot.deferredParentHex !== undefined) assert(r.snapshot.timerId !== undefined, "invariant: blocks are held back only while a snapshot is awaited");
}
