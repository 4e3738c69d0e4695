/**
 * Run metrics gathered from node events: what the summary and the JSON
 * report print besides the invariants.
 */
import type { Observation } from "../../check/checker.js";
import { CommittedPayloads } from "../../check/validators/committed-payloads.js";
import type { NodeId } from "../../sim/node.js";
import { VALIDATOR_EVENTS, type ValidatorEvent } from "./events.js";

/** p50/p95/p99 of a sample, microseconds (null when the sample is empty). */
export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** Execution figures of one run. */
export interface ExecutionMetrics {
  /** Transactions committed per simulated second, over the whole run. */
  committedTps: number;
  /** Submit (first submission by the client) to first commit by any validator, microseconds. */
  latencyUs: Percentiles;
  /** Time between the first commits of consecutive heights, microseconds. */
  blockIntervalUs: Percentiles;
  /** Mempool depth of validators at their commits: the largest and the mean. */
  mempoolDepthMax: number;
  mempoolDepthMean: number;
  /** Transactions a validator refused at its mempool, by reason (bad-signature, nonce-too-low, duplicate...). */
  rejected: Record<string, number>;
  /** Committed transactions whose instructions failed, by VM error code (the fee was charged). */
  failed: Record<string, number>;
  /** Proposals whose state root a validator computed differently (logged `root-divergence`). */
  rootDivergences: number;
  /** Executed blocks of abandoned forks rolled back. */
  rollbacks: number;
}

/** Counters of one run. */
export interface ConsensusMetrics {
  /** Highest height committed by any validator (blocks in the chain). */
  commits: number;
  /** Highest view any validator entered. */
  views: number;
  /** View timeouts (first expiry of a view at a validator; re-sends not counted). */
  timeouts: number;
  /** Distinct views ended by a timeout certificate. */
  timeoutCertificates: number;
  /** Blocks proposed. */
  proposals: number;
  /** Votes sent. */
  votes: number;
  /** Messages a validator refused (bad signature, wrong sender, malformed bytes...). */
  rejectedMessages: number;
  /** Transactions submitted by clients (each submission, including deliberately invalid ones) and committed in the chain. */
  transactionsSubmitted: number;
  transactionsCommitted: number;
  /** Validator boots after a crash. */
  restarts: number;
  execution: ExecutionMetrics;
}

/** The `p`-th percentile (nearest rank) of an ascending sample. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** p50/p95/p99 of a sample (nearest rank). */
export function percentiles(sample: number[]): Percentiles {
  const sorted = sample.slice().sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}

/** Accumulates {@link ConsensusMetrics} from observations; call {@link finish} once at the end. */
export class MetricsCollector {
  /**
   * @param trackL1 keep submit times until the L1 finalizes their roots (for the posting system's batch latency: {@link takeSubmitTimesThrough})
   * @param validators the node ids of every validator instance (twins and byzantine ones included): the first commit of a height by one of them times the block
   * @param payloads the decoding of committed payloads shared with the rollup's checkers (its own by default)
   */
  constructor(
    private readonly trackL1: boolean,
    private readonly validators: ReadonlySet<NodeId>,
    private readonly payloads: CommittedPayloads = new CommittedPayloads(),
  ) {}

  readonly metrics: ConsensusMetrics = {
    commits: 0,
    views: 0,
    timeouts: 0,
    timeoutCertificates: 0,
    proposals: 0,
    votes: 0,
    rejectedMessages: 0,
    transactionsSubmitted: 0,
    transactionsCommitted: 0,
    restarts: 0,
    execution: {
      committedTps: 0,
      latencyUs: { p50: null, p95: null, p99: null },
      blockIntervalUs: { p50: null, p95: null, p99: null },
      mempoolDepthMax: 0,
      mempoolDepthMean: 0,
      rejected: {},
      failed: {},
      rootDivergences: 0,
      rollbacks: 0,
    },
  };
  /** Submit times of committed transactions whose root is not finalized on L1 yet, by L2 height (kept when `trackL1`). */
  private readonly awaitingL1 = new Map<number, number[]>();
  private readonly tcViews = new Set<number>();
  private readonly booted = new Set<string>();
  private readonly submittedAt = new Map<string, number>();
  private readonly firstCommitAt = new Map<number, number>();
  private readonly rootsSeen = new Set<number>();
  private readonly latencies: number[] = [];
  private depthSum = 0;
  private depthCount = 0;

  observe(o: Observation): void {
    if (VALIDATOR_EVENTS.is(o)) this.observeValidators(o);
  }

  /**
   * The submit times of the committed transactions of every height up to
   * `l2Height`, forgotten once handed out (the posting system's batch latency:
   * a root finalized on L1 at `l2Height` settles them all).
   */
  takeSubmitTimesThrough(l2Height: number): number[] {
    const out: number[] = [];
    for (const [height, submits] of this.awaitingL1) {
      if (height > l2Height) continue;
      out.push(...submits);
      this.awaitingL1.delete(height);
    }
    return out;
  }

  private observeValidators(o: ValidatorEvent): void {
    const m = this.metrics;
    const x = m.execution;
    switch (o.event) {
      case "commit": {
        const height = o.fields.height;
        if (height > m.commits) m.commits = height;
        if (this.validators.has(o.node) && !this.firstCommitAt.has(height)) {
          this.firstCommitAt.set(height, o.timeUs);
          this.observeCommittedPayload(o.fields.payload, o.timeUs);
        }
        break;
      }
      case "state-root": {
        const height = o.fields.height;
        const depth = o.fields.mempool;
        if (depth !== undefined) {
          x.mempoolDepthMax = Math.max(x.mempoolDepthMax, depth);
          this.depthSum += depth;
          this.depthCount++;
        }
        if (!this.rootsSeen.has(height)) {
          this.rootsSeen.add(height);
          for (const [code, n] of Object.entries(o.fields.failed ?? {})) x.failed[code] = (x.failed[code] ?? 0) + n;
        }
        break;
      }
      case "tx-rejected": {
        const reason = o.fields.reason;
        x.rejected[reason] = (x.rejected[reason] ?? 0) + 1;
        break;
      }
      case "root-divergence":
        x.rootDivergences++;
        break;
      case "rollback":
        x.rollbacks++;
        break;
      case "view":
        m.views = Math.max(m.views, o.fields.view);
        break;
      case "timeout":
        m.timeouts++;
        break;
      case "tc":
        this.tcViews.add(o.fields.view);
        m.timeoutCertificates = this.tcViews.size;
        break;
      case "propose":
        m.proposals++;
        break;
      case "vote":
        m.votes++;
        break;
      case "reject":
      case "malformed":
        m.rejectedMessages++;
        break;
      case "submit":
        m.transactionsSubmitted++;
        if (!this.submittedAt.has(o.fields.txId)) this.submittedAt.set(o.fields.txId, o.timeUs);
        break;
      case "boot":
        if (this.booted.has(o.node)) m.restarts++;
        this.booted.add(o.node);
        break;
    }
  }

  private observeCommittedPayload(payload: Uint8Array, timeUs: number): void {
    const block = this.payloads.decode(payload);
    if (!block.ok) return; // the validity checker reports it
    this.metrics.transactionsCommitted += block.txs.length;
    const submits: number[] = [];
    for (const { id } of block.txs) {
      const submitted = this.submittedAt.get(id);
      if (submitted !== undefined) {
        this.latencies.push(timeUs - submitted);
        submits.push(submitted);
        this.submittedAt.delete(id);
      }
    }
    if (submits.length > 0 && this.trackL1) this.awaitingL1.set(block.height, submits);
  }

  /** Computes the derived figures for a run that simulated `durationUs`. */
  finish(durationUs: number): ConsensusMetrics {
    const x = this.metrics.execution;
    x.committedTps = durationUs > 0 ? Math.round((this.metrics.transactionsCommitted / durationUs) * 1e6 * 10) / 10 : 0;
    x.latencyUs = percentiles(this.latencies);
    const heights = [...this.firstCommitAt.keys()].sort((a, b) => a - b);
    const intervals: number[] = [];
    for (let i = 1; i < heights.length; i++) {
      if (heights[i] === heights[i - 1]! + 1) intervals.push(this.firstCommitAt.get(heights[i]!)! - this.firstCommitAt.get(heights[i - 1]!)!);
    }
    x.blockIntervalUs = percentiles(intervals);
    x.mempoolDepthMean = this.depthCount > 0 ? Math.round(this.depthSum / this.depthCount) : 0;
    return this.metrics;
  }
}
