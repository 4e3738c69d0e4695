/**
 * A replica of the L2 state that executes committed blocks in height order
 * with the AssetVM and records, per block, what optimistic settlement
 * commits to (docs/fraud-proofs.md "Dispute game"): the encoded
 * transactions (data commitment) and the state roots S_0 (before the block)
 * .. S_n (after transaction n), the trace. The optimistic poster posts from
 * it; a challenger re-executes posted batches with it. Batch h = L2 block h.
 *
 * Per-transaction roots: each transaction runs in its own version over the
 * previous one (`LedgerState.begin` / `BlockWriter.finish`), whose tree root
 * is S_i; the block is then executed and committed as validators do
 * (`executeBlock`), and S_n must equal its root. Sans-IO and deterministic.
 *
 * Batches of K blocks (`blocksPerBatch`, the section's `batchEveryBlocks`):
 * batch b holds L2 blocks (b - 1) K + 1 .. b K; its transactions are theirs
 * in order and its trace is S_0 (the state before its first block) followed by
 * every per-transaction root of every block, so its S_n is the root of L2
 * height b K (what the registry would carry for batch b in posting mode).
 * With K = 1, batch h = L2 block h.
 */
import { batchDataRoot } from "../crypto/binary-merkle.js";
import type { Hash } from "../crypto/hash.js";
import { bytesEqual, toHex } from "../crypto/hash.js";
import type { SignatureScheme } from "../crypto/signature.js";
import { executeBlock, VerifiedTransactions } from "../sequencer/block-execution.js";
import { admissionError, executeTransaction } from "../vm/execute.js";
import { applyGenesis, type Genesis } from "../vm/genesis.js";
import { LedgerState, type StateLayer } from "../vm/ledger-state.js";
import { buildStepWitness, type StepWitness } from "./one-step-witness.js";
import { TraceTree } from "./trace-commitment.js";

/** What settlement commits to for one batch. */
export interface BatchTrace {
  readonly height: number;
  /** The batch's encoded transactions, in order. */
  readonly txs: readonly Uint8Array[];
  /** Binary Merkle root of `txs` (src/crypto/binary-merkle.ts). */
  readonly dataCommitment: Hash;
  /** S_0..S_n. */
  readonly trace: TraceTree;
}

/** A committed block that does not execute (it cannot come from honest validators). */
export class TraceLedgerError extends Error {
  override readonly name = "TraceLedgerError";
}

/** Executes committed blocks and keeps their traces (the last `keep` of them). */
export class TraceLedger {
  private readonly ledger = new LedgerState();
  private readonly verified: VerifiedTransactions;
  private readonly traces = new Map<number, BatchTrace>();
  /** Every applied block's transactions, by height - 1 (for {@link stepWitness}, which replays from genesis). */
  private readonly blocks: (readonly Uint8Array[])[] = [];
  /** The batch being filled: its transactions so far and S_0..S_i. */
  private open: { readonly txs: Uint8Array[]; readonly roots: Uint8Array[] } | undefined;

  /**
   * @param genesis the rollup's genesis (as its validators apply it)
   * @param scheme the run's signature scheme (transactions are checked as validators check them)
   * @param keep batch traces kept (older batches are forgotten; a dispute is over a recent batch)
   * @param blocksPerBatch K, L2 blocks per batch (>= 1)
   * @throws RangeError on an invalid genesis or K < 1
   */
  constructor(
    private readonly genesis: Genesis,
    private readonly scheme: SignatureScheme,
    private readonly keep = 256,
    private readonly blocksPerBatch = 1,
  ) {
    if (!Number.isSafeInteger(blocksPerBatch) || blocksPerBatch < 1) throw new RangeError(`TraceLedger: blocksPerBatch must be an integer >= 1, got ${blocksPerBatch}`);
    applyGenesis(this.ledger, genesis);
    this.verified = new VerifiedTransactions(scheme, 4096);
  }

  /** The height of the last block applied (0: genesis only). */
  get height(): number {
    return this.ledger.committed.height;
  }

  /** The state root after the last block applied. */
  get root(): Hash {
    return this.ledger.committed.root;
  }

  /** Complete batches applied: floor(height / K). */
  get batches(): number {
    return Math.floor(this.height / this.blocksPerBatch);
  }

  /** The trace of batch `batch` (its L2 blocks all applied), if still kept; `height` in it is the batch number. */
  trace(batch: number): BatchTrace | undefined {
    return this.traces.get(batch);
  }

  /**
   * Applies committed block `height` (= this.height + 1) with transactions `txs`;
   * returns the block's own trace (with K = 1 that is batch `height`'s).
   * The batch it completes, if any, is then {@link trace}'s.
   * @param expectedRoot the root validators committed at `height`, when known: checked against S_n
   * @throws RangeError when `height` is not the next one
   * @throws TraceLedgerError when the block does not execute, or S_n is not the block's root or `expectedRoot`
   */
  apply(height: number, txs: readonly Uint8Array[], expectedRoot?: Uint8Array): BatchTrace {
    if (height !== this.height + 1) throw new RangeError(`TraceLedger: block ${height} does not follow ${this.height}`);
    const base = this.ledger.committed;
    const roots: Uint8Array[] = [base.root];
    let layer: StateLayer = base;
    for (let i = 0; i < txs.length; i++) {
      const tx = this.verified.check(txs[i]!);
      if ("rejected" in tx) throw new TraceLedgerError(`block ${height} transaction ${i}: ${tx.rejected}`);
      const writer = this.ledger.begin(layer);
      const inadmissible = admissionError(writer, tx);
      if (inadmissible !== undefined) throw new TraceLedgerError(`block ${height} transaction ${i}: ${inadmissible}`);
      executeTransaction(writer, tx, tx.id);
      layer = writer.finish(height);
      roots.push(layer.root);
    }
    const block = executeBlock(this.ledger, base, height, txs, this.verified);
    if ("reason" in block) throw new TraceLedgerError(`block ${height} transaction ${block.index}: ${block.reason}`);
    if (!bytesEqual(block.layer.root, roots[roots.length - 1]!)) {
      throw new TraceLedgerError(`block ${height}: per-transaction execution ends at ${toHex(roots[roots.length - 1]!)}, the block at ${toHex(block.layer.root)}`);
    }
    if (expectedRoot !== undefined && !bytesEqual(expectedRoot, block.layer.root)) {
      throw new TraceLedgerError(`block ${height}: executes to ${toHex(block.layer.root)}, validators committed ${toHex(expectedRoot)}`);
    }
    this.ledger.commit(block.layer);
    this.blocks.push([...txs]);
    const trace: BatchTrace = { height, txs: [...txs], dataCommitment: batchDataRoot(txs), trace: new TraceTree(roots) };
    if (this.blocksPerBatch === 1) {
      this.traces.set(height, trace);
      this.traces.delete(height - this.keep);
      return trace;
    }
    const open = (this.open ??= { txs: [], roots: [roots[0]!] });
    open.txs.push(...txs);
    open.roots.push(...roots.slice(1));
    if (height % this.blocksPerBatch === 0) {
      const batch = height / this.blocksPerBatch;
      this.traces.set(batch, { height: batch, txs: open.txs, dataCommitment: batchDataRoot(open.txs), trace: new TraceTree(open.roots) });
      this.traces.delete(batch - this.keep);
      this.open = undefined;
    }
    return trace;
  }

  /**
   * The one-step witness of transaction `txIndex` (0-based) of complete batch
   * `batch` (with K = 1, block `batch`): the transaction is found in its L2
   * block, the state S_txIndex is rebuilt by replaying every block from
   * genesis (a dispute is rare; the replica keeps no old versions), then
   * `buildStepWitness` (one-step-witness.ts) runs the transaction on it.
   * Its `preRoot` is S_txIndex and its `postRoot` S_txIndex+1 of the batch's trace.
   * @throws RangeError when the batch or the transaction was not applied
   */
  stepWitness(batch: number, txIndex: number): StepWitness {
    if (!Number.isSafeInteger(batch) || batch < 1 || batch > this.batches || !Number.isSafeInteger(txIndex) || txIndex < 0) {
      throw new RangeError(`TraceLedger: no transaction ${txIndex} in an applied batch ${batch}`);
    }
    let height = (batch - 1) * this.blocksPerBatch + 1;
    let index = txIndex;
    while (height < batch * this.blocksPerBatch && index >= this.blocks[height - 1]!.length) index -= this.blocks[height - 1]!.length, height++;
    const txs = this.blocks[height - 1]!;
    if (index >= txs.length) throw new RangeError(`TraceLedger: no transaction ${txIndex} in an applied batch ${batch}`);
    txIndex = index;
    const replica = new LedgerState();
    applyGenesis(replica, this.genesis);
    const verified = new VerifiedTransactions(this.scheme, 4096);
    for (let h = 1; h < height; h++) {
      const block = executeBlock(replica, replica.committed, h, this.blocks[h - 1]!, verified);
      if ("reason" in block) throw new TraceLedgerError(`replaying block ${h}: ${block.reason}`);
      replica.commit(block.layer);
    }
    let layer: StateLayer = replica.committed;
    for (let i = 0; i < txIndex; i++) {
      const tx = verified.check(txs[i]!);
      if ("rejected" in tx) throw new TraceLedgerError(`replaying block ${height} transaction ${i}: ${tx.rejected}`);
      const writer = replica.begin(layer);
      executeTransaction(writer, tx, tx.id);
      layer = writer.finish(height);
    }
    return buildStepWitness(replica, layer, txs[txIndex]!, height);
  }
}
