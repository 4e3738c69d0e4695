/**
 * The state every part of the replica shares, and the plumbing they all use
 * (signing, sending, rejecting).
 *
 * The replica is one state machine split by concern, the way quinn-proto
 * splits its `Connection` across `connection/` files: each file of this folder
 * holds the handlers of one concern as functions of a {@link ReplicaState}.
 * The state of a concern is grouped under its name (`pacemaker`, `proposals`,
 * `sync`, `snapshot`, `recovery`); what several concerns read (the view, the
 * block tree, the safety state) sits at the top.
 */
import type { NodeContext, NodeId, TimerId } from "../../sim/node.js";
import { assert } from "../../sim/assert.js";
import type { AppContext, Application } from "../application.js";
import { BlockTree } from "../block-tree.js";
import { loadCommittedBlock } from "../safety-store.js";
import type { SafetyState } from "../safety-store.js";
import type { AppMessage, Block, ProposalMessage, QuorumCertificate, TimeoutCertificate, TimeoutMessage, ValidatorMessage } from "../types.js";
import type { LeaderElection } from "../leader-election/leader-election.js";
import { roundRobin } from "../leader-election/round-robin.js";
import type { ValidatorSet } from "../validator-set.js";
import { ViewTimer } from "../view-timer.js";
import type { ReplicaConfig } from "./config.js";

/** A recovery in progress: answers to our status request, by validator index. */
export interface Recovery {
  readonly nonce: number;
  readonly views: Map<number, number>;
  highQC: QuorumCertificate;
  timer: TimerId;
}

/** Votes for one block of one view, collected by the next leader. */
export interface VoteCollector {
  readonly view: number;
  readonly height: number;
  readonly blockHash: Uint8Array;
  readonly signatures: Map<number, Uint8Array>;
  formed: boolean;
}

/** One block request in flight. */
export interface SyncRequest {
  readonly hash: Uint8Array;
  attempts: number;
  peer: number;
  timer: TimerId;
}

/** The pacemaker's state (`pacemaker.ts`): views, the view timer, timeouts and TCs. */
export interface PacemakerState {
  readonly viewTimer: ViewTimer;
  viewTimerId: TimerId | undefined;
  /** The highest TC seen. */
  lastTC: TimeoutCertificate | undefined;
  /** The last view this replica left by timeout (-1: none). */
  timedOutView: number;
  /** The timeout sent for `timedOutView`, re-sent while stuck there. */
  sentTimeout: TimeoutMessage | undefined;
  /** Timeouts received, by view, then by signer index. */
  readonly timeouts: Map<number, Map<number, TimeoutMessage>>;
  readonly tcFormedViews: Set<number>;
  /** Highest view each validator (by index) sent us a valid timeout for. */
  readonly highestTimeoutView: Map<number, number>;
}

/** Proposing and voting (`proposals.ts`). */
export interface ProposalsState {
  /** Votes collected as the next leader, by `view:height:hash`. */
  readonly votes: Map<string, VoteCollector>;
  /** Set while the leader waits for `parent.timestamp + blockTime`. */
  proposeTimerId: TimerId | undefined;
}

/** Catch-up (`sync.ts`): block requests, and what waits for a missing parent. */
export interface SyncState {
  /** Fetched blocks whose parent is not in the tree yet, by parent hash. */
  readonly orphans: Map<string, Block[]>;
  orphanCount: number;
  /** Proposals whose parent is not in the tree yet, by parent hash. */
  readonly pendingProposals: Map<string, { from: NodeId; msg: ProposalMessage }[]>;
  pendingProposalCount: number;
  /** Block requests in flight, by requested hash. */
  readonly requests: Map<string, SyncRequest>;
  /** The requested hash of each live retry timer. */
  readonly timers: Map<TimerId, string>;
}

/** A snapshot request (`checkpoints.ts`). */
export interface SnapshotState {
  /** A snapshot request in flight (its retry timer). */
  timerId: TimerId | undefined;
  /** The peer asked last (-1: none yet). */
  peer: number;
  /** While a snapshot is awaited: the known parent of fetched blocks held back (replayed only if no snapshot comes). */
  deferredParentHex: string | undefined;
}

/** What the last invariant check saw, so the next one can tell that nothing went down (`invariants.ts`). */
export interface CheckedState {
  view: number;
  lockedQCView: number;
  lastVotedView: number;
  lastProposedView: number;
  committedHeight: number;
}

/** Everything one replica holds between steps. Build a new one per boot. */
export class ReplicaState {
  readonly config: ReplicaConfig;
  readonly validators: ValidatorSet;
  readonly app: Application;
  /** Who leads each view, as this replica sees it (see `leader-election/`). */
  readonly election: LeaderElection;

  /** Set by `start`, before any handler runs. */
  ctx!: NodeContext<ValidatorMessage>;
  appCtx!: AppContext;
  /** Set by `start`; replaced when a snapshot is installed. */
  tree!: BlockTree;
  /** Set by `start`: the persisted safety state (last voted and proposed views, locked QC). */
  safety!: SafetyState;

  currentView = 0;
  /** Hex hash of the block last logged as `head` (the locked QC's block). */
  headHex = "";
  /** Set while the safety state is lost: no vote, timeout or proposal until peers told us their views. */
  recovery: Recovery | undefined;

  readonly pacemaker: PacemakerState;
  readonly proposals: ProposalsState = { votes: new Map(), proposeTimerId: undefined };
  readonly sync: SyncState = { orphans: new Map(), orphanCount: 0, pendingProposals: new Map(), pendingProposalCount: 0, requests: new Map(), timers: new Map() };
  readonly snapshot: SnapshotState = { timerId: undefined, peer: -1, deferredParentHex: undefined };
  /** Undefined until the first invariant check (at the end of `start`). */
  checked: CheckedState | undefined;

  /** Messages this replica sent itself, handled at the end of the step. */
  readonly loopback: ValidatorMessage[] = [];
  /** The last application message sent (one message object per payload, so a broadcast encodes it once). */
  lastAppMessage: AppMessage | undefined;

  constructor(config: ReplicaConfig, app: Application) {
    this.config = config;
    this.validators = config.validators;
    this.app = app;
    this.election = config.leaderElection?.() ?? roundRobin(config.validators.size);
    this.pacemaker = {
      viewTimer: new ViewTimer(config.viewTimeoutUs, config.viewTimeoutMaxUs),
      viewTimerId: undefined,
      lastTC: undefined,
      timedOutView: -1,
      sentTimeout: undefined,
      timeouts: new Map(),
      tcFormedViews: new Set(),
      highestTimeoutView: new Map(),
    };
  }

  sign(message: Uint8Array): Uint8Array {
    return this.validators.scheme.sign(this.config.keyPair.secretKey, message);
  }

  /** Index of the leader of `view`, as this replica's election says. */
  leaderOf(view: number): number {
    const leader = this.election.leaderOf(view);
    assert(Number.isInteger(leader) && leader >= 0 && leader < this.validators.size, "the election names a validator index");
    return leader;
  }

  /** Sends to a validator by index; to itself through the loopback queue. */
  sendTo(index: number, msg: ValidatorMessage): void {
    if (index === this.config.index) this.loopback.push(msg);
    else this.ctx.send(this.validators.idOf(index), msg);
  }

  /** Sends to every validator, this one included, in index order. */
  broadcast(msg: ValidatorMessage): void {
    for (let i = 0; i < this.validators.size; i++) this.sendTo(i, msg);
  }

  /**
   * A block tree rooted at `root` (the committed tip) that holds the last
   * `config.committedBlocksKept` committed blocks in memory and reads older
   * ones from this replica's disk. Needs `ctx` (set by `start`).
   */
  newTree(root: Block): BlockTree {
    const storage = this.ctx.storage;
    return new BlockTree(root, { keepCommitted: this.config.committedBlocksKept, history: (height) => loadCommittedBlock(storage, height) });
  }

  /** A validator index other than ours, drawn from the node's random stream. */
  randomPeer(): number {
    const offset = 1 + this.ctx.rng.int(this.validators.size - 1 || 1);
    return (this.config.index + offset) % this.validators.size;
  }

  /** Refuses a peer's message (an operating error, never an assertion): logged, and the step goes on. */
  reject(from: NodeId, msg: ValidatorMessage, reason: string): void {
    this.ctx.log("reject", { from, type: msg.type, reason });
  }
}
