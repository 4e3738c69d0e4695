/**
 * A HotStuff-2 style chained BFT replica, sans-IO.
 *
 * The protocol is HotStuff-2 (Malkhi and Nayak, 2023) in its chained form, as
 * Espresso's HotShot runs it, with the voting and timeout rules of Jolteon
 * (Gelashvili et al., "Jolteon and Ditto", FC 2022; the DiemBFT v4 safety rules):
 *
 * - n = 3f + 1 validators; the leader of view v is validator v mod n;
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
 */
import { bytesEqual, toHex } from "../crypto/hash.js";
import type { KeyPair } from "../crypto/signature.js";
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.js";
import type { AppContext, Application } from "./application.js";
import { proposalSigningBytes, timeoutSigningBytes, voteSigningBytes, blockHash } from "./block-hash.js";
import { BlockTree } from "./block-tree.js";
import { GENESIS_BLOCK } from "./genesis.js";
import {
  deleteCheckpoint,
  deletePendingBlock,
  formatValidatorStorage,
  initialSafetyState,
  isFormatted,
  loadCheckpoint,
  loadCommittedChain,
  loadPendingBlocks,
  loadSafetyState,
  persistSafetyState,
  resetCommittedChain,
  SAFETY_KEY,
  storeCheckpoint,
  storeCommittedBlock,
  StorageCorruptError,
  storePendingBlock,
  type SafetyState,
  type StoredCheckpoint,
} from "./safety-store.js";
import type {
  AppMessage,
  Block,
  BlockRequestMessage,
  BlockResponseMessage,
  ProposalMessage,
  QuorumCertificate,
  SnapshotMessage,
  TimeoutCertificate,
  TimeoutMessage,
  ValidatorMessage,
  VoteMessage,
} from "./types.js";
import type { ValidatorSet } from "./validator-set.js";
import { ViewTimer } from "./view-timer.js";

/** Configuration of one replica. Times are microseconds. */
export interface ReplicaConfig {
  readonly validators: ValidatorSet;
  /** This replica's index in `validators`. */
  readonly index: number;
  readonly keyPair: KeyPair;
  /** Minimum time between a block and its child (the leader waits). */
  readonly blockTimeUs: number;
  /** View timeout after progress. */
  readonly viewTimeoutUs: number;
  /** Cap of the backed-off view timeout. */
  readonly viewTimeoutMaxUs: number;
  /** How long to wait for a block response before asking another peer. */
  readonly syncRetryUs: number;
  /**
   * The host formats the disk before the first boot (`formatValidatorStorage`),
   * so a disk without the format record is a lost disk: the replica recovers
   * its view from its peers before voting (see the class comment). Default
   * false: an empty disk is a first boot.
   */
  readonly storageFormatted?: boolean;
  /** K: store a state checkpoint after every K-th committed height; 0 or absent: none. */
  readonly checkpointEveryBlocks?: number;
  /** Ask a peer for its checkpoint when a QC is more than this many blocks above the committed height (needs checkpoints). Default 64. */
  readonly snapshotBehindBlocks?: number;
}

/** Blocks asked for in one request. */
const SYNC_BATCH_BLOCKS = 64;
/** Outstanding block requests at once. */
const SYNC_REQUESTS_MAX = 64;
/** Attempts (each to the next peer) before a block request is abandoned. */
const SYNC_ATTEMPTS_MAX = 32;
/** Blocks held while their parent is being fetched. */
const ORPHANS_MAX = 4096;
/** Proposals held while their parent is being fetched. */
const PENDING_PROPOSALS_MAX = 64;
/** How far ahead of the current view votes and timeouts are still collected. */
const VIEWS_AHEAD_MAX = 1000;

const TIMER_VIEW = "view-timeout";
const TIMER_PROPOSE = "propose";
const TIMER_SYNC = "sync-retry";
const TIMER_RECOVERY = "recovery-retry";
const TIMER_SNAPSHOT = "snapshot-retry";
/** Default of `snapshotBehindBlocks`. */
const SNAPSHOT_BEHIND_DEFAULT = 64;
/** Most blocks a snapshot's commit proof may carry. */
const SNAPSHOT_PROOF_BLOCKS_MAX = 100;

/** A recovery in progress: answers to our status request, by validator index. */
interface Recovery {
  readonly nonce: number;
  readonly views: Map<number, number>;
  highQC: QuorumCertificate;
  timer: TimerId;
}

interface VoteCollector {
  readonly view: number;
  readonly height: number;
  readonly blockHash: Uint8Array;
  readonly signatures: Map<number, Uint8Array>;
  formed: boolean;
}

interface SyncRequest {
  readonly hash: Uint8Array;
  attempts: number;
  peer: number;
  timer: TimerId;
}

/** One validator's consensus state machine. Build a new instance per boot. */
export class HotStuffReplica implements Node<ValidatorMessage> {
  private readonly config: ReplicaConfig;
  private readonly validators: ValidatorSet;
  private readonly app: Application;
  private readonly viewTimer: ViewTimer;

  private ctx!: NodeContext<ValidatorMessage>;
  private appCtx!: AppContext;
  private tree!: BlockTree;
  private safety!: SafetyState;

  private currentView = 0;
  private lastTC: TimeoutCertificate | undefined;
  private timedOutView = -1;
  private sentTimeout: TimeoutMessage | undefined;
  private headHex = "";
  private viewTimerId: TimerId | undefined;
  private proposeTimerId: TimerId | undefined;

  private readonly votes = new Map<string, VoteCollector>();
  private readonly timeouts = new Map<number, Map<number, TimeoutMessage>>();
  private readonly tcFormedViews = new Set<number>();
  /** Highest view each validator (by index) sent us a valid timeout for. */
  private readonly highestTimeoutView = new Map<number, number>();
  private readonly orphans = new Map<string, Block[]>();
  private orphanCount = 0;
  private readonly pendingProposals = new Map<string, { from: NodeId; msg: ProposalMessage }[]>();
  private pendingProposalCount = 0;
  private readonly syncRequests = new Map<string, SyncRequest>();
  private readonly syncTimers = new Map<TimerId, string>();
  private readonly loopback: ValidatorMessage[] = [];
  private lastAppMessage: AppMessage | undefined;
  /** Set while the safety state is lost: no vote, timeout or proposal until peers told us their views. */
  private recovery: Recovery | undefined;
  /** A snapshot request in flight (its retry timer). */
  private snapshotTimerId: TimerId | undefined;
  private snapshotPeer = -1;
  /** While a snapshot is awaited: the known parent of fetched blocks held back (replayed only if no snapshot comes). */
  private deferredParentHex: string | undefined;

  /**
   * @param config validator set, own key and timing
   * @param app the replicated application (a fresh instance per boot)
   * @throws RangeError if `config.index` is not a validator index
   */
  /** The application this replica drives (sim-only introspection: checkers audit it from outside). */
  get application(): Application {
    return this.app;
  }

  constructor(config: ReplicaConfig, app: Application) {
    if (config.index < 0 || config.index >= config.validators.size) throw new RangeError(`replica index ${config.index} out of range`);
    this.config = config;
    this.validators = config.validators;
    this.app = app;
    this.viewTimer = new ViewTimer(config.viewTimeoutUs, config.viewTimeoutMaxUs);
  }

  /** The view this replica is in (sim-only introspection: fault targeting, tests). */
  get view(): number {
    return this.currentView;
  }

  /** The last committed block. */
  get committedTip(): Block {
    return this.tree.committedTip;
  }

  /** The highest QC this replica holds (its lock). */
  get lockedQC(): QuorumCertificate {
    return this.safety.lockedQC;
  }

  start(ctx: NodeContext<ValidatorMessage>): void {
    this.ctx = ctx;
    this.appCtx = {
      id: ctx.id,
      peers: this.validators.validators.filter((_, i) => i !== this.config.index).map((v) => v.id),
      now: () => ctx.now(),
      sendApp: (to, data) => {
        // One message object per payload, so sending it to every peer encodes it once.
        if (this.lastAppMessage?.data !== data) this.lastAppMessage = { type: "app", data };
        ctx.send(to, this.lastAppMessage);
      },
      log: (event, fields) => ctx.log(event, fields),
    };
    const corrupt = (key: string): void => ctx.log("storage-corrupt", { key });
    let lostBecause: string | undefined;
    if (this.config.storageFormatted === true) {
      let formatted = false;
      try {
        formatted = isFormatted(ctx.storage);
      } catch (error) {
        if (!(error instanceof StorageCorruptError)) throw error;
        corrupt(error.key);
      }
      if (!formatted) {
        // No intact format record: a lost disk unless the safety state below proves otherwise.
        lostBecause = "the disk has no format record (lost disk)";
        formatValidatorStorage(ctx.storage);
      }
    }
    let safety: SafetyState | undefined;
    try {
      safety = loadSafetyState(ctx.storage);
    } catch (error) {
      if (!(error instanceof StorageCorruptError)) throw error;
      corrupt(error.key);
      ctx.storage.delete(SAFETY_KEY);
      ctx.storage.sync();
      lostBecause = "the safety state is corrupt";
    }
    if (safety !== undefined && lostBecause !== undefined && lostBecause.startsWith("the disk")) lostBecause = undefined;
    this.safety = safety ?? initialSafetyState();
    // Gate votes, timeouts and proposals from the first step on; the status requests go out at the end of start.
    if (lostBecause !== undefined) this.recovery = { nonce: 1 + ctx.rng.int(2 ** 31), views: new Map(), highQC: this.safety.lockedQC, timer: 0 };
    const chain = this.restoreCommittedChain(corrupt);
    this.tree = new BlockTree(chain.length > 0 ? chain[chain.length - 1]! : GENESIS_BLOCK);
    this.tree.addCommittedHistory(GENESIS_BLOCK);
    for (const block of chain) this.tree.addCommittedHistory(block);
    const pending = loadPendingBlocks(ctx.storage, corrupt);
    ctx.log("boot", {
      committedHeight: this.tree.committedTip.height,
      lastVotedView: this.safety.lastVotedView,
      lockedQCView: this.safety.lockedQC.view,
    });

    // Uncommitted blocks kept before the crash, parents first (their QCs were verified when they arrived).
    for (const block of pending) {
      if (block.height <= this.tree.committedTip.height) deletePendingBlock(ctx.storage, toHex(block.hash));
      else this.insertBlock(block);
    }
    // Resume in the view we last voted or timed out in (we will not vote there again), or after our lock.
    this.enterView(Math.max(this.safety.lastVotedView, this.safety.lockedQC.view + 1), true);
    this.updateHead();
    if (this.tree.get(toHex(this.safety.lockedQC.blockHash)) === undefined) this.requestBlocks(this.safety.lockedQC.blockHash, undefined);
    if (lostBecause !== undefined) this.startRecovery(lostBecause);
    this.afterStep();
  }

  onMessage(_ctx: NodeContext<ValidatorMessage>, from: NodeId, msg: ValidatorMessage): void {
    this.handle(from, msg);
    this.afterStep();
  }

  onTimer(_ctx: NodeContext<ValidatorMessage>, timer: TimerId, tag: string): void {
    switch (tag) {
      case TIMER_RECOVERY:
        if (this.recovery !== undefined && timer === this.recovery.timer) this.sendStatusRequests();
        break;
      case TIMER_SNAPSHOT:
        if (timer === this.snapshotTimerId) {
          this.snapshotTimerId = undefined;
          this.endSnapshotWait();
        }
        break;
      case TIMER_VIEW:
        if (timer === this.viewTimerId) this.onViewTimeout();
        break;
      case TIMER_PROPOSE:
        if (timer === this.proposeTimerId) {
          this.proposeTimerId = undefined;
          this.maybePropose();
        }
        break;
      case TIMER_SYNC:
        this.onSyncRetry(timer);
        break;
    }
    this.afterStep();
  }

  private handle(from: NodeId, msg: ValidatorMessage): void {
    switch (msg.type) {
      case "proposal":
        return this.onProposal(from, msg);
      case "vote":
        return this.onVote(from, msg);
      case "timeout":
        return this.onTimeout(from, msg);
      case "block-request":
        return this.onBlockRequest(from, msg);
      case "block-response":
        return this.onBlockResponse(from, msg);
      case "app":
        return this.app.onAppMessage(this.appCtx, from, msg.data);
      case "status-request":
        return this.onStatusRequest(from, msg);
      case "status":
        return this.onStatus(from, msg);
      case "snapshot-request":
        return this.onSnapshotRequest(from);
      case "snapshot":
        return this.onSnapshot(from, msg);
    }
  }

  // ---- storage: restore, recovery, checkpoints ----------------------------

  /**
   * Loads the committed chain and rebuilds the application's committed state:
   * from the newest checkpoint when there is a usable one (then only the
   * blocks above it are re-executed), else from genesis. A chain that starts at
   * an installed snapshot but has no usable checkpoint is discarded (refetched).
   * @returns the committed blocks now held, base first (genesis excluded)
   */
  private restoreCommittedChain(corrupt: (key: string) => void): readonly Block[] {
    const storage = this.ctx.storage;
    const stored = loadCommittedChain(storage, corrupt);
    let blocks = stored.blocks;
    let replayFrom = 0;
    let checkpoint: StoredCheckpoint | undefined;
    try {
      checkpoint = loadCheckpoint(storage);
    } catch (error) {
      if (!(error instanceof StorageCorruptError)) throw error;
      corrupt(error.key);
      deleteCheckpoint(storage);
    }
    let restored = false;
    if (checkpoint !== undefined && this.app.restoreSnapshot !== undefined) {
      const index = blocks.findIndex((b) => b.height === checkpoint.height);
      const block = blocks[index];
      if (block !== undefined && bytesEqual(block.hash, checkpoint.blockHash) && this.app.restoreSnapshot(block, checkpoint.state)) {
        replayFrom = index + 1;
        restored = true;
        this.ctx.log("checkpoint-restored", { height: block.height, replay: blocks.length - replayFrom });
      } else {
        this.ctx.log("checkpoint-refused", { height: checkpoint.height });
      }
    }
    if (!restored && stored.baseHeight > 0) {
      // The chain starts at a snapshot's block and nothing can rebuild that state: start over and catch up.
      corrupt("consensus/checkpoint");
      resetCommittedChain(storage, undefined);
      blocks = [];
    }
    for (let i = replayFrom; i < blocks.length; i++) this.app.restoreCommitted(blocks[i]!);
    return blocks;
  }

  /** Asks the peers for their views (the recovery set up in `start`): no vote, timeout or proposal until a quorum answered. */
  private startRecovery(reason: string): void {
    this.ctx.log("recovering", { reason });
    this.sendStatusRequests();
  }

  private sendStatusRequests(): void {
    const recovery = this.recovery!;
    recovery.timer = this.ctx.setTimer(this.config.viewTimeoutUs, TIMER_RECOVERY);
    const request = { type: "status-request" as const, nonce: recovery.nonce };
    for (let i = 0; i < this.validators.size; i++) if (i !== this.config.index && !recovery.views.has(i)) this.sendTo(i, request);
    this.maybeFinishRecovery();
  }

  private onStatusRequest(from: NodeId, msg: { nonce: number }): void {
    // A recovering replica does not know its own view: it must not vouch for one.
    if (this.recovery !== undefined || this.validators.indexOf(from) === undefined) return;
    this.ctx.send(from, { type: "status", nonce: msg.nonce, view: this.currentView, highQC: this.safety.lockedQC });
  }

  private onStatus(from: NodeId, msg: { nonce: number; view: number; highQC: QuorumCertificate }): void {
    const recovery = this.recovery;
    const index = this.validators.indexOf(from);
    if (recovery === undefined || msg.nonce !== recovery.nonce || index === undefined || index === this.config.index) return;
    if (!this.validators.verifyQC(msg.highQC)) return this.reject(from, { type: "status", ...msg }, "invalid high QC in status");
    recovery.views.set(index, msg.view);
    if (msg.highQC.view > recovery.highQC.view) recovery.highQC = msg.highQC;
    this.maybeFinishRecovery();
  }

  private maybeFinishRecovery(): void {
    const recovery = this.recovery;
    if (recovery === undefined) return;
    const needed = Math.min(this.validators.quorum, this.validators.size - 1);
    if (recovery.views.size < needed) return;
    let highest = 0;
    for (const view of recovery.views.values()) highest = Math.max(highest, view);
    const floor = highest + 1;
    this.recovery = undefined;
    this.ctx.cancelTimer(recovery.timer);
    this.safety.lastVotedView = Math.max(this.safety.lastVotedView, floor);
    this.safety.lastProposedView = Math.max(this.safety.lastProposedView, floor);
    persistSafetyState(this.ctx.storage, this.safety);
    this.ctx.log("recovered", { floorView: floor, answers: recovery.views.size, highQCView: recovery.highQC.view });
    this.processQC(recovery.highQC, undefined);
    if (this.currentView < floor) this.enterView(floor, false);
  }

  /** After committing `block`: stores a checkpoint when its height is a multiple of K. */
  private maybeCheckpoint(block: Block): void {
    const every = this.config.checkpointEveryBlocks ?? 0;
    if (every <= 0 || block.height % every !== 0 || this.app.snapshot === undefined) return;
    const state = this.app.snapshot(block);
    if (state === undefined) return;
    storeCheckpoint(this.ctx.storage, { height: block.height, blockHash: block.hash, state });
    this.ctx.log("checkpoint", { height: block.height, bytes: state.length });
  }

  /** Asks a peer for its checkpoint when `qc` is far above the committed height. */
  private maybeRequestSnapshot(qc: QuorumCertificate, source: NodeId | undefined): void {
    if ((this.config.checkpointEveryBlocks ?? 0) <= 0 || this.app.restoreSnapshot === undefined || this.snapshotTimerId !== undefined) return;
    if (qc.height <= this.tree.committedTip.height + (this.config.snapshotBehindBlocks ?? SNAPSHOT_BEHIND_DEFAULT)) return;
    const sourceIndex = source === undefined ? undefined : this.validators.indexOf(source);
    this.snapshotPeer = sourceIndex !== undefined && sourceIndex !== this.config.index && this.snapshotPeer === -1 ? sourceIndex : this.randomPeer();
    this.snapshotTimerId = this.ctx.setTimer(4 * this.config.syncRetryUs, TIMER_SNAPSHOT);
    this.ctx.log("snapshot-request", { peer: this.validators.idOf(this.snapshotPeer), committedHeight: this.tree.committedTip.height, qcHeight: qc.height });
    this.ctx.send(this.validators.idOf(this.snapshotPeer), { type: "snapshot-request" });
  }

  /** Serves the newest checkpoint with its commit proof (see {@link SnapshotMessage}). */
  private onSnapshotRequest(from: NodeId): void {
    if (this.validators.indexOf(from) === undefined) return;
    let checkpoint: StoredCheckpoint | undefined;
    try {
      checkpoint = loadCheckpoint(this.ctx.storage);
    } catch (error) {
      if (!(error instanceof StorageCorruptError)) throw error;
      this.ctx.log("storage-corrupt", { key: error.key });
      deleteCheckpoint(this.ctx.storage);
      return;
    }
    if (checkpoint === undefined) return;
    const base = this.tree.committedAt(checkpoint.height);
    if (base === undefined || !bytesEqual(base.hash, checkpoint.blockHash)) return;
    const blocks: Block[] = [base];
    for (let h = base.height + 1; blocks.length < SNAPSHOT_PROOF_BLOCKS_MAX; h++) {
      const block = this.tree.committedAt(h);
      if (block === undefined) return;
      const previous = blocks[blocks.length - 1]!;
      blocks.push(block);
      if (block.view !== previous.view + 1) continue;
      // A QC for `block` commits `previous`: the justify of a child (committed or not), or our lock.
      const child = this.tree.committedAt(h + 1) ?? this.tree.childOf(toHex(block.hash));
      const qc = child !== undefined ? child.justify : bytesEqual(this.safety.lockedQC.blockHash, block.hash) ? this.safety.lockedQC : undefined;
      if (qc !== undefined) {
        this.ctx.send(from, { type: "snapshot", blocks, commitQC: qc, state: checkpoint.state });
        return;
      }
    }
  }

  /** Verifies a peer's checkpoint (commit proof, then state root) and installs it. */
  private onSnapshot(from: NodeId, msg: SnapshotMessage): void {
    const base = msg.blocks[0];
    if (base === undefined || this.validators.indexOf(from) === undefined || this.app.restoreSnapshot === undefined) return;
    if (base.height <= this.tree.committedTip.height + 1) return; // no better than replaying what we can fetch
    const refuse = (reason: string): void => {
      this.ctx.log("snapshot-refused", { from, height: base.height, reason });
      this.endSnapshotWait();
    };
    for (let i = 1; i < msg.blocks.length; i++) {
      const block = msg.blocks[i]!;
      if (!bytesEqual(block.parentHash, msg.blocks[i - 1]!.hash) || block.height !== msg.blocks[i - 1]!.height + 1) return refuse("blocks not hash-linked");
    }
    const certified = msg.blocks[msg.blocks.length - 1]!;
    const committed = msg.blocks[msg.blocks.length - 2];
    if (committed === undefined || certified.view !== committed.view + 1) return refuse("no two-chain at the end of the proof");
    if (!bytesEqual(msg.commitQC.blockHash, certified.hash) || msg.commitQC.height !== certified.height) return refuse("commit QC certifies another block");
    if (!this.validators.verifyQC(msg.commitQC)) return refuse("invalid commit QC");
    if (!this.app.restoreSnapshot(base, msg.state)) return refuse("state does not match the block's state root");

    // Installed: the snapshot's block becomes the committed base; the proof's blocks follow as usual.
    if (this.snapshotTimerId !== undefined) this.ctx.cancelTimer(this.snapshotTimerId);
    this.snapshotTimerId = undefined;
    this.deferredParentHex = undefined;
    for (const hex of this.tree.uncommittedHashes()) deletePendingBlock(this.ctx.storage, hex);
    this.tree = new BlockTree(base);
    storeCheckpoint(this.ctx.storage, { height: base.height, blockHash: base.hash, state: msg.state });
    resetCommittedChain(this.ctx.storage, base);
    this.ctx.log("snapshot-installed", { from, height: base.height, proofBlocks: msg.blocks.length });
    this.dropStaleWaiting();
    for (const block of msg.blocks.slice(1)) this.addOrphan(block);
    this.insertOrphansOf(toHex(base.hash));
    this.processQC(msg.commitQC, from);
    if (this.tree.get(toHex(this.safety.lockedQC.blockHash)) === undefined) this.requestBlocks(this.safety.lockedQC.blockHash, from);
  }

  /** No snapshot is awaited any more: replay the fetched blocks held back for it. */
  private endSnapshotWait(): void {
    if (this.snapshotTimerId !== undefined) {
      this.ctx.cancelTimer(this.snapshotTimerId);
      this.snapshotTimerId = undefined;
    }
    const parentHex = this.deferredParentHex;
    this.deferredParentHex = undefined;
    if (parentHex !== undefined && this.tree.get(parentHex) !== undefined) this.insertOrphansOf(parentHex);
  }

  /** Inserts the orphans waiting for `parentHex` (now known), and their descendants. */
  private insertOrphansOf(parentHex: string): void {
    const children = this.orphans.get(parentHex);
    if (children === undefined) return;
    this.orphans.delete(parentHex);
    this.orphanCount -= children.length;
    for (const child of children) this.insertBlock(child);
  }

  /** Drains messages this replica sent itself, then checks its own invariants. */
  private afterStep(): void {
    for (let i = 0; i < 10_000 && this.loopback.length > 0; i++) this.handle(this.ctx.id, this.loopback.shift()!);
    if (this.loopback.length > 0) throw new Error("loopback queue did not drain: a message loop inside the replica");
    this.checkInvariants();
  }

  private checkInvariants(): void {
    const { lastVotedView, lockedQC } = this.safety;
    if (this.currentView < lastVotedView) throw new Error(`invariant: view ${this.currentView} below last voted view ${lastVotedView}`);
    if (lockedQC.view >= this.currentView) throw new Error(`invariant: locked QC view ${lockedQC.view} not below view ${this.currentView}`);
    if (this.safety.lastProposedView > this.currentView) throw new Error(`invariant: proposed in view ${this.safety.lastProposedView} beyond view ${this.currentView}`);
  }

  // ---- proposals and votes -------------------------------------------------

  private onProposal(from: NodeId, msg: ProposalMessage): void {
    const block = msg.block;
    const leader = this.validators.leaderOf(block.view);
    if (block.proposer !== leader || this.validators.indexOf(from) !== leader) return this.reject(from, msg, "proposal not from the view's leader");
    if (!this.validators.verifySignature(leader, proposalSigningBytes(block.hash), msg.signature)) return this.reject(from, msg, "bad proposal signature");
    if (!bytesEqual(block.justify.blockHash, block.parentHash) || block.justify.height + 1 !== block.height) {
      return this.reject(from, msg, "justify QC does not certify the parent");
    }
    if (block.justify.view >= block.view) return this.reject(from, msg, "justify QC not below the block's view");
    if (!this.validators.verifyQC(block.justify)) return this.reject(from, msg, "invalid justify QC");
    if (msg.tc !== undefined && (msg.tc.view + 1 !== block.view || !this.validators.verifyTC(msg.tc))) return this.reject(from, msg, "invalid TC");

    this.processQC(block.justify, from);
    if (msg.tc !== undefined) this.processTC(msg.tc);
    if (block.height <= this.tree.committedTip.height) return;

    const parentHex = toHex(block.parentHash);
    if (this.tree.get(parentHex) === undefined) {
      if (this.pendingProposalCount < PENDING_PROPOSALS_MAX) {
        const waiting = this.pendingProposals.get(parentHex) ?? [];
        waiting.push({ from, msg });
        this.pendingProposals.set(parentHex, waiting);
        this.pendingProposalCount++;
      }
      this.requestBlocks(block.parentHash, from);
      return;
    }
    this.insertBlock(block);
    this.maybeVote(block, msg.tc);
  }

  private maybeVote(block: Block, tc: TimeoutCertificate | undefined): void {
    if (this.recovery !== undefined) return this.ctx.log("vote-refused", { view: block.view, reason: "recovering the safety state" });
    if (block.view !== this.currentView || block.view <= this.safety.lastVotedView) return;
    const extendsPreviousView = block.justify.view + 1 === block.view;
    const extendsTC = tc !== undefined && tc.view + 1 === block.view && block.justify.view >= maxHighQCView(tc);
    if (!extendsPreviousView && !extendsTC) return this.ctx.log("vote-refused", { view: block.view, reason: "unsafe: QC neither from the previous view nor justified by a TC" });
    const parent = this.tree.get(toHex(block.parentHash));
    const branch = this.tree.branchTo(toHex(block.parentHash));
    if (parent === undefined || branch === undefined) return this.ctx.log("vote-refused", { view: block.view, reason: "parent does not extend the committed chain" });
    if (block.timestampUs <= parent.timestampUs) return this.ctx.log("vote-refused", { view: block.view, reason: "timestamp not after the parent's" });
    if (!this.app.verifyPayload(this.appCtx, block, branch)) return this.ctx.log("vote-refused", { view: block.view, reason: "payload rejected by the application" });

    this.safety.lastVotedView = block.view;
    persistSafetyState(this.ctx.storage, this.safety);
    const vote: VoteMessage = {
      type: "vote",
      view: block.view,
      height: block.height,
      blockHash: block.hash,
      signer: this.config.index,
      signature: this.sign(voteSigningBytes(block.view, block.height, block.hash)),
    };
    this.ctx.log("vote", { view: block.view, height: block.height, hash: toHex(block.hash) });
    // Stay in this view until its QC (from the next proposal) or a TC moves us on: every view change
    // is then justified by a certificate that timeouts carry, so lagging replicas can always follow.
    this.sendTo(this.validators.leaderOf(block.view + 1), vote);
  }

  private onVote(from: NodeId, msg: VoteMessage): void {
    if (this.validators.indexOf(from) !== msg.signer) return this.reject(from, msg, "vote signer is not the sender");
    if (this.validators.leaderOf(msg.view + 1) !== this.config.index) return this.reject(from, msg, "vote sent to a replica that is not the next leader");
    if (msg.view + 1 < this.currentView || msg.view > this.currentView + VIEWS_AHEAD_MAX) return;
    const key = `${msg.view}:${msg.height}:${toHex(msg.blockHash)}`;
    let collector = this.votes.get(key);
    if (collector === undefined) {
      collector = { view: msg.view, height: msg.height, blockHash: msg.blockHash, signatures: new Map(), formed: false };
      this.votes.set(key, collector);
    }
    if (collector.formed || collector.signatures.has(msg.signer)) return;
    if (!this.validators.verifySignature(msg.signer, voteSigningBytes(msg.view, msg.height, msg.blockHash), msg.signature)) {
      return this.reject(from, msg, "bad vote signature");
    }
    collector.signatures.set(msg.signer, msg.signature);
    if (collector.signatures.size < this.validators.quorum) return;
    collector.formed = true;
    const qc: QuorumCertificate = {
      view: collector.view,
      height: collector.height,
      blockHash: collector.blockHash,
      signatures: [...collector.signatures].sort((a, b) => a[0] - b[0]).map(([signer, signature]) => ({ signer, signature })),
    };
    this.validators.markVerifiedQC(qc);
    this.ctx.log("qc", { view: qc.view, height: qc.height, hash: toHex(qc.blockHash) });
    this.processQC(qc, from);
  }

  private maybePropose(): void {
    if (this.recovery !== undefined) return;
    const view = this.currentView;
    if (this.validators.leaderOf(view) !== this.config.index || this.safety.lastProposedView >= view || this.safety.lastVotedView >= view) return;
    const highQC = this.safety.lockedQC;
    const tc = highQC.view + 1 === view ? undefined : this.lastTC;
    if (tc === undefined && highQC.view + 1 !== view) return;
    if (tc !== undefined && (tc.view + 1 !== view || highQC.view < maxHighQCView(tc))) return;
    const parentHex = toHex(highQC.blockHash);
    const parent = this.tree.get(parentHex);
    if (parent === undefined) return this.requestBlocks(highQC.blockHash, undefined);
    const branch = this.tree.branchTo(parentHex);
    if (branch === undefined) return;
    const now = this.ctx.now();
    const readyAt = parent.timestampUs + this.config.blockTimeUs;
    if (now < readyAt) {
      if (this.proposeTimerId !== undefined) this.ctx.cancelTimer(this.proposeTimerId);
      this.proposeTimerId = this.ctx.setTimer(readyAt - now, TIMER_PROPOSE);
      return;
    }
    const fields = {
      view,
      height: parent.height + 1,
      parentHash: parent.hash,
      justify: highQC,
      proposer: this.config.index,
      timestampUs: Math.max(now, parent.timestampUs + 1),
      payload: this.app.buildPayload(this.appCtx, parent, branch),
    };
    const block: Block = { ...fields, hash: blockHash(fields) };
    const proposal: ProposalMessage = {
      type: "proposal",
      block,
      ...(tc === undefined ? {} : { tc }),
      signature: this.sign(proposalSigningBytes(block.hash)),
    };
    this.safety.lastProposedView = view;
    persistSafetyState(this.ctx.storage, this.safety);
    this.ctx.log("propose", { view, height: block.height, hash: toHex(block.hash), payloadBytes: block.payload.length });
    this.broadcast(proposal);
  }

  // ---- certificates and views ---------------------------------------------

  /** Takes in a verified QC: raises the lock, enters the next view, applies the commit rule. */
  private processQC(qc: QuorumCertificate, source: NodeId | undefined): void {
    if (qc.view > this.safety.lockedQC.view) {
      this.safety.lockedQC = qc;
      this.viewTimer.onProgress();
      if (this.tree.get(toHex(qc.blockHash)) === undefined) this.requestBlocks(qc.blockHash, source);
      else this.updateHead();
    }
    this.maybeRequestSnapshot(qc, source);
    if (qc.view >= this.currentView) this.enterView(qc.view + 1, true);
    this.tryCommit(qc);
    this.maybePropose();
  }

  private processTC(tc: TimeoutCertificate): void {
    if (this.lastTC === undefined || tc.view > this.lastTC.view) this.lastTC = tc;
    if (tc.view >= this.currentView) this.enterView(tc.view + 1, false);
  }

  /** Two-chain commit: a QC for B' whose parent B has view B'.view - 1 commits B. */
  private tryCommit(qc: QuorumCertificate): void {
    const certified = this.tree.get(toHex(qc.blockHash));
    if (certified === undefined || certified.height <= this.tree.committedTip.height) return;
    const parent = this.tree.get(toHex(certified.parentHash));
    if (parent === undefined || parent.view + 1 !== certified.view || parent.height <= this.tree.committedTip.height) return;
    const { committed, pruned } = this.tree.commit(toHex(parent.hash));
    for (const hex of pruned) deletePendingBlock(this.ctx.storage, hex);
    this.dropStaleWaiting();
    for (const block of committed) {
      deletePendingBlock(this.ctx.storage, toHex(block.hash));
      storeCommittedBlock(this.ctx.storage, block);
      this.app.commit(this.appCtx, block);
      this.ctx.log("commit", { height: block.height, view: block.view, hash: toHex(block.hash), payload: block.payload });
      this.maybeCheckpoint(block);
    }
  }

  private enterView(view: number, progress: boolean): void {
    if (view <= this.currentView) return;
    this.currentView = view;
    if (progress) this.viewTimer.onProgress();
    if (this.proposeTimerId !== undefined) {
      this.ctx.cancelTimer(this.proposeTimerId);
      this.proposeTimerId = undefined;
    }
    this.armViewTimer(this.viewTimer.durationUs);
    for (const [key, collector] of this.votes) if (collector.view + 2 < view) this.votes.delete(key);
    for (const v of this.timeouts.keys()) if (v < view) this.timeouts.delete(v);
    for (const v of this.tcFormedViews) if (v < view) this.tcFormedViews.delete(v);
    this.ctx.log("view", { view });
    this.maybePropose();
  }

  private armViewTimer(afterUs: number): void {
    if (this.viewTimerId !== undefined) this.ctx.cancelTimer(this.viewTimerId);
    this.viewTimerId = this.ctx.setTimer(afterUs, TIMER_VIEW);
  }

  private onViewTimeout(): void {
    if (this.timedOutView === this.currentView && this.sentTimeout !== undefined) {
      // Still stuck in a view we already left by timeout: re-send (messages may have been lost).
      this.ctx.log("timeout-resend", { view: this.currentView });
      this.broadcast(this.sentTimeout);
      this.armViewTimer(this.viewTimer.baseUs);
      return;
    }
    this.viewTimer.onExpired();
    this.timeoutView();
  }

  /** Leaves the current view by timeout: never vote in it again, tell everyone. */
  private timeoutView(): void {
    if (this.recovery !== undefined) {
      // A timeout is a signed statement about this view: not before the recovery rule allows it.
      this.armViewTimer(this.viewTimer.baseUs);
      return;
    }
    const view = this.currentView;
    this.timedOutView = view;
    this.safety.lastVotedView = Math.max(this.safety.lastVotedView, view);
    persistSafetyState(this.ctx.storage, this.safety);
    const highQC = this.safety.lockedQC;
    const msg: TimeoutMessage = {
      type: "timeout",
      view,
      highQC,
      ...(this.lastTC === undefined ? {} : { lastTC: this.lastTC }),
      signer: this.config.index,
      signature: this.sign(timeoutSigningBytes(view, highQC.view)),
    };
    this.sentTimeout = msg;
    this.ctx.log("timeout", { view, highQCView: highQC.view, backoff: this.viewTimer.expiries });
    this.armViewTimer(this.viewTimer.baseUs);
    this.broadcast(msg);
  }

  private onTimeout(from: NodeId, msg: TimeoutMessage): void {
    if (this.validators.indexOf(from) !== msg.signer) return this.reject(from, msg, "timeout signer is not the sender");
    if (msg.view > this.currentView + VIEWS_AHEAD_MAX) return;
    const known = this.timeouts.get(msg.view)?.has(msg.signer) ?? false;
    if (known || msg.view < this.currentView) {
      // Still useful for its certificates, which may move us forward.
      if (msg.view >= this.currentView - 1 && this.validators.verifyQC(msg.highQC)) this.processQC(msg.highQC, from);
      return;
    }
    if (!this.validators.verifySignature(msg.signer, timeoutSigningBytes(msg.view, msg.highQC.view), msg.signature)) return this.reject(from, msg, "bad timeout signature");
    if (!this.validators.verifyQC(msg.highQC)) return this.reject(from, msg, "invalid high QC in timeout");
    if (msg.lastTC !== undefined && !this.validators.verifyTC(msg.lastTC)) return this.reject(from, msg, "invalid last TC in timeout");
    this.processQC(msg.highQC, from);
    if (msg.lastTC !== undefined) this.processTC(msg.lastTC);
    if (msg.view < this.currentView) return;

    let byView = this.timeouts.get(msg.view);
    if (byView === undefined) {
      byView = new Map();
      this.timeouts.set(msg.view, byView);
    }
    byView.set(msg.signer, msg);

    this.joinTimeouts(msg);
    if (byView.size >= this.validators.quorum && !this.tcFormedViews.has(msg.view)) {
      this.tcFormedViews.add(msg.view);
      const tc: TimeoutCertificate = {
        view: msg.view,
        entries: [...byView.values()]
          .sort((a, b) => a.signer - b.signer)
          .map((t) => ({ signer: t.signer, signature: t.signature, highQCView: t.highQC.view })),
      };
      this.ctx.log("tc", { view: tc.view });
      this.processTC(tc);
    }
  }

  /**
   * Bracha-style amplification: once f + 1 validators have timed out in views
   * at or above w, at least one honest validator gave up on w, so join w and
   * time out there too. Using each signer's highest timeout view (not one
   * view's count) re-synchronizes replicas whose views drifted apart.
   */
  private joinTimeouts(msg: TimeoutMessage): void {
    const previous = this.highestTimeoutView.get(msg.signer) ?? -1;
    if (msg.view > previous) this.highestTimeoutView.set(msg.signer, msg.view);
    const f = this.validators.f;
    if (this.highestTimeoutView.size < f + 1) return;
    const views = [...this.highestTimeoutView.values()].sort((a, b) => b - a);
    const view = views[f]!;
    if (view < this.currentView || this.timedOutView >= view) return;
    this.enterView(view, false);
    if (this.currentView === view) this.timeoutView();
  }

  // ---- blocks and catch-up ------------------------------------------------

  /** Adds a block whose justify QC is verified (or hash-authenticated) and whose parent is known. */
  private insertBlock(first: Block): void {
    const stack: Block[] = [first];
    while (stack.length > 0) {
      const block = stack.pop()!;
      const hex = toHex(block.hash);
      const parent = this.tree.get(toHex(block.parentHash));
      if (parent === undefined || parent.height + 1 !== block.height || !bytesEqual(block.justify.blockHash, block.parentHash)) continue;
      if (!this.tree.add(block)) continue;
      storePendingBlock(this.ctx.storage, block, hex);
      this.ctx.log("block", { hash: hex, parent: toHex(block.parentHash), height: block.height, view: block.view });
      this.processQC(block.justify, undefined);
      if (hex === toHex(this.safety.lockedQC.blockHash)) {
        this.updateHead();
        this.tryCommit(this.safety.lockedQC);
        this.maybePropose();
      }
      const children = this.orphans.get(hex);
      if (children !== undefined) {
        this.orphans.delete(hex);
        this.orphanCount -= children.length;
        stack.push(...children);
      }
      const proposals = this.pendingProposals.get(hex);
      if (proposals !== undefined) {
        this.pendingProposals.delete(hex);
        this.pendingProposalCount -= proposals.length;
        for (const { from, msg } of proposals) this.onProposal(from, msg);
      }
    }
  }

  private updateHead(): void {
    const hex = toHex(this.safety.lockedQC.blockHash);
    const block = this.tree.get(hex);
    if (block === undefined || hex === this.headHex) return;
    this.headHex = hex;
    this.ctx.log("head", { hash: hex, height: block.height, view: block.view });
  }

  private requestBlocks(hash: Uint8Array, preferred: NodeId | undefined): void {
    const hex = toHex(hash);
    if (this.tree.get(hex) !== undefined || this.syncRequests.has(hex) || this.syncRequests.size >= SYNC_REQUESTS_MAX) return;
    const preferredIndex = preferred === undefined ? undefined : this.validators.indexOf(preferred);
    const peer = preferredIndex !== undefined && preferredIndex !== this.config.index ? preferredIndex : this.randomPeer();
    const request: SyncRequest = { hash, attempts: 1, peer, timer: this.ctx.setTimer(this.config.syncRetryUs, TIMER_SYNC) };
    this.syncRequests.set(hex, request);
    this.syncTimers.set(request.timer, hex);
    this.sendBlockRequest(request);
  }

  private sendBlockRequest(request: SyncRequest): void {
    const msg: BlockRequestMessage = { type: "block-request", hash: request.hash, count: SYNC_BATCH_BLOCKS };
    this.ctx.send(this.validators.idOf(request.peer), msg);
  }

  private onSyncRetry(timer: TimerId): void {
    const hex = this.syncTimers.get(timer);
    if (hex === undefined) return;
    this.syncTimers.delete(timer);
    const request = this.syncRequests.get(hex);
    if (request === undefined) return;
    if (this.tree.get(hex) !== undefined || this.orphanHas(hex) || request.attempts >= SYNC_ATTEMPTS_MAX) {
      this.syncRequests.delete(hex);
      return;
    }
    request.attempts++;
    request.peer = (request.peer + 1) % this.validators.size;
    if (request.peer === this.config.index) request.peer = (request.peer + 1) % this.validators.size;
    request.timer = this.ctx.setTimer(this.config.syncRetryUs, TIMER_SYNC);
    this.syncTimers.set(request.timer, hex);
    this.sendBlockRequest(request);
  }

  private onBlockRequest(from: NodeId, msg: BlockRequestMessage): void {
    const blocks: Block[] = [];
    let block = this.tree.get(toHex(msg.hash));
    while (block !== undefined && blocks.length < Math.min(msg.count, SYNC_BATCH_BLOCKS)) {
      blocks.push(block);
      if (block.height === 0) break;
      block = this.tree.get(toHex(block.parentHash));
    }
    if (blocks.length === 0) return;
    const response: BlockResponseMessage = { type: "block-response", blocks };
    this.ctx.send(from, response);
  }

  private onBlockResponse(from: NodeId, msg: BlockResponseMessage): void {
    const first = msg.blocks[0];
    if (first === undefined) return;
    const firstHex = toHex(first.hash);
    const request = this.syncRequests.get(firstHex);
    if (request === undefined) return; // unsolicited: only requested hashes are authenticated
    this.syncRequests.delete(firstHex);
    this.syncTimers.delete(request.timer);
    this.ctx.cancelTimer(request.timer);
    // Keep the prefix that is hash-linked to the requested block.
    const chain: Block[] = [first];
    for (let i = 1; i < msg.blocks.length; i++) {
      const block = msg.blocks[i]!;
      if (!bytesEqual(block.hash, chain[i - 1]!.parentHash)) break;
      chain.push(block);
    }
    const tipHeight = this.tree.committedTip.height;
    const useful = chain.filter((b) => b.height > tipHeight && this.tree.get(toHex(b.hash)) === undefined);
    if (useful.length === 0) return;
    for (const block of useful) this.addOrphan(block);
    const oldest = useful[useful.length - 1]!;
    const oldestParentHex = toHex(oldest.parentHash);
    if (this.tree.get(oldestParentHex) !== undefined) {
      // Far behind and a snapshot on its way: hold the blocks rather than replay them (see endSnapshotWait).
      if (this.snapshotTimerId !== undefined && oldestParentHex === toHex(this.tree.committedTip.hash)) {
        this.deferredParentHex = oldestParentHex;
        return;
      }
      this.insertOrphansOf(oldestParentHex);
    } else {
      this.requestBlocks(oldest.parentHash, from);
    }
  }

  /** Forgets orphans and held proposals at or below the committed height: they can never be inserted. */
  private dropStaleWaiting(): void {
    const tipHeight = this.tree.committedTip.height;
    for (const [parentHex, blocks] of this.orphans) {
      const live = blocks.filter((b) => b.height > tipHeight);
      this.orphanCount -= blocks.length - live.length;
      if (live.length === 0) this.orphans.delete(parentHex);
      else this.orphans.set(parentHex, live);
    }
    for (const [parentHex, waiting] of this.pendingProposals) {
      const live = waiting.filter((p) => p.msg.block.height > tipHeight);
      this.pendingProposalCount -= waiting.length - live.length;
      if (live.length === 0) this.pendingProposals.delete(parentHex);
      else this.pendingProposals.set(parentHex, live);
    }
  }

  private addOrphan(block: Block): void {
    if (this.orphanCount >= ORPHANS_MAX) return;
    const parentHex = toHex(block.parentHash);
    const siblings = this.orphans.get(parentHex) ?? [];
    if (siblings.some((b) => bytesEqual(b.hash, block.hash))) return;
    siblings.push(block);
    this.orphans.set(parentHex, siblings);
    this.orphanCount++;
  }

  private orphanHas(hex: string): boolean {
    for (const blocks of this.orphans.values()) if (blocks.some((b) => toHex(b.hash) === hex)) return true;
    return false;
  }

  // ---- plumbing -------------------------------------------------------------

  private sign(message: Uint8Array): Uint8Array {
    return this.validators.scheme.sign(this.config.keyPair.secretKey, message);
  }

  private sendTo(index: number, msg: ValidatorMessage): void {
    if (index === this.config.index) this.loopback.push(msg);
    else this.ctx.send(this.validators.idOf(index), msg);
  }

  private broadcast(msg: ValidatorMessage): void {
    for (let i = 0; i < this.validators.size; i++) this.sendTo(i, msg);
  }

  private randomPeer(): number {
    const offset = 1 + this.ctx.rng.int(this.validators.size - 1 || 1);
    return (this.config.index + offset) % this.validators.size;
  }

  private reject(from: NodeId, msg: ValidatorMessage, reason: string): void {
    this.ctx.log("reject", { from, type: msg.type, reason });
  }
}

/** The highest QC view reported in a TC. */
function maxHighQCView(tc: TimeoutCertificate): number {
  let max = 0;
  for (const entry of tc.entries) if (entry.highQCView > max) max = entry.highQCView;
  return max;
}
