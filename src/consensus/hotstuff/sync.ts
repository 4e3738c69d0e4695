/**
 * The block tree's intake and catch-up: inserting blocks whose parent is
 * known, fetching missing blocks from peers by hash (block requests, retried
 * on the next peer), serving peers' requests, and holding orphans and
 * proposals until their parent arrives.
 */
import { bytesEqual, toHex } from "../../crypto/hash.js";
import { assert } from "../../sim/assert.js";
import type { NodeId, TimerId } from "../../sim/node.js";
import { storePendingBlock } from "../safety-store.js";
import type { Block, BlockRequestMessage, BlockResponseMessage } from "../types.js";
import { processQC, tryCommit, updateHead } from "./commit.js";
import { ORPHANS_MAX, SYNC_ATTEMPTS_MAX, SYNC_BATCH_BLOCKS, SYNC_REQUESTS_MAX, TIMER_SYNC } from "./config.js";
import { maybePropose, onProposal } from "./proposals.js";
import type { ReplicaState, SyncRequest } from "./state.js";

/** Adds a block whose justify QC is verified (or hash-authenticated) and whose parent is known. */
export function insertBlock(r: ReplicaState, first: Block): void {
  const sync = r.sync;
  const stack: Block[] = [first];
  while (stack.length > 0) {
    const block = stack.pop()!;
    const hex = toHex(block.hash);
    const parent = r.tree.get(toHex(block.parentHash));
    if (parent === undefined || parent.height + 1 !== block.height || !bytesEqual(block.justify.blockHash, block.parentHash)) continue;
    if (!r.tree.add(block)) continue;
    storePendingBlock(r.ctx.storage, block, hex);
    r.ctx.log("block", { hash: hex, parent: toHex(block.parentHash), height: block.height, view: block.view, proposer: block.proposer });
    processQC(r, block.justify, undefined);
    if (hex === toHex(r.safety.lockedQC.blockHash)) {
      updateHead(r);
      tryCommit(r, r.safety.lockedQC);
      maybePropose(r);
    }
    const children = sync.orphans.get(hex);
    if (children !== undefined) {
      sync.orphans.delete(hex);
      sync.orphanCount -= children.length;
      assert(sync.orphanCount >= 0, "the orphan count never goes negative");
      stack.push(...children);
    }
    const proposals = sync.pendingProposals.get(hex);
    if (proposals !== undefined) {
      sync.pendingProposals.delete(hex);
      sync.pendingProposalCount -= proposals.length;
      assert(sync.pendingProposalCount >= 0, "the held proposal count never goes negative");
      for (const { from, msg } of proposals) onProposal(r, from, msg);
    }
  }
}

/** Asks a peer (`preferred` if it is one, else a random one) for the block `hash` and its ancestors. */
export function requestBlocks(r: ReplicaState, hash: Uint8Array, preferred: NodeId | undefined): void {
  const sync = r.sync;
  const hex = toHex(hash);
  if (r.tree.has(hex) || sync.requests.has(hex) || sync.requests.size >= SYNC_REQUESTS_MAX) return;
  const preferredIndex = preferred === undefined ? undefined : r.validators.indexOf(preferred);
  const peer = preferredIndex !== undefined && preferredIndex !== r.config.index ? preferredIndex : r.randomPeer();
  if (r.validators.size > 1) assert(peer !== r.config.index, "never ask ourselves for blocks");
  assert(r.config.syncRetryUs > 0, "the sync retry timer has a positive delay");
  const request: SyncRequest = { hash, attempts: 1, peer, timer: r.ctx.setTimer(r.config.syncRetryUs, TIMER_SYNC) };
  sync.requests.set(hex, request);
  sync.timers.set(request.timer, hex);
  sendBlockRequest(r, request);
}

function sendBlockRequest(r: ReplicaState, request: SyncRequest): void {
  const msg: BlockRequestMessage = { type: "block-request", hash: request.hash, count: SYNC_BATCH_BLOCKS };
  r.ctx.send(r.validators.idOf(request.peer), msg);
}

/** A block request's retry timer fired: ask the next peer, or give up. */
export function onSyncRetry(r: ReplicaState, timer: TimerId): void {
  const sync = r.sync;
  const hex = sync.timers.get(timer);
  if (hex === undefined) return;
  sync.timers.delete(timer);
  const request = sync.requests.get(hex);
  if (request === undefined) return;
  if (r.tree.has(hex) || orphanHas(r, hex) || request.attempts >= SYNC_ATTEMPTS_MAX) {
    sync.requests.delete(hex);
    return;
  }
  request.attempts++;
  request.peer = (request.peer + 1) % r.validators.size;
  if (request.peer === r.config.index) request.peer = (request.peer + 1) % r.validators.size;
  if (r.validators.size > 1) assert(request.peer !== r.config.index, "never ask ourselves for blocks");
  assert(request.attempts <= SYNC_ATTEMPTS_MAX, "a block request is retried a bounded number of times");
  request.timer = r.ctx.setTimer(r.config.syncRetryUs, TIMER_SYNC);
  sync.timers.set(request.timer, hex);
  sendBlockRequest(r, request);
}

/** Serves a peer's block request: the block and its ancestors, newest first. */
export function onBlockRequest(r: ReplicaState, from: NodeId, msg: BlockRequestMessage): void {
  const blocks: Block[] = [];
  let block = r.tree.get(toHex(msg.hash));
  while (block !== undefined && blocks.length < Math.min(msg.count, SYNC_BATCH_BLOCKS)) {
    blocks.push(block);
    if (block.height === 0) break;
    block = r.tree.get(toHex(block.parentHash));
  }
  if (blocks.length === 0) return;
  const response: BlockResponseMessage = { type: "block-response", blocks };
  r.ctx.send(from, response);
}

/** Blocks we asked for: keeps the hash-linked prefix, inserts what connects, asks for what is still missing. */
export function onBlockResponse(r: ReplicaState, from: NodeId, msg: BlockResponseMessage): void {
  const sync = r.sync;
  const first = msg.blocks[0];
  if (first === undefined) return;
  const firstHex = toHex(first.hash);
  const request = sync.requests.get(firstHex);
  if (request === undefined) return; // unsolicited: only requested hashes are authenticated
  sync.requests.delete(firstHex);
  sync.timers.delete(request.timer);
  r.ctx.cancelTimer(request.timer);
  // Keep the prefix that is hash-linked to the requested block.
  const chain: Block[] = [first];
  for (let i = 1; i < msg.blocks.length; i++) {
    const block = msg.blocks[i]!;
    if (!bytesEqual(block.hash, chain[i - 1]!.parentHash)) break;
    chain.push(block);
  }
  const tipHeight = r.tree.committedTip.height;
  const useful = chain.filter((b) => b.height > tipHeight && !r.tree.has(toHex(b.hash)));
  if (useful.length === 0) return;
  for (const block of useful) addOrphan(r, block);
  const oldest = useful[useful.length - 1]!;
  const oldestParentHex = toHex(oldest.parentHash);
  if (r.tree.has(oldestParentHex)) {
    // Far behind and a snapshot on its way: hold the blocks rather than replay them (see endSnapshotWait).
    if (r.snapshot.timerId !== undefined && oldestParentHex === toHex(r.tree.committedTip.hash)) {
      r.snapshot.deferredParentHex = oldestParentHex;
      return;
    }
    insertOrphansOf(r, oldestParentHex);
  } else {
    requestBlocks(r, oldest.parentHash, from);
  }
}

/** Forgets orphans and held proposals at or below the committed height: they can never be inserted. */
export function dropStaleWaiting(r: ReplicaState): void {
  const sync = r.sync;
  const tipHeight = r.tree.committedTip.height;
  for (const [parentHex, blocks] of sync.orphans) {
    const live = blocks.filter((b) => b.height > tipHeight);
    sync.orphanCount -= blocks.length - live.length;
    if (live.length === 0) sync.orphans.delete(parentHex);
    else sync.orphans.set(parentHex, live);
  }
  for (const [parentHex, waiting] of sync.pendingProposals) {
    const live = waiting.filter((p) => p.msg.block.height > tipHeight);
    sync.pendingProposalCount -= waiting.length - live.length;
    if (live.length === 0) sync.pendingProposals.delete(parentHex);
    else sync.pendingProposals.set(parentHex, live);
  }
}

/** Holds a fetched block until its parent is in the tree (bounded by {@link ORPHANS_MAX}). */
export function addOrphan(r: ReplicaState, block: Block): void {
  const sync = r.sync;
  if (sync.orphanCount >= ORPHANS_MAX) return;
  assert(sync.orphanCount >= 0, "the orphan count never goes negative");
  const parentHex = toHex(block.parentHash);
  const siblings = sync.orphans.get(parentHex) ?? [];
  if (siblings.some((b) => bytesEqual(b.hash, block.hash))) return;
  siblings.push(block);
  sync.orphans.set(parentHex, siblings);
  sync.orphanCount++;
  assert(sync.orphanCount <= ORPHANS_MAX, "orphans are bounded");
}

function orphanHas(r: ReplicaState, hex: string): boolean {
  for (const blocks of r.sync.orphans.values()) if (blocks.some((b) => toHex(b.hash) === hex)) return true;
  return false;
}

/** Inserts the orphans waiting for `parentHex` (now known), and their descendants. */
export function insertOrphansOf(r: ReplicaState, parentHex: string): void {
  const sync = r.sync;
  assert(r.tree.has(parentHex), "orphans are inserted once their parent is known");
  const children = sync.orphans.get(parentHex);
  if (children === undefined) return;
  sync.orphans.delete(parentHex);
  sync.orphanCount -= children.length;
  for (const child of children) insertBlock(r, child);
}
