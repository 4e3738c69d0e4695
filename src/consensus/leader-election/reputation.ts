/**
 * Leader reputation: the committed chain gives each validator a weight, so
 * that validators that are down or cut off stop being given views, and the
 * chain stops paying two view timeouts for each of their turns.
 *
 * Sources: the leader election of DiemBFT v4 (The Diem Team, "DiemBFT v4:
 * State Machine Replication in the Diem Blockchain", 2021, section "Leader
 * election": reputation read from a window of the committed chain so that
 * replicas agree, and round-robin when the chain has not progressed), and
 * Aptos's `LeaderReputation` (`consensus/src/liveness/leader_reputation.rs`,
 * heuristic `ProposerAndVoterV2`; `choose_index` in `proposer_election.rs`;
 * `compute_failed_authors` in `proposal_generator.rs`):
 *
 * - the history of view v is the last `proposerWindow` committed blocks whose
 *   view is at most v - `exclude` (Aptos's `exclude_round`): replicas have
 *   committed that far, so they read the same history;
 * - each committed block B tells its proposer (`B.proposer`, which every
 *   honest voter checked was the leader of `B.view`) and its failed
 *   proposers (Aptos's `failed_proposer_indices`: leaders of views B skipped,
 *   at most {@link FAILED_PROPOSERS_PER_BLOCK_MAX}, the last ones; see below
 *   which views);
 * - weight: `failedWeight` when a validator's last turn in the window failed,
 *   or when its failed proposals exceed `failureThresholdPercent` of its
 *   turns (proposals plus failed proposals) in the window
 *   (ProposerAndVoterV2's failure rule); else `activeWeight`;
 * - the draw, as Aptos's: the first 8 bytes of
 *   sha256("asset-sim/leader-reputation/v1" || u64 view), little-endian,
 *   modulo the total weight, pick a validator on the cumulative weights
 *   (Aptos hashes with SHA3-256 and may mix in the ledger's root hash; a
 *   simulator gains nothing from unpredictable leaders);
 * - the order within the top tier: a draw that falls on a validator of the
 *   highest weight gives the view to the top tier's turn instead, its
 *   members in index order, view mod their count (round-robin among the
 *   validators in good standing; a draw below the top tier stands, so a
 *   failed validator still gets a view now and then: none is excluded for
 *   good);
 * - staleness (DiemBFT v4's fallback): when no block of the last `staleViews`
 *   views of the history is committed (or the history below a snapshot's
 *   block is unknown), the view goes to validator v mod n.
 *
 * What differs from Aptos, and why:
 *
 * - No votes. Aptos (and DiemBFT v4's active set) also count the signers of
 *   the QC each block carries. Here a block's hash leaves out the QC's
 *   signatures, so two replicas can hold one committed block with two
 *   different signer sets (a twin pair, or a byzantine leader sending its
 *   block with two quorums of votes) and derive different weights; the
 *   disagreement then lasts as long as the block is in the window. The
 *   safety property found it (a twin at n = 5: commits stopped after a
 *   heal). Everything here is read from fields the block hash covers.
 *   Without the vote signal, a validator is "inactive" only through its
 *   failed turns, so the window is what keeps a dead validator out (each
 *   re-admission costs a failed turn): the default is 30 x n blocks where
 *   Aptos has 10 x n, and a single failed last turn counts.
 * - Round-robin order within the top tier. A dead leader costs two views in
 *   this protocol (its own, and its predecessor's, whose votes it should have
 *   collected), and consecutive failed views double the view timeout. Until
 *   the chain has committed the failures of a validator that has just
 *   crashed, the weights still show it in good standing, and a random draw
 *   can give it several views in a row (1 + 2 + 4 + 8 s of timeouts);
 *   round-robin order spaces its turns, and leaves at least three
 *   consecutive live leaders in every n views while at most f are down,
 *   which is what a commit needs. The staleness fallback keeps that when the
 *   weights froze with crashed validators in the top tier.
 * - Failed proposers. Aptos charges every view skipped between B's parent
 *   and B. Here votes go only to the next view's leader and a timeout does
 *   not carry the vote, so a leader whose successor is down loses its own
 *   view too. But the QC that B carries for its parent (view p) was formed
 *   by the leader of p + 1 from the votes sent to it: that leader worked, and
 *   its block failed for its successor's fault. So B charges the leaders of
 *   views p + 2 .. B.view - 1, not p + 1 (when only p + 1 was skipped, either
 *   leader may be at fault, and nobody is charged).
 * - `exclude` 5, where Aptos excludes 40 rounds for its pipelined execution
 *   (see Agreement).
 *
 * The circularity: the failed proposer of a skipped view v is the leader of
 * v under this same election, whose history is the blocks of views at most
 * v - exclude < B.view: all ancestors of B, told before B (commits come in
 * height order, and views grow along the chain). So the failed proposers of
 * B are computed when B is told, from the blocks below it, and every replica
 * that committed B computes the same ones.
 *
 * Agreement. Everything is a function of the committed chain (of the fields
 * its hashes cover), so replicas that committed up to v - exclude agree on
 * the leader of v. The next leader of view v + 1 may receive votes for v
 * before the proposal of v, having committed only up to v - 3: an `exclude`
 * of 4 is the least that keeps steady state in agreement, and the default 5
 * leaves a view of margin. A replica that lags (or that installed a peer's
 * snapshot, see {@link LeaderReputation.onCommit}) may name another leader
 * for a while: it refuses the real leader's proposal and sends its vote
 * elsewhere, which costs that view (liveness), never safety (no voting rule
 * depends on who leads).
 *
 * Every window is bounded: the blocks kept are `proposerWindow + exclude +
 * HISTORY_SLACK_BLOCKS`, the failed proposers of a block at most
 * {@link FAILED_PROPOSERS_PER_BLOCK_MAX}, the caches
 * {@link CACHE_ENTRIES_MAX} entries each. Views far below the newest block
 * (beyond what is kept) get a history cut short; no live decision asks for
 * them.
 */
import { concatBytes, sha256, u64, utf8 } from "../../crypto/hash.js";
import { assert } from "../../sim/assert.js";
import type { Block } from "../types.js";
import type { LeaderElection } from "./leader-election.js";

/** The parameters of a {@link LeaderReputation}. Windows count committed blocks; `exclude` counts views. */
export interface ReputationOptions {
  /** n, the number of validators (1..1024). */
  readonly validatorCount: number;
  /** Committed blocks in which proposals and failed proposals count (default 30 x n; Aptos: 10 x n). */
  readonly proposerWindow: number;
  /** The history of view v ends at view v - exclude (4 or more keeps steady state in agreement, see the file comment). */
  readonly exclude: number;
  /** Weight of a validator in good standing. */
  readonly activeWeight: number;
  /** Weight of a validator whose last turn in the proposer window failed, or whose failures exceed the threshold. */
  readonly failedWeight: number;
  /** Failure rate (percent of its turns in the proposer window) above which a validator gets `failedWeight`. */
  readonly failureThresholdPercent: number;
  /** The history of view v is stale, and v falls back to round-robin, when no block of the views v - exclude - staleViews + 1 .. v - exclude is committed. */
  readonly staleViews: number;
}

/**
 * The defaults: Aptos's `ProposerAndVoterV2` on mainnet (weights 1000 and 1,
 * threshold 10%), with a window of 30 x n blocks instead of 10 x n (without
 * the vote signal, the window keeps a dead validator out; see the file
 * comment), a shorter `exclude` (Aptos excludes 40 rounds for its pipelined
 * execution; here 4 keeps steady state in agreement, and each view more
 * delays the reaction to a crash by one view) and `staleViews` 3 (a dead
 * leader leaves two views without a block; three or more mean the chain is
 * stuck rather than paying for one failure).
 */
export const REPUTATION_DEFAULTS = {
  proposerWindowPerValidator: 30,
  exclude: 5,
  activeWeight: 1000,
  failedWeight: 1,
  failureThresholdPercent: 10,
  staleViews: 3,
} as const;

/** Failed proposers recorded per committed block at most: those of the last views before it (Aptos's `max_failed_authors_to_store`). */
export const FAILED_PROPOSERS_PER_BLOCK_MAX = 10;
/** Largest window or `exclude` accepted. */
export const REPUTATION_WINDOW_MAX = 100_000;
/** Largest weight accepted (n x weight stays far below 2^53). */
export const REPUTATION_WEIGHT_MAX = 1_000_000;
/** Blocks kept beyond the windows and `exclude`, so views a little below the newest are still answered exactly. */
export const HISTORY_SLACK_BLOCKS = 64;
/** Entries of each cache (weights by history end, leader by view). */
export const CACHE_ENTRIES_MAX = 256;

const SEED_DOMAIN = utf8("asset-sim/leader-reputation/v1");
const VALIDATORS_MAX = 1024;

/** The options with every default filled in for `validatorCount` validators. */
export function reputationDefaults(validatorCount: number): ReputationOptions {
  return {
    validatorCount,
    proposerWindow: REPUTATION_DEFAULTS.proposerWindowPerValidator * validatorCount,
    exclude: REPUTATION_DEFAULTS.exclude,
    activeWeight: REPUTATION_DEFAULTS.activeWeight,
    failedWeight: REPUTATION_DEFAULTS.failedWeight,
    failureThresholdPercent: REPUTATION_DEFAULTS.failureThresholdPercent,
    staleViews: REPUTATION_DEFAULTS.staleViews,
  };
}

/** What one committed block tells the election. */
interface BlockRecord {
  readonly height: number;
  readonly view: number;
  /** Validator index of its proposer, or -1 when out of range. */
  readonly proposer: number;
  /** Leaders of the views it skipped (see the file comment), at most {@link FAILED_PROPOSERS_PER_BLOCK_MAX}. */
  readonly failed: readonly number[];
}

/** Cumulative weights of one history. */
interface Weights {
  readonly weights: readonly number[];
  readonly cumulative: readonly number[];
  readonly total: number;
  /** The validators of the highest weight, in index order (never empty). */
  readonly top: readonly number[];
}

/**
 * Leader reputation over n validators (see the file comment). Build one per
 * replica boot and tell it every committed block in height order.
 */
export class LeaderReputation implements LeaderElection {
  private readonly options: ReputationOptions;
  /** Committed blocks told, oldest first, views strictly increasing; `records[first..]` are live. */
  private records: BlockRecord[] = [];
  private first = 0;
  /** Height of the last block told (0: genesis). */
  private lastHeight = 0;
  /** Bumped when the history restarts (a gap in heights), so cached answers of the old one are not reused. */
  private generation = 0;
  private readonly weightCache = new Map<string, Weights>();
  private readonly leaderCache = new Map<number, { key: string; leader: number }>();
  private readonly keep: number;
  /** The committed blocks it keeps (see {@link LeaderElection.historyBlocks}). */
  get historyBlocks(): number {
    return this.keep;
  }

  /**
   * @throws RangeError when an option is out of range: validatorCount 1..1024,
   * windows 1..{@link REPUTATION_WINDOW_MAX}, exclude 0..{@link REPUTATION_WINDOW_MAX},
   * weights 1..{@link REPUTATION_WEIGHT_MAX} (no weight is 0: every validator
   * keeps a chance to lead, so one that recovers is seen again), threshold 0..100
   */
  constructor(options: ReputationOptions) {
    const { validatorCount, proposerWindow, exclude, activeWeight, failedWeight, failureThresholdPercent, staleViews } = options;
    checkInteger("validatorCount", validatorCount, 1, VALIDATORS_MAX);
    checkInteger("proposerWindow", proposerWindow, 1, REPUTATION_WINDOW_MAX);
    checkInteger("exclude", exclude, 0, REPUTATION_WINDOW_MAX);
    checkInteger("activeWeight", activeWeight, 1, REPUTATION_WEIGHT_MAX);
    checkInteger("failedWeight", failedWeight, 1, REPUTATION_WEIGHT_MAX);
    checkInteger("failureThresholdPercent", failureThresholdPercent, 0, 100);
    checkInteger("staleViews", staleViews, 1, REPUTATION_WINDOW_MAX);
    this.options = { ...options };
    this.keep = proposerWindow + exclude + HISTORY_SLACK_BLOCKS;
  }

  /**
   * Index of the leader of `view`: view mod n when the history that ends at
   * view - exclude is stale; else a draw by the hash of the view over that
   * history's weights, a draw in the top tier going to the top tier's turn
   * (its members in index order, view mod their count).
   * @throws RangeError when `view` is not a safe non-negative integer
   */
  leaderOf(view: number): number {
    if (!Number.isSafeInteger(view) || view < 0) throw new RangeError(`a view is a non-negative integer, got ${view}`);
    const end = this.historyEnd(view);
    const key = this.keyOf(end);
    const cached = this.leaderCache.get(view);
    if (cached !== undefined && cached.key === key) return cached.leader;
    if (this.isStale(view, end)) return this.remember(view, key, view % this.options.validatorCount);
    const { weights, cumulative, total, top } = this.weightsOf(end, key);
    assert(total > 0, "the total weight is positive (every weight is at least 1)");
    const seed = sha256(concatBytes(SEED_DOMAIN, u64(view)));
    const draw = Number(new DataView(seed.buffer, seed.byteOffset, 8).getBigUint64(0, true) % BigInt(total));
    let drawn = 0;
    while (cumulative[drawn]! <= draw) drawn++;
    assert(drawn < this.options.validatorCount, "the draw falls on a validator");
    // A draw in the top tier goes to the top tier's turn in round-robin order; a draw below it stands.
    const leader = weights[drawn] === weights[top[0]!] ? top[view % top.length]! : drawn;
    return this.remember(view, key, leader);
  }

  /** True when the draw for `view` falls back to round-robin: no block of its last `staleViews` views is committed, or its history was lost (see the file comment). */
  isStale(view: number, end = this.historyEnd(view)): boolean {
    const target = view - this.options.exclude;
    // Before any block, the history ends at genesis (view 0); after a restart of the history, below its first block it is unknown.
    const newest = end >= this.first ? this.records[end]!.view : this.generation === 0 ? 0 : Number.NEGATIVE_INFINITY;
    return target - newest >= this.options.staleViews;
  }

  private remember(view: number, key: string, leader: number): number {
    if (this.leaderCache.size >= CACHE_ENTRIES_MAX) this.leaderCache.clear();
    this.leaderCache.set(view, { key, leader });
    return leader;
  }

  /**
   * The weight of each validator (by index) in the draw for `view`
   * (introspection: tests, reports).
   * @throws RangeError when `view` is not a safe non-negative integer
   */
  weights(view: number): readonly number[] {
    if (!Number.isSafeInteger(view) || view < 0) throw new RangeError(`a view is a non-negative integer, got ${view}`);
    const end = this.historyEnd(view);
    return this.weightsOf(end, this.keyOf(end)).weights;
  }

  /**
   * Takes in a committed block (heights in order). A block that does not
   * follow the last one told (the first block of a chain restored from a
   * peer's snapshot, whose ancestors this replica never had) starts the
   * history anew at that block: its own failed proposers are not counted
   * (they depend on the history below it), and until the window refills this
   * replica may disagree with its peers about leaders (liveness only). So
   * does a block whose view is not above the last one's, which only a
   * byzantine quorum could have certified.
   */
  onCommit(block: Block): void {
    assert(block.height > this.lastHeight, "committed blocks are told in height order, once each");
    const last = this.records.length > this.first ? this.records[this.records.length - 1]! : undefined;
    const follows = block.height === this.lastHeight + 1 && (last === undefined || block.view > last.view);
    if (!follows) {
      this.records = [];
      this.first = 0;
      this.generation++;
      this.weightCache.clear();
      this.leaderCache.clear();
    }
    const n = this.options.validatorCount;
    const failed: number[] = [];
    if (follows) {
      // The leader of justify.view + 1 formed the QC this block carries: charge the views after it.
      const from = Math.max(block.justify.view + 2, block.view - FAILED_PROPOSERS_PER_BLOCK_MAX);
      for (let view = from; view < block.view; view++) failed.push(this.leaderOf(view));
    }
    assert(failed.length <= FAILED_PROPOSERS_PER_BLOCK_MAX, "failed proposers per block are bounded");
    const proposer = Number.isSafeInteger(block.proposer) && block.proposer >= 0 && block.proposer < n ? block.proposer : -1;
    this.records.push({ height: block.height, view: block.view, proposer, failed });
    this.lastHeight = block.height;
    if (this.records.length - this.first > this.keep) this.first = this.records.length - this.keep;
    if (this.first > this.keep) {
      this.records = this.records.slice(this.first);
      this.first = 0;
    }
    assert(this.records.length - this.first <= this.keep, "the history kept is bounded");
  }

  /** Committed blocks held (introspection: the bound on what the election keeps). */
  get historyLength(): number {
    return this.records.length - this.first;
  }

  /** Index in `records` of the last block whose view is at most `view - exclude`, or first - 1. */
  private historyEnd(view: number): number {
    const target = view - this.options.exclude;
    let low = this.first;
    let high = this.records.length - 1;
    let end = this.first - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (this.records[mid]!.view <= target) {
        end = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return end;
  }

  /** Names the history that ends at `records[end]` (its generation and last height), the key of both caches. */
  private keyOf(end: number): string {
    return `${this.generation}:${end >= this.first ? this.records[end]!.height : 0}`;
  }

  /** The weights of the history that ends at `records[end]` (named `key`). */
  private weightsOf(end: number, key: string): Weights {
    const cached = this.weightCache.get(key);
    if (cached !== undefined) return cached;
    const { validatorCount: n, proposerWindow, activeWeight, failedWeight, failureThresholdPercent } = this.options;
    const proposals = new Array<number>(n).fill(0);
    const failures = new Array<number>(n).fill(0);
    /** Whether each validator's last turn in the window (newest first) failed; undefined: no turn yet. */
    const lastTurnFailed = new Array<boolean | undefined>(n).fill(undefined);
    for (let i = end; i >= Math.max(this.first, end - proposerWindow + 1); i--) {
      const record = this.records[i]!;
      // Within a block, its failed proposers' views come before its own view.
      if (record.proposer >= 0) {
        proposals[record.proposer]!++;
        lastTurnFailed[record.proposer] ??= false;
      }
      for (let k = record.failed.length - 1; k >= 0; k--) {
        const index = record.failed[k]!;
        failures[index]!++;
        lastTurnFailed[index] ??= true;
      }
    }
    const weights: number[] = [];
    const cumulative: number[] = [];
    let total = 0;
    for (let i = 0; i < n; i++) {
      const turns = proposals[i]! + failures[i]!;
      const failing = lastTurnFailed[i] === true || failures[i]! * 100 > turns * failureThresholdPercent;
      const weight = failing ? failedWeight : activeWeight;
      weights.push(weight);
      total += weight;
      cumulative.push(total);
    }
    const highest = Math.max(...weights);
    const top = all(n).filter((i) => weights[i] === highest);
    assert(top.length > 0, "the top tier has a validator");
    const result = { weights, cumulative, total, top };
    if (this.weightCache.size >= CACHE_ENTRIES_MAX) this.weightCache.clear();
    this.weightCache.set(key, result);
    return result;
  }
}

/**
 * A leader reputation election (see {@link LeaderReputation}).
 * @throws RangeError when an option is out of range
 */
export function leaderReputation(options: ReputationOptions): LeaderElection {
  return new LeaderReputation(options);
}

function all(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new RangeError(`leader reputation: ${name} must be an integer in ${min}..${max}, got ${value}`);
}
