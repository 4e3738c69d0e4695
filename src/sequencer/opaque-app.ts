/**
 * The consensus {@link Application} for opaque transactions: validators take
 * client transactions into an {@link OpaquePool}, gossip them once to the
 * other validators, put pending ones into blocks, and refuse a block that
 * repeats a transaction of its branch or of the committed chain.
 *
 * This is the placeholder application until the AssetVM sequencer: it gives
 * consensus real payloads and the validity checker real transactions.
 */
import type { AppContext, Application } from "../consensus/application.js";
import type { Block } from "../consensus/types.js";
import { OpaquePool, transactionId } from "../mempool/opaque-pool.js";
import { WireDecodeError } from "../net/codec.js";
import type { NodeId } from "../sim/node.js";
import { decodeTxMessage, decodeTxPayload, encodeTxMessage, encodeTxPayload } from "./opaque-payload.js";

/** Limits of the opaque application. */
export interface OpaqueAppConfig {
  /** Most transactions per block. */
  readonly blockTransactionsMax: number;
  /** Most pending transactions per validator. */
  readonly poolTransactionsMax: number;
  /** Largest transaction, bytes. */
  readonly transactionBytesMax: number;
}

/** One validator's opaque-transaction application (a fresh instance per boot). */
export class OpaqueTxApp implements Application {
  private readonly pool: OpaquePool;
  private readonly config: OpaqueAppConfig;
  private readonly payloadIds = new Map<Block, string[] | undefined>();

  constructor(config: OpaqueAppConfig) {
    this.config = config;
    this.pool = new OpaquePool({ transactionsMax: config.poolTransactionsMax, transactionBytesMax: config.transactionBytesMax });
  }

  /** Pending transactions (mempool depth). */
  get pendingCount(): number {
    return this.pool.size;
  }

  onAppMessage(ctx: AppContext, from: NodeId, data: Uint8Array): void {
    let message;
    try {
      message = decodeTxMessage(data);
    } catch (error) {
      if (error instanceof WireDecodeError) return ctx.log("reject", { from, type: "app", reason: error.message });
      throw error;
    }
    const fresh: Uint8Array[] = [];
    for (const tx of message.txs) {
      const result = this.pool.add(tx);
      if ("id" in result) fresh.push(tx);
      else if (result.rejected !== "duplicate" && result.rejected !== "already-committed") ctx.log("tx-rejected", { from, reason: result.rejected });
    }
    if (message.kind === "submit" && fresh.length > 0) {
      const gossip = encodeTxMessage({ kind: "gossip", txs: fresh });
      for (const peer of ctx.peers) ctx.sendApp(peer, gossip);
    }
  }

  buildPayload(_ctx: AppContext, branch: readonly Block[]): Uint8Array {
    return encodeTxPayload(this.pool.take(this.config.blockTransactionsMax, this.branchIds(branch) ?? new Set()));
  }

  verifyPayload(_ctx: AppContext, block: Block, branch: readonly Block[]): boolean {
    const ids = this.idsOf(block);
    const inBranch = this.branchIds(branch);
    if (ids === undefined || inBranch === undefined || ids.length > this.config.blockTransactionsMax) return false;
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id) || inBranch.has(id) || this.pool.isCommitted(id)) return false;
      seen.add(id);
    }
    return true;
  }

  commit(_ctx: AppContext, block: Block): void {
    this.restoreCommitted(block);
  }

  restoreCommitted(block: Block): void {
    this.pool.markCommitted(this.idsOf(block) ?? []);
    this.payloadIds.delete(block);
  }

  /** Transaction ids of a block's payload, or undefined when the payload is malformed. Memoized per block. */
  private idsOf(block: Block): string[] | undefined {
    if (this.payloadIds.has(block)) return this.payloadIds.get(block);
    let ids: string[] | undefined;
    try {
      ids = decodeTxPayload(block.payload).map((tx) => (tx.length > this.config.transactionBytesMax ? "" : transactionId(tx)));
      if (ids.includes("")) ids = undefined;
    } catch (error) {
      if (!(error instanceof WireDecodeError)) throw error;
      ids = undefined;
    }
    if (this.payloadIds.size > 1024) this.payloadIds.clear();
    this.payloadIds.set(block, ids);
    return ids;
  }

  private branchIds(branch: readonly Block[]): Set<string> | undefined {
    const ids = new Set<string>();
    for (const block of branch) {
      const blockIds = this.idsOf(block);
      if (blockIds === undefined) return undefined;
      for (const id of blockIds) ids.add(id);
    }
    return ids;
  }
}
