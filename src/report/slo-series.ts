/**
 * The SLO series of a run, over virtual time, for the report's plots (DESIGN.md,
 * "Observability"; the project's seed 000 section 6 asks for SLO graphs of the
 * p50/p95 block interval, TPS and the reorg window): block interval p50 and
 * p95, committed TPS, transaction commit latency p50 and p95, reorg depth, L1
 * batch latency and root divergences. Each is computed from node events only,
 * with the same definitions as the run's metrics (`systems/validators/metrics.ts`):
 * a block's time is the first commit of its height by any validator, a
 * transaction's latency runs from its first submission to that commit, a reorg's
 * depth is how many blocks an honest validator's head rolled back.
 */
import type { Observation } from "../check/checker.js";
import { POSTING_EVENTS } from "../systems/posting/events.js";
import { VALIDATOR_EVENTS } from "../systems/validators/events.js";
import { BlockGraph } from "../check/validators/block-graph.js";
import { sha256, toHex } from "../crypto/hash.js";
import { decodeBlockPayload } from "../sequencer/block-payload.js";
import { percentile } from "../systems/validators/metrics.js";

/** One plotted series: x in seconds of virtual time, one or more y columns (null: no value there). */
export interface Series {
  /** The plot's title. */
  readonly title: string;
  /** Unit of the y values (`ms`, `tx/s`, `blocks`, `count`). */
  readonly unit: string;
  /** Names of the y columns (`p50`, `p95`...). */
  readonly columns: readonly string[];
  /** Seconds of virtual time. */
  readonly x: readonly number[];
  /** One array per column, as long as `x`. */
  readonly y: readonly (readonly (number | null)[])[];
}

/** Every series of a run, and the ones the run has no data for. */
export interface SloSeries {
  readonly series: readonly Series[];
  /** Titles of the series left out for want of events (`L1 batch latency` in a run without the L1...). */
  readonly noData: readonly string[];
  /** Width of one bucket, microseconds. */
  readonly bucketUs: number;
}

/** Folds observations into {@link SloSeries}; {@link finish} once at the end. */
export class SloRecorder {
  private readonly firstCommitAt = new Map<number, number>();
  private readonly blockTxs: { timeUs: number; txs: number }[] = [];
  private readonly submittedAt = new Map<string, number>();
  private readonly latencies: { timeUs: number; us: number }[] = [];
  private readonly graph = new BlockGraph();
  private readonly heads = new Map<string, string>();
  private readonly reorgs: { timeUs: number; depth: number }[] = [];
  private readonly l1Latencies: { timeUs: number; us: number }[] = [];
  private readonly divergences: number[] = [];

  /**
   * @param validators every validator instance (the first commit of a height by one of them times the block)
   * @param honest the honest validators (whose head rollbacks are reorgs)
   */
  constructor(
    private readonly validators: ReadonlySet<string>,
    private readonly honest: ReadonlySet<string>,
  ) {}

  /** Takes one observation, in time order (commits, submissions, blocks, heads, boots, root divergences, L1 finalizations; the rest is ignored). */
  observe(o: Observation): void {
    if (POSTING_EVENTS.is(o, "l1-root-finalized")) {
      const committed = this.firstCommitAt.get(o.fields.l2Height);
      if (committed !== undefined && o.fields.root !== "missing") this.l1Latencies.push({ timeUs: o.timeUs, us: o.timeUs - committed });
      if (o.fields.misplaced !== undefined) this.divergences.push(o.timeUs);
      return;
    }
    if (!VALIDATOR_EVENTS.is(o, "commit", "submit", "block", "boot", "head", "root-divergence")) return;
    switch (o.event) {
      case "commit":
        if (this.validators.has(o.node) && !this.firstCommitAt.has(o.fields.height)) {
          this.firstCommitAt.set(o.fields.height, o.timeUs);
          this.committed(o.fields.payload, o.timeUs);
        }
        return;
      case "submit":
        if (!this.submittedAt.has(o.fields.txId)) this.submittedAt.set(o.fields.txId, o.timeUs);
        return;
      case "block":
        this.graph.add(o.fields.hash, o.fields.parent, o.fields.height);
        return;
      case "boot":
        this.heads.delete(o.node);
        return;
      case "head": {
        if (!this.honest.has(o.node)) return;
        const previous = this.heads.get(o.node);
        this.heads.set(o.node, o.fields.hash);
        if (previous === undefined) return;
        const depth = this.graph.rollbackDepth(previous, o.fields.hash);
        if (depth > 0) this.reorgs.push({ timeUs: o.timeUs, depth });
        return;
      }
      case "root-divergence":
        this.divergences.push(o.timeUs);
        return;
    }
  }

  private committed(payload: Uint8Array, timeUs: number): void {
    let txs: readonly Uint8Array[];
    try {
      txs = decodeBlockPayload(payload).txs;
    } catch {
      return; // the validity checker reports it
    }
    this.blockTxs.push({ timeUs, txs: txs.length });
    for (const raw of txs) {
      const id = toHex(sha256(raw));
      const submitted = this.submittedAt.get(id);
      if (submitted === undefined) continue;
      this.latencies.push({ timeUs, us: timeUs - submitted });
      this.submittedAt.delete(id);
    }
  }

  /**
   * The series of a run that simulated `endUs`: buckets of `endUs / 120` rounded up to a whole
   * 100 ms (at least 100 ms); percentiles over the trailing five buckets, so a plot is smooth
   * enough to read and still shows a fault's effect where it happens (TPS too: committed
   * transactions over the trailing five buckets, so blocks slower than a bucket do not saw-tooth).
   */
  finish(endUs: number): SloSeries {
    const bucketUs = Math.max(100_000, Math.ceil(endUs / 120 / 100_000) * 100_000);
    const buckets = Math.max(1, Math.ceil(endUs / bucketUs));
    const x = Array.from({ length: buckets }, (_, i) => ((i + 1) * bucketUs) / 1e6);
    const bucketOf = (timeUs: number): number => Math.min(buckets - 1, Math.floor(timeUs / bucketUs));
    const trailing = 5;
    /** p50 and p95 (ms) of the samples in the trailing buckets of each bucket. */
    const percentileColumns = (samples: readonly { timeUs: number; us: number }[]): [(number | null)[], (number | null)[]] => {
      const per: number[][] = Array.from({ length: buckets }, () => []);
      for (const s of samples) per[bucketOf(s.timeUs)]!.push(s.us);
      const p50: (number | null)[] = [];
      const p95: (number | null)[] = [];
      for (let b = 0; b < buckets; b++) {
        const window = per.slice(Math.max(0, b - trailing + 1), b + 1).flat().sort((p, q) => p - q);
        p50.push(window.length === 0 ? null : percentile(window, 50)! / 1000);
        p95.push(window.length === 0 ? null : percentile(window, 95)! / 1000);
      }
      return [p50, p95];
    };
    const series: Series[] = [];
    const noData: string[] = [];
    const add = (title: string, unit: string, columns: string[], y: (number | null)[][], has: boolean): void => {
      if (has) series.push({ title, unit, columns, x, y });
      else noData.push(title);
    };

    const heights = [...this.firstCommitAt.keys()].sort((a, b) => a - b);
    const intervals: { timeUs: number; us: number }[] = [];
    for (let i = 1; i < heights.length; i++) {
      if (heights[i] !== heights[i - 1]! + 1) continue;
      const at = this.firstCommitAt.get(heights[i]!)!;
      intervals.push({ timeUs: at, us: at - this.firstCommitAt.get(heights[i - 1]!)! });
    }
    add("Block interval", "ms", ["p50", "p95"], percentileColumns(intervals), intervals.length > 0);

    const txs = new Array<number>(buckets).fill(0);
    for (const b of this.blockTxs) txs[bucketOf(b.timeUs)]! += b.txs;
    const committedTxs = this.blockTxs.reduce((sum, b) => sum + b.txs, 0);
    const tps = txs.map((_n, b) => {
      const window = txs.slice(Math.max(0, b - trailing + 1), b + 1);
      return Math.round((window.reduce((sum, n) => sum + n, 0) / (window.length * bucketUs)) * 1e6 * 10) / 10;
    });
    add("Committed TPS", "tx/s", ["tps"], [tps], committedTxs > 0);

    add("Commit latency (submit to first commit)", "ms", ["p50", "p95"], percentileColumns(this.latencies), this.latencies.length > 0);

    const depth = new Array<number>(buckets).fill(0);
    for (const r of this.reorgs) depth[bucketOf(r.timeUs)] = Math.max(depth[bucketOf(r.timeUs)]!, r.depth);
    add("Reorg depth (deepest head rollback)", "blocks", ["depth"], [depth], this.heads.size > 0 || this.reorgs.length > 0);

    add("L1 batch latency (first commit to L1 finalization)", "ms", ["p50", "p95"], percentileColumns(this.l1Latencies), this.l1Latencies.length > 0);

    const divergence = new Array<number>(buckets).fill(0);
    for (const t of this.divergences) divergence[bucketOf(t)]!++;
    let cumulative = 0;
    add("Root divergences (cumulative)", "count", ["divergences"], [divergence.map((n) => (cumulative += n))], this.firstCommitAt.size > 0);
    return { series, noData, bucketUs };
  }
}
