/**
 * A HotStuff-2 style chained BFT replica, sans-IO.
 *
 * The protocol is HotStuff-2 (Malkhi and Nayak, 2023) in its chained form, as
 * Espresso's HotShot runs it, with the voting and timeout rules of Jolteon
 * (Gelashvili et al., "Jolteon and Ditto", FC 2022; the DiemBFT v4 safety rules):
 *
 * - n = 3f + 1 validators; the leader of view v is given by the replica's
 *   leader election (`leader-election/`; default validator v mod n);
 * - the leader proposes a block extending its highest QC, at most one block per
 *   `blockTime` (it waits until `parent.timestamp + blockTime`);
 * - a replica votes at most once per view, for a proposal of its current view,
 *   when the proposal's QC is from the view just before (`qc.view + 1 == view`),
 *   or, after a TC of the view before, when the QC is at least as high as every
 *   highest-QC view the TC reports (Jolteon's `safe_to_vote`);
 * - votes go to the next leader, which forms the QC from 2f + 1 of them;
 * - two-chain commit: a QC for block B' whose parent B has view `B'.view - 1`
 *   commits B and its ancestors;
 * - a replica whose view timer expires broadcasts a timeout carrying its highest
 *   QC (and last TC); 2f + 1 timeouts of a view form a TC, which moves everyone
 *   to the next view; f + 1 timeouts of a view make a replica join them
 *   (Bracha-style amplification, which re-synchronizes views after a partition);
 * - view timeouts back off exponentially while views keep failing and reset on
 *   a new QC; an expired view keeps re-sending its timeout every base period.
 *
 * The replica persists its safety state (highest voted view, locked QC: its
 * highest QC) and syncs storage before every vote and timeout, so a restart
 * never votes twice in a view. Missing blocks are fetched from peers by hash
 * (block requests), which is how a partitioned or restarted replica catches up.
 *
 * Storage faults (every stored value carries a checksum, see `safety-store.ts`):
 * a corrupt committed block cuts the stored chain there, a corrupt uncommitted
 * block is dropped, a corrupt checkpoint is ignored; each is logged
 * `storage-corrupt {key}` and refetched from peers. When the safety state itself
 * is corrupt, or the disk was lost (`storageFormatted` and no format record),
 * the replica cannot know the views it voted in, and follows the recovery rule
 * of Viewstamped Replication Revisited (Liskov and Cowling, MIT-CSAIL-TR-2012-021,
 * section 4.3), adapted to n = 3f + 1: it neither votes, times out nor proposes
 * until 2f + 1 peers (all others when n < 4) answered a status request carrying a
 * fresh nonce; then it never votes or proposes at or below M + 1, M being the
 * highest view they report, and adopts the highest QC they report. Why that is
 * enough, counting the replica that lost its state as one of the f faulty: it
 * voted at most in a view V it had entered, which needs a certificate (or f + 1
 * timeouts) of view V - 1 or above, so at least f + 1 correct peers persisted a
 * view >= V - 1; any 2f + 1 of the 3f others include one of them, so M >= V - 1
 * and V <= M + 1. The same intersection gives it a QC at least as high as any
 * that decided a commit (the lock it lost).
 *
 * Checkpoints (`checkpointEveryBlocks`): after committing a height that is a
 * multiple of K the replica stores the application's snapshot of the committed
 * state; a restart restores the newest checkpoint and re-executes only the
 * blocks above it. A replica that learns a QC more than `snapshotBehindBlocks`
 * above its committed height asks a peer for its checkpoint, which comes with
 * the hash-linked blocks from the checkpoint block up to a two-chain (B, B'
 * with consecutive views) and a QC for B': the commit rule proves the
 * checkpoint block committed, and the application checks the snapshot against
 * the state root in that block before it replaces its state.
 *
 * Consensus orders opaque payloads; transactions belong to the {@link Application}.
 *
 * The replica is split by concern, one file each in this folder: `state.ts`
 * (what every part shares, and sending), `proposals.ts` (propose, vote, form
 * QCs), `pacemaker.ts` (views, view timer, timeouts, TCs), `commit.ts` (QCs,
 * the lock, the commit rule), `sync.ts` (block intake and catch-up),
 * `recovery.ts` (boot from disk, recovering a lost safety state),
 * `checkpoints.ts` (checkpoints and snapshots), `invariants.ts` (what holds
 * after every step). This file is the node: it dispatches messages and timers
 * to them.
 */
import type { Node, NodeContext, NodeId, TimerId } from "../../sim/node.js";
import type { Application } from "../application.js";
import type { Block, QuorumCertificate, ValidatorMessage } from "../types.js";
import { onSnapshot, onSnapshotRequest, onSnapshotTimeout } from "./checkpoints.js";
import { LOOPBACK_STEP_MAX, TIMER_PROPOSE, TIMER_RECOVERY, TIMER_SNAPSHOT, TIMER_SYNC, TIMER_VIEW, type ReplicaConfig } from "./config.js";
import { checkInvariants } from "./invariants.js";
import { onTimeout, onViewTimeout } from "./pacemaker.js";
import { onProposal, onProposeTimeout, onVote } from "./proposals.js";
import { onStatus, onStatusRequest, restoreFromStorage, sendStatusRequests } from "./recovery.js";
import { ReplicaState } from "./state.js";
import { onBlockRequest, onBlockResponse, onSyncRetry } from "./sync.js";

export type { ReplicaConfig } from "./config.js";

/** One validator's consensus state machine. Build a new instance per boot. */
export class HotStuffReplica implements Node<ValidatorMessage> {
  private readonly state: ReplicaState;

  /**
   * @param config validator set, own key and timing
   * @param app the replicated application (a fresh instance per boot)
   * @throws RangeError if `config.index` is not a validator index
   */
  constructor(config: ReplicaConfig, app: Application) {
    if (config.index < 0 || config.index >= config.validators.size) throw new RangeError(`replica index ${config.index} out of range`);
    this.state = new ReplicaState(config, app);
  }

  /** The application this replica drives (sim-only introspection: checkers audit it from outside). */
  get application(): Application {
    return this.state.app;
  }

  /** The view this replica is in (sim-only introspection: fault targeting, tests). */
  get view(): number {
    return this.state.currentView;
  }

  /**
   * Index of the leader of `view` as this replica's election names it now
   * (sim-only introspection: the `leader` fault target, tests). Replicas
   * whose committed chains differ may answer differently.
   * @throws RangeError when `view` is not a non-negative integer
   */
  leaderOf(view: number): number {
    return this.state.leaderOf(view);
  }

  /** The last committed block. */
  get committedTip(): Block {
    return this.state.tree.committedTip;
  }

  /**
   * Blocks this replica holds in memory (sim-only introspection: the memory
   * bound's test): committed ones (bounded by `committedBlocksKept`, genesis
   * included), uncommitted ones, and fetched ones waiting for their parent.
   */
  get blocksInMemory(): { readonly committed: number; readonly uncommitted: number; readonly orphans: number } {
    return { committed: this.state.tree.committedInMemory, uncommitted: this.state.tree.uncommittedCount, orphans: this.state.sync.orphanCount };
  }

  /** The highest QC this replica holds (its lock). */
  get lockedQC(): QuorumCertificate {
    return this.state.safety.lockedQC;
  }

  start(ctx: NodeContext<ValidatorMessage>): void {
    const r = this.state;
    r.ctx = ctx;
    r.appCtx = {
      id: ctx.id,
      peers: r.validators.validators.filter((_, i) => i !== r.config.index).map((v) => v.id),
      now: () => ctx.now(),
      sendApp: (to, data) => {
        // One message object per payload, so sending it to every peer encodes it once.
        if (r.lastAppMessage?.data !== data) r.lastAppMessage = { type: "app", data };
        ctx.send(to, r.lastAppMessage);
      },
      log: (event, fields) => ctx.log(event, fields),
    };
    restoreFromStorage(r);
    this.afterStep();
  }

  onMessage(_ctx: NodeContext<ValidatorMessage>, from: NodeId, msg: ValidatorMessage): void {
    this.handle(from, msg);
    this.afterStep();
  }

  onTimer(_ctx: NodeContext<ValidatorMessage>, timer: TimerId, tag: string): void {
    const r = this.state;
    switch (tag) {
      case TIMER_RECOVERY:
        if (r.recovery !== undefined && timer === r.recovery.timer) sendStatusRequests(r);
        break;
      case TIMER_SNAPSHOT:
        if (timer === r.snapshot.timerId) onSnapshotTimeout(r);
        break;
      case TIMER_VIEW:
        if (timer === r.pacemaker.viewTimerId) onViewTimeout(r);
        break;
      case TIMER_PROPOSE:
        if (timer === r.proposals.proposeTimerId) onProposeTimeout(r);
        break;
      case TIMER_SYNC:
        onSyncRetry(r, timer);
        break;
    }
    this.afterStep();
  }

  private handle(from: NodeId, msg: ValidatorMessage): void {
    const r = this.state;
    switch (msg.type) {
      case "proposal":
        return onProposal(r, from, msg);
      case "vote":
        return onVote(r, from, msg);
      case "timeout":
        return onTimeout(r, from, msg);
      case "block-request":
        return onBlockRequest(r, from, msg);
      case "block-response":
        return onBlockResponse(r, from, msg);
      case "app":
        return r.app.onAppMessage(r.appCtx, from, msg.data);
      case "status-request":
        return onStatusRequest(r, from, msg);
      case "status":
        return onStatus(r, from, msg);
      case "snapshot-request":
        return onSnapshotRequest(r, from);
      case "snapshot":
        return onSnapshot(r, from, msg);
    }
  }

  /** Drains messages this replica sent itself, then checks its own invariants. */
  private afterStep(): void {
    const r = this.state;
    for (let i = 0; i < LOOPBACK_STEP_MAX && r.loopback.length > 0; i++) this.handle(r.ctx.id, r.loopback.shift()!);
    if (r.loopback.length > 0) throw new Error("loopback queue did not drain: a message loop inside the replica");
    checkInvariants(r);
  }
}
