/**
 * Reference ledger: the committed chain, re-executed from the genesis on a
 * reference model of the AssetVM written from the specification
 * (`check/models/ledger-model.ts`, which shares no code with `src/vm/`), gives
 * what every honest validator reports. Root agreement and conservation
 * compare the VM with itself, so a bug every validator shares (a wrong fee,
 * a wrong amount, wrong pool pricing) passes them; this checker does not.
 *
 * What is compared:
 * - every transaction of the first honest commit of each height (its
 *   `commit` payload) must be admissible on the model (nonce, fee payable,
 *   shape; signatures are validity's business);
 * - each honest validator's `state-root` report of a height (every report,
 *   not only the first; paired with the `commit` the node logs right after
 *   it, and judged only when that commit is of the block the model executed:
 *   a different block is agreement's business, and that node is then left
 *   out here, its end audit too) against the model's outcome of that block: the
 *   number of transactions, the number of failed transactions per VM error
 *   code, the net supply change per asset (fees burned, minted, burned) and
 *   every swap's pool and k before and after, in order. The validators do
 *   not log per-transaction outcomes, so a block where two transactions swap
 *   their error codes passes this comparison (the end audit still sees any
 *   difference of state);
 * - at the end, the committed ledger of every running honest validator
 *   (through `audit`, sim-only introspection) against the model at that
 *   validator's height: every nonce, balance, asset (decimals, mint
 *   authority, supply), pool (reserves, total shares, fee) and share holding.
 *   The model keeps its snapshots of the last {@link SNAPSHOT_HEIGHTS}
 *   heights; a validator further behind is not audited (counted).
 */
import { assert } from "../../sim/assert.js";
import type { NodeId } from "../../sim/node.js";
import { VALIDATOR_EVENTS } from "../../systems/validators/events.js";
import type { Genesis } from "../../vm/genesis.js";
import { safetyVerdict, type Checker, type HonestValidators, type InvariantResult, type Observation, type Violation } from "../checker.js";
import { CommittedPayloads } from "./committed-payloads.js";
import { diffSnapshots, LedgerModel, type LedgerSnapshot } from "../models/ledger-model.js";

/** Heights of model snapshots kept for the end audit (validators that far behind the highest commit are not audited). */
export const SNAPSHOT_HEIGHTS = 16;

/** Heights whose outcome the reference-ledger checker also keeps as objects (reports of older heights parse the JSON). */
const RECENT_SUMMARIES = 16;

/** One validator's committed ledger, for the end audit. */
export interface LedgerAudit {
  readonly node: NodeId;
  /** Its committed height. */
  readonly height: number;
  readonly ledger: LedgerSnapshot;
}

/** A block's outcome as `state-root` reports it (amounts as decimal strings). */
interface BlockSummary {
  readonly txs: number;
  readonly failed: Readonly<Record<string, number>>;
  readonly supplyDelta: Readonly<Record<string, string>>;
  readonly swaps: readonly { readonly pool: string; readonly kBefore: string; readonly kAfter: string }[];
}

/** A `state-root` report waiting for its node's `commit` (which names the block). */
interface PendingReport {
  readonly node: NodeId;
  readonly height: number;
  readonly timeUs: number;
  readonly summary: BlockSummary;
}

/** Checks the committed chain against the reference model (see the file comment). */
export class ReferenceLedgerChecker implements Checker {
  readonly name = "reference-ledger";
  readonly kind = "safety" as const;
  private readonly model: LedgerModel;
  /** Height the model has executed. */
  private height = 0;
  /** Why the model stopped following the chain (a height skipped, a payload that does not decode). */
  private stoppedBecause: string | undefined;
  /**
   * The hash of the block the model executed at each height (index `height - 1`; the model executes 1, 2, 3...
   * in order), and the model's outcome of it as JSON (a {@link BlockSummary}: about half the memory of the
   * objects, read back only to compare a report).
   */
  private readonly expectedHashes: string[] = [];
  private readonly expectedSummaries: string[] = [];
  /** The outcomes of the last {@link RECENT_SUMMARIES} heights as objects too (most reports are of a recent height: no parsing). */
  private readonly recentSummaries = new Map<number, BlockSummary>();
  /** Each honest node's last `state-root` report, until its `commit`. */
  private readonly reports = new Map<NodeId, PendingReport>();
  /** Honest nodes seen committing a block other than the one the model executed at some height. */
  private readonly otherBlocks = new Set<NodeId>();
  private readonly snapshots = new Map<number, LedgerSnapshot>();
  private transactions = 0;
  private failedTransactions = 0;
  private reportsCompared = 0;
  private violation: Violation | undefined;

  /**
   * @param genesis the rollup's genesis
   * @param audit reads every running validator's committed ledger (called once, at the end)
   * @param honest the honest validator instances (the only ones read and audited)
   * @param payloads the decoding of committed payloads this checker shares with the other observers of the rollup (its own by default)
   */
  constructor(
    genesis: Genesis,
    private readonly audit: () => LedgerAudit[],
    private readonly honest: HonestValidators,
    private readonly payloads: CommittedPayloads = new CommittedPayloads(),
  ) {
    this.model = LedgerModel.fromGenesis(genesis);
    this.snapshots.set(0, this.model.snapshot());
  }

  observe(o: Observation): Violation | undefined {
    if (VALIDATOR_EVENTS.is(o, "state-root")) {
      // Logged just before the same node's `commit` of that height, which says which block it was.
      if (!this.honest.has(o.node) || o.fields.root === "unexecutable") return undefined;
      const { height, txs, failed = {}, supplyDelta = {}, swaps = [] } = o.fields;
      this.reports.set(o.node, { node: o.node, height, timeUs: o.timeUs, summary: { txs, failed, supplyDelta, swaps } });
      return undefined;
    }
    if (!VALIDATOR_EVENTS.is(o, "commit") || !this.honest.has(o.node)) return undefined;
    const { height, hash, payload } = o.fields;
    if (height === this.height + 1 && this.stoppedBecause === undefined) {
      const violation = this.execute(height, hash, payload, o.timeUs);
      if (violation !== undefined) return violation;
    } else if (height > this.height + 1 && this.stoppedBecause === undefined) {
      // Only possible when every honest commit of a height went unlogged (a snapshot from a byzantine peer).
      this.stoppedBecause = `height ${this.height + 1} never seen committed`;
    }
    const expectedHash = height >= 1 ? this.expectedHashes[height - 1] : undefined;
    // A node on another block at this height is agreement's business: neither its reports nor its ledger are judged here.
    if (expectedHash !== undefined && expectedHash !== hash) this.otherBlocks.add(o.node);
    const report = this.reports.get(o.node);
    if (report === undefined || report.height !== height) return undefined;
    this.reports.delete(o.node);
    if (expectedHash !== hash || this.otherBlocks.has(o.node)) return undefined;
    return this.compare(height, report);
  }

  finish(endUs: number): InvariantResult {
    let audited = 0;
    let tooFarBehind = 0;
    if (this.violation === undefined) {
      for (const { node, height, ledger } of this.audit()) {
        if (!this.honest.has(node) || this.otherBlocks.has(node)) continue;
        const reference = this.snapshots.get(height);
        if (reference === undefined) {
          tooFarBehind++;
          continue;
        }
        audited++;
        const differences = diffSnapshots(reference, ledger);
        if (differences.length > 0) {
          this.fail(endUs, `${node} at height ${height}: its ledger differs from the reference model: ${differences.join("; ")}`);
          break;
        }
      }
    }
    const figures = {
      heightsExecuted: this.height,
      transactionsExecuted: this.transactions,
      transactionsFailed: this.failedTransactions,
      reportsCompared: this.reportsCompared,
      validatorsAudited: audited,
      validatorsNotAudited: tooFarBehind,
      validatorsOnOtherBlocks: this.otherBlocks.size,
      modelStopped: this.stoppedBecause ?? null,
    };
    return safetyVerdict(this.name, figures, this.violation);
  }

  /** Runs the block of `height` (the first honest commit of it) on the model. */
  private execute(height: number, hash: string, payload: Uint8Array, timeUs: number): Violation | undefined {
    const block = this.payloads.decode(payload);
    if (!block.ok) {
      this.stoppedBecause = `height ${height}: payload does not decode (validity reports it)`;
      return undefined;
    }
    const txs = block.txs;
    const failed: Record<string, number> = {};
    const delta = new Map<string, bigint>();
    const swaps: { pool: string; kBefore: string; kAfter: string }[] = [];
    for (const [i, { tx, id }] of txs.entries()) {
      if (tx === undefined) {
        this.stoppedBecause = `height ${height}: transaction ${i} does not decode (validity reports it)`;
        return undefined;
      }
      const refused = this.model.admission(tx);
      if (refused !== undefined) {
        return this.fail(timeUs, `height ${height}: transaction ${i} (${id.slice(0, 16)}) is inadmissible on the reference model (${refused}) but was committed`);
      }
      const outcome = this.model.apply(tx);
      this.transactions++;
      if (outcome.status !== "ok") {
        this.failedTransactions++;
        failed[outcome.status] = (failed[outcome.status] ?? 0) + 1;
      }
      for (const [asset, d] of outcome.supplyDelta) delta.set(asset, (delta.get(asset) ?? 0n) + d);
      for (const s of outcome.swaps) swaps.push({ pool: s.pool, kBefore: s.kBefore.toString(), kAfter: s.kAfter.toString() });
    }
    const supplyDelta: Record<string, string> = {};
    for (const [asset, d] of delta) if (d !== 0n) supplyDelta[asset] = d.toString();
    this.height = height;
    const summary: BlockSummary = { txs: txs.length, failed, supplyDelta, swaps };
    assert(this.expectedHashes.length === height - 1, `reference-ledger: outcome of height ${height} recorded after ${this.expectedHashes.length} heights`);
    this.expectedHashes.push(hash);
    this.expectedSummaries.push(JSON.stringify(summary));
    this.recentSummaries.set(height, summary);
    this.recentSummaries.delete(height - RECENT_SUMMARIES);
    this.snapshots.set(height, this.model.snapshot());
    this.snapshots.delete(height - SNAPSHOT_HEIGHTS);
    return undefined;
  }

  private compare(height: number, report: PendingReport): Violation | undefined {
    this.reportsCompared++;
    const want = this.recentSummaries.get(height) ?? (JSON.parse(this.expectedSummaries[height - 1]!) as BlockSummary);
    const got = report.summary;
    const where = `${report.node} at height ${height}`;
    if (got.txs !== want.txs) return this.fail(report.timeUs, `${where}: executed ${got.txs} transactions, the block has ${want.txs}`);
    const failed = differentRecords(want.failed, got.failed);
    if (failed !== undefined) return this.fail(report.timeUs, `${where}: failed transactions by error code ${failed}`);
    const supply = differentRecords(want.supplyDelta, got.supplyDelta);
    if (supply !== undefined) return this.fail(report.timeUs, `${where}: supply change per asset ${supply}`);
    for (let i = 0; i < Math.max(want.swaps.length, got.swaps.length); i++) {
      const w = want.swaps[i];
      const g = got.swaps[i];
      if (w === undefined || g === undefined || w.pool !== g.pool || w.kBefore !== g.kBefore || w.kAfter !== g.kAfter) {
        return this.fail(report.timeUs, `${where}: swap ${i} is ${JSON.stringify(g ?? null)}, the reference model's is ${JSON.stringify(w ?? null)}`);
      }
    }
    return undefined;
  }

  private fail(atUs: number, message: string): Violation {
    this.violation ??= { invariant: this.name, atUs, message };
    return this.violation;
  }
}

/** "reference {...}, validator {...}" when two records differ, else undefined. */
function differentRecords(want: Readonly<Record<string, number | string>>, got: Readonly<Record<string, number | string>>): string | undefined {
  const keys = new Set([...Object.keys(want), ...Object.keys(got)]);
  for (const key of keys) {
    if (want[key] !== got[key]) return `reference ${JSON.stringify(want)}, validator ${JSON.stringify(got)}`;
  }
  return undefined;
}
