/**
 * Who leads each view, as one replica sees it. The replica asks its election
 * for the leader of a view before it proposes, votes (a vote goes to the next
 * view's leader) or accepts a proposal (only from the view's leader).
 *
 * An election may learn from the chain (leader reputation, DiemBFT v4 and
 * Aptos's `LeaderReputation`): it is told of every block the replica commits,
 * in height order, including the blocks re-applied from storage on a restart.
 * Two replicas that disagree about a leader cost liveness, never safety: the
 * voting rules do not depend on who the leader is.
 */
import type { Block } from "../types.js";

/** The leader of each view, for one replica. Build one per replica boot. */
export interface LeaderElection {
  /**
   * Index (into the validator set) of the leader of `view`.
   * @param view a view >= 0
   */
  leaderOf(view: number): number;
  /**
   * Told of each block this replica commits, in height order, once per boot
   * (at a restart, every block of the stored chain first). Heights follow
   * each other except after a snapshot installed from a peer: the
   * snapshot's block comes next, and the blocks below it are never told.
   */
  onCommit?(block: Block): void;
  /**
   * How many of the newest committed blocks it must be told at a restart to
   * answer as before (its window); the replica's disk keeps at least that many
   * when it truncates its stored chain below a checkpoint. Absent: none.
   */
  readonly historyBlocks?: number;
}

/** Builds a replica's election; called once per replica boot. */
export type LeaderElectionFactory = () => LeaderElection;
