/**
 * Run metrics gathered from node events: what the summary and the JSON
 * report print besides the invariants.
 */
import type { Observation } from "../check/checker.js";

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
  /** Transactions submitted by clients and committed in the chain. */
  transactionsSubmitted: number;
  transactionsCommitted: number;
  /** Validator boots after a crash. */
  restarts: number;
}

/** Accumulates {@link ConsensusMetrics} from observations. */
export class MetricsCollector {
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
  };
  private readonly tcViews = new Set<number>();
  private readonly booted = new Set<string>();

  observe(o: Observation): void {
    const m = this.metrics;
    switch (o.event) {
      case "commit": {
        const height = o.fields.height as number;
        if (height > m.commits) m.commits = height;
        break;
      }
      case "view":
        m.views = Math.max(m.views, o.fields.view as number);
        break;
      case "timeout":
        m.timeouts++;
        break;
      case "tc":
        this.tcViews.add(o.fields.view as number);
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
        break;
      case "boot":
        if (this.booted.has(o.node)) m.restarts++;
        this.booted.add(o.node);
        break;
    }
  }
}
