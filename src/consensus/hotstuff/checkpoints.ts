/**
 * Checkpoints and snapshots: storing the application's snapshot every K
 * committed heights, asking a peer for its checkpoint when far behind,
 * serving ours with its commit proof, and verifying and installing a peer's.
 */
import { bytesEqual, toHex } from "../../crypto/hash.js";
import { assert } from "../../sim/assert.js";
import type { NodeId } from "../../sim/node.js";
import { COMMITTED_BLOCKS_KEPT_DEFAULT } from "../block-tree.js";
import {
  deleteCheckpoint,
  deletePendingBlock,
  loadCheckpoint,
  resetCommittedChain,
  storeCheckpoint,
  StorageCorruptError,
  truncateCommittedChain,
  type StoredCheckpoint,
} from "../safety-store.js";
import type { Block, QuorumCertificate, SnapshotMessage } from "../types.js";
import { processQC } from "./commit.js";
import { dropProposeTimerUnlessLeader } from "./proposals.js";
import { SNAPSHOT_BEHIND_DEFAULT, SNAPSHOT_PROOF_BLOCKS_MAX, SYNC_BATCH_BLOCKS, TIMER_SNAPSHOT } from "./config.js";
import type { ReplicaState } from "./state.js";
import { addOrphan, dropStaleWaiting, insertOrphansOf, requestBlocks } from "./sync.js";

/** After committing `block`: stores a checkpoint when its height is a multiple of K. */
export function maybeCheckpoint(r: ReplicaState, block: Block): void {
  const every = r.config.checkpointEveryBlocks ?? 0;
  if (every <= 0 || block.height % every !== 0 || r.app.snapshot === undefined) return;
  const state = r.app.snapshot(block);
  if (state === undefined) return;
  assert(block.height <= r.tree.committedTip.height, "a checkpoint is of a committed block");
  storeCheckpoint(r.ctx.storage, { height: block.height, blockHash: block.hash, state });
  r.ctx.log("checkpoint", { height: block.height, bytes: state.length });
  truncateBelowCheckpoint(r, block.height, every);
}

/**
 * After a checkpoint at `height`: truncates the stored chain (and the tree's
 * index of old blocks) below the checkpoint height that lies at least
 * {@link storedBlocksKept} blocks below it, so the disk holds a bounded log
 * (between that many and that many plus K blocks) however long the run.
 */
function truncateBelowCheckpoint(r: ReplicaState, height: number, every: number): void {
  const base = height - every * Math.ceil(storedBlocksKept(r) / every);
  if (base < 1) return;
  assert(base % every === 0 && base < height, "the stored chain starts at an older checkpoint's height");
  let truncated: number | undefined;
  try {
    truncated = truncateCommittedChain(r.ctx.storage, base);
  } catch (error) {
    // A corrupt base record: the next boot finds it (and refetches the chain); keep the log until then.
    if (error instanceof StorageCorruptError) return;
    throw error;
  }
  if (truncated !== undefined) r.tree.forgetBelow(truncated);
}

/**
 * Committed blocks the disk keeps below a checkpoint: enough to serve a peer
 * that is not far enough behind to ask for a snapshot (`snapshotBehind` plus
 * one block request), to fill the in-memory window after a restart, and to
 * tell the leader election its window again.
 */
export function storedBlocksKept(r: ReplicaState): number {
  return Math.max(
    r.config.committedBlocksKept ?? COMMITTED_BLOCKS_KEPT_DEFAULT,
    (r.config.snapshotBehindBlocks ?? SNAPSHOT_BEHIND_DEFAULT) + SYNC_BATCH_BLOCKS,
    r.election.historyBlocks ?? 0,
  );
}

/** Asks a peer for its checkpoint when `qc` is far above the committed height. */
export function maybeRequestSnapshot(r: ReplicaState, qc: QuorumCertificate, source: NodeId | undefined): void {
  const snapshot = r.snapshot;
  if ((r.config.checkpointEveryBlocks ?? 0) <= 0 || r.app.restoreSnapshot === undefined || snapshot.timerId !== undefined) return;
  if (qc.height <= r.tree.committedTip.height + (r.config.snapshotBehindBlocks ?? SNAPSHOT_BEHIND_DEFAULT)) return;
  const sourceIndex = source === undefined ? undefined : r.validators.indexOf(source);
  snapshot.peer = sourceIndex !== undefined && sourceIndex !== r.config.index && snapshot.peer === -1 ? sourceIndex : r.randomPeer();
  if (r.validators.size > 1) assert(snapshot.peer !== r.config.index, "never ask ourselves for a snapshot");
  assert(r.config.syncRetryUs > 0, "the snapshot retry timer has a positive delay");
  snapshot.timerId = r.ctx.setTimer(4 * r.config.syncRetryUs, TIMER_SNAPSHOT);
  r.ctx.log("snapshot-request", { peer: r.validators.idOf(snapshot.peer), committedHeight: r.tree.committedTip.height, qcHeight: qc.height });
  r.ctx.send(r.validators.idOf(snapshot.peer), { type: "snapshot-request" });
}

/** Serves the newest checkpoint with its commit proof (see {@link SnapshotMessage}). */
export function onSnapshotRequest(r: ReplicaState, from: NodeId): void {
  if (r.validators.indexOf(from) === undefined) return;
  let checkpoint: StoredCheckpoint | undefined;
  try {
    checkpoint = loadCheckpoint(r.ctx.storage);
  } catch (error) {
    if (!(error instanceof StorageCorruptError)) throw error;
    r.ctx.log("storage-corrupt", { key: error.key });
    deleteCheckpoint(r.ctx.storage);
    return;
  }
  if (checkpoint === undefined) return;
  const base = r.tree.committedAt(checkpoint.height);
  if (base === undefined || !bytesEqual(base.hash, checkpoint.blockHash)) return;
  const blocks: Block[] = [base];
  for (let h = base.height + 1; blocks.length < SNAPSHOT_PROOF_BLOCKS_MAX; h++) {
    const block = r.tree.committedAt(h);
    if (block === undefined) return;
    const previous = blocks[blocks.length - 1]!;
    blocks.push(block);
    if (block.view !== previous.view + 1) continue;
    // A QC for `block` commits `previous`: the justify of a child (committed or not), or our lock.
    const child = r.tree.committedAt(h + 1) ?? r.tree.childOf(toHex(block.hash));
    const qc = child !== undefined ? child.justify : bytesEqual(r.safety.lockedQC.blockHash, block.hash) ? r.safety.lockedQC : undefined;
    if (qc !== undefined) {
      r.ctx.send(from, { type: "snapshot", blocks, commitQC: qc, state: checkpoint.state });
      return;
    }
  }
}

/** Verifies a peer's checkpoint (commit proof, then state root) and installs it. */
export function onSnapshot(r: ReplicaState, from: NodeId, msg: SnapshotMessage): void {
  const base = msg.blocks[0];
  if (base === undefined || r.validators.indexOf(from) === undefined || r.app.restoreSnapshot === undefined) return;
  if (base.height <= r.tree.committedTip.height + 1) return; // no better than replaying what we can fetch
  const refuse = (reason: string): void => {
    r.ctx.log("snapshot-refused", { from, height: base.height, reason });
    endSnapshotWait(r);
  };
  for (let i = 1; i < msg.blocks.length; i++) {
    const block = msg.blocks[i]!;
    if (!bytesEqual(block.parentHash, msg.blocks[i - 1]!.hash) || block.height !== msg.blocks[i - 1]!.height + 1) return refuse("blocks not hash-linked");
  }
  const certified = msg.blocks[msg.blocks.length - 1]!;
  const committed = msg.blocks[msg.blocks.length - 2];
  if (committed === undefined || certified.view !== committed.view + 1) return refuse("no two-chain at the end of the proof");
  if (!bytesEqual(msg.commitQC.blockHash, certified.hash) || msg.commitQC.height !== certified.height) return refuse("commit QC certifies another block");
  if (!r.validators.verifyQC(msg.commitQC)) return refuse("invalid commit QC");
  if (!r.app.restoreSnapshot(base, msg.state)) return refuse("state does not match the block's state root");

  // Installed: the snapshot's block becomes the committed base; the proof's blocks follow as usual.
  if (r.snapshot.timerId !== undefined) r.ctx.cancelTimer(r.snapshot.timerId);
  r.snapshot.timerId = undefined;
  r.snapshot.deferredParentHex = undefined;
  for (const hex of r.tree.uncommittedHashes()) deletePendingBlock(r.ctx.storage, hex);
  const committedHeightBefore = r.tree.committedTip.height;
  r.tree = r.newTree(base);
  assert(r.tree.committedTip.height > committedHeightBefore, "an installed snapshot moves the committed height up");
  // The election learns the snapshot's block; the blocks below it it never sees (see `LeaderElection.onCommit`).
  r.election.onCommit?.(base);
  dropProposeTimerUnlessLeader(r);
  storeCheckpoint(r.ctx.storage, { height: base.height, blockHash: base.hash, state: msg.state });
  resetCommittedChain(r.ctx.storage, base);
  r.ctx.log("snapshot-installed", { from, height: base.height, proofBlocks: msg.blocks.length });
  dropStaleWaiting(r);
  for (const block of msg.blocks.slice(1)) addOrphan(r, block);
  insertOrphansOf(r, toHex(base.hash));
  processQC(r, msg.commitQC, from);
  if (!r.tree.has(toHex(r.safety.lockedQC.blockHash))) requestBlocks(r, r.safety.lockedQC.blockHash, from);
}

/** The snapshot request's retry timer fired: stop waiting for it. */
export function onSnapshotTimeout(r: ReplicaState): void {
  assert(r.snapshot.timerId !== undefined, "the snapshot timer is armed");
  r.snapshot.timerId = undefined;
  endSnapshotWait(r);
}

/** No snapshot is awaited any more: replay the fetched blocks held back for it. */
function endSnapshotWait(r: ReplicaState): void {
  const snapshot = r.snapshot;
  if (snapshot.timerId !== undefined) {
    r.ctx.cancelTimer(snapshot.timerId);
    snapshot.timerId = undefined;
  }
  const parentHex = snapshot.deferredParentHex;
  snapshot.deferredParentHex = undefined;
  assert(snapshot.timerId === undefined, "no snapshot is awaited");
  // Inserting may take in a QC far ahead and ask for a snapshot again.
  if (parentHex !== undefined && r.tree.has(parentHex)) insertOrphansOf(r, parentHex);
}
