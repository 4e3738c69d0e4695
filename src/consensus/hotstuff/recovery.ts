/**
 * Boot and recovery: restoring the replica from its disk (safety state,
 * committed chain from the newest checkpoint, uncommitted blocks), and the
 * Viewstamped Replication recovery rule when the safety state is lost (status
 * requests to the peers; no vote, timeout or proposal until a quorum answered).
 */
import { bytesEqual, toHex } from "../../crypto/hash.js";
import { assert } from "../../sim/assert.js";
import type { NodeId } from "../../sim/node.js";
import { GENESIS_BLOCK } from "../genesis.js";
import {
  clearRecovering,
  deleteCheckpoint,
  deletePendingBlock,
  formatValidatorStorage,
  initialSafetyState,
  isFormatted,
  isRecovering,
  loadCheckpoint,
  loadCommittedChain,
  loadPendingBlocks,
  loadSafetyState,
  markRecovering,
  persistSafetyState,
  resetCommittedChain,
  SAFETY_KEY,
  StorageCorruptError,
  type SafetyState,
  type StoredCheckpoint,
} from "../safety-store.js";
import type { Block, QuorumCertificate } from "../types.js";
import { processQC, updateHead } from "./commit.js";
import { TIMER_RECOVERY } from "./config.js";
import { enterView } from "./pacemaker.js";
import type { ReplicaState } from "./state.js";
import { insertBlock, requestBlocks } from "./sync.js";

/**
 * Restores the replica from its disk at boot (the contexts are set): the
 * safety state (or, when it is lost, a recovery gating votes from the first
 * step on), the committed chain and application state, the uncommitted
 * blocks; then enters the view to resume in and, if recovering, asks the peers.
 */
export function restoreFromStorage(r: ReplicaState): void {
  const ctx = r.ctx;
  assert(r.currentView === 0, "a replica boots once per instance");
  assert(r.checked === undefined, "no step ran before the boot");
  const corrupt = (key: string): void => ctx.log("storage-corrupt", { key });
  // First read, then decide, then write: the recovery mark is durable before anything lost is deleted or reformatted.
  const formatted = r.config.storageFormatted !== true || readOrCorrupt(() => isFormatted(ctx.storage), corrupt, () => false);
  let safetyCorrupt = false;
  const safety = readOrCorrupt<SafetyState | undefined>(() => loadSafetyState(ctx.storage), corrupt, () => {
    safetyCorrupt = true;
    return undefined;
  });
  const interrupted = readOrCorrupt(() => isRecovering(ctx.storage), corrupt, () => true);
  // No intact format record is a lost disk, unless an intact safety state proves otherwise.
  const lostBecause = interrupted
    ? "a recovery of the safety state was interrupted by a crash"
    : safetyCorrupt
      ? "the safety state is corrupt"
      : !formatted && safety === undefined
        ? "the disk has no format record (lost disk)"
        : undefined;
  if (lostBecause !== undefined) markRecovering(ctx.storage);
  if (!formatted) formatValidatorStorage(ctx.storage);
  if (safetyCorrupt) {
    ctx.storage.delete(SAFETY_KEY);
    ctx.storage.sync();
  }
  r.safety = safety ?? initialSafetyState();
  // Gate votes, timeouts and proposals from the first step on; the status requests go out at the end of start.
  if (lostBecause !== undefined) r.recovery = { nonce: 1 + ctx.rng.int(2 ** 31), views: new Map(), highQC: r.safety.lockedQC, timer: 0 };
  const chain = restoreCommittedChain(r, corrupt);
  r.tree = r.newTree(chain.length > 0 ? chain[chain.length - 1]! : GENESIS_BLOCK);
  r.tree.addCommittedHistory(GENESIS_BLOCK);
  for (const block of chain) r.tree.addCommittedHistory(block);
  const pending = loadPendingBlocks(ctx.storage, corrupt);
  ctx.log("boot", {
    committedHeight: r.tree.committedTip.height,
    lastVotedView: r.safety.lastVotedView,
    lockedQCView: r.safety.lockedQC.view,
  });

  // Uncommitted blocks kept before the crash, parents first (their QCs were verified when they arrived).
  for (const block of pending) {
    if (block.height <= r.tree.committedTip.height) deletePendingBlock(ctx.storage, toHex(block.hash));
    else insertBlock(r, block);
  }
  // Resume in the view we last voted or timed out in (we will not vote there again), or proposed in (we were in
  // it: a crash between persisting a proposal and voting for it, found by a crash point), or after our lock.
  enterView(r, Math.max(r.safety.lastVotedView, r.safety.lastProposedView, r.safety.lockedQC.view + 1), true);
  updateHead(r);
  if (!r.tree.has(toHex(r.safety.lockedQC.blockHash))) requestBlocks(r, r.safety.lockedQC.blockHash, undefined);
  if (lostBecause !== undefined) startRecovery(r, lostBecause);
  assert(r.currentView > r.safety.lockedQC.view, "boot resumes above the lock");
  assert(r.currentView >= r.safety.lastVotedView, "boot resumes at or above the last voted view");
}

/**
 * Loads the committed chain and rebuilds the application's committed state:
 * from the newest checkpoint when there is a usable one (then only the
 * blocks above it are re-executed), else from genesis. A chain that starts at
 * an installed snapshot but has no usable checkpoint is discarded (refetched).
 * @returns the committed blocks now held, base first (genesis excluded)
 */
function restoreCommittedChain(r: ReplicaState, corrupt: (key: string) => void): readonly Block[] {
  const storage = r.ctx.storage;
  const stored = loadCommittedChain(storage, corrupt);
  let blocks = stored.blocks;
  let replayFrom = 0;
  const checkpoint: StoredCheckpoint | undefined = readOrCorrupt<StoredCheckpoint | undefined>(() => loadCheckpoint(storage), corrupt, () => {
    deleteCheckpoint(storage);
    return undefined;
  });
  let restored = false;
  if (checkpoint !== undefined && r.app.restoreSnapshot !== undefined) {
    const index = blocks.findIndex((b) => b.height === checkpoint.height);
    const block = blocks[index];
    if (block !== undefined && bytesEqual(block.hash, checkpoint.blockHash) && r.app.restoreSnapshot(block, checkpoint.state)) {
      replayFrom = index + 1;
      restored = true;
      r.ctx.log("checkpoint-restored", { height: block.height, replay: blocks.length - replayFrom });
    } else {
      r.ctx.log("checkpoint-refused", { height: checkpoint.height });
    }
  }
  if (!restored && stored.baseHeight > 0) {
    // The chain starts at a snapshot's block and nothing can rebuild that state: start over and catch up.
    corrupt("consensus/checkpoint");
    resetCommittedChain(storage, undefined);
    blocks = [];
  }
  for (let i = replayFrom; i < blocks.length; i++) r.app.restoreCommitted(blocks[i]!);
  // The election learns the whole stored chain (a checkpoint skips re-execution, not the chain's history).
  if (r.election.onCommit !== undefined) for (const block of blocks) r.election.onCommit(block);
  return blocks;
}

/** Asks the peers for their views (the recovery set up in `restoreFromStorage`): no vote, timeout or proposal until a quorum answered. */
function startRecovery(r: ReplicaState, reason: string): void {
  r.ctx.log("recovering", { reason });
  sendStatusRequests(r);
}

/** Sends the status request to every peer that has not answered yet (at start and on each retry). */
export function sendStatusRequests(r: ReplicaState): void {
  const recovery = r.recovery;
  assert(recovery !== undefined, "status requests only while recovering");
  assert(r.config.viewTimeoutUs > 0, "the recovery timer has a positive delay");
  recovery.timer = r.ctx.setTimer(r.config.viewTimeoutUs, TIMER_RECOVERY);
  const request = { type: "status-request" as const, nonce: recovery.nonce };
  for (let i = 0; i < r.validators.size; i++) if (i !== r.config.index && !recovery.views.has(i)) r.sendTo(i, request);
  maybeFinishRecovery(r);
}

/** A recovering peer asks for our view and highest QC. */
export function onStatusRequest(r: ReplicaState, from: NodeId, msg: { nonce: number }): void {
  // A recovering replica does not know its own view: it must not vouch for one.
  if (r.recovery !== undefined || r.validators.indexOf(from) === undefined) return;
  r.ctx.send(from, { type: "status", nonce: msg.nonce, view: r.currentView, highQC: r.safety.lockedQC });
}

/** A peer's answer to our status request. */
export function onStatus(r: ReplicaState, from: NodeId, msg: { nonce: number; view: number; highQC: QuorumCertificate }): void {
  const recovery = r.recovery;
  const index = r.validators.indexOf(from);
  if (recovery === undefined || msg.nonce !== recovery.nonce || index === undefined || index === r.config.index) return;
  if (!r.validators.verifyQC(msg.highQC)) return r.reject(from, { type: "status", ...msg }, "invalid high QC in status");
  assert(index !== r.config.index, "our own status never counts");
  recovery.views.set(index, msg.view);
  if (msg.highQC.view > recovery.highQC.view) recovery.highQC = msg.highQC;
  maybeFinishRecovery(r);
}

/** Ends the recovery once enough peers answered: never vote or propose at or below the highest view reported + 1. */
function maybeFinishRecovery(r: ReplicaState): void {
  const recovery = r.recovery;
  if (recovery === undefined) return;
  const needed = Math.min(r.validators.quorum, r.validators.size - 1);
  if (recovery.views.size < needed) return;
  let highest = 0;
  for (const view of recovery.views.values()) highest = Math.max(highest, view);
  const floor = highest + 1;
  r.recovery = undefined;
  r.ctx.cancelTimer(recovery.timer);
  r.safety.lastVotedView = Math.max(r.safety.lastVotedView, floor);
  r.safety.lastProposedView = Math.max(r.safety.lastProposedView, floor);
  persistSafetyState(r.ctx.storage, r.safety);
  clearRecovering(r.ctx.storage);
  r.ctx.log("recovered", { floorView: floor, answers: recovery.views.size, highQCView: recovery.highQC.view });
  processQC(r, recovery.highQC, undefined);
  if (r.currentView < floor) enterView(r, floor, false);
  assert(r.recovery === undefined, "the recovery is over");
  assert(r.safety.lastVotedView >= floor, "never vote at or below the recovered floor");
  assert(r.safety.lastProposedView >= floor, "never propose at or below the recovered floor");
  assert(r.currentView >= floor, "the view is at or above the recovered floor");
}

/**
 * Reads a record of the replica's disk: `read()`, or, when it throws
 * {@link StorageCorruptError}, logs the corrupt key with `corrupt` and returns
 * `onCorrupt()`. Any other error propagates.
 */
function readOrCorrupt<T>(read: () => T, corrupt: (key: string) => void, onCorrupt: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof StorageCorruptError)) throw error;
    corrupt(error.key);
    return onCorrupt();
  }
}
