/**
 * Proposals and votes: the leader proposes a block extending its highest QC,
 * replicas vote for it under Jolteon's `safe_to_vote` rule, and the next
 * leader forms the QC from 2f + 1 votes.
 */
import { bytesEqual, toHex } from "../../crypto/hash.js";
import { assert } from "../../sim/assert.js";
import type { NodeId } from "../../sim/node.js";
import { blockHash, proposalSigningBytes, voteSigningBytes } from "../block-hash.js";
import { persistSafetyState } from "../safety-store.js";
import type { Block, ProposalMessage, QuorumCertificate, TimeoutCertificate, VoteMessage } from "../types.js";
import { processQC } from "./commit.js";
import { PENDING_PROPOSALS_MAX, TIMER_PROPOSE, VIEWS_AHEAD_MAX } from "./config.js";
import { processTC } from "./pacemaker.js";
import type { ReplicaState } from "./state.js";
import { insertBlock, requestBlocks } from "./sync.js";

/** A proposal from a peer (or from ourselves, through the loopback): checks it, takes in its certificates, inserts the block, votes. */
export function onProposal(r: ReplicaState, from: NodeId, msg: ProposalMessage): void {
  const block = msg.block;
  const leader = r.leaderOf(block.view);
  if (block.proposer !== leader || r.validators.indexOf(from) !== leader) return r.reject(from, msg, "proposal not from the view's leader");
  if (!r.validators.verifySignature(leader, proposalSigningBytes(block.hash), msg.signature)) return r.reject(from, msg, "bad proposal signature");
  if (!bytesEqual(block.justify.blockHash, block.parentHash) || block.justify.height + 1 !== block.height) {
    return r.reject(from, msg, "justify QC does not certify the parent");
  }
  if (block.justify.view >= block.view) return r.reject(from, msg, "justify QC not below the block's view");
  if (!r.validators.verifyQC(block.justify)) return r.reject(from, msg, "invalid justify QC");
  if (msg.tc !== undefined && (msg.tc.view + 1 !== block.view || !r.validators.verifyTC(msg.tc))) return r.reject(from, msg, "invalid TC");

  processQC(r, block.justify, from);
  if (msg.tc !== undefined) processTC(r, msg.tc);
  if (block.height <= r.tree.committedTip.height) return;

  const parentHex = toHex(block.parentHash);
  if (!r.tree.has(parentHex)) {
    if (r.sync.pendingProposalCount < PENDING_PROPOSALS_MAX) {
      const waiting = r.sync.pendingProposals.get(parentHex) ?? [];
      waiting.push({ from, msg });
      r.sync.pendingProposals.set(parentHex, waiting);
      r.sync.pendingProposalCount++;
    }
    requestBlocks(r, block.parentHash, from);
    return;
  }
  insertBlock(r, block);
  maybeVote(r, block, msg.tc);
}

/** Votes for `block` (now in the tree) if the voting rules allow it, and sends the vote to the next leader. */
function maybeVote(r: ReplicaState, block: Block, tc: TimeoutCertificate | undefined): void {
  if (r.recovery !== undefined) return r.ctx.log("vote-refused", { view: block.view, reason: "recovering the safety state" });
  if (block.view !== r.currentView || block.view <= r.safety.lastVotedView) return;
  const extendsPreviousView = block.justify.view + 1 === block.view;
  const extendsTC = tc !== undefined && tc.view + 1 === block.view && block.justify.view >= maxHighQCView(tc);
  if (!extendsPreviousView && !extendsTC) return r.ctx.log("vote-refused", { view: block.view, reason: "unsafe: QC neither from the previous view nor justified by a TC" });
  const parent = r.tree.get(toHex(block.parentHash));
  const branch = r.tree.branchTo(toHex(block.parentHash));
  if (parent === undefined || branch === undefined) return r.ctx.log("vote-refused", { view: block.view, reason: "parent does not extend the committed chain" });
  if (block.timestampUs <= parent.timestampUs) return r.ctx.log("vote-refused", { view: block.view, reason: "timestamp not after the parent's" });
  if (!r.app.verifyPayload(r.appCtx, block, branch)) return r.ctx.log("vote-refused", { view: block.view, reason: "payload rejected by the application" });

  assert(r.recovery === undefined, "no vote while recovering the safety state");
  assert(block.view === r.currentView, "vote only in the current view");
  assert(block.view > r.safety.lastVotedView, "vote only for a view above the last voted view");
  r.safety.lastVotedView = block.view;
  persistSafetyState(r.ctx.storage, r.safety);
  const vote: VoteMessage = {
    type: "vote",
    view: block.view,
    height: block.height,
    blockHash: block.hash,
    signer: r.config.index,
    signature: r.sign(voteSigningBytes(block.view, block.height, block.hash)),
  };
  r.ctx.log("vote", { view: block.view, height: block.height, hash: toHex(block.hash) });
  // Stay in this view until its QC (from the next proposal) or a TC moves us on: every view change
  // is then justified by a certificate that timeouts carry, so lagging replicas can always follow.
  r.sendTo(r.leaderOf(block.view + 1), vote);
}

/** A vote sent to us as the next leader: collects it, and forms the QC at 2f + 1. */
export function onVote(r: ReplicaState, from: NodeId, msg: VoteMessage): void {
  if (r.validators.indexOf(from) !== msg.signer) return r.reject(from, msg, "vote signer is not the sender");
  if (r.leaderOf(msg.view + 1) !== r.config.index) return r.reject(from, msg, "vote sent to a replica that is not the next leader");
  if (msg.view + 1 < r.currentView || msg.view > r.currentView + VIEWS_AHEAD_MAX) return;
  const key = `${msg.view}:${msg.height}:${toHex(msg.blockHash)}`;
  let collector = r.proposals.votes.get(key);
  if (collector === undefined) {
    collector = { view: msg.view, height: msg.height, blockHash: msg.blockHash, signatures: new Map(), formed: false };
    r.proposals.votes.set(key, collector);
  }
  if (collector.formed || collector.signatures.has(msg.signer)) return;
  if (!r.validators.verifySignature(msg.signer, voteSigningBytes(msg.view, msg.height, msg.blockHash), msg.signature)) {
    return r.reject(from, msg, "bad vote signature");
  }
  collector.signatures.set(msg.signer, msg.signature);
  if (collector.signatures.size < r.validators.quorum) return;
  assert(collector.signatures.size >= r.validators.quorum, "a QC has a quorum of signatures");
  assert(collector.view === msg.view, "votes are collected per view");
  collector.formed = true;
  const qc: QuorumCertificate = {
    view: collector.view,
    height: collector.height,
    blockHash: collector.blockHash,
    signatures: [...collector.signatures].sort((a, b) => a[0] - b[0]).map(([signer, signature]) => ({ signer, signature })),
  };
  r.validators.markVerifiedQC(qc);
  r.ctx.log("qc", { view: qc.view, height: qc.height, hash: toHex(qc.blockHash) });
  processQC(r, qc, from);
}

/**
 * Proposes in the current view when we lead it and may: a QC of the view
 * before, or a TC of it (with a QC at least as high as the TC reports). Waits
 * (the propose timer) until `parent.timestamp + blockTime`.
 */
export function maybePropose(r: ReplicaState): void {
  if (r.recovery !== undefined) return;
  const view = r.currentView;
  if (r.leaderOf(view) !== r.config.index || r.safety.lastProposedView >= view || r.safety.lastVotedView >= view) return;
  const highQC = r.safety.lockedQC;
  const tc = highQC.view + 1 === view ? undefined : r.pacemaker.lastTC;
  if (tc === undefined && highQC.view + 1 !== view) return;
  if (tc !== undefined && (tc.view + 1 !== view || highQC.view < maxHighQCView(tc))) return;
  const parentHex = toHex(highQC.blockHash);
  const parent = r.tree.get(parentHex);
  if (parent === undefined) return requestBlocks(r, highQC.blockHash, undefined);
  const branch = r.tree.branchTo(parentHex);
  if (branch === undefined) return;
  const now = r.ctx.now();
  const readyAt = parent.timestampUs + r.config.blockTimeUs;
  if (now < readyAt) {
    assert(readyAt - now > 0, "the propose timer has a positive delay");
    if (r.proposals.proposeTimerId !== undefined) r.ctx.cancelTimer(r.proposals.proposeTimerId);
    r.proposals.proposeTimerId = r.ctx.setTimer(readyAt - now, TIMER_PROPOSE);
    return;
  }
  const fields = {
    view,
    height: parent.height + 1,
    parentHash: parent.hash,
    justify: highQC,
    proposer: r.config.index,
    timestampUs: Math.max(now, parent.timestampUs + 1),
    payload: r.app.buildPayload(r.appCtx, parent, branch),
  };
  const block: Block = { ...fields, hash: blockHash(fields) };
  const proposal: ProposalMessage = {
    type: "proposal",
    block,
    ...(tc === undefined ? {} : { tc }),
    signature: r.sign(proposalSigningBytes(block.hash)),
  };
  assert(r.recovery === undefined, "no proposal while recovering the safety state");
  assert(block.proposer === r.config.index, "the proposer of a block we propose is us");
  assert(r.leaderOf(view) === r.config.index, "propose only in a view we lead");
  assert(view === r.currentView, "propose only in the current view");
  assert(view > r.safety.lastProposedView, "propose at most once per view");
  assert(view > r.safety.lastVotedView, "never propose in a view we voted or timed out in");
  assert(block.justify.view < view, "the justify QC is below the block's view");
  assert(block.height === parent.height + 1, "a proposal extends its parent by one");
  assert(block.timestampUs > parent.timestampUs, "a proposal's timestamp is after its parent's");
  r.safety.lastProposedView = view;
  persistSafetyState(r.ctx.storage, r.safety);
  r.ctx.log("propose", { view, height: block.height, hash: toHex(block.hash), payloadBytes: block.payload.length });
  r.broadcast(proposal);
}

/**
 * Cancels the propose timer when this replica no longer leads the current
 * view: an election that learns from commits (leader reputation) may name
 * another leader once a commit extends the history the view's draw reads
 * (a replica that was lagging catches up).
 */
export function dropProposeTimerUnlessLeader(r: ReplicaState): void {
  const timer = r.proposals.proposeTimerId;
  if (timer === undefined || r.leaderOf(r.currentView) === r.config.index) return;
  r.ctx.cancelTimer(timer);
  r.proposals.proposeTimerId = undefined;
  assert(r.proposals.proposeTimerId === undefined, "no propose timer in a view we do not lead");
}

/** The propose timer fired: the block time since the parent has passed. */
export function onProposeTimeout(r: ReplicaState): void {
  assert(r.proposals.proposeTimerId !== undefined, "the propose timer is armed");
  r.proposals.proposeTimerId = undefined;
  maybePropose(r);
}

/** The highest QC view reported in a TC. */
function maxHighQCView(tc: TimeoutCertificate): number {
  let max = 0;
  for (const entry of tc.entries) if (entry.highQCView > max) max = entry.highQCView;
  return max;
}
