/**
 * What holds between any two steps of a replica, checked after every step
 * (TigerBeetle's `invariants()`): a failure is a bug in the replica, never a
 * peer's doing.
 */
import type { ReplicaState } from "./state.js";

/** Throws if the replica's state breaks one of its invariants. */
export function checkInvariants(r: ReplicaState): void {
  const { lastVotedView, lockedQC } = r.safety;
  if (r.currentView < lastVotedView) throw new Error(`invariant: view ${r.currentView} below last voted view ${lastVotedView}`);
  if (lockedQC.view >= r.currentView) throw new Error(`invariant: locked QC view ${lockedQC.view} not below view ${r.currentView}`);
  if (r.safety.lastProposedView > r.currentView) throw new Error(`invariant: proposed in view ${r.safety.lastProposedView} beyond view ${r.currentView}`);
}
