/**
 * The replica's configuration and its fixed limits: the bounds on everything
 * it holds for later (requests, orphans, proposals, views ahead) and the tags
 * of its timers.
 */
import type { KeyPair } from "../../crypto/signature.js";
import type { LeaderElectionFactory } from "../leader-election/leader-election.js";
import type { ValidatorSet } from "../validator-set.js";

/** Configuration of one replica. Times are microseconds. */
export interface ReplicaConfig {
  readonly validators: ValidatorSet;
  /** This replica's index in `validators`. */
  readonly index: number;
  /** Builds this replica's leader election at each boot; default round-robin (view mod n). */
  readonly leaderElection?: LeaderElectionFactory;
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
  /**
   * Committed blocks the block tree holds in memory; older ones are read from
   * the disk when a peer asks for them (see `block-tree.ts`). Default
   * `COMMITTED_BLOCKS_KEPT_DEFAULT` (128).
   */
  readonly committedBlocksKept?: number;
}

/** Blocks asked for in one request. */
export const SYNC_BATCH_BLOCKS = 64;
/** Outstanding block requests at once. */
export const SYNC_REQUESTS_MAX = 64;
/** Attempts (each to the next peer) before a block request is abandoned. */
export const SYNC_ATTEMPTS_MAX = 32;
/** Blocks held while their parent is being fetched. */
export const ORPHANS_MAX = 4096;
/** Proposals held while their parent is being fetched. */
export const PENDING_PROPOSALS_MAX = 64;
/** How far ahead of the current view votes and timeouts are still collected. */
export const VIEWS_AHEAD_MAX = 1000;
/** Messages the replica may send itself within one step (a bound on the loopback drain). */
export const LOOPBACK_STEP_MAX = 10_000;

/** Default of `snapshotBehindBlocks`. */
export const SNAPSHOT_BEHIND_DEFAULT = 64;
/** Most blocks a snapshot's commit proof may carry. */
export const SNAPSHOT_PROOF_BLOCKS_MAX = 100;

/** Timer tags (the host hands the tag back with the timer). */
export const TIMER_VIEW = "view-timeout";
export const TIMER_PROPOSE = "propose";
export const TIMER_SYNC = "sync-retry";
export const TIMER_RECOVERY = "recovery-retry";
export const TIMER_SNAPSHOT = "snapshot-retry";
