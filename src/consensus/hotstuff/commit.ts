/**
 * Certificates and commits: a verified QC raises the lock (the highest QC),
 * moves the replica to the next view, and applies the two-chain commit rule.
 */
import { toHex } from "../../crypto/hash.js";
import { assert } from "../../sim/assert.js";
import type { NodeId } from "../../sim/node.js";
import { deletePendingBlock, storeCommittedBlock } from "../safety-store.js";
import type { QuorumCertificate } from "../types.js";
import { maybeCheckpoint, maybeRequestSnapshot } from "./checkpoints.js";
import { enterView } from "./pacemaker.js";
import { dropProposeTimerUnlessLeader, maybePropose } from "./proposals.js";
import type { ReplicaState } from "./state.js";
import { dropStaleWaiting, requestBlocks } from "./sync.js";

/** Takes in a verified QC: raises the lock, enters the next view, applies the commit rule. */
export function processQC(r: ReplicaState, qc: QuorumCertificate, source: NodeId | undefined): void {
  if (qc.view > r.safety.lockedQC.view) {
    assert(qc.view > r.safety.lockedQC.view, "the locked QC's view never goes down");
    r.safety.lockedQC = qc;
    r.pacemaker.viewTimer.onProgress();
    if (!r.tree.has(toHex(qc.blockHash))) requestBlocks(r, qc.blockHash, source);
    else updateHead(r);
  }
  maybeRequestSnapshot(r, qc, source);
  if (qc.view >= r.currentView) enterView(r, qc.view + 1, true);
  tryCommit(r, qc);
  maybePropose(r);
  assert(r.safety.lockedQC.view >= qc.view, "the lock is at least as high as every QC taken in");
  assert(r.currentView > qc.view, "a QC moves us past its view");
}

/** Two-chain commit: a QC for B' whose parent B has view B'.view - 1 commits B. */
export function tryCommit(r: ReplicaState, qc: QuorumCertificate): void {
  const certified = r.tree.get(toHex(qc.blockHash));
  if (certified === undefined || certified.height <= r.tree.committedTip.height) return;
  const parent = r.tree.get(toHex(certified.parentHash));
  if (parent === undefined || parent.view + 1 !== certified.view || parent.height <= r.tree.committedTip.height) return;
  const tipHeightBefore = r.tree.committedTip.height;
  const { committed, pruned } = r.tree.commit(toHex(parent.hash));
  assert(committed.length > 0, "a commit commits at least one block");
  assert(committed[0]!.height === tipHeightBefore + 1, "a commit starts just above the committed tip");
  assert(r.tree.committedTip === parent, "a commit ends at the block it commits");
  for (const hex of pruned) deletePendingBlock(r.ctx.storage, hex);
  dropStaleWaiting(r);
  let previousHeight = tipHeightBefore;
  for (const block of committed) {
    assert(block.height === previousHeight + 1, "committed heights grow by one");
    previousHeight = block.height;
    deletePendingBlock(r.ctx.storage, toHex(block.hash));
    storeCommittedBlock(r.ctx.storage, block);
  }
  // Durable before anything says "committed" (issue 16, defect 9: a commit logged before it was synced let a
  // restarted node boot one height below a commit it had logged).
  r.ctx.storage.sync();
  for (const block of committed) {
    r.app.commit(r.appCtx, block);
    r.election.onCommit?.(block);
    r.ctx.log("commit", { height: block.height, view: block.view, hash: toHex(block.hash), payload: block.payload });
    maybeCheckpoint(r, block);
  }
  // A checkpoint taken above is durable with its commit's step, not one step later.
  r.ctx.storage.sync();
  dropProposeTimerUnlessLeader(r);
}

/** Logs `head` when the locked QC's block (known) changed. */
export function updateHead(r: ReplicaState): void {
  const hex = toHex(r.safety.lockedQC.blockHash);
  const block = r.tree.get(hex);
  if (block === undefined || hex === r.headHex) return;
  r.headHex = hex;
  r.ctx.log("head", { hash: hex, height: block.height, view: block.view });
}
